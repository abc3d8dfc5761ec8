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
"$bin" sandbox --port 0 --push-delay-ms 0 --today 2024-06-01 >"$work/sandbox.out" 2>"$work/sandbox.err" &
sandbox_pid=$!
url=
for _ in $(seq 100); do
    url=$(head -n1 "$work/sandbox.out" 2>/dev/null | grep -o 'http://[^ ]*' || true)
    [ -n "$url" ] && break
    sleep 0.1
done
[ -n "$url" ] || { echo "the sandbox did not start: $(cat "$work/sandbox.err")" >&2; exit 1; }
post() {
    curl -sf -X POST "$url$1" -H 'Authorization: Basic bench' -H 'Content-Type: application/json' -d "$2"
}
field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
walls=() cpus=() rsss=()
for run in $(seq "$runs"); do
    company=$(post /companies '{"name":"Bench"}' | field id)
    connection=$(post "/companies/$company/connections" '{"platformKey":"hcws"}' | field id)
    post "/sandbox/companies/$company/connections/$connection/link" '{}' >/dev/null
    post "/companies/$company/connections/$connection/connectionInfo/bankFeedAccounts" \
        '{"id":"acc-1","accountName":"Current","accountType":"Debit","accountNumber":"31926819","sortCode":"401276","currency":"GBP","balance":0}' >/dev/null
    post "/sandbox/companies/$company/connections/$connection/bankFeedAccounts/acc-1/map" \
        '{"feedStartDate":"2022-12-01T00:00:00Z"}' >/dev/null
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
    stored=$(curl -sf "$url/sandbox/companies/$company/connections/$connection/bankFeedAccounts/acc-1/transactions" \
        | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d if isinstance(d, list) else d.get("transactions", d.get("results", []))))')
    [ "$stored" = "$want" ] || { echo "the sandbox holds $stored transactions, not $want" >&2; exit 1; }
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    cpu=$(awk -F': ' '/(User|System) time \(seconds\)/ {t += $2} END {print t}' "$work/time")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time")
    walls+=("$wall"); cpus+=("$cpu"); rsss+=("$rss")
    printf '  push %6.3f s wall %6.3f s CPU %8d KB\n' "$wall" "$cpu" "$rss"
done
python3 -c 'import sys,statistics as s; w=[float(x) for x in sys.argv[1].split()]; c=[float(x) for x in sys.argv[2].split()]; r=[int(x) for x in sys.argv[3].split()]; print(f"push median: {s.median(w):.3f} s wall, {s.median(c):.3f} s CPU, peak RSS {s.median(r)/1024:.0f} MB")' "${walls[*]}" "${cpus[*]}" "${rsss[*]}"
