package mysql

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile/query"
	store "github.com/ferry-dev/ferry/sinks/mysql"
	"github.com/ferry-dev/ferry/sinks/mysql/mysqltest"
	"github.com/ferry-dev/ferry/sources/internal/sqlsource/sqlsourcetest"
)

func TestStore(t *testing.T) {
	sqlsourcetest.Run(t, sqlsourcetest.Store{
		URL: mysqltest.URL,
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
		Exec:              mysqltest.Exec,
		Query:             query.MySQL,
		QueryColumns:      store.QueryColumns(),
		DefaultConnection: store.DefaultConnection,
		RowIDKeys:         true,
		Corrupt:           "UPDATE users SET extra = '[1]' WHERE user_id = ?",
		Kill:              kill,
	})
}

// kill ends the connections to the database of u and returns how many it
// ended.
func kill(t testing.TB, u string) int {
	server := mysqltest.Open(t, mysqltest.ServerURL(t))
	db := u[strings.LastIndexByte(u, '/')+1:]
	rows, err := server.QueryContext(t.Context(), "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ?", db)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	n := 0
	for _, id := range ids {
		if _, err := server.ExecContext(t.Context(), "KILL CONNECTION "+strconv.FormatInt(id, 10)); err == nil {
			n++
		}
	}
	return n
}
