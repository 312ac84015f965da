#!/usr/bin/env bash
# Run the whole test suite (unit, integration on SQLite and PostgreSQL, end-to-end in Chromium).
# Extra arguments go to pytest, e.g. scripts/test.sh -k slots
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh

# The end-to-end tests drive Debian's Chromium (Playwright cannot download browsers here).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "==> Installing Chromium for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "The browser tests need Chromium: sudo apt-get install -y chromium" >&2; exit 1
  fi
fi

exec python -m pytest "$@"
