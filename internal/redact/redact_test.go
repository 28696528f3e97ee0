package redact

import (
	"strings"
	"testing"
)

func TestURL_HidesEveryPassword(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://u:pw@h:5432/db?sslmode=disable", "postgres://u:xxxxx@h:5432/db?sslmode=disable"},
		{"postgres://h/db?password=pw", "postgres://h/db?password=xxxxx"},
		{"postgres://u@h/db?sslmode=verify-full&sslpassword=pw", "postgres://u@h/db?sslmode=verify-full&sslpassword=xxxxx"},
		{"postgres://u@h/db", "postgres://u@h/db"},
		{"postgres://h/db", "postgres://h/db"},
		{"mysql://root@127.0.0.1:3306/test", "mysql://root@127.0.0.1:3306/test"},
		// Passwords that defeat URL parsing.
		{"postgres://zzuser:1234#P4ssw0rd@h/db", "postgres://zzuser:xxxxx@h/db"},
		{"mysql://zzuser:5551234567?P4ssw0rd@h/db", "mysql://zzuser:xxxxx@h/db"},
		{"postgres://u:a/b@c@h:5432/db", "postgres://u:xxxxx@h:5432/db"},
		{"postgres://u:p%40ss@h/db", "postgres://u:xxxxx@h/db"},
		{"not a url", "not a url"},
	}
	for _, tt := range tests {
		got := URL(tt.in)
		if got != tt.want {
			t.Errorf("URL(%q) = %q, want %q", tt.in, got, tt.want)
		}
		for _, secret := range []string{"P4ssw0rd", "pw@", "p%40ss", "a/b@c"} {
			if strings.Contains(tt.in, secret) && strings.Contains(got, secret) {
				t.Errorf("URL(%q) = %q: holds %q", tt.in, got, secret)
			}
		}
	}
}
