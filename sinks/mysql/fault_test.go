package mysql

import (
	"strconv"
	"testing"

	"github.com/ferry-dev/ferry/sinks/internal/sqlstore/storetest"
	"github.com/ferry-dev/ferry/sinks/mysql/mysqltest"
)

// kill kills the server connection id, as a DBA or a failover would.
func kill(t *testing.T, id int64) {
	t.Helper()
	mysqltest.Exec(t, mysqltest.ServerURL(t), "KILL CONNECTION "+strconv.FormatInt(id, 10))
}

// stored returns how many users the database holds and how many distinct
// user_ids they have.
func stored(t *testing.T, url string) (rows, distinct int) {
	t.Helper()
	db := mysqltest.Open(t, url)
	if err := db.QueryRowContext(t.Context(), "SELECT count(*), count(DISTINCT user_id) FROM users").Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	return rows, distinct
}

// faulty opens a store in the database of url for storetest.Faults.
func faulty(t *testing.T, url string, r storetest.Retry) storetest.Faulty {
	s := openTest(t, url, Options{Retries: r.Retries, MinBackoff: r.MinBackoff, MaxBackoff: r.MaxBackoff})
	killConn := func() bool {
		if s.conn == nil { // none until the next batch reconnects
			return false
		}
		kill(t, s.connID)
		return true
	}
	return storetest.Faulty{Sink: s, BeforeCommit: func(hook func()) { s.beforeCommit = hook }, Kill: killConn}
}

func TestFault(t *testing.T) {
	storetest.Faults(t, storetest.FaultTarget{NewDB: mysqltest.URL, Open: faulty, Stored: stored, Retryable: Retryable})
}
