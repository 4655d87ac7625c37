#!/usr/bin/env bash
# Make sure PostgreSQL's server binaries exist for the tests (they start a throwaway cluster).
# Installs Debian's `postgresql` package when missing and we may (root), else says what to do.
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "PostgreSQL server not found: installing Debian's postgresql package" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  exit 0
fi
echo "error: the tests need PostgreSQL's server (initdb, pg_ctl)." >&2
echo "  → install it: sudo apt-get install postgresql  (or set BRON_TEST_POSTGRES_URL)" >&2
exit 1
