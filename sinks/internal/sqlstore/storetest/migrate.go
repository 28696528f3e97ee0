package storetest

import (
	"context"
	"strings"
	"sync"
	"testing"
)

// Schema is a store's schema migration, on connections of type C, for
// Migrations.
type Schema[C any] struct {
	// NewDB creates a new, empty database, dropped when the test ends, and
	// returns its URL.
	NewDB func(t testing.TB) string
	// Exec runs one statement on the database of url.
	Exec func(t testing.TB, url, stmt string, args ...any)
	// Connect opens a connection to the database of url, closed when the
	// test ends at the latest. It may be called from several goroutines.
	Connect func(t *testing.T, url string) (C, error)
	// QueryRow runs a query of one row on conn and scans it into dest.
	QueryRow func(ctx context.Context, conn C, query string, dest ...any) error
	// Migrate and Version are the store's.
	Migrate func(ctx context.Context, conn C) error
	Version func(ctx context.Context, conn C) (int, error)
	// Latest is the store's SchemaVersion.
	Latest int
	// Concurrent is how many connections migrate the new database at once.
	Concurrent int
	// Newer is a statement that records in ferry_schema a version newer
	// than Latest.
	Newer string
}

// Migrations migrates a new database from several connections at once,
// then again, checks the version, and checks that a store of a newer
// version is left alone.
func Migrations[C any](t *testing.T, s Schema[C]) {
	u := s.NewDB(t)
	var wg sync.WaitGroup
	errs := make([]error, s.Concurrent)
	for i := range errs {
		wg.Go(func() {
			conn, err := s.Connect(t, u)
			if err != nil {
				errs[i] = err
				return
			}
			errs[i] = s.Migrate(t.Context(), conn)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	conn, err := s.Connect(t, u)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(t.Context(), conn); err != nil {
		t.Fatal(err)
	}
	v, err := s.Version(t.Context(), conn)
	if err != nil || v != s.Latest {
		t.Fatalf("Version = %d, %v; want %d", v, err, s.Latest)
	}
	var n int
	if err := s.QueryRow(t.Context(), conn, "SELECT count(*) FROM ferry_schema", &n); err != nil || n != s.Latest {
		t.Errorf("ferry_schema has %d rows, %v; want %d", n, err, s.Latest)
	}
	s.Exec(t, u, s.Newer)
	if err := s.Migrate(t.Context(), conn); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("Migrate of a newer store = %v, want ErrSchemaTooNew", err)
	}
}
