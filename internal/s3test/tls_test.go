//go:build s3tls

package s3test

import (
	"os"
	"testing"
)

// TestTLS_RunsOverHTTPS makes sure that a run tagged s3tls (the CI step of
// scripts/versitygw-tls.sh) really talks to an HTTPS endpoint instead of
// falling back to the embedded plain-HTTP gateway.
func TestTLS_RunsOverHTTPS(t *testing.T) {
	if os.Getenv(EnvEndpoint) == "" {
		t.Fatalf("built with -tags s3tls but %s is not set", EnvEndpoint)
	}
	if s := Need(t, srv); !s.TLS() {
		t.Fatalf("endpoint %s is not HTTPS", s.Endpoint)
	}
	TestServer_PutThenGet(t)
}
