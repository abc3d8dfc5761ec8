#!/usr/bin/env bash
# Builds the bankfeeds wheel and installs it into a fresh venv with the dev requirements.
#   bindings-python/scripts/install-test-venv.sh [VENV]        (default: .venv-test)
# Debug build unless BF_PY_RELEASE=1. Used by scripts/test.sh here and by the examples' tests
# (which call it only when the venv lacks bankfeeds).
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)"
cd "$ROOT"
VENV="${1:-$ROOT/.venv-test}"
WHEELS="$ROOT/target/python-wheels"
PY=${PYTHON:-python3}
MATURIN=$(command -v maturin || true)
[[ -n "$MATURIN" ]] || MATURIN="$ROOT/.venv/bin/maturin"
[[ -x "$MATURIN" ]] || { echo "maturin not found: run scripts/bootstrap.sh (it installs bindings-python/requirements-dev.txt into .venv)" >&2; exit 1; }

profile=()
[[ "${BF_PY_RELEASE:-0}" == 1 ]] && profile=(--release)
echo "-- maturin build (${profile[*]:-debug})"
rm -rf "$WHEELS"
(cd bindings-python && "$MATURIN" build --locked "${profile[@]}" --out "$WHEELS")
wheel=$(ls "$WHEELS"/bankfeeds-*-cp39-abi3-*.whl)
echo "-- fresh venv $VENV with $(basename "$wheel")"
rm -rf "$VENV"
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r bindings-python/requirements-dev.txt "$wheel"
