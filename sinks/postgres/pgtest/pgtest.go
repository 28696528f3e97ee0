// Package pgtest gives tests an empty PostgreSQL schema of their own on the
// server named by FERRY_TEST_POSTGRES_URL (default
// postgres://postgres@127.0.0.1:5432/test). Tests skip when the server is
// unreachable, and fail instead when FERRY_REQUIRE_SERVICES=1.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultURL is the server tests use when FERRY_TEST_POSTGRES_URL is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// ServerURL returns the test server's URL, skipping (or failing, with
// FERRY_REQUIRE_SERVICES=1) the test when it cannot be reached.
func ServerURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("FERRY_TEST_POSTGRES_URL")
	if u == "" {
		u = DefaultURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		if os.Getenv("FERRY_REQUIRE_SERVICES") == "1" {
			t.Fatalf("postgres unreachable and FERRY_REQUIRE_SERVICES=1: %v", err)
		}
		t.Skipf("postgres unreachable (set FERRY_TEST_POSTGRES_URL): %v", err)
	}
	conn.Close(ctx)
	return u
}

// URL creates a schema with a random name, dropped when the test ends, and
// returns a URL whose search_path is that schema.
func URL(t testing.TB) string {
	t.Helper()
	base := ServerURL(t)
	var b [6]byte
	rand.Read(b[:])
	schema := "ferry_t_" + hex.EncodeToString(b[:])
	Exec(t, base, "CREATE SCHEMA "+schema)
	t.Cleanup(func() { Exec(t, base, "DROP SCHEMA "+schema+" CASCADE") })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Exec runs one statement on a connection of its own.
func Exec(t testing.TB, u, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// Connect opens a connection closed when the test ends.
func Connect(t testing.TB, u string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}
