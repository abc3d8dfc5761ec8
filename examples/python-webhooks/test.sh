#!/usr/bin/env bash
# The webhook example's test, run from the repo root by examples/scripts/test.sh: builds the CLI
# (its sandbox sends the webhooks), makes sure the Python test venv has bankfeeds (building the
# wheel when it does not), then runs check_receiver.py, which starts receiver.py and a sandbox
# sending to it, runs the guides' flow and checks what arrived, a redelivery after a 500 included.
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)"
cd "$ROOT"
# shellcheck source=examples/scripts/spec.sh
source examples/scripts/spec.sh
VENV="$ROOT/.venv-test"
cargo build --locked -q -p bankfeeds-cli
if ! "$VENV/bin/python" -c "import bankfeeds.webhooks" 2>/dev/null; then
    bash bindings-python/scripts/install-test-venv.sh "$VENV"
fi
BANKFEEDS_CLI="$ROOT/target/debug/bankfeeds" "$VENV/bin/python" examples/python-webhooks/check_receiver.py
