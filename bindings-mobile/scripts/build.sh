#!/usr/bin/env bash
# Builds what the Kotlin tests and examples need, from any directory:
#   1. the cdylib (target/debug/libbankfeeds_mobile.so) and the uniffi-bindgen binary
#      (scripts/build-bindgen.sh: target/uniffi-bindgen/debug/uniffi-bindgen);
#   2. the generated sources, into target/bindings-mobile/{kotlin,swift}/ (never checked in);
#   3. the generated Kotlin compiled once into target/bindings-mobile/bankfeeds-mobile.jar
#      (skipped while the generated file is unchanged).
# Extra arguments are extra cargo packages to build too (e.g. -p bankfeeds-cli).
# Prints the timing of each step on stderr. Other scripts source build-env.sh for the paths.
set -euo pipefail
source "$(dirname -- "${BASH_SOURCE[0]}")/build-env.sh"

source "$BF_ROOT/scripts/lib.sh" # bf_now_us, bf_since

step() { printf '[mobile-build] %-28s %s\n' "$1" "$2" >&2; }
now() { bf_now_us; }
since() { bf_since "$1"; }

cd "$BF_ROOT"
t=$(now)
cargo build --locked -p bankfeeds-mobile "$@"
step "cargo build" "$(since "$t")"

"$BF_ROOT/bindings-mobile/scripts/build-bindgen.sh"

[[ -f "$BFM_LIB" ]] || { echo "build finished but $BFM_LIB is missing" >&2; exit 1; }

t=$(now)
# Generate into fresh directories so a renamed type never leaves a stale file behind. The
# bindgen reads uniffi.toml through `cargo metadata`, so it runs from the workspace root.
rm -rf "$BFM_OUT/kotlin" "$BFM_OUT/swift"
"$BFM_BINDGEN" generate --no-format --language kotlin --out-dir "$BFM_OUT/kotlin" "$BFM_LIB" >&2
"$BFM_BINDGEN" generate --no-format --language swift --out-dir "$BFM_OUT/swift" "$BFM_LIB" >&2
[[ -f "$BFM_KT" ]] || { echo "uniffi-bindgen wrote no $BFM_KT" >&2; exit 1; }
step "generate kotlin + swift" "$(since "$t")"

t=$(now)
stamp="$BFM_OUT/bankfeeds-mobile.jar.sha256"
want=$(sha256sum "$BFM_KT" | cut -d' ' -f1)
if [[ -f "$BFM_JAR" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    step "kotlinc generated bindings" "skipped (unchanged)"
else
    rm -f "$BFM_JAR" "$stamp"
    "$BFM_KOTLINC" -nowarn -cp "$BFM_JNA:$BFM_COROUTINES" "$BFM_KT" -d "$BFM_JAR"
    printf '%s\n' "$want" >"$stamp"
    step "kotlinc generated bindings" "$(since "$t")"
fi
