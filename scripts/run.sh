#!/usr/bin/env bash
# Set everything up and start the app at http://localhost:3000 (frontend and backend on one port).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
echo "==> Starting the app at http://localhost:3000 (the frontend builds first: 10-30 s; Ctrl+C stops it)"
exec reflex run --env prod "$@"
