#!/usr/bin/env bash
# The CLI on a large file: generates a CSV (or, with FORMAT=json, a push body) of ROWS rows
# (default 1,000,000; dated oldest first, running balances that follow), then runs `bankfeeds validate` and `bankfeeds normalise` on it
# RUNS times each under /usr/bin/time -v, printing each run's wall time, CPU time (user + system:
# the figure to read when other work shares the cores) and peak RSS, and their medians. Needs a release build: cargo build --release -p bankfeeds-cli.
#
#   cli/bench/stream.sh [ROWS] [RUNS] [FORMAT]     FORMAT: csv (the default) or json
set -euo pipefail
rows=${1:-1000000}
runs=${2:-5}
format=${3:-csv}
case "$format" in csv|json) ;; *) echo "FORMAT is csv or json, not $format" >&2; exit 2 ;; esac
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${BANKFEEDS_BIN:-$root/target/release/bankfeeds}
[ -x "$bin" ] || { echo "build first: cargo build --release -p bankfeeds-cli" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
file="$work/statement.$format"
python3 "$root/cli/bench/statement.py" "$rows" "$file" "$format"
size=$(du -m "$file" | cut -f1)
echo "file: $rows rows of $format, $size MB"
measure() {
    local label=$1; shift
    local walls=() cpus=() rsss=()
    for _ in $(seq "$runs"); do
        /usr/bin/time -v "$@" >/dev/null 2>"$work/time" || true
        wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
        cpu=$(awk -F': ' '/(User|System) time \(seconds\)/ {t += $2} END {print t}' "$work/time")
        rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time")
        walls+=("$wall"); cpus+=("$cpu"); rsss+=("$rss")
        printf '  %-10s %6.3f s wall %6.3f s CPU %8d KB\n' "$label" "$wall" "$cpu" "$rss"
    done
    python3 -c 'import sys,statistics as s; w=[float(x) for x in sys.argv[2].split()]; c=[float(x) for x in sys.argv[3].split()]; r=[int(x) for x in sys.argv[4].split()]; print(f"{sys.argv[1]} median: {s.median(w):.3f} s wall, {s.median(c):.3f} s CPU, peak RSS {s.median(r)/1024:.0f} MB")' "$label" "${walls[*]}" "${cpus[*]}" "${rsss[*]}"
}
measure validate "$bin" validate "$file" --platform generic --today 2025-01-01
measure normalise "$bin" normalise "$file" --platform generic --today 2025-01-01 --account-id acc-1 --out "$work/batches"
