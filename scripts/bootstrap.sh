#!/usr/bin/env bash
# Installs everything the tests need on a machine of our kind (Debian 12, rustup, Node 20, Python 3.11,
# registries only). Idempotent: every step checks first and is a no-op when already done.
# See TOOLCHAIN.md in the shared folder beside the repository (../shared) for why each piece is installed the way it is.
#
#   scripts/bootstrap.sh                    # every step
#   scripts/bootstrap.sh npm venv           # only these steps (apt rustup wasm-bindgen npm venv)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
BF_LOG_TAG=bootstrap
cd "$BF_ROOT"
bf_cargo_env

BOOT_T0=$(bf_now_us)

# step NAME FUNCTION: runs FUNCTION, which prints what it did via `did "..."`; reports time taken.
step() {
    local name=$1 fn=$2 t0
    t0=$(bf_now_us)
    STEP_RESULT=""
    "$fn"
    bf_log "$(printf '%-14s %-8s %s' "$name" "$(bf_since "$t0")" "${STEP_RESULT:-done}")"
}
did() { STEP_RESULT="$*"; }

as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@" || sudo "$@"
    else
        bf_die "need root (or sudo) to run: $*"
    fi
}

# ---- 1. Debian packages: Chromium + ChromeDriver (browser tests), JNA (Kotlin bindings) ---------
APT_PKGS=(chromium chromium-driver libjna-java)
step_apt() {
    if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver && -f /usr/share/java/jna.jar ]]; then
        did "skipped: chromium, chromedriver and jna.jar present"
        return
    fi
    bf_log "installing ${APT_PKGS[*]} (apt-get update first)"
    local apt_opts=(-o DPkg::Lock::Timeout=300 -q)
    as_root env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y --no-install-recommends "${APT_PKGS[@]}"
    [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver && -f /usr/share/java/jna.jar ]] ||
        bf_die "apt install finished but /usr/bin/chromium, /usr/bin/chromedriver or /usr/share/java/jna.jar is missing"
    did "installed ${APT_PKGS[*]}"
}

# ---- 2. rustup components and the wasm32 target ------------------------------------------------
step_rustup() {
    command -v rustup >/dev/null || bf_die "rustup not found (expected the machine's preinstalled rustup)"
    local installed added=() c
    installed=$(rustup component list --installed 2>/dev/null)
    for c in clippy rustfmt; do
        if ! grep -q "^$c\(-\|$\)" <<<"$installed"; then
            rustup component add "$c"
            added+=("$c")
        fi
    done
    if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
        rustup target add wasm32-unknown-unknown
        added+=(wasm32-unknown-unknown)
    fi
    if ((${#added[@]})); then did "added ${added[*]}"; else did "skipped: clippy, rustfmt, wasm32-unknown-unknown present"; fi
}

# ---- 3. wasm-bindgen-cli at exactly Cargo.lock's wasm-bindgen version ------------------------
step_wasm_bindgen() {
    local want have=""
    want=$(bf_lock_version wasm-bindgen)
    if [[ -z "$want" ]]; then
        did "skipped: Cargo.lock has no wasm-bindgen package (yet)"
        return
    fi
    if command -v wasm-bindgen >/dev/null 2>&1; then
        have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')
    fi
    if [[ "$have" == "$want" ]] && command -v wasm-bindgen-test-runner >/dev/null 2>&1; then
        did "skipped: wasm-bindgen $have already installed"
        return
    fi
    bf_log "installing wasm-bindgen-cli =$want (have: ${have:-none}); takes ~100 s on 2 cores"
    # No --locked: the registry here lacks a crate version its lockfile pins (TOOLCHAIN.md G1).
    cargo install wasm-bindgen-cli --version "=$want" --force
    have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')
    [[ "$have" == "$want" ]] || bf_die "wasm-bindgen --version says '${have:-nothing}' after installing $want (is another wasm-bindgen earlier on PATH? $(command -v wasm-bindgen))"
    did "installed wasm-bindgen-cli $want"
}

# ---- 4. npm tools (tools/package-lock.json) -------------------------------------------------
NPM_STAMP=tools/node_modules/.bankfeeds-lock.sha256
NPM_EXPECT=(tools/node_modules/.bin/prism tools/node_modules/.bin/wasm-opt tools/node_modules/kotlin-compiler/bin/kotlinc tools/node_modules/playwright-core/package.json tools/node_modules/standardwebhooks/package.json)
step_npm() {
    [[ -f tools/package-lock.json ]] || bf_die "tools/package-lock.json is missing"
    local want f ok=1
    want=$(bf_hash_files tools/package.json tools/package-lock.json)
    for f in "${NPM_EXPECT[@]}"; do [[ -e "$f" ]] || ok=0; done
    if ((ok)) && [[ -f "$NPM_STAMP" && "$(cat "$NPM_STAMP")" == "$want" ]]; then
        did "skipped: tools/node_modules matches package-lock.json"
        return
    fi
    command -v npm >/dev/null || bf_die "npm not found (expected the machine's Node.js 20)"
    (cd tools && npm ci --no-audit --no-fund --loglevel=error)
    for f in "${NPM_EXPECT[@]}"; do [[ -e "$f" ]] || bf_die "npm ci finished but $f is missing"; done
    printf '%s\n' "$want" >"$NPM_STAMP"
    did "npm ci in tools/ ($(du -sh tools/node_modules 2>/dev/null | cut -f1))"
}

# ---- 5. Python venv (.venv) ------------------------------------------------------------------
PY_REQS=bindings-python/requirements-dev.txt
PY_FALLBACK=("maturin>=1.9,<2" "pytest")
VENV_STAMP=.venv/.bankfeeds-reqs.sha256
step_venv() {
    local want what
    if [[ -f "$PY_REQS" ]]; then
        want=$(bf_hash_files "$PY_REQS")
        what="-r $PY_REQS"
    else
        want=$(printf '%s\n' "${PY_FALLBACK[@]}" | sha256sum | cut -d' ' -f1)
        what="${PY_FALLBACK[*]}"
    fi
    if [[ -x .venv/bin/python ]] && .venv/bin/python -c '' 2>/dev/null &&
        [[ -f "$VENV_STAMP" && "$(cat "$VENV_STAMP")" == "$want" ]]; then
        did "skipped: .venv matches ($what)"
        return
    fi
    local created=""
    if ! { [[ -x .venv/bin/python ]] && .venv/bin/python -c '' 2>/dev/null; }; then
        rm -rf .venv
        python3 -m venv .venv
        created="created .venv, "
    fi
    if [[ -f "$PY_REQS" ]]; then
        .venv/bin/python -m pip install -q --disable-pip-version-check -r "$PY_REQS"
    else
        .venv/bin/python -m pip install -q --disable-pip-version-check "${PY_FALLBACK[@]}"
    fi
    printf '%s\n' "$want" >"$VENV_STAMP"
    did "${created}pip install $what"
}

STEPS=(apt rustup wasm-bindgen npm venv)
selected=("$@")
((${#selected[@]})) || selected=("${STEPS[@]}")
for s in "${selected[@]}"; do
    [[ " ${STEPS[*]} " == *" $s "* ]] || bf_die "unknown step '$s' (steps: ${STEPS[*]})"
done
bf_log "repo: $BF_ROOT"
for s in "${STEPS[@]}"; do
    if [[ " ${selected[*]} " == *" $s "* ]]; then step "$s" "step_${s//-/_}"; fi
done
bf_log "bootstrap complete in $(bf_since "$BOOT_T0")"
