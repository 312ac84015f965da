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

python -m pytest "$@"

# A full run also puts a short load on a two-worker PostgreSQL + Redis deployment and checks
# the database afterwards (it cannot share the app directory with the e2e server, hence after
# pytest). Required in CI; elsewhere it runs when PostgreSQL and Redis answer.
if [ $# -eq 0 ]; then
  if [ -n "${BOOKING_TEST_REQUIRE_POSTGRES:-}${CI:-}" ] || python -m benchmarks.deployment --check-services; then
    echo "==> Short load test (20 customers, 15 s, 2 workers, PostgreSQL + Redis)"
    python -m benchmarks.load --customers 20 --seconds 15 --browsers 1
  else
    echo "==> Skipping the short load test: PostgreSQL or Redis is not reachable on 127.0.0.1"
  fi
fi
