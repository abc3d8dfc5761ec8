#!/usr/bin/env bash
# Runs the Rust quickstart against its embedded sandbox and checks what it printed.
set -euo pipefail
cd "$(dirname -- "${BASH_SOURCE[0]}")/../.."
out=$(cargo run --locked -q -p rust-quickstart)
echo "$out"
grep -q "send the customer to http" <<<"$out"
grep -q "rerun: 4 already pushed, 0 sent" <<<"$out"
