#!/usr/bin/env bash
# The pipeline example's test, run from the repo root by examples/scripts/test.sh: builds the CLI
# (its sandbox stands in for Codat), makes sure the Python test venv has bankfeeds (building the
# wheel when it does not), then runs check_pipeline.py, which starts the sandbox, sets up a
# company with two mapped accounts, runs pipeline.py on a generated CSV and checks the result.
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
# The check gives the pipeline a ledger of its own; BANKFEEDS_LEDGER keeps anything else off the
# user's default one.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
BANKFEEDS_LEDGER="$tmp/default-ledger.sqlite3" BANKFEEDS_CLI="$ROOT/target/debug/bankfeeds" \
    "$VENV/bin/python" examples/python-pipeline/check_pipeline.py
test ! -e "$tmp/default-ledger.sqlite3" || { echo "python-pipeline example: the default ledger was written" >&2; exit 1; }
