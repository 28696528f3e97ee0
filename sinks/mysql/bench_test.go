package mysql

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/fixtures/sinktest"
	"github.com/ferry-dev/ferry/profile"
	"github.com/ferry-dev/ferry/sinks/mysql/mysqltest"
)

const benchBatch = 1000

// benchUsers returns batch i of new users: a pool of realistic users
// (about 1 KB of columns each) renumbered so that keys never repeat, or,
// with existing, the same users again with one upsertable change.
func benchUsers(pool []profile.User, i int, existing bool) []profile.User {
	n := len(pool) / benchBatch
	us := make([]profile.User, benchBatch)
	copy(us, pool[i%n*benchBatch:(i%n+1)*benchBatch])
	for k := range us {
		if existing {
			us[k].GivenName = fmt.Sprintf("%08x", i)
			continue
		}
		tag := fmt.Sprintf("%08x", i*benchBatch+k)
		us[k].UserID = us[k].UserID[:len(us[k].UserID)-8] + tag
		us[k].Email = tag + us[k].Email
		if us[k].Username != "" {
			us[k].Username = tag + us[k].Username
		}
	}
	return us
}

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
	u := mysqltest.URL(b)
	s, err := Open(b.Context(), u, opts)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(b.Context())
	pool := sinktest.Users(0, 8*benchBatch)
	if existing {
		for i := range 8 {
			w := sinktest.Batch("seed", uint64(i), 0, pool[i*benchBatch:(i+1)*benchBatch])
			if err := s.Write(b.Context(), w); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportAllocs()
	var busy, server time.Duration
	i := 0
	for b.Loop() {
		b.StopTimer()
		batch := sinktest.Batch("bench", uint64(i), int64(i*benchBatch), benchUsers(pool, i, existing))
		c0 := mysqldCPU()
		b.StartTimer()
		start := time.Now()
		if err := s.Write(b.Context(), batch); err != nil {
			b.Fatal(err)
		}
		busy += time.Since(start)
		b.StopTimer()
		server += mysqldCPU() - c0
		b.StartTimer()
		if len(batch.Rejects) > 0 {
			b.Fatalf("batch %d: %d rejects: %s", i, len(batch.Rejects), batch.Rejects[0].Issues.Error())
		}
		i++
	}
	b.ReportMetric(float64(i*benchBatch)/busy.Seconds(), "users/s")
	b.ReportMetric(float64(server.Milliseconds())/float64(i), "server-ms/op")
}
