package mysql

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/ferry-dev/ferry/internal/redact"
)

// ErrLocation is returned for a location string that does not name a MySQL
// or MariaDB database.
var ErrLocation = errors.New("not a mysql location")

// IsLocation reports whether loc names a MySQL or MariaDB database:
// "mysql://…".
func IsLocation(loc string) bool { return strings.HasPrefix(loc, "mysql://") }

// ParseLocation turns "mysql://[user[:password]@]host[:port]/database[?…]"
// into the driver's settings. The parameters tls (true, skip-verify,
// preferred), socket (a Unix socket instead of host:port) and
// connect_timeout (a duration) are ferry's; any other parameter sets the
// session variable of that name. The session always runs in UTC with
// sql_mode TRADITIONAL, so that a value the table cannot hold is an error,
// never silently truncated.
func ParseLocation(loc string) (*driver.Config, error) {
	bad := func(why string) error {
		return fmt.Errorf("%w: %s: %s", ErrLocation, Redact(loc), why)
	}
	if !IsLocation(loc) {
		return nil, bad("want mysql://[user[:password]@]host[:port]/database")
	}
	u, err := url.Parse(loc)
	if err != nil {
		return nil, bad("cannot parse the URL")
	}
	cfg := driver.NewConfig()
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	cfg.Net = "tcp"
	cfg.Addr = u.Host
	if u.Port() == "" && u.Host != "" {
		cfg.Addr = net.JoinHostPort(u.Hostname(), "3306")
	}
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	if cfg.DBName == "" || strings.Contains(cfg.DBName, "/") {
		return nil, bad("name one database in the path")
	}
	cfg.Params = map[string]string{}
	for k, vs := range u.Query() {
		v := vs[len(vs)-1]
		switch k {
		case "tls":
			switch v = strings.ToLower(v); v {
			case "true", "false", "skip-verify", "preferred":
				cfg.TLSConfig = v
			default:
				return nil, bad("tls: want true, false, skip-verify or preferred")
			}
		case "socket":
			cfg.Net, cfg.Addr = "unix", v
		case "connect_timeout":
			d, err := time.ParseDuration(v)
			if err != nil {
				return nil, bad("connect_timeout: want a duration such as 10s")
			}
			cfg.Timeout = d
		default:
			cfg.Params[k] = v
		}
	}
	if cfg.Addr == "" {
		return nil, bad("name a host or a socket")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	cfg.Params["sql_mode"] = "'TRADITIONAL'"
	cfg.Params["time_zone"] = "'+00:00'"
	cfg.Collation = "utf8mb4_general_ci" // the connection's; the tables compare by bytes
	cfg.ParseTime = false
	cfg.InterpolateParams = true
	cfg.MaxAllowedPacket = 0 // ask the server
	cfg.AllowNativePasswords = true
	cfg.Logger = quiet{} // the driver's own log lines would bypass ferry's logger
	return cfg, nil
}

// quiet drops the driver's log lines; the errors they describe reach the
// caller anyway.
type quiet struct{}

func (quiet) Print(...any) {}

// Redact returns loc without its password, for messages and logs (see
// redact.URL).
func Redact(loc string) string { return redact.URL(loc) }
