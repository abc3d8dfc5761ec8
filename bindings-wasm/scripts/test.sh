#!/usr/bin/env bash
# Every test of the WebAssembly binding, from the repository root (scripts/test.sh runs it as the
# `wasm` stage):
#   1. build the package (scripts/build.sh: cargo wasm32 release, wasm-bindgen nodejs + web,
#      wasm-opt -Oz; the Node build with the `webhooks` feature, the web build without)
#   2. size: the optimised web .wasm is at most 250 KB gzipped
#   3. dependencies: no reqwest, tokio or other network stack in either module
#   4. clippy for wasm32-unknown-unknown, with and without `webhooks` (the workspace stage runs
#      it for the host), in the background while step 5 runs
#   5. node --test bindings-wasm/tests (the API, money, hostile input, fixtures, tsc --noEmit)
#   The page in headless Chromium (examples/web/test.sh) is the examples stage's: run it alone with
#   `bash examples/web/test.sh`.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
BF_LOG_TAG=wasm-test
cd "$BF_ROOT"
bf_tool_env

SIZE_LIMIT=250000 # bytes, gzipped
step() { printf '\n-- wasm: %s\n' "$*"; }

step "build"
bindings-wasm/scripts/build.sh

step "size"
wasm=bindings-wasm/pkg/web/bankfeeds_wasm_bg.wasm
raw=$(stat -c %s "$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
printf 'web bankfeeds_wasm_bg.wasm: %d bytes optimised, %d bytes gzipped (limit %d)\n' "$raw" "$gz" "$SIZE_LIMIT"
# The Node module also carries verifyWebhook(); it is not downloaded by browsers, so no limit.
node_wasm=bindings-wasm/pkg/node/bankfeeds_wasm_bg.wasm
printf 'node bankfeeds_wasm_bg.wasm (with webhooks): %d bytes optimised, %d bytes gzipped\n' \
    "$(stat -c %s "$node_wasm")" "$(gzip -9 -c "$node_wasm" | wc -c)"
((gz <= SIZE_LIMIT)) || bf_die "the module is $gz bytes gzipped, over the $SIZE_LIMIT-byte limit"

step "dependencies"
# The API client must never be in a browser module: no HTTP or async runtime crates at all.
forbidden='^(reqwest|tokio|hyper|hyper-util|h2|mio|rustls|aws-lc-rs|aws-lc-sys|ring|native-tls)$'
crates() { cargo tree --locked "$@" --target wasm32-unknown-unknown -e normal --prefix none --format '{p}' | awk '{print $1}' | sort -u; }
for features in "" webhooks; do
    found=$(crates -p bankfeeds-wasm ${features:+--features "$features"} | grep -E "$forbidden" || true)
    [[ -z "$found" ]] || bf_die "bankfeeds-wasm${features:+ (--features $features)} depends on $(echo "$found" | paste -sd, -): build the core with default-features = false"
done
# The check itself must be able to fail: the core with its client feature does pull reqwest in.
crates -p bankfeeds --features client | grep -qx reqwest ||
    bf_die "the dependency check found no reqwest even in the core with its client feature: the check is broken"
echo "bankfeeds-wasm has none of reqwest, tokio, hyper, mio, rustls, ring in its wasm32 dependencies"

step "clippy (wasm32-unknown-unknown), beside the node tests (its output follows them)"
# Clippy builds on both cores while the node tests mostly run on one JavaScript thread.
clippy_log="${CARGO_TARGET_DIR:-$BF_ROOT/target}/wasm-clippy.log"
mkdir -p "$(dirname -- "$clippy_log")"
(
    cargo clippy --locked -p bankfeeds-wasm --target wasm32-unknown-unknown --all-targets -- -D warnings &&
        cargo clippy --locked -p bankfeeds-wasm --target wasm32-unknown-unknown --all-targets --features webhooks -- -D warnings
) >"$clippy_log" 2>&1 &
clippy_pid=$!
clippy_done() {
    local rc=0
    wait "$clippy_pid" || rc=$?
    step "clippy (wasm32-unknown-unknown): its output"
    cat "$clippy_log"
    ((rc == 0)) || bf_die "clippy for wasm32-unknown-unknown failed (exit $rc): see above"
}
trap 'kill "$clippy_pid" 2>/dev/null || true' EXIT

step "node tests"
node --test bindings-wasm/tests/*.test.mjs || { clippy_done || true; bf_die "the node tests failed"; }

clippy_done
