//go:build unix

package breach

import (
	"os"
	"syscall"
)

// mapFile maps f read-only and shared.
func mapFile(f *os.File, size int64) ([]byte, func([]byte) error, error) {
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	advise(data)
	return data, syscall.Munmap, nil
}
