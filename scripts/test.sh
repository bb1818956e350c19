#!/usr/bin/env bash
# Runs Portico's whole test suite on a fresh Debian machine: installs or starts what the tests
# need (Chromium for the browser tests, versitygw for the S3 blob tests, PostgreSQL), creates a
# fresh PostgreSQL database for this run, then runs go vet and every test against SQLite and
# PostgreSQL, browser and S3 tests included. Extra arguments go to `go test` (e.g. -run
# TestInvitation).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }
as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$1"; else sudo -u postgres sh -c "$1"; fi; }
apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

command -v go >/dev/null || { echo "Go 1.26 is needed: https://go.dev/dl/" >&2; exit 1; }
# Where `go install` puts binaries, so the ones installed below are found.
gobin="$(go env GOBIN)"
export PATH="${gobin:-$(go env GOPATH)/bin}:$PATH"

# Chromium, for the browser tests (Debian's package; no browser download).
if [ -z "${PORTICO_CHROMIUM:-}" ] && ! command -v chromium >/dev/null; then
  log "installing chromium"
  apt_install chromium
fi

# versitygw, the S3-compatible server the blob tests start (built from the Go module proxy).
if [ -z "${PORTICO_VERSITYGW:-}" ] && ! command -v versitygw >/dev/null; then
  log "installing versitygw"
  go install github.com/versity/versitygw/cmd/versitygw@v1.8.0
fi

# PostgreSQL: use PORTICO_TEST_DATABASE_URL's server if given, else the local one on 5432,
# installing and starting it when it is missing or stopped.
pg_base="${PORTICO_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432}"
if ! command -v psql >/dev/null || ! command -v pg_lsclusters >/dev/null; then
  log "installing postgresql"
  apt_install postgresql postgresql-client
fi
if ! pg_isready -q -d "$pg_base/postgres" 2>/dev/null; then
  log "starting postgresql"
  for v in $(ls /etc/postgresql 2>/dev/null); do
    as_root pg_ctlcluster --skip-systemctl-redirect "$v" main start 2>/dev/null || true
  done
  for _ in $(seq 1 30); do pg_isready -q -d "$pg_base/postgres" && break; sleep 1; done
fi
if ! psql "$pg_base/postgres" -Atqc 'select 1' >/dev/null 2>&1; then
  # A fresh Debian cluster asks for passwords on TCP; the tests use trust on loopback.
  log "allowing trusted loopback connections for the test user"
  hba=$(as_postgres "psql -Atqc 'show hba_file'")
  as_root sed -i '1i host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust' "$hba"
  for v in $(ls /etc/postgresql); do as_root pg_ctlcluster --skip-systemctl-redirect "$v" main reload; done
  sleep 1
fi
db="portico_test_$(date +%s)_$$"
psql "$pg_base/postgres" -qc "CREATE DATABASE $db" >/dev/null
trap 'psql "$pg_base/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true' EXIT
export PORTICO_TEST_DATABASE_URL="$pg_base/$db"
export PORTICO_REQUIRE_BROWSER=1
export PORTICO_REQUIRE_S3=1

log "go vet"
go vet ./...
log "go test (SQLite and PostgreSQL, browser tests included)"
go test -count=1 -timeout 30m "$@" ./...
