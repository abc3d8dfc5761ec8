#!/usr/bin/env bash
# The Spark example's test, run from the repo root by examples/scripts/test.sh: installs PySpark
# into the Python test venv (.venv-test, which has the bankfeeds wheel; built here when missing),
# builds the CLI (its sandbox stands in for Codat) and runs the job in local mode on a small
# generated dataset, pushing the ready accounts to the sandbox and checking what arrived.
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)"
cd "$ROOT"
# shellcheck source=examples/scripts/spec.sh
source examples/scripts/spec.sh
VENV="$ROOT/.venv-test"
cargo build --locked -q -p bankfeeds-cli
if ! "$VENV/bin/python" -c "import bankfeeds, pyarrow" 2>/dev/null; then
    bash bindings-python/scripts/install-test-venv.sh "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r examples/spark/requirements.txt
command -v java >/dev/null || { echo "spark example: Java 17+ is needed (java not on PATH)" >&2; exit 1; }
export SPARK_LOCAL_IP=127.0.0.1
# The job's pushes name their ledger; BANKFEEDS_LEDGER keeps anything else off the user's default.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
BANKFEEDS_LEDGER="$tmp/default-ledger.sqlite3" BANKFEEDS_CLI="$ROOT/target/debug/bankfeeds" \
    "$VENV/bin/python" examples/spark/check_job.py
test ! -e "$tmp/default-ledger.sqlite3" || { echo "spark example: the default ledger was written" >&2; exit 1; }
