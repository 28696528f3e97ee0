package passwords

import (
	"errors"
	"testing"
)

// fuzzLimits keeps every KDF the fuzzer reaches cheap.
var fuzzLimits = Limits{
	Argon2Memory: 64, Argon2Time: 2, Argon2Parallelism: 2, PBKDF2Iterations: 64, BcryptCost: 4,
	ScryptN: 16, ScryptR: 2, ScryptP: 1, ScryptMemory: 1 << 16, FirebaseMemCost: 2, FirebaseRounds: 2,
	CryptRounds: 1000, KeyLen: 128,
}

// FuzzIdentify checks that no input panics the parsers, the verifier or the
// converters, and that every error is one of the sentinels.
func FuzzIdentify(f *testing.F) {
	for _, v := range vectors {
		if h, err := v.parse(); err == nil {
			for _, tg := range targets {
				if s, err := tg.to(h); err == nil {
					f.Add(s)
				}
			}
		}
	}
	f.Add("$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K")
	f.Add("{SSHA}0c0blFTXXNuAMHECS4uxrj3ZieMoWImr")
	f.Add("$6$rounds=1000$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := Identify(s)
		if err != nil {
			if !errors.Is(err, ErrUnknownFormat) && !errors.Is(err, ErrMalformed) &&
				!errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrUnusable) {
				t.Fatalf("Identify error outside the sentinels: %v", err)
			}
			return
		}
		_, _ = h.VerifyWithin([]byte("password"), fuzzLimits)
		for _, tg := range targets {
			_, _ = tg.to(h)
		}
		_, _, _ = h.BreachKey()
		_ = Classify(h)
		_, _ = ParseKratos(s)
	})
}
