# Shared by the push benches (cli/bench/push.sh, cli/bench/push_all.sh), sourced once `bin` (the
# bankfeeds binary) and `work` (a temporary folder) are set: the sandbox and the figures.

# Starts `bankfeeds sandbox` (pushes answered at once), sets `url` and `sandbox_pid`.
start_sandbox() {
    "$bin" sandbox --port 0 --push-delay-ms 0 --today 2024-06-01 >"$work/sandbox.out" 2>"$work/sandbox.err" &
    sandbox_pid=$!
    url=
    for _ in $(seq 100); do
        url=$(head -n1 "$work/sandbox.out" 2>/dev/null | grep -o 'http://[^ ]*' || true)
        [ -n "$url" ] && break
        sleep 0.1
    done
    [ -n "$url" ] || { echo "the sandbox did not start: $(cat "$work/sandbox.err")" >&2; exit 1; }
}

# POST $2 (JSON) to the sandbox's path $1; the answer on stdout.
post() {
    curl -sf -X POST "$url$1" -H 'Authorization: Basic bench' -H 'Content-Type: application/json' -d "$2"
}

# The field $1 of the JSON object on stdin.
field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# A linked QuickBooks Online Bank Feeds connection of a new company: sets `company` and
# `connection`.
new_connection() {
    company=$(post /companies '{"name":"Bench"}' | field id)
    connection=$(post "/companies/$company/connections" '{"platformKey":"hcws"}' | field id)
    post "/sandbox/companies/$company/connections/$connection/link" '{}' >/dev/null
}

# A connected GBP source account $1 on `company`/`connection`.
new_account() {
    post "/companies/$company/connections/$connection/connectionInfo/bankFeedAccounts" \
        "{\"id\":\"$1\",\"accountName\":\"Current\",\"accountType\":\"Debit\",\"accountNumber\":\"31926819\",\"sortCode\":\"401276\",\"currency\":\"GBP\",\"balance\":0}" >/dev/null
    post "/sandbox/companies/$company/connections/$connection/bankFeedAccounts/$1/map" \
        '{"feedStartDate":"2022-12-01T00:00:00Z"}' >/dev/null
}

# How many transactions the sandbox stores on account $3 of company $1, connection $2.
stored() {
    curl -sf "$url/sandbox/companies/$1/connections/$2/bankFeedAccounts/$3/transactions" \
        | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d if isinstance(d, list) else d.get("transactions", d.get("results", []))))'
}

walls=() cpus=() rsss=()

# Adds the run measured by `/usr/bin/time -v` into the file $2 to the figures, printing it
# after the label $1.
measured() {
    local wall cpu rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$2" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    cpu=$(awk -F': ' '/(User|System) time \(seconds\)/ {t += $2} END {print t}' "$2")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$2")
    walls+=("$wall"); cpus+=("$cpu"); rsss+=("$rss")
    printf '  %s %6.3f s wall %6.3f s CPU %8d KB\n' "$1" "$wall" "$cpu" "$rss"
}

# The medians of the runs measured, after the label $1.
medians() {
    python3 -c 'import sys,statistics as s; w=[float(x) for x in sys.argv[2].split()]; c=[float(x) for x in sys.argv[3].split()]; r=[int(x) for x in sys.argv[4].split()]; print(f"{sys.argv[1]} median: {s.median(w):.3f} s wall, {s.median(c):.3f} s CPU, peak RSS {s.median(r)/1024:.0f} MB")' "$1" "${walls[*]}" "${cpus[*]}" "${rsss[*]}"
}
