#!/usr/bin/env bash
# Make sure headless Chromium and its WebDriver exist for the browser tests (the catalog's pages
# are loaded in a real browser, tests/integration/test_catalog.py). Installs Debian's `chromium`
# and `chromium-driver` packages when missing and we may (root), else says what to do.
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Chromium or its driver not found: installing Debian's chromium and chromium-driver" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  exit 0
fi
echo "error: the browser tests need Chromium and chromedriver (/usr/bin/chromium, /usr/bin/chromedriver)." >&2
echo "  → install them: sudo apt-get install chromium chromium-driver" >&2
exit 1
