#!/usr/bin/env bash
# `bankfeeds push` of a large file to the sandbox: generates a CSV of ROWS rows
# (cli/bench/statement.py; default 200,000), starts `bankfeeds sandbox` (pushes answered at once),
# and pushes the file RUNS times, each to a fresh connected GBP account on a QuickBooks Online Bank Feeds connection with
# a fresh push ledger, under /usr/bin/time -v. Prints each run's wall time, CPU time (user +
# system) and peak RSS of the pushing process, and their medians; every run must push every row.
# Needs a release build (cargo build --release -p bankfeeds-cli), or BANKFEEDS_BIN.
#
# HELD=1 measures a rerun instead: a first push of the file (not measured) ends with its first
# batch timed out, so the measured push holds that batch's 1,000 rows back (each row of the file
# is checked against them) and pushes the rest; it exits 3 (rows held back) by design.
#
#   cli/bench/push.sh [ROWS] [RUNS]
set -euo pipefail
rows=${1:-200000}
runs=${2:-3}
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${BANKFEEDS_BIN:-$root/target/release/bankfeeds}
[ -x "$bin" ] || { echo "build first: cargo build --release -p bankfeeds-cli" >&2; exit 2; }
work=$(mktemp -d)
sandbox_pid=
cleanup() {
    [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
file="$work/statement.csv"
python3 "$root/cli/bench/statement.py" "$rows" "$file" csv
echo "file: $rows rows of csv, $(du -m "$file" | cut -f1) MB"
. "$root/cli/bench/sandbox.sh"
start_sandbox
for run in $(seq "$runs"); do
    new_connection
    new_account acc-1
    push_args=(push "$file" --company "$company" --connection "$connection" --account acc-1
        --base-url "$url" --today 2024-06-01 --ledger "$work/ledger-$run.sqlite3")
    want=$rows ok=0
    if [ "${HELD:-0}" = 1 ]; then
        curl -sf -X PUT "$url/sandbox/faults" -H 'Authorization: Basic bench' \
            -H 'Content-Type: application/json' \
            -d '{"rules":[{"kind":"pushTimedOut","method":"POST","path":"**/bankTransactions","nth":[1]}]}' >/dev/null
        code=0
        CODAT_API_KEY=bench "$bin" "${push_args[@]}" >"$work/first.out" 2>&1 || code=$?
        [ "$code" = 3 ] || { echo "the first push should end timed out (exit 3), not $code:"; tail -n 20 "$work/first.out"; exit 1; }
        curl -sf -X PUT "$url/sandbox/faults" -H 'Authorization: Basic bench' \
            -H 'Content-Type: application/json' -d '{"rules":[]}' >/dev/null
        want=$((rows - 1000)) ok=3
    fi
    code=0
    CODAT_API_KEY=bench /usr/bin/time -v "$bin" "${push_args[@]}" >"$work/push.out" 2>"$work/time" || code=$?
    [ "$code" = "$ok" ] || { echo "push failed (exit $code):"; tail -n 20 "$work/push.out" "$work/time"; exit 1; }
    [ "$(stored "$company" "$connection" acc-1)" = "$want" ] \
        || { echo "the sandbox does not hold $want transactions" >&2; exit 1; }
    measured push "$work/time"
done
medians push
