#!/usr/bin/env bash
# Runs the Rust quickstart against its embedded sandbox and checks what it printed.
set -euo pipefail
cd "$(dirname -- "${BASH_SOURCE[0]}")/../.."
# shellcheck source=examples/scripts/spec.sh
source examples/scripts/spec.sh
# The quickstart keeps its push ledger in a temporary file of its own; should anything fall back to
# the default ledger, it lands here, never in the user's.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export BANKFEEDS_LEDGER="$tmp/ledger.sqlite3"
# stderr too: the embedded sandbox prints every answer that broke the spec there.
out=$(cargo run --locked -q -p rust-quickstart 2>&1)
echo "$out"
grep -q "send the customer to http" <<<"$out"
grep -q "rerun: 4 already pushed, 0 sent" <<<"$out"
if grep -q "spec violation" <<<"$out"; then
    echo "rust-quickstart: the sandbox broke Codat's spec (see above)" >&2
    exit 1
fi
if [[ -e "$BANKFEEDS_LEDGER" ]]; then
    echo "rust-quickstart: the default ledger was written; the example must keep its own" >&2
    exit 1
fi
