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

// RejectIssues returns the stage that rejects every record its decoder
// found issues in (a value of the wrong type, say, which the decoder left
// unset), with those issues, and checks nothing else: for runs that skip
// Validate, so that a value the decoder could not take is rejected rather
// than silently dropped from the output.
func RejectIssues() Stage {
	return func(ctx context.Context, b *Batch) error {
		b.Check(func(r *Record) profile.Issues { return r.Issues })
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
