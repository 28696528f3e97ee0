package jsonobject_test

import (
	"testing"

	"github.com/ferry-dev/ferry/formats/internal/jsonobject"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

// BenchmarkDecode_ProviderExport decodes a Firebase export's user: seven
// members the alias table maps and four it keeps as unknown attributes.
func BenchmarkDecode_ProviderExport(b *testing.B) {
	obj := []byte(`{"localId":"ZDY3YjRhNTItZGQ4","email":"ana.lima@example.com","emailVerified":true,` +
		`"passwordHash":"lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==",` +
		`"salt":"42xEC+ixf3L2lw==","displayName":"Ana Lima","photoUrl":"https://example.com/a.png",` +
		`"lastSignedInAt":"1700000000000","createdAt":"1600000000000","disabled":false,` +
		`"customAttributes":"{\"role\":\"admin\"}","providerUserInfo":[{"providerId":"google.com","rawId":"1"}],"tenantId":"t1"}`)
	m := jsonobject.NewNames(&profile.Mapping{})
	batch := &pipeline.Batch{}
	b.ReportAllocs()
	for b.Loop() {
		batch.Records, batch.Rejects = batch.Records[:0], batch.Rejects[:0]
		jsonobject.Decode(batch, pipeline.Position{}, obj, "not an object", m)
	}
}
