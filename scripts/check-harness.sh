#!/usr/bin/env bash
# The test command checks itself: a stage fails when any of its commands fails, not only its
# last. (A shell function run as a stage runs where `set -e` does not apply, after `||`, so a
# failing command followed by a passing one went unnoticed: the `test` stage passed with
# failing tests because `cargo test --doc` ran after them and passed.) Runs the `test` stage of
# scripts/test.sh with a stand-in `cargo` whose `nextest run` fails and whose other commands
# succeed, and the same with `nextest run` passing: the first must fail, naming the stage, and
# the second must pass. Takes a second; builds nothing.
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/cargo" <<'STANDIN'
#!/usr/bin/env bash
# A stand-in for cargo: `nextest run` exits with $STANDIN_NEXTEST_RC, everything else with 0.
case "$*" in
nextest\ run*) echo "stand-in cargo: nextest run exits $STANDIN_NEXTEST_RC" >&2; exit "$STANDIN_NEXTEST_RC" ;;
*) exit 0 ;;
esac
STANDIN
chmod +x "$tmp/cargo"
# The stand-in first; the real cargo's folder already on PATH, so the test command does not
# put it before the stand-in.
path="$tmp:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
stage() {
    STANDIN_NEXTEST_RC=$1 PATH="$path" BF_ROOT="$ROOT" "$ROOT/scripts/test.sh" --no-bootstrap test >"$tmp/out" 2>&1
}
if stage 101; then
    cat "$tmp/out" >&2
    echo "check-harness: the test stage passed although nextest failed" >&2
    exit 1
fi
if ! grep -q 'stage "test" FAILED' "$tmp/out"; then
    cat "$tmp/out" >&2
    echo "check-harness: the test stage did not fail as a failed stage" >&2
    exit 1
fi
if ! stage 0; then
    cat "$tmp/out" >&2
    echo "check-harness: the test stage failed with every command passing" >&2
    exit 1
fi
echo "check-harness: a failing command fails its stage, and a passing stage passes"
