#!/usr/bin/env bash
# Runs every example's own test: each folder under examples/ that has a test.sh.
set -euo pipefail
cd "$(dirname -- "${BASH_SOURCE[0]}")/.."
# Guard against ever running ourselves (this file also matches */test.sh).
if [ -n "${BF_EXAMPLES_RUNNER:-}" ]; then
    echo "examples/scripts/test.sh called itself; refusing to recurse" >&2
    exit 2
fi
export BF_EXAMPLES_RUNNER=1
# Every sandbox the examples start checks its answers against Codat's spec when it is found.
# shellcheck source=examples/scripts/spec.sh
source scripts/spec.sh
ran=0
for t in */test.sh; do
    [ -e "$t" ] || continue
    # This runner lives in scripts/; it is not an example.
    [ "$t" = scripts/test.sh ] && continue
    echo "== example: ${t%/test.sh}"
    bash "$t"
    ran=$((ran + 1))
done
if [ "$ran" -eq 0 ]; then
    echo "no example has a test.sh" >&2
    exit 1
fi
echo "examples: $ran passed"
