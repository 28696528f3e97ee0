package s3

import (
	"regexp"
	"strings"
	"time"

	"github.com/ferry-dev/ferry/pipeline"
)

// Part is one committed part file of an export.
type Part struct {
	// Path is the object's key relative to the export's prefix, e.g.
	// "connection=auth0/part-00003.ndjson.gz".
	Path string `json:"path"`
	// Partition holds the part's partition columns and their (escaped)
	// values, as in its path.
	Partition map[string]string `json:"partition,omitempty"`
	Records   int64             `json:"records"`
	// Bytes is the object's size as stored (compressed).
	Bytes int64 `json:"bytes"`
	// SHA256 is the hex SHA-256 of the object's bytes.
	SHA256 string `json:"sha256"`
	// CRC32C is the CRC32C of the object's bytes in standard base64, the
	// form S3 reports for a full-object checksum.
	CRC32C string `json:"crc32c"`
}

// Manifest is the content of _manifest.json, written last with
// If-None-Match: * so that an export is committed at most once. Readers that
// honour it read exactly Parts and never see a half export.
type Manifest struct {
	Version     int      `json:"version"`
	Format      string   `json:"format"`
	Compression string   `json:"compression,omitempty"`
	PartitionBy []string `json:"partition_by,omitempty"`
	Created     string   `json:"created"`
	Records     int64    `json:"records"`
	Bytes       int64    `json:"bytes"`
	Parts       []Part   `json:"parts"`
	// Checkpoints are the last pipeline checkpoint of each job written into
	// the export, so that resuming a committed export does nothing.
	Checkpoints map[string]pipeline.Checkpoint `json:"checkpoints,omitempty"`
}

// state is the content of _checkpoint.json while an export runs: the parts
// completed so far and, for each job, the position of the last batch they
// hold. It is replaced (conditionally on its ETag) at every checkpoint; a
// part that is not listed in it does not exist for a resumed run, which
// deletes it and writes its records again.
type state struct {
	Version     int                            `json:"version"`
	Format      string                         `json:"format"`
	Compression string                         `json:"compression,omitempty"`
	PartitionBy []string                       `json:"partition_by,omitempty"`
	NextPart    int                            `json:"next_part"`
	Parts       []Part                         `json:"parts"`
	Jobs        map[string]pipeline.Checkpoint `json:"jobs"`
}

func (s *Sink) manifest(parts []Part) Manifest {
	m := Manifest{Version: 1, Format: s.format.Name, Compression: s.opts.Compression, PartitionBy: s.specs(),
		Created: time.Now().UTC().Format(time.RFC3339), Parts: parts, Checkpoints: s.pending}
	if m.Parts == nil {
		m.Parts = []Part{}
	}
	for _, p := range parts {
		m.Records += p.Records
		m.Bytes += p.Bytes
	}
	return m
}

func (s *Sink) specs() []string {
	var out []string
	for _, f := range s.partitions {
		out = append(out, f.spec)
	}
	return out
}

// partName matches the names of part files this sink writes, so that
// cleaning up after a failed run never touches anything else.
var (
	partName   = regexp.MustCompile(`^part-[0-9]{5,}(\.[A-Za-z0-9]+)*$`)
	folderName = regexp.MustCompile(`^[^=/]+=[^/]*$`)
)

// ours reports whether rel, a key relative to the export's prefix, names a
// part file this sink could have written: partition folders, then
// part-NNNNN with extensions.
func ours(rel string) bool {
	segs := strings.Split(rel, "/")
	for _, s := range segs[:len(segs)-1] {
		if !folderName.MatchString(s) {
			return false
		}
	}
	return partName.MatchString(segs[len(segs)-1])
}
