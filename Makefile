# ferry — common tasks. `make test` is what CI runs (see .ci/run).
GO      ?= go
BIN     := bin/ferry
BENCH_N ?= 1000000
BENCHDIR ?= /tmp/ferry-bench

.PHONY: build test test-short lint bench bench-db bench-s3 sample clean

build:
	$(GO) build -o $(BIN) ./cmd/ferry

# The tests, with the race detector. Service-backed tests skip when their
# service is down unless FERRY_REQUIRE_SERVICES=1 (CI sets it).
test:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) test -race -count=1 -timeout 30m ./...

test-short:
	$(GO) test -short ./...

# Whole-command benchmarks on generated fixtures, side by side with DuckDB
# (results go to docs/benchmarks.md by hand, with the machine).
bench: build
	BENCH_N=$(BENCH_N) BENCHDIR=$(BENCHDIR) ./scripts/bench.sh

# The database stores next to psql's \copy and LOAD DATA (needs PostgreSQL
# and MariaDB, see .ci/run), and the S3 sink against a local file.
bench-db: build
	BENCH_N=$(BENCH_N) BENCHDIR=$(BENCHDIR) ./scripts/bench-db.sh

bench-s3: build
	BENCH_N=$(BENCH_N) ./scripts/bench-s3.sh

# Regenerate the sample shipped in fixtures/sample (deterministic).
sample: build
	./$(BIN) fixtures generate --users 1000 --seed 42 --error-rate 0.02 --out fixtures/sample/users.json -q
	./$(BIN) fixtures generate --users 1000 --seed 42 --error-rate 0.02 --out fixtures/sample/users.csv -q --fields user_id,email,email_verified,username,given_name,family_name,name,nickname,picture,phone_number,created_at,user_metadata,app_metadata

clean:
	rm -rf bin
