#!/usr/bin/env bash
# The example page's end-to-end test in headless Chromium (examples/scripts/test.sh and
# bindings-wasm/scripts/test.sh both run it). Builds the WebAssembly package first when it is
# missing or older than its sources, so this works on its own too.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
BF_LOG_TAG=example-web
cd "$BF_ROOT"
bf_tool_env

wasm=bindings-wasm/pkg/web/bankfeeds_wasm_bg.wasm
if [[ ! -f "$wasm" ]] ||
    [[ -n "$(find bindings-wasm/src bindings-wasm/js bindings-wasm/Cargo.toml core/src core/Cargo.toml Cargo.lock -newer "$wasm" -print -quit)" ]]; then
    bf_log "building the WebAssembly package (missing or older than its sources)"
    bindings-wasm/scripts/build.sh
fi
[[ -x /usr/bin/chromium ]] || bf_die "/usr/bin/chromium is missing: run scripts/bootstrap.sh"
[[ -f tools/node_modules/playwright-core/package.json ]] || bf_die "playwright-core is missing: run scripts/bootstrap.sh"

node --test examples/web/page.test.mjs
bf_log "screenshots: target/artifacts/web-example.png, target/artifacts/web-example-xero.png"
