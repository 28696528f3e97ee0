//go:build unix && !linux

package breach

// advise is a no-op where madvise is not exposed by package syscall.
func advise([]byte) {}
