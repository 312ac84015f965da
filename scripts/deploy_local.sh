#!/usr/bin/env bash
# A local production-shaped deployment: two granian workers on :3000 (or --port), PostgreSQL
# 127.0.0.1:5432 (a fresh database "makerhours_local"), Redis 127.0.0.1:6379 for Reflex state,
# the Stripe emulator. See docs/deploy.md. Extra arguments: --workers N --port P --database D.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
exec python -m benchmarks.deployment "$@"
