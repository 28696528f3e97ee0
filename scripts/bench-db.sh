#!/usr/bin/env bash
# Database benchmarks (P4): `ferry import` of N users into PostgreSQL and
# MariaDB/MySQL with Auth0 upsert semantics, side by side in one run with the
# databases' own bulk loaders on the same rows into a plain table (same
# columns, no key, no index): psql's \copy and LOAD DATA LOCAL INFILE — and
# into a table with the store's keys, which is what index maintenance
# costs any loader. Then `ferry export` of every store with a metadata
# query. Prints a Markdown table for docs/benchmarks.md.
#   BENCH_N      users to generate (default 1000000)
#   BENCHDIR     scratch directory (default /tmp/ferry-bench)
#   FERRY        the ferry binary (default bin/ferry; `make build`)
#   PG_URL       server (default postgres://postgres@127.0.0.1:5432/test?sslmode=disable)
#   MYSQL_URL    server (default mysql://root@127.0.0.1:3306/test)
#   BENCH_QUERY  the export's query (default user_metadata.plan:enterprise)
#   BENCH_SKIP   "postgres" or "mysql" to leave one out
# The benchmark works in a schema / database named ferry_bench, dropped first.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${BENCH_N:-1000000}
DIR=${BENCHDIR:-/tmp/ferry-bench}
FERRY=${FERRY:-$PWD/bin/ferry}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
MYSQL_URL=${MYSQL_URL:-mysql://root@127.0.0.1:3306/test}
QUERY=${BENCH_QUERY:-user_metadata.plan:enterprise}
SKIP=${BENCH_SKIP:-}
mkdir -p "$DIR"
csv=$DIR/users-$N.csv

if [ ! -s "$csv" ]; then
  echo "generating $N users into $csv" >&2
  "$FERRY" fixtures generate --users "$N" --seed 1 --out "$csv" -q \
    --fields user_id,email,email_verified,username,given_name,family_name,name,nickname,picture,phone_number,phone_verified,created_at,updated_at,last_login,last_ip,logins_count,blocked,identities,user_metadata,app_metadata
fi
cols=$(head -1 "$csv")
size=$(stat -c %s "$csv")
echo "input: $csv ($((size / 1024 / 1024)) MB, $N users)" >&2

# timed NAME CMD... : wall seconds of one command (its output discarded).
results=()
timed() {
  local name=$1; shift
  local start end
  start=$(date +%s.%N)
  "$@" >"$DIR/out.log" 2>"$DIR/err.log" || { cat "$DIR/err.log" >&2; exit 1; }
  end=$(date +%s.%N)
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.2f", b-a}')
  printf '%-44s %8ss\n' "$name" "$secs" >&2
}
row() { results+=("$1|$2|$3|$4"); } # name|seconds|rows|reference seconds

# url_with URL KEY=VALUE: URL with one more query parameter.
url_with() { case $1 in *\?*) echo "$1&$2" ;; *) echo "$1?$2" ;; esac; }

if [ "$SKIP" != postgres ]; then
  psql "$PG_URL" -qc "DROP SCHEMA IF EXISTS ferry_bench CASCADE" -c "CREATE SCHEMA ferry_bench" 2>/dev/null
  store=$(url_with "$PG_URL" search_path=ferry_bench)
  "$FERRY" store init "$store" >/dev/null
  psql "$PG_URL" -qc "CREATE TABLE ferry_bench.plain AS SELECT * FROM ferry_bench.users WITH NO DATA"
  # Each load starts right after a checkpoint, so that neither pays for
  # the other's dirty pages and WAL.
  psql "$PG_URL" -qc "CHECKPOINT"
  timed "psql \\copy (plain table)" psql "$PG_URL" -qc "\\copy ferry_bench.plain ($cols) FROM '$csv' WITH (FORMAT csv, HEADER true)"
  ref=$secs
  row "psql \\copy, plain table" "$secs" "$N" "$ref"
  # The same load into a table with the store's keys (primary key, two
  # unique indexes): what the server's index maintenance costs any loader.
  psql "$PG_URL" -qc "DROP TABLE ferry_bench.plain" \
    -c "CREATE TABLE ferry_bench.keyed (LIKE ferry_bench.users INCLUDING ALL)" \
    -c "ALTER TABLE ferry_bench.keyed ALTER connection SET DEFAULT 'Username-Password-Authentication'" -c "CHECKPOINT"
  timed "psql \\copy (table with the store's keys)" psql "$PG_URL" -qc "\\copy ferry_bench.keyed ($cols) FROM '$csv' WITH (FORMAT csv, HEADER true)"
  row "psql \\copy, table with the store's keys" "$secs" "$N" "$ref"
  psql "$PG_URL" -qc "DROP TABLE ferry_bench.keyed" -c "CHECKPOINT"
  timed "ferry import -> postgres" "$FERRY" import "$csv" --to "$store" -q
  row "ferry import → PostgreSQL (upsert semantics)" "$secs" "$N" "$ref"
  timed "ferry export postgres ($QUERY)" "$FERRY" export --from "$store" --to "$DIR/export-pg.ndjson" --query "$QUERY" -q
  row "ferry export ← PostgreSQL, --query '$QUERY' ($(wc -l <"$DIR/export-pg.ndjson") out; rows/s scanned)" "$secs" "$N" ""
  timed "ferry export postgres (every user)" "$FERRY" export --from "$store" --to "$DIR/export-pg-all.ndjson" -q
  row "ferry export ← PostgreSQL, every user" "$secs" "$N" ""
  rm -f "$DIR"/export-pg*.ndjson
  psql "$PG_URL" -qc "DROP SCHEMA ferry_bench CASCADE" 2>/dev/null
fi

if [ "$SKIP" != mysql ]; then
  # mariadb/mysql client arguments from the URL: mysql://user[:pw]@host[:port]/db
  u=${MYSQL_URL#mysql://}; u=${u%%\?*}
  creds=${u%%@*}; hostport=${u#*@}; hostport=${hostport%%/*}
  user=${creds%%:*}; pw=""; [ "$creds" != "$user" ] && pw=${creds#*:}
  host=${hostport%%:*}; port=3306; [ "$hostport" != "$host" ] && port=${hostport#*:}
  client=$(command -v mariadb || command -v mysql)
  my() { MYSQL_PWD="$pw" "$client" -h "$host" -P "$port" -u "$user" --local-infile=1 "$@"; }
  my -e "DROP DATABASE IF EXISTS ferry_bench; CREATE DATABASE ferry_bench CHARACTER SET utf8mb4"
  store="mysql://$creds@$hostport/ferry_bench"
  "$FERRY" store init "$store" >/dev/null
  my ferry_bench -e "CREATE TABLE plain AS SELECT * FROM users WHERE 1=0"
  # Booleans and counts arrive as true/false and possibly empty text; an
  # empty email or username is NULL (else LOAD DATA, which turns duplicate
  # keys into warnings, would skip every user after the first without one).
  vars=$(echo "$cols" | sed -e 's/\bemail_verified\b/@ev/; s/\bphone_verified\b/@pv/; s/\bblocked\b/@bl/; s/\blogins_count\b/@lc/; s/\bemail\b/@em/; s/\busername\b/@un/')
  load="LOAD DATA LOCAL INFILE '$csv' INTO TABLE plain CHARACTER SET utf8mb4
    FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' ESCAPED BY '' LINES TERMINATED BY '\n' IGNORE 1 LINES
    ($vars) SET email_verified = NULLIF(@ev, '') = 'true', phone_verified = NULLIF(@pv, '') = 'true',
    blocked = NULLIF(@bl, '') = 'true', logins_count = NULLIF(@lc, ''),
    email = NULLIF(@em, ''), username = NULLIF(@un, '')"
  timed "LOAD DATA LOCAL INFILE (plain table)" my ferry_bench -e "$load"
  ref=$secs
  row "LOAD DATA LOCAL INFILE, plain table" "$secs" "$N" "$ref"
  my ferry_bench -e "DROP TABLE plain; CREATE TABLE keyed LIKE users;
    ALTER TABLE keyed ALTER connection SET DEFAULT 'Username-Password-Authentication'"
  timed "LOAD DATA LOCAL INFILE (table with the store's keys)" my ferry_bench -e "${load/INTO TABLE plain/INTO TABLE keyed}"
  row "LOAD DATA LOCAL INFILE, table with the store's keys" "$secs" "$N" "$ref"
  loaded=$(my -N ferry_bench -e "SELECT count(*) FROM keyed")
  [ "$loaded" = "$N" ] || { echo "LOAD DATA kept $loaded of $N users in the keyed table" >&2; exit 1; }
  my ferry_bench -e "DROP TABLE keyed"
  timed "ferry import -> mariadb" "$FERRY" import "$csv" --to "$store" -q
  row "ferry import → MariaDB (upsert semantics)" "$secs" "$N" "$ref"
  timed "ferry export mariadb ($QUERY)" "$FERRY" export --from "$store" --to "$DIR/export-my.ndjson" --query "$QUERY" -q
  row "ferry export ← MariaDB, --query '$QUERY' ($(wc -l <"$DIR/export-my.ndjson") out; rows/s scanned)" "$secs" "$N" ""
  timed "ferry export mariadb (every user)" "$FERRY" export --from "$store" --to "$DIR/export-my-all.ndjson" -q
  row "ferry export ← MariaDB, every user" "$secs" "$N" ""
  rm -f "$DIR"/export-my*.ndjson
  my -e "DROP DATABASE ferry_bench"
fi

echo
echo "| run ($N users, $((size / 1024 / 1024)) MB CSV) | seconds | rows/s | vs the database's loader |"
echo "|---|---|---|---|"
for r in "${results[@]}"; do
  IFS='|' read -r name secs rows ref <<<"$r"
  rate=$(awk -v n="$rows" -v s="$secs" 'BEGIN{printf "%.0f", n/s}')
  ratio=""
  [ -n "$ref" ] && ratio=$(awk -v a="$ref" -v b="$secs" 'BEGIN{printf "%.2f×", a/b}')
  echo "| $name | $secs | $rate | $ratio |"
done
