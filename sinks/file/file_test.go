package file_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/formats/ndjson"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
	"github.com/ferry-dev/ferry/sinks/file"
)

const job = "test-job"

// batch returns batch seq of n users, encoded as NDJSON the way the
// runner's workers would.
func batch(t *testing.T, seq uint64, n int) *pipeline.Batch {
	t.Helper()
	b := &pipeline.Batch{Seq: seq, Read: n}
	for i := range n {
		idx := int64(seq)*int64(n) + int64(i)
		b.Records = append(b.Records, pipeline.Record{
			User:   profile.User{Email: fmt.Sprintf("u%d@example.com", idx)},
			Origin: pipeline.Position{Source: "test", Index: idx},
		})
	}
	b.Checkpoint = pipeline.Checkpoint{Job: job, Seq: seq, Index: int64(seq+1) * int64(n)}
	out, err := ndjson.NewEncoder(ndjson.Options{}).Encode(nil, b)
	if err != nil {
		t.Fatal(err)
	}
	b.Out = out
	return b
}

func expect(n int) string {
	var s string
	for i := range n {
		s += fmt.Sprintf(`{"email":"u%d@example.com"}`+"\n", i)
	}
	return s
}

func TestSink_OutputAppearsOnlyOnSuccessfulClose(t *testing.T) {
	out := filepath.Join(t.TempDir(), "users.ndjson")
	s, err := file.Open(out, ndjson.NewEncoder(ndjson.Options{}), file.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for seq := range uint64(3) {
		if err := s.Write(t.Context(), batch(t, seq, 4)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("the output exists before Close")
	}
	if err := s.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != expect(12) {
		t.Errorf("output:\n%s\nwant:\n%s", got, expect(12))
	}
	for _, leftover := range []string{out + ".partial", out + ".partial.checkpoint"} {
		if _, err := os.Stat(leftover); err == nil {
			t.Errorf("%s left behind", filepath.Base(leftover))
		}
	}
}

func TestSink_ResumeDropsWhatFollowsTheCheckpointAndAppends(t *testing.T) {
	out := filepath.Join(t.TempDir(), "users.ndjson")
	enc := ndjson.NewEncoder(ndjson.Options{})
	s, err := file.Open(out, enc, file.Options{CheckpointEvery: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	for seq := range uint64(2) {
		if err := s.Write(t.Context(), batch(t, seq, 4)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Abort(); err != nil {
		t.Fatal(err)
	}
	// What a killed run wrote after its last checkpoint.
	appendPartial(t, out, `{"email":"half-written`)

	s, err = file.Open(out, enc, file.Options{CheckpointEvery: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	cp, err := s.LastCheckpoint(t.Context(), job)
	if err != nil {
		t.Fatal(err)
	}
	if cp == nil || cp.Seq != 1 || cp.Index != 8 {
		t.Fatalf("checkpoint %+v, want after batch 1 (8 records)", cp)
	}
	if _, err := s.LastCheckpoint(t.Context(), "another-job"); err == nil {
		t.Error("the checkpoint of another job was accepted")
	}
	if err := s.Write(t.Context(), batch(t, 2, 4)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(out)
	if string(got) != expect(12) {
		t.Errorf("resumed output:\n%s\nwant:\n%s", got, expect(12))
	}
}

// appendPartial appends data to the partial output of out, as a run
// killed between two checkpoints leaves it.
func appendPartial(t *testing.T, out, data string) {
	t.Helper()
	f, err := os.OpenFile(out+".partial", os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(data); err != nil {
		t.Fatal(err)
	}
}

func TestSink_CanceledCloseKeepsNoFinalOutput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "users.ndjson")
	s, err := file.Open(out, ndjson.NewEncoder(ndjson.Options{}), file.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(t.Context(), batch(t, 0, 3)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.Write(ctx, batch(t, 1, 3)); err == nil {
		t.Error("Write with a cancelled context succeeded")
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a cancelled run produced a final output")
	}
	if _, err := os.Stat(out + ".partial.checkpoint"); err != nil {
		t.Errorf("a cancelled run left no checkpoint to resume from: %v", err)
	}
}

func TestOpen_RefusesAMissingDirectory(t *testing.T) {
	_, err := file.Open(filepath.Join(t.TempDir(), "no", "such", "users.ndjson"), ndjson.NewEncoder(ndjson.Options{}), file.Options{})
	if err == nil {
		t.Fatal("Open into a missing directory succeeded")
	}
}
