#!/usr/bin/env bash
# Builds the uniffi-bindgen binary (bindings-mobile/uniffi-bindgen/, a workspace of its own: its
# Cargo.toml says why) into a target directory of its own, $BFM_TARGET/uniffi-bindgen, so that it
# never waits for, or makes wait, a workspace build: the test command runs it in the background
# while the workspace stages build. It must use the uniffi the library is built with.
set -euo pipefail
source "$(dirname -- "${BASH_SOURCE[0]}")/build-env.sh"
source "$BF_ROOT/scripts/lib.sh" # bf_lock_version, bf_now_us, bf_since

bindgen_dir="$BF_ROOT/bindings-mobile/uniffi-bindgen"
lib_uniffi=$(bf_lock_version uniffi)
gen_uniffi=$(BF_ROOT="$bindgen_dir" bf_lock_version uniffi)
[[ -n "$lib_uniffi" && "$lib_uniffi" == "$gen_uniffi" ]] || {
    echo "bankfeeds-mobile is built with uniffi ${lib_uniffi:-?} (Cargo.lock) but uniffi-bindgen with ${gen_uniffi:-?} (bindings-mobile/uniffi-bindgen/Cargo.lock): make them the same" >&2
    exit 1
}
t=$(bf_now_us)
cargo build --locked --manifest-path "$bindgen_dir/Cargo.toml" --target-dir "$BFM_TARGET/uniffi-bindgen"
[[ -x "$BFM_BINDGEN" ]] || { echo "build finished but $BFM_BINDGEN is missing" >&2; exit 1; }
printf '[mobile-build] %-28s %s\n' "cargo build uniffi-bindgen" "$(bf_since "$t")" >&2
