#!/usr/bin/env bash
# `bankfeeds push-all` of several large files to the sandbox: ACCOUNTS accounts (default 4), each
# with its own CSV of ROWS rows (cli/bench/statement.py; default 250,000), on two companies,
# pushed with one `push-all` command (all accounts at once) RUNS times (default 3), each run to
# fresh connected GBP accounts with a fresh push ledger, under /usr/bin/time -v. Pushes are
# answered at once (push delay 0), so the figures are the client's: reading, checking and
# sending the files. Prints each run's wall time, CPU time (user + system) and peak RSS, and
# their medians; every run must store every row.
# Needs a release build (cargo build --release -p bankfeeds-cli), or BANKFEEDS_BIN.
#
#   cli/bench/push_all.sh [ACCOUNTS] [ROWS] [RUNS]
set -euo pipefail
accounts=${1:-4}
rows=${2:-250000}
runs=${3:-3}
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
for a in $(seq "$accounts"); do
    python3 "$root/cli/bench/statement.py" "$rows" "$work/acc-$a.csv" csv
done
echo "files: $accounts of $rows rows of csv, $(du -m "$work/acc-1.csv" | cut -f1) MB each"
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
    manifest="$work/manifest-$run.csv"
    echo "company,connection,account,file" >"$manifest"
    targets=()
    for c in 1 2; do
        company=$(post /companies '{"name":"Bench"}' | field id)
        connection=$(post "/companies/$company/connections" '{"platformKey":"hcws"}' | field id)
        post "/sandbox/companies/$company/connections/$connection/link" '{}' >/dev/null
        for a in $(seq "$c" 2 "$accounts"); do
            post "/companies/$company/connections/$connection/connectionInfo/bankFeedAccounts" \
                "{\"id\":\"acc-$a\",\"accountName\":\"Current\",\"accountType\":\"Debit\",\"accountNumber\":\"31926819\",\"sortCode\":\"401276\",\"currency\":\"GBP\",\"balance\":0}" >/dev/null
            post "/sandbox/companies/$company/connections/$connection/bankFeedAccounts/acc-$a/map" \
                '{"feedStartDate":"2022-12-01T00:00:00Z"}' >/dev/null
            echo "$company,$connection,acc-$a,acc-$a.csv" >>"$manifest"
            targets+=("$company/$connection/acc-$a")
        done
    done
    CODAT_API_KEY=bench /usr/bin/time -v "$bin" push-all "$manifest" --base-url "$url" \
        --today 2024-06-01 --concurrency "$accounts" --ledger "$work/ledger-$run.sqlite3" \
        >"$work/push.out" 2>"$work/time" \
        || { echo "push-all failed:"; tail -n 20 "$work/push.out" "$work/time"; exit 1; }
    for t in "${targets[@]}"; do
        IFS=/ read -r company connection account <<<"$t"
        stored=$(curl -sf "$url/sandbox/companies/$company/connections/$connection/bankFeedAccounts/$account/transactions" \
            | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d if isinstance(d, list) else d.get("transactions", d.get("results", []))))')
        [ "$stored" = "$rows" ] || { echo "$t holds $stored transactions, not $rows" >&2; exit 1; }
    done
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    cpu=$(awk -F': ' '/(User|System) time \(seconds\)/ {t += $2} END {print t}' "$work/time")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time")
    walls+=("$wall"); cpus+=("$cpu"); rsss+=("$rss")
    printf '  push-all %6.3f s wall %6.3f s CPU %8d KB\n' "$wall" "$cpu" "$rss"
done
python3 -c 'import sys,statistics as s; w=[float(x) for x in sys.argv[1].split()]; c=[float(x) for x in sys.argv[2].split()]; r=[int(x) for x in sys.argv[3].split()]; print(f"push-all median: {s.median(w):.3f} s wall, {s.median(c):.3f} s CPU, peak RSS {s.median(r)/1024:.0f} MB")' "${walls[*]}" "${cpus[*]}" "${rsss[*]}"
