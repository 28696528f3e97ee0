package postgres

import (
	"context"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile/query"
	store "github.com/ferry-dev/ferry/sinks/postgres"
	"github.com/ferry-dev/ferry/sinks/postgres/pgtest"
	"github.com/ferry-dev/ferry/sources/internal/sqlsource/sqlsourcetest"
)

func TestStore(t *testing.T) {
	sqlsourcetest.Run(t, sqlsourcetest.Store{
		URL: namedURL,
		Sink: func(t testing.TB, u, connection string) pipeline.Sink {
			s, err := store.Open(t.Context(), u, store.Options{Connection: connection})
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		Open: func(ctx context.Context, u string, opts Options) (pipeline.Source, error) {
			src, err := Open(ctx, u, opts)
			if err != nil {
				return nil, err // not a nil *Source in the interface
			}
			return src, nil
		},
		Exec:              pgtest.Exec,
		Numbered:          true,
		Query:             query.Postgres,
		QueryColumns:      store.QueryColumns(),
		DefaultConnection: store.DefaultConnection,
		Corrupt:           "UPDATE users SET extra = '[1]' WHERE user_id = $1",
		Kill:              kill,
	})
}

// namedURL returns the URL of a new schema, with the schema's name as the
// application_name of its connections, so that kill finds them.
func namedURL(t testing.TB) string {
	u, err := url.Parse(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("application_name", q.Get("search_path"))
	u.RawQuery = q.Encode()
	return u.String()
}

// kill ends the connections made with u (see namedURL) and returns how
// many it ended. It finds them first and ends them one by one: in one
// statement the planner may call pg_terminate_backend before filtering.
func kill(t testing.TB, u string) int {
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	conn := pgtest.Connect(t, pgtest.ServerURL(t))
	defer conn.Close(t.Context())
	rows, err := conn.Query(t.Context(), "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()",
		pu.Query().Get("application_name"))
	if err != nil {
		t.Fatal(err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, pid := range pids {
		var ended bool
		if err := conn.QueryRow(t.Context(), "SELECT pg_terminate_backend($1)", pid).Scan(&ended); err == nil && ended {
			n++
		}
	}
	return n
}
