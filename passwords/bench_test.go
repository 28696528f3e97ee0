package passwords

import (
	"testing"
	"time"
)

// benchHashes are hashes at the default parameters of the systems ferry
// migrates between. Their sums are arbitrary: a mismatch costs as much as a
// match.
var benchHashes = []struct {
	name string
	h    Hash
}{
	{"bcrypt-cost10", Hash{Algorithm: Bcrypt, Variant: "2b", Cost: 10, Salt: []byte("nFguVi9LsCAcvTZFKQlRKe"), Sum: []byte("LVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K")}},
	{"bcrypt-cost12", Hash{Algorithm: Bcrypt, Variant: "2b", Cost: 12, Salt: []byte("nFguVi9LsCAcvTZFKQlRKe"), Sum: []byte("LVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K")}},
	{"argon2id-m64MiB-t2-p1", Hash{Algorithm: Argon2id, Version: 19, Memory: 65536, Iterations: 2, Parallelism: 1, Salt: make([]byte, 16), Sum: make([]byte, 32)}},
	{"argon2id-keycloak-m7MiB-t5-p1", Hash{Algorithm: Argon2id, Version: 19, Memory: 7168, Iterations: 5, Parallelism: 1, Salt: make([]byte, 16), Sum: make([]byte, 32)}},
	{"pbkdf2-sha256-i27500", Hash{Algorithm: PBKDF2, Digest: DigestSHA256, Iterations: 27500, Salt: make([]byte, 16), Sum: make([]byte, 32)}},
	{"pbkdf2-sha256-i600000", Hash{Algorithm: PBKDF2, Digest: DigestSHA256, Iterations: 600000, Salt: make([]byte, 16), Sum: make([]byte, 32)}},
	{"pbkdf2-sha512-i100000-l64", Hash{Algorithm: PBKDF2, Digest: DigestSHA512, Iterations: 100000, Salt: make([]byte, 16), Sum: make([]byte, 64)}},
	{"pbkdf2-sha512-i210000", Hash{Algorithm: PBKDF2, Digest: DigestSHA512, Iterations: 210000, Salt: make([]byte, 16), Sum: make([]byte, 64)}},
	{"scrypt-N16384-r8-p1", Hash{Algorithm: Scrypt, N: 16384, BlockSize: 8, Parallelism: 1, Salt: make([]byte, 16), Sum: make([]byte, 32)}},
	{"firebase-scrypt-r8-m14", Hash{Algorithm: FirebaseScrypt, N: 1 << 14, BlockSize: 8, Parallelism: 1, Salt: make([]byte, 10), SaltSeparator: []byte{7}, Key: make([]byte, 64), Sum: make([]byte, 64)}},
	{"sha512-crypt-5000", Hash{Algorithm: SHA512Crypt, Salt: []byte("saltstring"), Sum: make([]byte, 86)}},
	{"sha256-crypt-5000", Hash{Algorithm: SHA256Crypt, Salt: []byte("saltstring"), Sum: make([]byte, 43)}},
	{"md5-crypt", Hash{Algorithm: MD5Crypt, Salt: []byte("saltstri"), Sum: make([]byte, 22)}},
	{"hmac-sha256", Hash{Algorithm: HMAC, Digest: DigestSHA256, Key: []byte("key"), Sum: make([]byte, 32)}},
	{"sha256-salted", Hash{Algorithm: SHA256, Salt: []byte("salt"), Sum: make([]byte, 32)}},
	{"sha1", Hash{Algorithm: SHA1, Sum: make([]byte, 20)}},
	{"ntlm", Hash{Algorithm: MD4, PasswordEncoding: EncodingUTF16LE, Sum: make([]byte, 16)}},
}

// BenchmarkVerify measures one verification per algorithm at common
// default parameters, for planning lazy-migration audits.
func BenchmarkVerify(b *testing.B) {
	pw := []byte("correct horse battery staple")
	for _, bh := range benchHashes {
		b.Run(bh.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bh.h.Verify(pw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAudit measures candidates tried per second against a salted
// SHA-256 hash (the audit path reuses one matcher).
func BenchmarkAudit(b *testing.B) {
	cands := make([][]byte, 10000)
	for i := range cands {
		cands[i] = []byte("password" + string(rune('a'+i%26)) + "x")
	}
	h := Hash{Algorithm: SHA256, Salt: []byte("salt"), Sum: make([]byte, 32)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Audit(h, cands, time.Minute); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(cands))*float64(b.N)/b.Elapsed().Seconds(), "candidates/s")
}

// BenchmarkIdentify measures parsing, the per-record cost of hash
// bookkeeping in a pipeline.
func BenchmarkIdentify(b *testing.B) {
	for _, tt := range []struct{ name, s string }{
		{"bcrypt", "$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K"},
		{"argon2id", "$argon2id$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw"},
		{"django-pbkdf2", "pbkdf2_sha256$10000$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY="},
	} {
		s := tt.s
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Identify(s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLabel measures the prefix-only label used for per-algorithm
// counts.
func BenchmarkLabel(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if Label("$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI") == "" {
			b.Fatal("no label")
		}
	}
}
