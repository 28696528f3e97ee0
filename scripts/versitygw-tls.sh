#!/usr/bin/env bash
# CI step: run the S3 source and sink tests against the versitygw binary over
# HTTPS on loopback. The AWS SDK frames requests differently over TLS
# (unsigned payloads with trailing checksums instead of signed payloads), so
# this covers what the tests against the embedded plain-HTTP gateway cannot.
#
# Builds versitygw at the version go.mod requires, makes a self-signed
# certificate with openssl, serves a posix backend in a temporary directory,
# and runs the tests with -tags s3tls and FERRY_TEST_S3_* pointing at it.
#   VGW_PORT   port to serve on (default: a random one in 20000-39999)
set -euo pipefail
cd "$(dirname "$0")/.."

command -v openssl >/dev/null || { echo "versitygw-tls: openssl is needed (apt-get install -y openssl)" >&2; exit 1; }
version=$(go list -m -f '{{.Version}}' github.com/versity/versitygw)
work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "versitygw-tls: building versitygw $version" >&2
GOBIN=$work/bin go install "github.com/versity/versitygw/cmd/versitygw@$version"

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null

port=${VGW_PORT:-$((20000 + RANDOM % 20000))}
access=ferry-tls
secret=$(openssl rand -hex 20)
mkdir -p "$work/data"
ROOT_ACCESS_KEY_ID=$access ROOT_SECRET_ACCESS_KEY=$secret \
  "$work/bin/versitygw" --port "127.0.0.1:$port" --cert "$work/cert.pem" --key "$work/key.pem" --quiet \
  posix "$work/data" >"$work/versitygw.log" 2>&1 &
pid=$!

# Wait (bounded) until it answers over TLS with our certificate.
for _ in $(seq 1 100); do
  if curl -s -o /dev/null --cacert "$work/cert.pem" "https://127.0.0.1:$port/"; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then cat "$work/versitygw.log" >&2; exit 1; fi
  sleep 0.1
done

echo "versitygw-tls: testing against https://127.0.0.1:$port" >&2
FERRY_TEST_S3_ENDPOINT="https://127.0.0.1:$port" \
FERRY_TEST_S3_ACCESS_KEY=$access FERRY_TEST_S3_SECRET_KEY=$secret \
FERRY_TEST_S3_CA="$work/cert.pem" \
  go test -tags s3tls -count=1 "$@" ./internal/s3test ./sources/s3 ./sinks/s3
