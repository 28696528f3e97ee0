package mysql

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"

	mysqldriver "github.com/go-sql-driver/mysql"

	"github.com/ferry-dev/ferry/sinks/internal/sqlstore"
)

// load inserts rows with LOAD DATA LOCAL INFILE, reading them from the
// sink's reader handler. LOCAL makes the server skip duplicate keys and
// downgrade bad values to warnings instead of failing, so a load that did
// not insert every row, or warned, is reported as a duplicate, which rolls
// the bulk insert back and decides its records one by one.
func (s *Sink) load(ctx context.Context, tx *sql.Tx, each func(yield func(r *sqlstore.Row))) error {
	buf := s.loadBuf[:0]
	n := 0
	each(func(r *sqlstore.Row) {
		n++
		for c, v := range r {
			if c > 0 {
				buf = append(buf, '\t')
			}
			buf = appendTSV(buf, v)
		}
		buf = append(buf, '\n')
	})
	s.loadBuf = buf
	if n == 0 {
		return nil
	}
	res, err := tx.ExecContext(ctx, "LOAD DATA LOCAL INFILE 'Reader::"+s.loadData+"' INTO TABLE users CHARACTER SET utf8mb4"+
		` FIELDS TERMINATED BY '\t' ESCAPED BY '\\' LINES TERMINATED BY '\n' (`+columns+")")
	if err != nil {
		return fmt.Errorf("load %d rows: %w", n, err)
	}
	got, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("load %d rows: %w", n, err)
	}
	var warnings int
	if err := tx.QueryRowContext(ctx, "SELECT @@warning_count").Scan(&warnings); err != nil {
		return fmt.Errorf("load %d rows: %w", n, err)
	}
	if int(got) != n || warnings > 0 {
		return errLoadSkipped
	}
	return nil
}

// appendTSV appends one value in LOAD DATA's default text form: \\N for
// NULL, and the escapes of tab, newline, carriage return, backslash and NUL.
func appendTSV(dst, v []byte) []byte {
	if v == nil {
		return append(dst, '\\', 'N')
	}
	if bytes.IndexAny(v, "\t\n\r\\\x00") < 0 {
		return append(dst, v...)
	}
	for _, c := range v {
		switch c {
		case '\t':
			dst = append(dst, '\\', 't')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\\':
			dst = append(dst, '\\', '\\')
		case 0:
			dst = append(dst, '\\', '0')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// useLoadData makes the bulk insert use LOAD DATA LOCAL INFILE through a
// reader handler registered with the driver under a name of this sink's.
func (s *Sink) useLoadData() {
	s.loadData = fmt.Sprintf("ferry-%p", s)
	mysqldriver.RegisterReaderHandler(s.loadData, func() io.Reader { return bytes.NewReader(s.loadBuf) })
}
