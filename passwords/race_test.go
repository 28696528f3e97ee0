//go:build race

package passwords

// raceEnabled: the race detector slows the KDFs' tight loops tenfold and
// finds nothing in them (they are single-goroutine), so the costliest
// vectors run only without it.
const raceEnabled = true
