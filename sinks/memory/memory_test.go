package memory_test

import (
	"errors"

	"testing"

	"github.com/ferry-dev/ferry/fixtures/sinktest"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
	"github.com/ferry-dev/ferry/sinks/memory"
)

func TestConformance(t *testing.T) {
	sinktest.Run(t,
		func(t *testing.T) pipeline.Sink { return memory.New() },
		func(t *testing.T, s pipeline.Sink) []profile.User {
			var us []profile.User
			for _, r := range s.(*memory.Sink).Records() {
				us = append(us, r.User)
			}
			return us
		})
}

func TestWrite_RejectsRecordWithoutKey(t *testing.T) {
	s := memory.New()
	us := sinktest.Users(0, 3)
	us[1].UserID, us[1].Email = "", ""
	b := sinktest.Batch("job", 0, 0, us)
	sinktest.Write(t, s, b)
	if len(b.Records) != 2 || len(b.Rejects) != 1 || b.Rejects[0].Issues[0].Code != profile.CodeRequired || b.Rejects[0].Origin.Index != 1 {
		t.Fatalf("records %d, rejects %+v; want 2 and record 1 refused with REQUIRED", len(b.Records), b.Rejects)
	}
	if b.Checkpoint.Counts.Written != 2 || b.Checkpoint.Counts.Rejected != 1 || b.Checkpoint.Counts.ByCode["REQUIRED"] != 1 {
		t.Errorf("checkpoint counts = %+v", b.Checkpoint.Counts)
	}
}

func TestWrite_KeepsCopies(t *testing.T) {
	s := memory.New()
	b := sinktest.Batch("job", 0, 0, sinktest.Users(0, 1))
	sinktest.Write(t, s, b)
	b.Records[0].User.AppMetadata[2] = 'X' // the caller reuses its buffers
	b.Records[0].User.Identities[0].Connection = "changed"
	sinktest.Equal(t, sinktest.Users(0, 1), []profile.User{s.Records()[0].User})
}

func TestWrite_AfterCloseFails(t *testing.T) {
	s := memory.New()
	s.Close(t.Context())
	if err := s.Write(t.Context(), sinktest.Batch("job", 0, 0, nil)); !errors.Is(err, memory.ErrClosed) {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}
}

func TestWrite_SameKeyTwiceInABatch(t *testing.T) {
	s := memory.New()
	sinktest.Write(t, s, sinktest.Batch("job", 0, 0, sinktest.Users(0, 1)))
	us := append(sinktest.Users(0, 2), sinktest.Users(0, 2)...) // user 0 stored, user 1 new
	us[2].GivenName, us[3].GivenName = "Later", "Later"
	b := sinktest.Batch("job", 1, 1, us)
	sinktest.Write(t, s, b)
	if want := (pipeline.WriteStats{Inserted: 1, Updated: 2, Unchanged: 1}); b.Written != want {
		t.Errorf("Written = %+v, want %+v", b.Written, want)
	}
	recs := s.Records()
	if len(recs) != 2 || recs[0].User.GivenName != "Later" || recs[1].User.GivenName != "Later" {
		t.Errorf("want both users as the later records left them, got %d records", len(recs))
	}
}
