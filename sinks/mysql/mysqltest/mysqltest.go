// Package mysqltest gives tests an empty MySQL/MariaDB database of their
// own on the server named by FERRY_TEST_MYSQL_URL (default
// mysql://root@127.0.0.1:3306/test). Tests skip when the server is
// unreachable, and fail instead when FERRY_REQUIRE_SERVICES=1.
package mysqltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// DefaultURL is the server tests use when FERRY_TEST_MYSQL_URL is unset.
const DefaultURL = "mysql://root@127.0.0.1:3306/test"

// ServerURL returns the test server's URL, skipping (or failing, with
// FERRY_REQUIRE_SERVICES=1) the test when it cannot be reached.
func ServerURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("FERRY_TEST_MYSQL_URL")
	if u == "" {
		u = DefaultURL
	}
	db := Open(t, u)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		if os.Getenv("FERRY_REQUIRE_SERVICES") == "1" {
			t.Fatalf("mysql unreachable and FERRY_REQUIRE_SERVICES=1: %v", err)
		}
		t.Skipf("mysql unreachable (set FERRY_TEST_MYSQL_URL): %v", err)
	}
	return u
}

// URL creates a database with a random name, dropped when the test ends,
// and returns its URL.
func URL(t testing.TB) string {
	t.Helper()
	base := ServerURL(t)
	var b [6]byte
	rand.Read(b[:])
	name := "ferry_t_" + hex.EncodeToString(b[:])
	Exec(t, base, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4")
	t.Cleanup(func() { Exec(t, base, "DROP DATABASE "+name) })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// Open returns a handle on the database of u (mysql://…), closed when the
// test ends.
func Open(t testing.TB, u string) *sql.DB {
	t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	cfg := mysql.NewConfig()
	cfg.User = pu.User.Username()
	cfg.Passwd, _ = pu.User.Password()
	cfg.Net, cfg.Addr = "tcp", pu.Host
	if pu.Port() == "" {
		cfg.Addr += ":3306"
	}
	cfg.DBName = pu.Path[1:]
	cfg.InterpolateParams = true
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(4)
	t.Cleanup(func() { db.Close() })
	return db
}

// Exec runs one statement on the database of u.
func Exec(t testing.TB, u, stmt string, args ...any) {
	t.Helper()
	db := Open(t, u)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, stmt, args...); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
	db.Close()
}
