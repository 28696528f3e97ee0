package mysql

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	mysqldriver "github.com/go-sql-driver/mysql"
)

func TestScrub_ElidesWhatTheServerQuoted(t *testing.T) {
	tests := []struct{ msg, want string }{
		{"Duplicate entry 'zz-secret@example.com' for key 'users.email'", "Duplicate entry '…' for key '…'"},
		{"You have an error in your SQL syntax; check the manual near 'Zebulon', 'x')' at line 1", "You have an error in your SQL syntax; check the manual near '…', '…')'…"},
		{"Incorrect string value: '\\xFF' for column 'nickname' at row 3", "Incorrect string value: '…' for column '…' at row 3"},
		{"unterminated 'zz-secret", "unterminated '…"},
	}
	for _, tt := range tests {
		me := &mysqldriver.MySQLError{Number: 1062, SQLState: [5]byte{'2', '3', '0', '0', '0'}, Message: tt.msg}
		err := scrub(fmt.Errorf("insert 3 rows: %w", me))
		if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "zz-secret") || strings.Contains(err.Error(), "Zebulon") {
			t.Errorf("scrub(%q) = %q, want it to hold %q", tt.msg, err, tt.want)
		}
		var got *mysqldriver.MySQLError
		if !errors.As(err, &got) || got != me {
			t.Errorf("scrub(%q) does not unwrap to the server's error", tt.msg)
		}
	}
	plain := errors.New("connection refused")
	if scrub(plain) != plain {
		t.Error("scrub changed an error without a server message")
	}
}
