//go:build !race

package passwords

const raceEnabled = false
