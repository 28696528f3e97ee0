package sqlite

import (
	"testing"

	"github.com/ferry-dev/ferry/sinks/internal/sqlstore/storetest"
)

func TestApply_BlockUnblockDeleteCount(t *testing.T) {
	storetest.Manage(t, openTest(t, Options{}))
}
