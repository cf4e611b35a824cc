#!/usr/bin/env bash
# Runs Tenure's main job on the embedded default: sets up the virtual environment, then `tenure serve`,
# which (on an empty store) generates and imports the demo business, trains the churn model, scores
# every customer and serves the web app, printing its address and a first login.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
if [[ ! -x .venv/bin/python ]]; then "$PY" -m venv .venv; fi
stamp=.venv/.installed-$(cat pyproject.toml | md5sum | cut -c1-12)
if [[ ! -f $stamp ]]; then
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e '.[dev]'
  touch "$stamp"
fi
exec .venv/bin/tenure serve "$@"
