#!/usr/bin/env bash
# Runs the Rust quickstart against its embedded sandbox and checks what it printed.
set -euo pipefail
cd "$(dirname -- "${BASH_SOURCE[0]}")/../.."
# The quickstart pushes with the default push ledger: keep it off the user's own.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export BANKFEEDS_LEDGER="$tmp/ledger.sqlite3"
out=$(cargo run --locked -q -p rust-quickstart)
echo "$out"
grep -q "send the customer to http" <<<"$out"
grep -q "rerun: 4 already pushed, 0 sent" <<<"$out"
test -s "$BANKFEEDS_LEDGER" || { echo "rust-quickstart: the push was not recorded in \$BANKFEEDS_LEDGER" >&2; exit 1; }
