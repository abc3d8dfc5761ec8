#!/usr/bin/env bash
# Runs every example's own test: each folder under examples/ that has a test.sh.
set -euo pipefail
cd "$(dirname -- "${BASH_SOURCE[0]}")/.."
ran=0
for t in */test.sh; do
    [ -e "$t" ] || continue
    echo "== example: ${t%/test.sh}"
    bash "$t"
    ran=$((ran + 1))
done
if [ "$ran" -eq 0 ]; then
    echo "no example has a test.sh" >&2
    exit 1
fi
echo "examples: $ran passed"
