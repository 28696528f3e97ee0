package mysql

import (
	"testing"

	"github.com/ferry-dev/ferry/sinks/internal/sqlstore/storetest"
	"github.com/ferry-dev/ferry/sinks/mysql/mysqltest"
)

func TestApply_BlockUnblockDeleteCount(t *testing.T) {
	storetest.Manage(t, openTest(t, mysqltest.URL(t), Options{}))
}
