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
. "$root/cli/bench/sandbox.sh"
start_sandbox
for run in $(seq "$runs"); do
    manifest="$work/manifest-$run.csv"
    echo "company,connection,account,file" >"$manifest"
    targets=()
    for c in 1 2; do
        new_connection
        for a in $(seq "$c" 2 "$accounts"); do
            new_account "acc-$a"
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
        [ "$(stored "$company" "$connection" "$account")" = "$rows" ] \
            || { echo "$t does not hold $rows transactions" >&2; exit 1; }
    done
    measured push-all "$work/time"
done
medians push-all
