#!/usr/bin/env bash
# Runs Tenure's whole test suite on a fresh machine: sets up the virtual environment, makes sure the
# real services the tests use are there (PostgreSQL, Java for Spark, Chromium), then lint, types, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3

as_root() { if [[ $(id -u) == 0 ]]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  as_root apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

# Python environment
if [[ ! -x .venv/bin/python ]]; then "$PY" -m venv .venv; fi
stamp=.venv/.installed-$(cat pyproject.toml | md5sum | cut -c1-12)
if [[ ! -f $stamp ]]; then
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e '.[dev]'
  touch "$stamp"
fi

# PostgreSQL: use the server on 127.0.0.1:5432 when it answers, else install and start Debian's
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if ! listening 5432; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then apt_install postgresql; fi
  v=$(ls /etc/postgresql | sort -n | tail -1)
  conf=/etc/postgresql/$v/main
  as_root sed -i -E 's/^(local|host)(\s+\S+\s+\S+\s+(\S+\s+)?)(peer|md5|scram-sha-256)$/\1\2trust/' "$conf/pg_hba.conf"
  as_root pg_ctlcluster --skip-systemctl-redirect "$v" main start || as_root pg_ctlcluster "$v" main start
  for _ in $(seq 30); do listening 5432 && break; sleep 1; done
fi
export TENURE_TEST_POSTGRES_URL=${TENURE_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/postgres}

# Redis for the job-queue tests (tenure worker)
if ! listening 6379; then
  command -v redis-server >/dev/null || apt_install redis-server
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 >/dev/null
  for _ in $(seq 30); do listening 6379 && break; sleep 1; done
fi

# Java 17 for PySpark
if ! command -v java >/dev/null; then apt_install openjdk-17-jre-headless; fi
# Debian's Chromium for the browser tests (never a downloaded browser build)
if [[ ! -x /usr/bin/chromium ]]; then apt_install chromium; fi
export TENURE_REQUIRE_BROWSER=1  # the browser tests (Playwright from the dev extra) must run, not skip

.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench
.venv/bin/mypy
.venv/bin/python -m pytest -n 2 --dist loadgroup --cov=tenure --cov-report=term:skip-covered "$@"
