#!/usr/bin/env bash
# One command for the benchmark: builds a release wheel, installs it with pyarrow and Codat's
# SDK (codat-bankfeeds) into .venv-bench, and runs bench.py (arguments are passed on).
#   bindings-python/bench/run.sh                    # 1,000,000 rows, ~5 minutes on 2 cores
#   bindings-python/bench/run.sh --rows 100000
#   bindings-python/bench/run.sh --push             # push.py instead: both clients against the sandbox
#   bindings-python/bench/run.sh --push --rows 20000 --repeat 3
#   bindings-python/bench/run.sh --stream           # stream.py: a 1,000,000-row file into push bodies
set -euo pipefail
SCRIPT=bench.py
if [[ "${1:-}" == "--push" ]]; then
    SCRIPT=push.py
    shift
elif [[ "${1:-}" == "--stream" ]]; then
    SCRIPT=stream.py
    shift
fi
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)"
cd "$ROOT"
MATURIN=$(command -v maturin || echo "$ROOT/.venv/bin/maturin")
WHEELS="$ROOT/target/python-wheels-release"
rm -rf "$WHEELS"
(cd bindings-python && "$MATURIN" build --locked --release --out "$WHEELS")
VENV="$ROOT/.venv-bench"
[[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
if [[ $SCRIPT != stream.py ]]; then
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check pyarrow==26.0.1 codat-bankfeeds==13.0.0
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$WHEELS"/bankfeeds-*.whl
if [[ $SCRIPT == push.py ]]; then
    cargo build --locked --release -p bankfeeds-cli # the sandbox push.py starts
fi
exec "$VENV/bin/python" "bindings-python/bench/$SCRIPT" "$@"
