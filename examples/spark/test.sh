#!/usr/bin/env bash
# The Spark example's test, run from the repo root by examples/scripts/test.sh: installs PySpark
# into the Python test venv (.venv-test, which has the bankfeeds wheel; built here when missing)
# and runs the job in local mode on a small generated dataset, checking its output.
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)"
cd "$ROOT"
VENV="$ROOT/.venv-test"
if ! "$VENV/bin/python" -c "import bankfeeds, pyarrow" 2>/dev/null; then
    bash bindings-python/scripts/install-test-venv.sh "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r examples/spark/requirements.txt
command -v java >/dev/null || { echo "spark example: Java 17+ is needed (java not on PATH)" >&2; exit 1; }
export SPARK_LOCAL_IP=127.0.0.1
"$VENV/bin/python" examples/spark/check_job.py
