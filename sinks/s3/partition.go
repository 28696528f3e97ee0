package s3

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ferry-dev/ferry/profile"
)

// ErrPartitionBy is returned for a malformed --partition-by.
var ErrPartitionBy = errors.New("invalid partition")

// DefaultPartition is the folder value of a user that has no value for a
// partition field, as Hive names it.
const DefaultPartition = "__HIVE_DEFAULT_PARTITION__"

// partitionField is one level of Hive-style partitioning: a folder
// "column=value/" whose value is taken from each user.
type partitionField struct {
	spec   string // as given, e.g. "created_at:month"
	column string // folder name, e.g. "created_at_month"
	value  func(u *profile.User, dst []byte) []byte
}

// parsePartitionBy parses specs such as "connection" or "created_at:month"
// (also several in one comma-separated string). A field is an attribute
// path as in --fields (connection and provider stand for those of the
// first identity); a time field takes a granularity: year, month, day or
// hour (UTC).
func parsePartitionBy(specs []string) ([]partitionField, error) {
	var fs []partitionField
	seen := map[string]bool{}
	for _, list := range specs {
		for spec := range strings.SplitSeq(list, ",") {
			spec = strings.TrimSpace(spec)
			if spec == "" {
				continue
			}
			f, err := parseField(spec)
			if err != nil {
				return nil, err
			}
			if seen[f.column] {
				return nil, fmt.Errorf("%w: %q given twice", ErrPartitionBy, spec)
			}
			seen[f.column] = true
			fs = append(fs, f)
		}
	}
	return fs, nil
}

var units = map[string]string{"year": "2006", "month": "2006-01", "day": "2006-01-02", "hour": "2006-01-02-15"}

func parseField(spec string) (partitionField, error) {
	path, unit, hasUnit := strings.Cut(spec, ":")
	switch path {
	case "connection":
		path = "identities[0].connection"
	case "provider":
		path = "identities[0].provider"
	}
	if path == "" || strings.ContainsAny(path, " /=") {
		return partitionField{}, fmt.Errorf("%w: %q is not a field path", ErrPartitionBy, spec)
	}
	f := partitionField{spec: spec, column: column(spec)}
	tf := timeField(path)
	if !hasUnit {
		if tf != nil {
			unit = "day"
		} else {
			f.value = func(u *profile.User, dst []byte) []byte {
				v, _ := u.GetText(path)
				return append(dst, v...)
			}
			return f, nil
		}
	}
	layout, ok := units[unit]
	if !ok {
		return partitionField{}, fmt.Errorf("%w: %q: the granularity must be year, month, day or hour", ErrPartitionBy, spec)
	}
	if !hasUnit {
		f.column = column(path + ":" + unit)
	}
	if tf == nil {
		// A time held in metadata or an unknown attribute, as RFC 3339 text.
		tf = func(u *profile.User) time.Time {
			v, _ := u.GetText(path)
			t, _ := time.Parse(time.RFC3339Nano, v)
			return t
		}
	}
	f.value = func(u *profile.User, dst []byte) []byte {
		t := tf(u)
		if t.IsZero() {
			return dst
		}
		return t.UTC().AppendFormat(dst, layout)
	}
	return f, nil
}

// timeField returns the accessor of a root time attribute, or nil.
func timeField(path string) func(u *profile.User) time.Time {
	switch path {
	case "created_at":
		return func(u *profile.User) time.Time { return u.CreatedAt }
	case "updated_at":
		return func(u *profile.User) time.Time { return u.UpdatedAt }
	case "last_login":
		return func(u *profile.User) time.Time { return u.LastLogin }
	case "last_password_reset":
		return func(u *profile.User) time.Time { return u.LastPasswordReset }
	}
	return nil
}

// column names a partition folder after its spec: "created_at:month" is
// "created_at_month", "app_metadata.plan" is "app_metadata_plan".
func column(spec string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(spec) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else if r != ']' {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// appendPath appends the partition folders of u, e.g.
// "connection=google-oauth2/created_at_month=2024-05/", escaping values as
// Hive does.
func appendPath(dst []byte, fs []partitionField, u *profile.User, scratch []byte) ([]byte, []byte) {
	for _, f := range fs {
		dst = append(dst, f.column...)
		dst = append(dst, '=')
		scratch = f.value(u, scratch[:0])
		if len(scratch) == 0 {
			dst = append(dst, DefaultPartition...)
		} else {
			dst = escape(dst, scratch)
		}
		dst = append(dst, '/')
	}
	return dst, scratch
}

// escape appends v with the characters Hive escapes in partition folder
// names written as %XX.
func escape(dst, v []byte) []byte {
	const hex = "0123456789ABCDEF"
	for _, c := range v {
		if escaped[c] {
			dst = append(dst, '%', hex[c>>4], hex[c&15])
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

// escaped marks the bytes escape writes as %XX: control characters and
// "#%'*/:=?\{[]^.
var escaped = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t[0x7f] = true
	for _, c := range []byte("\"#%'*/:=?\\{[]^") {
		t[c] = true
	}
	return t
}()

// partitionValues splits a partition path back into its columns and
// (escaped) values, for the manifest.
func partitionValues(path string) map[string]string {
	if path == "" {
		return nil
	}
	m := map[string]string{}
	for seg := range strings.SplitSeq(strings.TrimSuffix(path, "/"), "/") {
		k, v, _ := strings.Cut(seg, "=")
		m[k] = v
	}
	return m
}
