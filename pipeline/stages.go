package pipeline

import (
	"context"

	"github.com/ferry-dev/ferry/profile"
)

// Normalize returns the stage that normalizes every record in place.
func Normalize(opts profile.NormalizeOptions) Stage {
	return func(ctx context.Context, b *Batch) error {
		for i := range b.Records {
			profile.Normalize(&b.Records[i].User, opts)
		}
		return nil
	}
}

// Validate returns the stage that rejects every record with issues,
// together with the issues its decoder found.
func Validate(opts profile.ValidateOptions) Stage {
	return func(ctx context.Context, b *Batch) error {
		b.Check(func(r *Record) profile.Issues {
			is := profile.Validate(&r.User, opts)
			if len(r.Issues) > 0 {
				is = append(r.Issues, is...)
			}
			return is
		})
		return nil
	}
}

// Filter returns the stage that keeps only the records match accepts;
// the others count as filtered.
func Filter(match func(u *profile.User) bool) Stage {
	return func(ctx context.Context, b *Batch) error {
		b.Keep(func(r *Record) bool { return match(&r.User) })
		return nil
	}
}

// StripSecrets returns the stage that removes password hashes, MFA factors
// and provider tokens from every record.
func StripSecrets() Stage {
	return func(ctx context.Context, b *Batch) error {
		for i := range b.Records {
			profile.StripSecrets(&b.Records[i].User)
		}
		return nil
	}
}
