package pipeline

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/ferry-dev/ferry/profile"
)

// RejectWriter receives the rejected records of each batch, in input order:
// batch after batch, and within a batch sorted by Origin, whichever step
// (decoder, stage or sink) rejected them.
type RejectWriter interface {
	WriteRejects(seq uint64, rs []Reject) error
}

// RejectFile writes rejects as NDJSON, one line per record:
//
//	{"batch":3,"source":"users.csv","line":12,"record":11,"issues":[{"code":"FORMAT","path":"email","message":"…"}]}
//
// Lines carry positions, field paths and codes only; the record itself is
// added under "user" only when IncludePII is set.
type RejectFile struct {
	f          *os.File
	w          *bufio.Writer
	includePII bool
	buf        []byte
}

// OpenRejectFile creates (or, for a resumed run, opens for appending) the
// rejects file at path.
func OpenRejectFile(path string, resume, includePII bool) (*RejectFile, error) {
	flag := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	if resume {
		flag = os.O_CREATE | os.O_RDWR
	}
	f, err := os.OpenFile(path, flag, 0o600)
	if err != nil {
		return nil, fmt.Errorf("rejects: %w", err)
	}
	if resume {
		if _, err := f.Seek(0, io.SeekEnd); err != nil {
			f.Close()
			return nil, fmt.Errorf("rejects: %w", err)
		}
	}
	return &RejectFile{f: f, w: bufio.NewWriterSize(f, 64<<10), includePII: includePII}, nil
}

// WriteRejects appends one line per reject and flushes them to the file, so
// they are on disk before the sink commits the batch.
func (rf *RejectFile) WriteRejects(seq uint64, rs []Reject) error {
	for i := range rs {
		rf.buf = AppendReject(rf.buf[:0], seq, &rs[i], rf.includePII)
		rf.buf = append(rf.buf, '\n')
		if _, err := rf.w.Write(rf.buf); err != nil {
			return fmt.Errorf("rejects: %w", err)
		}
	}
	if err := rf.w.Flush(); err != nil {
		return fmt.Errorf("rejects: %w", err)
	}
	return nil
}

// AppendReject appends the JSON form of r (without a newline).
func AppendReject(dst []byte, seq uint64, r *Reject, includePII bool) []byte {
	dst = append(dst, `{"batch":`...)
	dst = strconv.AppendUint(dst, seq, 10)
	dst = append(dst, `,"source":`...)
	dst = profile.AppendString(dst, r.Origin.Source)
	if r.Origin.Line > 0 {
		dst = append(dst, `,"line":`...)
		dst = strconv.AppendInt(dst, r.Origin.Line, 10)
	}
	dst = append(dst, `,"record":`...)
	dst = strconv.AppendInt(dst, r.Origin.Index, 10)
	dst = append(dst, `,"issues":[`...)
	for i, is := range r.Issues {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"code":`...)
		dst = profile.AppendString(dst, string(is.Code))
		dst = append(dst, `,"path":`...)
		dst = profile.AppendString(dst, is.Path)
		dst = append(dst, `,"message":`...)
		dst = profile.AppendString(dst, is.Message)
		dst = append(dst, '}')
	}
	dst = append(dst, ']')
	if includePII && r.User != nil {
		dst = append(dst, `,"user":`...)
		dst = profile.AppendJSON(dst, r.User)
	}
	return append(dst, '}')
}

// Truncate drops the lines of batches after cp.Seq: rejects of batches the
// sink never committed, which the resumed run will reject again.
func (rf *RejectFile) Truncate(cp Checkpoint) error {
	if _, err := rf.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("rejects: %w", err)
	}
	r := bufio.NewReaderSize(rf.f, 64<<10)
	var keep int64
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 && line[len(line)-1] == '\n' {
			var l struct {
				Batch uint64 `json:"batch"`
			}
			if json.Unmarshal(bytes.TrimSpace(line), &l) != nil || l.Batch > cp.Seq {
				break
			}
			keep += int64(len(line))
		}
		if err != nil {
			break
		}
	}
	if err := rf.f.Truncate(keep); err != nil {
		return fmt.Errorf("rejects: %w", err)
	}
	if _, err := rf.f.Seek(keep, io.SeekStart); err != nil {
		return fmt.Errorf("rejects: %w", err)
	}
	return nil
}

// Close flushes and closes the file.
func (rf *RejectFile) Close() error {
	if err := rf.w.Flush(); err != nil {
		rf.f.Close()
		return fmt.Errorf("rejects: %w", err)
	}
	return rf.f.Close()
}
