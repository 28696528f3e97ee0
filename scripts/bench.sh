#!/usr/bin/env bash
# Whole-command benchmarks: ferry against DuckDB on the same generated file,
# side by side in one run. Prints a Markdown table for docs/benchmarks.md.
#   BENCH_N    users to generate (default 1000000)
#   BENCHDIR   scratch directory (default /tmp/ferry-bench)
#   DUCKDB     the DuckDB runner (default ../shared/bench/duckdb, installs @duckdb/node-api once)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${BENCH_N:-1000000}
DIR=${BENCHDIR:-/tmp/ferry-bench}
FERRY=$PWD/bin/ferry
DUCKDB=${DUCKDB:-$PWD/../shared/bench/duckdb}
mkdir -p "$DIR"
csv=$DIR/users-$N.csv

# measure NAME CMD... : wall seconds and peak RSS (MB) of one command.
results=()
measure() {
  local name=$1; shift
  /usr/bin/time -o "$DIR/time.txt" -f '%e %M' "$@" >/dev/null 2>"$DIR/err.log" || { cat "$DIR/err.log"; exit 1; }
  local out secs kb
  out=$(tail -1 "$DIR/time.txt")
  secs=${out% *} kb=${out#* }
  results+=("$name|$secs|$((kb / 1024))")
  printf '%-40s %8ss %6s MB\n' "$name" "$secs" "$((kb / 1024))" >&2
}

if [ ! -s "$csv" ]; then
  echo "generating $N users into $csv" >&2
  "$FERRY" fixtures generate --users "$N" --seed 1 --out "$csv" -q \
    --fields user_id,email,email_verified,username,given_name,family_name,name,nickname,picture,phone_number,phone_verified,created_at,updated_at,last_login,last_ip,logins_count,blocked,identities,user_metadata,app_metadata
fi
size=$(stat -c %s "$csv")
echo "input: $csv ($((size / 1024 / 1024)) MB)" >&2

"$DUCKDB" "SELECT 1" >/dev/null # install outside the timing
rm -f "$DIR/o.ndjson" "$DIR/users.ndjson" "$DIR/o.parquet" "$DIR/users.parquet" "$DIR/bench.db"*
measure "duckdb csv->ndjson" "$DUCKDB" "COPY (SELECT * FROM read_csv('$csv')) TO '$DIR/o.ndjson' (FORMAT json)"
measure "ferry convert csv->ndjson" "$FERRY" convert "$csv" "$DIR/users.ndjson" -q
measure "duckdb csv->parquet (zstd)" "$DUCKDB" "COPY (SELECT * FROM read_csv('$csv')) TO '$DIR/o.parquet' (FORMAT parquet, COMPRESSION zstd)"
measure "ferry convert csv->parquet" "$FERRY" convert "$csv" "$DIR/users.parquet" -q
measure "ferry import csv->sqlite" "$FERRY" import "$csv" --to "sqlite://$DIR/bench.db" -q

echo
echo "| run ($N users, $((size / 1024 / 1024)) MB CSV) | seconds | peak RSS MB | vs DuckDB's same conversion | users/s |"
echo "|---|---|---|---|---|"
duck=
for r in "${results[@]}"; do
  IFS='|' read -r name secs mb <<<"$r"
  ratio=—
  case $name in
    duckdb*) duck=$secs ;;
    *convert*) ratio=$(awk -v a="$secs" -v b="$duck" 'BEGIN{printf "%.2f×", a/b}') ;;
  esac
  rate=$(awk -v n="$N" -v s="$secs" 'BEGIN{printf "%.0f", n/s}')
  echo "| $name | $secs | $mb | $ratio | $rate |"
done
