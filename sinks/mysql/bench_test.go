package mysql

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/sinks/internal/sqlstore/storetest"
	"github.com/ferry-dev/ferry/sinks/mysql/mysqltest"
)

// mysqldCPU returns the CPU time the MariaDB/MySQL server has used, when it
// runs on this machine (0 otherwise).
func mysqldCPU() time.Duration {
	for _, name := range []string{"mariadbd", "mysqld"} {
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			comm, err := os.ReadFile("/proc/" + e.Name() + "/comm")
			if err != nil || strings.TrimSpace(string(comm)) != name {
				continue
			}
			b, _ := os.ReadFile("/proc/" + e.Name() + "/stat")
			s := string(b)
			f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
			u, _ := strconv.Atoi(f[11])
			k, _ := strconv.Atoi(f[12])
			return time.Duration(u+k) * 10 * time.Millisecond
		}
	}
	return 0
}

// BenchmarkImport measures the import fast path: batches of 1000 new users
// into an empty store, one transaction with its checkpoint each. One op is
// one batch; users/s is wall time, server-ms/op the server's CPU per batch
// when it runs on this machine.
func BenchmarkImport(b *testing.B) { benchImport(b, Options{}, false) }

// BenchmarkImport_Insert is BenchmarkImport with multi-row INSERTs as the
// bulk insert instead of LOAD DATA LOCAL INFILE.
func BenchmarkImport_Insert(b *testing.B) { benchImport(b, Options{insertOnly: true}, false) }

// BenchmarkImport_Upsert measures upserts of users that all exist and
// changed: every record goes the slow, exact way.
func BenchmarkImport_Upsert(b *testing.B) { benchImport(b, Options{Upsert: true}, true) }

func benchImport(b *testing.B, opts Options, existing bool) {
	storetest.BenchImport(b, openTest(b, mysqltest.URL(b), opts), existing, mysqldCPU)
}
