#!/usr/bin/env bash
# The one command that runs every test of every language.
#
#   scripts/test.sh                  # bootstrap, then all stages
#   scripts/test.sh core python      # a subset (groups and/or single stages, run in canonical order)
#   scripts/test.sh --no-bootstrap clippy
#   scripts/test.sh --list
#
# Stages, in order:
#   fmt clippy test doc            (group: core)   cargo on the whole workspace, always --locked
#                                  (test: cargo nextest + doc tests where nextest is installed)
#                                  (fmt also runs scripts/check-unified.sh: the stages' builds
#                                  share one set of dependency builds, and
#                                  scripts/check-harness.sh: a stage fails when any of its
#                                  commands fails)
#                                  (test includes a short, fixed-seed run of every fuzz target:
#                                  fuzz/, a workspace member, seconds in all)
#   wasm     -> bindings-wasm/scripts/test.sh
#   python   -> bindings-python/scripts/test.sh
#   mobile   -> bindings-mobile/scripts/test.sh
#   examples -> examples/scripts/test.sh
# A component stage is skipped only when its directory does not exist; a directory without
# scripts/test.sh fails. Fails fast, naming the failed stage; prints a table of durations.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
BF_LOG_TAG=test
cd "$BF_ROOT"

ALL_STAGES=(fmt clippy test doc wasm python mobile examples)
declare -A COMPONENT_DIR=([wasm]=bindings-wasm [python]=bindings-python [mobile]=bindings-mobile [examples]=examples)
declare -A GROUPS_=([core]="fmt clippy test doc" [components]="wasm python mobile examples" [all]="${ALL_STAGES[*]}")

usage() {
    sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

# ---- arguments -----------------------------------------------------------------------------
run_bootstrap=1
declare -A wanted=()
for arg in "$@"; do
    case "$arg" in
    -h | --help) usage; exit 0 ;;
    --list) printf '%s\n' "${ALL_STAGES[@]}"; exit 0 ;;
    --no-bootstrap) run_bootstrap=0 ;;
    bindings-wasm | bindings-python | bindings-mobile) wanted[${arg#bindings-}]=1 ;;
    *)
        if [[ -n "${GROUPS_[$arg]:-}" ]]; then
            for s in ${GROUPS_[$arg]}; do wanted[$s]=1; done
        elif [[ " ${ALL_STAGES[*]} " == *" $arg "* ]]; then
            wanted[$arg]=1
        else
            bf_die "unknown stage or group '$arg' (stages: ${ALL_STAGES[*]}; groups: ${!GROUPS_[*]})"
        fi
        ;;
    esac
done
if ((${#wanted[@]} == 0)); then
    for s in "${ALL_STAGES[@]}"; do wanted[$s]=1; done
fi

# ---- stage bookkeeping ---------------------------------------------------------------------
SUMMARY_NAMES=()
SUMMARY_TIMES=()
SUMMARY_CPU=()
SUMMARY_STATUS=()
RUN_T0=$(bf_now_us)
RUN_CPU0=$(bf_children_cpu_cs)
# Each stage gets at most this many seconds (the slowest, bootstrap on a cold machine, takes ~7 min).
BF_STAGE_TIMEOUT=${BF_STAGE_TIMEOUT:-1800}

summary() {
    local i
    printf '\n== summary (cpu: user + system of the stage and of the background builds that ended during it)\n'
    printf '%-14s %-10s %-10s %s\n' stage time cpu result
    printf '%-14s %-10s %-10s %s\n' -------------- ---------- ---------- ------------------------------
    for i in "${!SUMMARY_NAMES[@]}"; do
        printf '%-14s %-10s %-10s %s\n' "${SUMMARY_NAMES[$i]}" "${SUMMARY_TIMES[$i]}" "${SUMMARY_CPU[$i]}" "${SUMMARY_STATUS[$i]}"
    done
    printf '%-14s %-10s %-10s\n' total "$(bf_since "$RUN_T0")" "$(bf_fmt_cs "$(($(bf_children_cpu_cs) - RUN_CPU0))")"
}

# record NAME WALL STATUS [CPU0]: CPU0 is bf_children_cpu_cs at the stage's start.
record() {
    SUMMARY_NAMES+=("$1")
    SUMMARY_TIMES+=("$2")
    SUMMARY_STATUS+=("$3")
    if [[ -n "${4:-}" ]]; then
        SUMMARY_CPU+=("$(bf_fmt_cs "$(($(bf_children_cpu_cs) - $4))")")
    else
        SUMMARY_CPU+=("-")
    fi
}

# run_stage NAME CMD...: banner, run, time; on failure print a clear message + summary and exit.
run_stage() {
    local name=$1 t0 rc=0 dt cpu0
    shift
    printf '\n== stage: %s\n' "$name"
    printf '   $ %s\n' "$*"
    t0=$(bf_now_us)
    cpu0=$(bf_children_cpu_cs)
    if [[ "$(type -t "$1")" == file ]]; then
        # A hung stage must fail with its name, not eat CI's whole time budget.
        timeout --kill-after=30 "$BF_STAGE_TIMEOUT" "$@" </dev/null || rc=$?
        ((rc == 124)) && printf '!! stage "%s" exceeded BF_STAGE_TIMEOUT=%ss\n' "$name" "$BF_STAGE_TIMEOUT" >&2
    else
        ("$@") </dev/null || rc=$?
    fi
    dt=$(bf_since "$t0")
    if ((rc != 0)); then
        record "$name" "$dt" "FAILED (exit $rc)" "$cpu0"
        summary
        printf '\n!! stage "%s" FAILED (exit %d after %s): %s\n' "$name" "$rc" "$dt" "$*" >&2
        exit "$rc"
    fi
    record "$name" "$dt" ok "$cpu0"
    printf '== stage %s ok (%s)\n' "$name" "$dt"
}

# The workspace's tests. With cargo-nextest (on the project's machines; `cargo install --locked
# cargo-nextest` elsewhere) every test runs in a process of its own, scheduled across all test
# binaries at once (.config/nextest.toml), so the slow binaries that wait on a sandbox no longer
# run one after another; nextest does not run doc tests, so `cargo test --doc` follows. Without
# it, plain `cargo test`, which runs the same tests. Each command's failure returns at once:
# run_stage calls this after `||`, where `set -e` does not apply (scripts/check-harness.sh
# checks it).
workspace_tests() {
    if cargo nextest --version >/dev/null 2>&1; then
        cargo nextest run --workspace --locked || return
        cargo test --workspace --locked --doc
    else
        bf_log "cargo-nextest is not installed: running the tests with cargo test (slower)"
        cargo test --workspace --locked
    fi
}

skip_stage() {
    printf '\n== stage: %s (skipped: %s)\n' "$1" "$2"
    record "$1" "-" "skipped: $2"
}

missing_component_script() {
    bf_die "$1/ exists but $2 is missing: every component must provide its test script (nothing is silently untested)"
}

# ---- stages --------------------------------------------------------------------------------
# Two tools compile for minutes on a fresh machine and only later stages use them:
# wasm-bindgen-cli (the wasm and examples stages) and the mobile binding's uniffi-bindgen (the
# mobile and examples stages). Each builds in the background while the workspace stages run
# (each in a build directory of its own, so no build waits on another's lock), and the first stage
# that needs it waits for it. Everything else is installed before the first stage.
declare -A BG_PID=() BG_LOG=() BG_WHAT=()
# background NAME COMMAND...: starts COMMAND, its output in target/background-NAME.log.
background() {
    local name=$1
    shift
    BG_LOG[$name]="$BF_ROOT/target/background-$name.log"
    BG_WHAT[$name]="$*"
    mkdir -p "$BF_ROOT/target"
    timeout --kill-after=30 "$BF_STAGE_TIMEOUT" "$@" >"${BG_LOG[$name]}" 2>&1 </dev/null &
    BG_PID[$name]=$!
    printf '\n== %s: building in the background (log: %s)\n' "$name" "${BG_LOG[$name]#"$BF_ROOT"/}"
}
stop_background() {
    local name
    for name in "${!BG_PID[@]}"; do kill "${BG_PID[$name]}" 2>/dev/null || true; done
}
trap stop_background EXIT
# await NAME: waits for a background build (a stage of its own in the summary: the time waited).
await() {
    local name=$1 t0 rc=0 dt cpu0
    [[ -n "${BG_PID[$name]:-}" ]] || return 0
    printf '\n== stage: %s (waiting for the background build)\n' "$name"
    t0=$(bf_now_us)
    cpu0=$(bf_children_cpu_cs)
    wait "${BG_PID[$name]}" || rc=$?
    unset "BG_PID[$name]"
    dt=$(bf_since "$t0")
    sed 's/^/   | /' "${BG_LOG[$name]}"
    if ((rc != 0)); then
        record "$name" "$dt" "FAILED (exit $rc)" "$cpu0"
        summary
        printf '\n!! stage "%s" FAILED (exit %d): %s (log above)\n' "$name" "$rc" "${BG_WHAT[$name]}" >&2
        exit "$rc"
    fi
    record "$name" "$dt" ok "$cpu0"
    printf '== stage %s ok (waited %s)\n' "$name" "$dt"
}
if ((run_bootstrap)); then
    if [[ -n "${wanted[wasm]:-}${wanted[examples]:-}" ]]; then
        background wasm-bindgen "$BF_ROOT/scripts/bootstrap.sh" wasm-bindgen
    fi
    run_stage bootstrap "$BF_ROOT/scripts/bootstrap.sh" apt rustup npm venv
fi
if [[ -n "${wanted[mobile]:-}${wanted[examples]:-}" && -d bindings-mobile ]]; then
    bf_tool_env
    background uniffi-bindgen "$BF_ROOT/bindings-mobile/scripts/build-bindgen.sh"
fi

bf_tool_env
FMT_COLOR=()
if bf_is_ci; then
    FMT_COLOR=(--color never) # rustfmt colours its diff even into a file, ignoring CARGO_TERM_COLOR
    bf_log "CI mode: CARGO_TERM_COLOR=never, cargo --locked"
fi

for stage in "${ALL_STAGES[@]}"; do
    [[ -n "${wanted[$stage]:-}" ]] || continue
    case "$stage" in
    fmt)
        run_stage fmt cargo fmt --all -- --check "${FMT_COLOR[@]}"
        run_stage unified "$BF_ROOT/scripts/check-unified.sh"
        run_stage harness "$BF_ROOT/scripts/check-harness.sh"
        ;;
    clippy) run_stage clippy cargo clippy --workspace --all-targets --locked -- -D warnings ;;
    test) run_stage test workspace_tests ;;
    doc) run_stage doc env RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked ;;
    *)
        if [[ $stage == wasm || $stage == examples ]]; then await wasm-bindgen; fi
        if [[ $stage == mobile || $stage == examples ]]; then await uniffi-bindgen; fi
        dir=${COMPONENT_DIR[$stage]}
        script="$dir/scripts/test.sh"
        if [[ ! -d "$dir" ]]; then
            skip_stage "$stage" "no $dir/ directory"
        elif [[ ! -f "$script" ]]; then
            run_stage "$stage" missing_component_script "$dir" "$script"
        elif [[ -x "$script" ]]; then
            run_stage "$stage" "$BF_ROOT/$script"
        else
            run_stage "$stage" bash "$BF_ROOT/$script"
        fi
        ;;
    esac
done

summary
n_ok=0 n_skip=0
for s in "${SUMMARY_STATUS[@]}"; do
    case "$s" in ok) n_ok=$((n_ok + 1)) ;; skipped*) n_skip=$((n_skip + 1)) ;; esac
done
printf '\nall selected stages succeeded (%d ok, %d skipped)\n' "$n_ok" "$n_skip"
