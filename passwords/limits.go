package passwords

import (
	"fmt"
	"math/bits"
)

// Limits bounds the cost parameters a hash may claim before Verify runs its
// KDF, so that a record claiming 2^40 iterations is rejected in
// microseconds instead of hanging the pipeline. The zero value means the
// defaults listed on each field (Ory Kratos' ceilings where it has one).
type Limits struct {
	Argon2Memory      uint32 // KiB; default 1 GiB (1<<20)
	Argon2Time        int    // default 10
	Argon2Parallelism int    // default 16
	PBKDF2Iterations  int    // default 10,000,000
	BcryptCost        int    // default 31 (bcrypt's own maximum)
	ScryptN           int    // default 2^20
	ScryptR           int    // default 32
	ScryptP           int    // default 16
	ScryptMemory      int    // bytes of 128·N·r·p; default 1 GiB
	FirebaseMemCost   int    // default 14 (Firebase's CLI maximum)
	FirebaseRounds    int    // default 8 (Firebase's CLI maximum)
	CryptRounds       int    // SHA-crypt rounds; default 10,000,000
	KeyLen            int    // derived key, signer key and digest bytes; default 1024
}

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	if l.Argon2Memory == 0 {
		l.Argon2Memory = 1 << 20
	}
	def(&l.Argon2Time, 10)
	def(&l.Argon2Parallelism, 16)
	def(&l.PBKDF2Iterations, 10_000_000)
	def(&l.BcryptCost, 31)
	def(&l.ScryptN, 1<<20)
	def(&l.ScryptR, 32)
	def(&l.ScryptP, 16)
	def(&l.ScryptMemory, 1<<30)
	def(&l.FirebaseMemCost, 14)
	def(&l.FirebaseRounds, 8)
	def(&l.CryptRounds, 10_000_000)
	def(&l.KeyLen, 1024)
	return l
}

// CheckLimits reports, without running any KDF, whether h's parameters are
// sane and within lim. The error wraps ErrParamsOutOfBounds for a cost
// above a limit and ErrMalformed for a parameter no implementation accepts.
func (h Hash) CheckLimits(lim Limits) error {
	l := lim.withDefaults()
	name := h.Name()
	out := func(param string, v, max int64) error {
		return fmt.Errorf("%w: %s: %s %d over limit %d", ErrParamsOutOfBounds, name, param, v, max)
	}
	if len(h.Sum) > l.KeyLen || h.KeyLen > l.KeyLen || len(h.Key) > l.KeyLen {
		return fmt.Errorf("%w: %s: key length over limit %d", ErrParamsOutOfBounds, name, l.KeyLen)
	}
	switch h.Algorithm {
	case Bcrypt:
		if h.Cost < 4 || h.Cost > 31 {
			return malformed(name, "cost")
		}
		if h.Cost > l.BcryptCost {
			return out("cost", int64(h.Cost), int64(l.BcryptCost))
		}
	case Argon2id, Argon2i, Argon2d:
		switch {
		case h.Iterations < 1 || h.Parallelism < 1 || h.Parallelism > 255:
			return malformed(name, "t or p")
		case h.Memory < 8*uint32(h.Parallelism):
			return malformed(name, "m below 8·p")
		case len(h.Sum) < 4:
			return malformed(name, "hash length")
		case h.Memory > l.Argon2Memory:
			return out("m", int64(h.Memory), int64(l.Argon2Memory))
		case h.Iterations > l.Argon2Time:
			return out("t", int64(h.Iterations), int64(l.Argon2Time))
		case h.Parallelism > l.Argon2Parallelism:
			return out("p", int64(h.Parallelism), int64(l.Argon2Parallelism))
		}
	case PBKDF2:
		switch {
		case h.Iterations < 1:
			return malformed(name, "iterations")
		case h.keyLen() < 1:
			return malformed(name, "key length")
		case h.Iterations > l.PBKDF2Iterations:
			return out("iterations", int64(h.Iterations), int64(l.PBKDF2Iterations))
		}
	case Scrypt, FirebaseScrypt:
		if h.N < 2 || bits.OnesCount(uint(h.N)) != 1 || h.BlockSize < 1 || h.Parallelism < 1 {
			return malformed(name, "N, r or p")
		}
		if h.Algorithm == FirebaseScrypt {
			memCost := bits.TrailingZeros(uint(h.N))
			if memCost > l.FirebaseMemCost {
				return out("mem_cost", int64(memCost), int64(l.FirebaseMemCost))
			}
			if h.BlockSize > l.FirebaseRounds {
				return out("rounds", int64(h.BlockSize), int64(l.FirebaseRounds))
			}
			if len(h.Key) == 0 {
				return malformed(name, "signer key")
			}
		} else if h.keyLen() < 1 {
			return malformed(name, "key length")
		}
		switch {
		case h.N > l.ScryptN:
			return out("N", int64(h.N), int64(l.ScryptN))
		case h.BlockSize > l.ScryptR:
			return out("r", int64(h.BlockSize), int64(l.ScryptR))
		case h.Parallelism > l.ScryptP:
			return out("p", int64(h.Parallelism), int64(l.ScryptP))
		case int64(128)*int64(h.N)*int64(h.BlockSize)*int64(h.Parallelism) > int64(l.ScryptMemory):
			return out("memory", int64(128)*int64(h.N)*int64(h.BlockSize)*int64(h.Parallelism), int64(l.ScryptMemory))
		}
	case SHA256Crypt, SHA512Crypt:
		if h.Iterations > l.CryptRounds {
			return out("rounds", int64(h.Iterations), int64(l.CryptRounds))
		}
	}
	return nil
}
