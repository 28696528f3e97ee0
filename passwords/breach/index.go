package breach

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/bits"
	"os"
	"slices"
	"unsafe"

	"github.com/FastFilter/xorfilter"
)

// Index file layout, version 1 (all integers little-endian):
//
//	header   64 bytes   magic "FERRYBIX", version, kind, fingerprint bits,
//	                    shard bits, flags, key count, shard count, table CRC,
//	                    header CRC (CRC-32C of bytes 0..59)
//	table    64 bytes per shard: binary fuse parameters (seed, segment
//	                    length, mask, count, count·length), fingerprint
//	                    count and offset, exact-tier offset and count, key
//	                    count, CRC-32C of the shard's data
//	data     per shard, 64-byte aligned: fingerprints (uint8 or uint16),
//	                    then, with the exact tier, the sorted uint64 keys
//
// A key is the first 8 bytes of the digest read big-endian; shard s holds
// the keys whose top shard-bits equal s. The header and table CRCs are
// checked by Open; the data CRCs by Index.Verify, which reads every page.
const (
	magic       = "FERRYBIX"
	version     = 1
	headerSize  = 64
	entrySize   = 64
	alignment   = 64
	flagExact   = 1
	maxShardBit = 16
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// header is the decoded file header.
type header struct {
	kind      Kind
	fpBits    uint8
	shardBits uint8
	flags     uint8
	keys      uint64
	shards    uint32
	tableCRC  uint32
}

func (h header) encode() []byte {
	b := make([]byte, headerSize)
	copy(b, magic)
	binary.LittleEndian.PutUint16(b[8:], version)
	b[10], b[11], b[12], b[13] = byte(h.kind), h.fpBits, h.shardBits, h.flags
	binary.LittleEndian.PutUint64(b[16:], h.keys)
	binary.LittleEndian.PutUint32(b[24:], h.shards)
	binary.LittleEndian.PutUint32(b[28:], h.tableCRC)
	binary.LittleEndian.PutUint32(b[60:], crc32.Checksum(b[:60], castagnoli))
	return b
}

func decodeHeader(b []byte) (header, error) {
	if len(b) < headerSize || string(b[:8]) != magic {
		return header{}, fmt.Errorf("%w: not a ferry breach index", ErrFormat)
	}
	if v := binary.LittleEndian.Uint16(b[8:]); v != version {
		return header{}, fmt.Errorf("%w: index version %d, want %d", ErrFormat, v, version)
	}
	if crc32.Checksum(b[:60], castagnoli) != binary.LittleEndian.Uint32(b[60:]) {
		return header{}, fmt.Errorf("%w: header", ErrChecksum)
	}
	h := header{kind: Kind(b[10]), fpBits: b[11], shardBits: b[12], flags: b[13],
		keys: binary.LittleEndian.Uint64(b[16:]), shards: binary.LittleEndian.Uint32(b[24:]),
		tableCRC: binary.LittleEndian.Uint32(b[28:])}
	switch {
	case h.kind.Size() == 0:
		return header{}, fmt.Errorf("%w: kind %d", ErrFormat, h.kind)
	case h.fpBits != 8 && h.fpBits != 16:
		return header{}, fmt.Errorf("%w: fingerprint bits %d", ErrFormat, h.fpBits)
	case h.shardBits > maxShardBit || h.shards != 1<<h.shardBits:
		return header{}, fmt.Errorf("%w: shard count", ErrFormat)
	}
	return h, nil
}

// entry is one shard's table entry.
type entry struct {
	seed                                      uint64
	segLen, segLenMask, segCount, segCountLen uint32
	fpLen                                     uint32
	dataCRC                                   uint32
	fpOff, exactOff, exactCount, keys         uint64
}

func (e entry) encode(b []byte) {
	binary.LittleEndian.PutUint64(b[0:], e.seed)
	binary.LittleEndian.PutUint32(b[8:], e.segLen)
	binary.LittleEndian.PutUint32(b[12:], e.segLenMask)
	binary.LittleEndian.PutUint32(b[16:], e.segCount)
	binary.LittleEndian.PutUint32(b[20:], e.segCountLen)
	binary.LittleEndian.PutUint32(b[24:], e.fpLen)
	binary.LittleEndian.PutUint32(b[28:], e.dataCRC)
	binary.LittleEndian.PutUint64(b[32:], e.fpOff)
	binary.LittleEndian.PutUint64(b[40:], e.exactOff)
	binary.LittleEndian.PutUint64(b[48:], e.exactCount)
	binary.LittleEndian.PutUint64(b[56:], e.keys)
}

func decodeEntry(b []byte) entry {
	return entry{
		seed: binary.LittleEndian.Uint64(b[0:]), segLen: binary.LittleEndian.Uint32(b[8:]),
		segLenMask: binary.LittleEndian.Uint32(b[12:]), segCount: binary.LittleEndian.Uint32(b[16:]),
		segCountLen: binary.LittleEndian.Uint32(b[20:]), fpLen: binary.LittleEndian.Uint32(b[24:]),
		dataCRC: binary.LittleEndian.Uint32(b[28:]), fpOff: binary.LittleEndian.Uint64(b[32:]),
		exactOff: binary.LittleEndian.Uint64(b[40:]), exactCount: binary.LittleEndian.Uint64(b[48:]),
		keys: binary.LittleEndian.Uint64(b[56:]),
	}
}

// Index is an opened breach index: a read-only, memory-mapped set of
// digests. It is safe for concurrent use; Close it when done.
type Index struct {
	hdr     header
	shift   uint
	data    []byte // the mapping
	unmap   func([]byte) error
	f8      []xorfilter.BinaryFuse[uint8]
	f16     []xorfilter.BinaryFuse[uint16]
	exact   [][]uint64
	entries []entry
}

// Open maps an index file read-only and checks its header and table.
// Opening costs a few system calls and a CRC over the table (64 bytes per
// shard); the filter pages are loaded lazily by the kernel.
func Open(path string) (*Index, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("breach: open index: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("breach: open index: %w", err)
	}
	if st.Size() < headerSize {
		return nil, fmt.Errorf("%w: index shorter than its header", ErrFormat)
	}
	data, unmap, err := mapFile(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("breach: map index: %w", err)
	}
	ix, err := newIndex(data, unmap)
	if err != nil {
		_ = unmap(data)
		return nil, err
	}
	return ix, nil
}

// newIndex decodes a mapped index.
func newIndex(data []byte, unmap func([]byte) error) (*Index, error) {
	if !littleEndian() {
		return nil, fmt.Errorf("%w: index files are little-endian; this host is not", ErrFormat)
	}
	h, err := decodeHeader(data)
	if err != nil {
		return nil, err
	}
	tableEnd := uint64(headerSize) + uint64(h.shards)*entrySize
	if tableEnd > uint64(len(data)) {
		return nil, fmt.Errorf("%w: truncated shard table", ErrFormat)
	}
	table := data[headerSize:tableEnd]
	if crc32.Checksum(table, castagnoli) != h.tableCRC {
		return nil, fmt.Errorf("%w: shard table", ErrChecksum)
	}
	ix := &Index{hdr: h, data: data, unmap: unmap, shift: 64 - uint(h.shardBits),
		entries: make([]entry, h.shards)}
	if h.fpBits == 8 {
		ix.f8 = make([]xorfilter.BinaryFuse[uint8], h.shards)
	} else {
		ix.f16 = make([]xorfilter.BinaryFuse[uint16], h.shards)
	}
	if h.flags&flagExact != 0 {
		ix.exact = make([][]uint64, h.shards)
	}
	size := uint64(len(data))
	fpSize := uint64(h.fpBits / 8)
	for i := range ix.entries {
		e := decodeEntry(table[i*entrySize:])
		ix.entries[i] = e
		fpEnd := e.fpOff + uint64(e.fpLen)*fpSize
		if e.fpOff%alignment != 0 || fpEnd < e.fpOff || fpEnd > size {
			return nil, fmt.Errorf("%w: shard %d fingerprints out of range", ErrFormat, i)
		}
		if e.fpLen > 0 && (e.segLen == 0 || e.segLen&(e.segLen-1) != 0 || e.segLenMask != e.segLen-1 ||
			uint64(e.segCountLen) != uint64(e.segCount)*uint64(e.segLen) ||
			uint64(e.segCountLen)+2*uint64(e.segLen) > uint64(e.fpLen)) {
			return nil, fmt.Errorf("%w: shard %d filter parameters", ErrFormat, i)
		}
		if h.fpBits == 8 {
			ix.f8[i] = xorfilter.BinaryFuse[uint8]{Seed: e.seed, SegmentLength: e.segLen,
				SegmentLengthMask: e.segLenMask, SegmentCount: e.segCount, SegmentCountLength: e.segCountLen,
				Fingerprints: unsafe.Slice((*uint8)(unsafe.Pointer(unsafe.SliceData(data[e.fpOff:]))), e.fpLen)}
		} else {
			ix.f16[i] = xorfilter.BinaryFuse[uint16]{Seed: e.seed, SegmentLength: e.segLen,
				SegmentLengthMask: e.segLenMask, SegmentCount: e.segCount, SegmentCountLength: e.segCountLen,
				Fingerprints: unsafe.Slice((*uint16)(unsafe.Pointer(unsafe.SliceData(data[e.fpOff:]))), e.fpLen)}
		}
		if ix.exact != nil {
			end := e.exactOff + e.exactCount*8
			if e.exactOff%alignment != 0 || e.exactCount > size/8 || end < e.exactOff || end > size {
				return nil, fmt.Errorf("%w: shard %d exact tier out of range", ErrFormat, i)
			}
			if e.exactCount > 0 {
				ix.exact[i] = unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(data[e.exactOff:]))), e.exactCount)
			}
		}
	}
	return ix, nil
}

// Close unmaps the index. Lookups after Close panic.
func (ix *Index) Close() error {
	if ix.data == nil {
		return nil
	}
	data := ix.data
	ix.data, ix.f8, ix.f16, ix.exact = nil, nil, nil, nil
	if err := ix.unmap(data); err != nil {
		return fmt.Errorf("breach: unmap index: %w", err)
	}
	return nil
}

// Kind is the digest the index is keyed by.
func (ix *Index) Kind() Kind { return ix.hdr.kind }

// Len is the number of distinct keys in the index.
func (ix *Index) Len() uint64 { return ix.hdr.keys }

// Exact reports whether the index has the exact tier that confirms filter
// hits.
func (ix *Index) Exact() bool { return ix.exact != nil }

// FingerprintBits is 8 or 16.
func (ix *Index) FingerprintBits() int { return int(ix.hdr.fpBits) }

// Contains reports whether digest (of the index's kind: 20 bytes for SHA-1,
// 16 for NTLM) is in the corpus. Without the exact tier a false positive
// happens with probability about 2^-FingerprintBits; with it, only for two
// digests sharing their first 64 bits. A digest of the wrong length is never
// contained.
func (ix *Index) Contains(digest []byte) bool {
	if len(digest) != ix.hdr.kind.Size() {
		return false
	}
	return ix.containsKey(binary.BigEndian.Uint64(digest))
}

// ContainsPassword hashes a UTF-8 password by the index's kind and looks it
// up.
func (ix *Index) ContainsPassword(password []byte) bool {
	return ix.Contains(ix.hdr.kind.Sum(password))
}

func (ix *Index) containsKey(k uint64) bool {
	s := k >> ix.shift
	var hit bool
	if ix.f8 != nil {
		f := &ix.f8[s]
		hit = len(f.Fingerprints) > 0 && f.Contains(k)
	} else {
		f := &ix.f16[s]
		hit = len(f.Fingerprints) > 0 && f.Contains(k)
	}
	if !hit || ix.exact == nil {
		return hit
	}
	return searchUniform(ix.exact[s], k)
}

// searchUniform finds k in ascending e by interpolation, which takes a few
// probes on uniformly distributed keys (digest prefixes are), then falls
// back to binary search.
func searchUniform(e []uint64, k uint64) bool {
	lo, hi := 0, len(e)-1
	for range 6 {
		if lo > hi {
			return false
		}
		a, z := e[lo], e[hi]
		if k < a || k > z {
			return false
		}
		if a == z {
			return k == a
		}
		ph, pl := bits.Mul64(k-a, uint64(hi-lo))
		q, _ := bits.Div64(ph, pl, z-a) // ≤ hi-lo, so ph < z-a and Div64 cannot overflow
		p := lo + int(q)
		switch v := e[p]; {
		case v == k:
			return true
		case v < k:
			lo = p + 1
		default:
			hi = p - 1
		}
	}
	if lo > hi {
		return false
	}
	_, found := slices.BinarySearch(e[lo:hi+1], k)
	return found
}

// Verify reads every shard and checks its data CRC. It touches every page
// of the file, so it is for integrity checks, not for every open.
func (ix *Index) Verify() error {
	fpSize := uint64(ix.hdr.fpBits / 8)
	for i, e := range ix.entries {
		c := crc32.Checksum(ix.data[e.fpOff:e.fpOff+uint64(e.fpLen)*fpSize], castagnoli)
		if ix.exact != nil {
			c = crc32.Update(c, castagnoli, ix.data[e.exactOff:e.exactOff+e.exactCount*8])
		}
		if c != e.dataCRC {
			return fmt.Errorf("%w: shard %d data", ErrChecksum, i)
		}
	}
	return nil
}

// littleEndian reports whether the host stores integers little-endian, as
// the fingerprint and exact arrays are read in place.
func littleEndian() bool {
	var x uint16 = 1
	return *(*byte)(unsafe.Pointer(&x)) == 1
}
