package parquet

import (
	"encoding/binary"
	"math/bits"
)

// bitWidth is the number of bits a level up to max takes.
func bitWidth(max uint8) int { return bits.Len8(max) }

// appendLevels appends levels in Parquet's RLE/bit-packing hybrid encoding
// with width bits per value (1 to 8): runs of 8 or more equal levels as RLE
// runs, the rest bit-packed in groups of 8 (the last group padded with
// zeros, which the reader ignores by the value count).
func appendLevels(dst, levels []byte, width int) []byte {
	n := len(levels)
	for i := 0; i < n; {
		if r := runLen(levels, i); r >= 8 {
			dst = binary.AppendUvarint(dst, uint64(r)<<1)
			dst = append(dst, levels[i]) // width ≤ 8: one byte
			i += r
			continue
		}
		// A bit-packed run of whole groups of 8, until a long run starts
		// at a group boundary.
		start := i
		for {
			i += 8
			if i >= n || runLen(levels, i) >= 16 {
				break
			}
		}
		end := min(i, n)
		i = end
		groups := (end - start + 7) / 8
		dst = binary.AppendUvarint(dst, uint64(groups)<<1|1)
		dst = packBits(dst, levels[start:end], groups*8, width)
	}
	return dst
}

// runLen returns the number of equal levels from i on.
func runLen(levels []byte, i int) int {
	v := levels[i]
	j := i + 1
	for j < len(levels) && levels[j] == v {
		j++
	}
	return j - i
}

// packBits appends the first count values of vs (zero beyond len(vs)),
// width bits each, least significant bit first.
func packBits(dst, vs []byte, count, width int) []byte {
	var acc uint64
	nbits := 0
	for k := range count {
		var v byte
		if k < len(vs) {
			v = vs[k]
		}
		acc |= uint64(v) << nbits
		nbits += width
		for nbits >= 8 {
			dst = append(dst, byte(acc))
			acc >>= 8
			nbits -= 8
		}
	}
	if nbits > 0 {
		dst = append(dst, byte(acc))
	}
	return dst
}

// appendLevelsV1 appends levels as a data page v1 holds them: a 4-byte
// little-endian length, then the hybrid encoding.
func appendLevelsV1(dst, levels []byte, width int) []byte {
	at := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst = appendLevels(dst, levels, width)
	binary.LittleEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
	return dst
}
