# shellcheck shell=bash
# Shared helpers for scripts/bootstrap.sh and scripts/test.sh. Source it, do not run it.
#
# Sets BF_ROOT (the repository root, found from this file's location, whatever the cwd)
# and provides logging, timing and the tool environment (bf_tool_env).

BF_ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
export BF_ROOT

# ---- logging -------------------------------------------------------------------------------
bf_log() { printf '[%s] %s\n' "${BF_LOG_TAG:-bankfeeds}" "$*"; }
bf_warn() { printf '[%s] WARNING: %s\n' "${BF_LOG_TAG:-bankfeeds}" "$*" >&2; }
bf_die() {
    printf '[%s] ERROR: %s\n' "${BF_LOG_TAG:-bankfeeds}" "$*" >&2
    exit 1
}

# ---- timing (microseconds from bash's EPOCHREALTIME; no subprocess) -------------------------
bf_now_us() {
    local t=${EPOCHREALTIME/[.,]/}
    printf '%s' "$((10#$t))"
}
# bf_fmt_secs MICROSECONDS -> "12.3s"
bf_fmt_secs() {
    local us=$1
    printf '%d.%ds' "$((us / 1000000))" "$(((us / 100000) % 10))"
}
bf_since() { bf_fmt_secs "$(($(bf_now_us) - $1))"; }
# bf_children_cpu_cs: CPU time (user + system, in hundredths of a second) of every child process
# this shell has reaped so far: a stage's CPU is the difference across it. Fields 16 and 17 of
# /proc/PID/stat, in clock ticks (USER_HZ, 100 on Linux); 0 where /proc is missing.
bf_children_cpu_cs() {
    local stat
    if [[ -r /proc/$$/stat ]]; then
        stat=$(</proc/$$/stat)
        stat=${stat##*) } # the fields after the command name, which may hold spaces
        read -r -a f <<<"$stat"
        # After "pid (comm) ", field 3 (state) is f[0]: cutime (16) is f[13], cstime (17) f[14].
        printf '%s' "$((f[13] + f[14]))"
    else
        printf '0'
    fi
}
# bf_fmt_cs CENTISECONDS -> "12.3s"
bf_fmt_cs() { printf '%d.%ds' "$(($1 / 100))" "$((($1 / 10) % 10))"; }

# ---- misc ----------------------------------------------------------------------------------
bf_is_ci() { [[ "${CI:-}" == "true" || "${CI:-}" == "1" ]]; }

# sha256 of the concatenation of the given files (missing files hash as their name only).
bf_hash_files() {
    local f
    for f in "$@"; do
        printf '%s\n' "$f"
        [[ -f "$f" ]] && cat -- "$f"
    done | sha256sum | cut -d' ' -f1
}

# Version of a package in Cargo.lock ("" when absent or no Cargo.lock).
bf_lock_version() {
    local pkg=$1 lock="$BF_ROOT/Cargo.lock"
    [[ -f "$lock" ]] || return 0
    awk -v want="name = \"$pkg\"" '
        $0 == want { found = 1; next }
        found && /^version = / { gsub(/version = |"/, ""); print; exit }
        /^\[\[package\]\]/ { found = 0 }
    ' "$lock"
}

bf_prepend_path() {
    case ":$PATH:" in
    *":$1:"*) ;;
    *) PATH="$1:$PATH" ;;
    esac
}

# Make ~/.cargo/bin reachable even from a minimal environment.
bf_cargo_env() {
    local cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
    [[ -d "$cargo_bin" ]] && bf_prepend_path "$cargo_bin"
    export PATH
}

# The environment every test stage runs in: the project's venv and pinned npm tools first on PATH
# (npm binaryen's wasm-opt before any Debian one, see TOOLCHAIN.md G2/G3).
bf_tool_env() {
    bf_cargo_env
    if [[ -x "$BF_ROOT/.venv/bin/python" ]]; then
        export VIRTUAL_ENV="$BF_ROOT/.venv"
        unset PYTHONHOME
        bf_prepend_path "$VIRTUAL_ENV/bin"
    fi
    bf_prepend_path "$BF_ROOT/tools/node_modules/.bin"
    export PATH
    if bf_is_ci; then
        export CARGO_TERM_COLOR=never
    fi
}
