#!/usr/bin/env bash
# Tests of the Python binding, run from the repo root by scripts/test.sh (or by hand):
#   1. builds the wheel with maturin (debug: it reuses the workspace's debug dependencies),
#   2. installs it into a fresh venv (.venv-test) with pytest, pyarrow and mypy,
#   3. builds the CLI (its sandbox serves the client tests) when the cli crate exists,
#   4. runs pytest from outside the source tree, so the installed wheel is what is tested,
#   5. checks the stubs: mypy --strict on the tests, and mypy.stubtest on the compiled module.
# BF_PY_RELEASE=1 builds a release wheel instead.
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)"
cd "$ROOT"
HERE=bindings-python
VENV="$ROOT/.venv-test"
step() { printf '\n-- python: %s\n' "$*"; }

step "wheel and fresh venv"
bash "$HERE/scripts/install-test-venv.sh" "$VENV"

if [[ -f cli/Cargo.toml ]]; then
    step "cargo build -p bankfeeds-cli (the sandbox for the client tests)"
    cargo build --locked -p bankfeeds-cli
    export BANKFEEDS_CLI="$ROOT/target/debug/bankfeeds"
fi

step "pytest (from outside the source tree)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && "$VENV/bin/python" -m pytest -q -p no:cacheprovider "$ROOT/$HERE/tests")

step "mypy --strict on the tests (the stubs as users meet them) and on the package"
mypy=("$VENV/bin/python" -m mypy --strict --no-incremental --cache-dir=/dev/null --config-file "$ROOT/$HERE/tests/mypy.ini")
(cd "$tmp" && "${mypy[@]}" "$ROOT/$HERE/tests" && "${mypy[@]}" -p bankfeeds)

step "stubtest: the stubs against the compiled module"
(cd "$tmp" && "$VENV/bin/python" -m mypy.stubtest bankfeeds._bankfeeds bankfeeds._errors \
    --allowlist "$ROOT/$HERE/tests/stubtest-allowlist.txt")
