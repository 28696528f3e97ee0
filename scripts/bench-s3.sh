#!/usr/bin/env bash
# Benchmark of the S3 sink: export BENCH_N generated users as NDJSON and as
# Parquet to a local file and to S3 (a versitygw binary on loopback, over
# plain HTTP and over HTTPS), each in a process of its own, with 8 uploads in
# flight, and print throughput, CPU time and peak RSS side by side. The
# server's CPU time is printed too: on loopback it competes with the export
# for the same cores.
#   BENCH_N       users (default 1000000)
#   BENCH_FORMATS formats to export (default "ndjson parquet")
#   BENCH_TARGETS targets (default "file s3-http s3-https")
#   BENCH_ROUNDS  rounds of the runs (default 1); quote the ratios of one
#                 round, the machines are shared and noisy
set -euo pipefail
cd "$(dirname "$0")/.."
N=${BENCH_N:-1000000}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
. scripts/lib/versitygw.sh

vgw_build
go test -c -o "$work/s3.test" ./sinks/s3
vgw_cert
export ROOT_ACCESS_KEY_ID=bench ROOT_SECRET_ACCESS_KEY=bench-secret-key
vgw_serve http
http_port=$vgw_port
pids+=("$vgw_pid")
vgw_serve https --cert "$work/cert.pem" --key "$work/key.pem"
https_port=$vgw_port
pids+=("$vgw_pid")

# cpu PID: CPU seconds the process used so far.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($14 + $15) / hz}' "/proc/$1/stat"; }

export FERRY_TEST_S3_ACCESS_KEY=bench FERRY_TEST_S3_SECRET_KEY=bench-secret-key FERRY_TEST_S3_CA=$work/cert.pem
export FERRY_BENCH_USERS=$N TMPDIR=$work
for _ in $(seq 1 "${BENCH_ROUNDS:-1}"); do
  for format in ${BENCH_FORMATS:-ndjson parquet}; do
    for to in ${BENCH_TARGETS:-file s3-http s3-https}; do
      case $to in
        s3-https) ep=https://127.0.0.1:$https_port server=${pids[1]} ;;
        *) ep=http://127.0.0.1:$http_port server=${pids[0]} ;;
      esac
      before=$(cpu "$server")
      line=$(FERRY_TEST_S3_ENDPOINT=$ep FERRY_BENCH_EXPORT=${to%%-*} FERRY_BENCH_FORMAT=$format FERRY_BENCH_CONCURRENCY=8 \
        "$work/s3.test" -test.run '^TestExportThroughput$' -test.count=1 | grep '^export')
      echo "$to: $line; versitygw $(awk -v a="$before" -v b="$(cpu "$server")" 'BEGIN{printf "%.1f", b - a}') s CPU"
      rm -rf "${work:?}/http/"* "${work:?}/https/"*
    done
  done
done
