package postgres

import (
	"testing"

	"github.com/ferry-dev/ferry/sinks/internal/sqlstore/storetest"
	"github.com/ferry-dev/ferry/sinks/postgres/pgtest"
)

func TestApply_BlockUnblockDeleteCount(t *testing.T) {
	storetest.Manage(t, openTest(t, pgtest.URL(t), Options{}))
}
