#!/usr/bin/env bash
# Builds the npm package bankfeeds-wasm into bindings-wasm/pkg/:
#   pkg/node/  wasm-bindgen --target nodejs (CommonJS, ready on require/import), built with the
#              `webhooks` feature: `verifyWebhook()` for servers
#   pkg/web/   wasm-bindgen --target web    (ES module; `await init()` first), built without it:
#              the browser module never handles a webhook signing secret and carries none of
#              that code
#   pkg/package.json, pkg/README.md
# Each .wasm is optimised with binaryen 132's wasm-opt -Oz from tools/node_modules (never
# Debian's binaryen: its output breaks at run time, see G3 in TOOLCHAIN.md of the shared folder
# beside the repository, ../shared).
#
#   bindings-wasm/scripts/build.sh        # from anywhere; prints the sizes
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
BF_LOG_TAG=wasm-build
cd "$BF_ROOT"
bf_tool_env

CRATE_DIR=bindings-wasm
PKG="$CRATE_DIR/pkg"
TARGET_DIR="${CARGO_TARGET_DIR:-$BF_ROOT/target}"
WASM="$TARGET_DIR/wasm32-unknown-unknown/release/bankfeeds_wasm.wasm"
# Each build's module is copied here before the next build overwrites $WASM.
STAGE="$TARGET_DIR/bindings-wasm-stage"
WASM_OPT="$BF_ROOT/tools/node_modules/.bin/wasm-opt"

# ---- tools ---------------------------------------------------------------------------------
want_wb=$(bf_lock_version wasm-bindgen)
have_wb=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}') || true
[[ -n "$want_wb" && "$have_wb" == "$want_wb" ]] ||
    bf_die "wasm-bindgen ${have_wb:-not found}, but Cargo.lock has $want_wb: run scripts/bootstrap.sh"
[[ -x "$WASM_OPT" ]] || bf_die "$WASM_OPT is missing: run scripts/bootstrap.sh (npm ci in tools/)"
"$WASM_OPT" --version | grep -q 'version 132' ||
    bf_die "expected binaryen 132 from npm, found: $("$WASM_OPT" --version)"

# ---- compile -------------------------------------------------------------------------------
# Size and speed settings for this build only. The workspace's [profile.release] is shared with
# the other crates and cannot set lto per package, so they are given here; panic stays the
# target's default (wasm32-unknown-unknown aborts; see src/error.rs). strip stays "debuginfo"
# (never true: wasm-bindgen and wasm-opt read the target_features section).
export CARGO_PROFILE_RELEASE_LTO=true
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1
export CARGO_PROFILE_RELEASE_OPT_LEVEL=3
rm -rf "$STAGE"
mkdir -p "$STAGE"
# The web module first (no webhooks), then the Node one (with them).
t0=$(bf_now_us)
cargo build --locked --release --target wasm32-unknown-unknown -p bankfeeds-wasm
cp "$WASM" "$STAGE/web.wasm"
bf_log "cargo build (web): $(bf_since "$t0")"
t0=$(bf_now_us)
cargo build --locked --release --target wasm32-unknown-unknown -p bankfeeds-wasm --features webhooks
cp "$WASM" "$STAGE/node.wasm"
bf_log "cargo build (node, --features webhooks): $(bf_since "$t0")"

# ---- bind ----------------------------------------------------------------------------------
rm -rf "$PKG"
mkdir -p "$PKG"
for target in nodejs web; do
    name=${target/nodejs/node}
    out="$PKG/$name"
    wasm-bindgen "$STAGE/$name.wasm" --target "$target" --out-dir "$out" --out-name bankfeeds_wasm
    dts="$out/bankfeeds_wasm.d.ts"
    # The error classes are re-exported from js/errors.js; wasm-bindgen types a re-export as
    # `unknown`, which would clash with their declarations in js/types.d.ts (and, for
    # WebhookError, js/webhooks.d.ts).
    classes=(BankFeedsError ValidationError)
    [[ $name == node ]] && classes+=(WebhookError)
    for cls in "${classes[@]}"; do
        grep -qx "export let $cls: unknown;" "$dts" ||
            bf_die "$dts: expected wasm-bindgen's 'export let $cls: unknown;' (did wasm-bindgen change?)"
        sed -i "/^export let $cls: unknown;\$/d" "$dts"
    done
    # wasm-bindgen declares `[Symbol.dispose]()` on every exported class (FileChecker), which
    # only compiles against TypeScript's `esnext.disposable` lib: a user on ES2022 would get a
    # type error from the package. The method stays in the JavaScript (where the engine has the
    # symbol); `free()` is the typed way.
    grep -qx '    \[Symbol.dispose\](): void;' "$dts" ||
        bf_die "$dts: expected wasm-bindgen's '[Symbol.dispose](): void;' (did wasm-bindgen change?)"
    sed -i '/^    \[Symbol.dispose\](): void;$/d' "$dts"
done
# The browser build must not have the webhook check: not as an export, not in its types.
! grep -q 'verifyWebhook\|WebhookError' "$PKG/web/bankfeeds_wasm.js" "$PKG/web/bankfeeds_wasm.d.ts" ||
    bf_die "the web build mentions verifyWebhook or WebhookError: it must be built without the webhooks feature"
# Say which files are ES modules, so Node reads each right: the web build and the snippets
# (js/errors.js, js/rows.js, which the nodejs glue require()s) are; the nodejs glue is CommonJS.
printf '{ "type": "module" }\n' >"$PKG/web/package.json"
printf '{ "type": "commonjs" }\n' >"$PKG/node/package.json"
printf '{ "type": "module" }\n' >"$PKG/node/snippets/package.json"

# ---- optimise ------------------------------------------------------------------------------
bound_size=$(stat -c %s "$PKG/web/bankfeeds_wasm_bg.wasm")
# The two builds differ (the Node one has the webhook check): each is optimised.
# The two modules are optimised at once: most of wasm-opt's passes run on one core.
optimise() {
    local name=$1 t0
    t0=$(bf_now_us)
    "$WASM_OPT" -Oz "$PKG/$name/bankfeeds_wasm_bg.wasm" -o "$PKG/$name/bankfeeds_wasm_bg.wasm.opt"
    mv "$PKG/$name/bankfeeds_wasm_bg.wasm.opt" "$PKG/$name/bankfeeds_wasm_bg.wasm"
    bf_log "wasm-opt -Oz ($name): $(bf_since "$t0")"
}
t0=$(bf_now_us)
optimise web &
web_opt=$!
optimise node || { wait "$web_opt" || true; bf_die "wasm-opt failed on the node module"; }
wait "$web_opt" || bf_die "wasm-opt failed on the web module"
bf_log "wasm-opt, both modules: $(bf_since "$t0")"

# ---- package -------------------------------------------------------------------------------
version=$(awk -F'"' '/^\[workspace.package\]/{p=1} p && /^version = /{print $2; exit}' Cargo.toml)
cat >"$PKG/package.json" <<EOF
{
  "name": "bankfeeds-wasm",
  "version": "$version",
  "description": "Validate, normalise and batch bank transactions for Codat Bank Feeds, in the browser and Node (WebAssembly); in Node, verify Codat's webhook deliveries. No API client: never put a Codat API key in a browser.",
  "license": "Apache-2.0",
  "keywords": ["codat", "bank-feeds", "bank-transactions", "validation", "webassembly"],
  "main": "./node/bankfeeds_wasm.js",
  "types": "./node/bankfeeds_wasm.d.ts",
  "exports": {
    ".": {
      "types": "./node/bankfeeds_wasm.d.ts",
      "default": "./node/bankfeeds_wasm.js"
    },
    "./web": {
      "types": "./web/bankfeeds_wasm.d.ts",
      "default": "./web/bankfeeds_wasm.js"
    },
    "./web/bankfeeds_wasm_bg.wasm": "./web/bankfeeds_wasm_bg.wasm",
    "./package.json": "./package.json"
  },
  "files": ["node/", "web/", "README.md"],
  "sideEffects": ["./node/*", "./web/snippets/*"],
  "engines": { "node": ">=20.19" }
}
EOF
cp "$CRATE_DIR/README.md" "$PKG/README.md"

raw=$(stat -c %s "$STAGE/web.wasm")
opt=$(stat -c %s "$PKG/web/bankfeeds_wasm_bg.wasm")
gz=$(gzip -9 -c "$PKG/web/bankfeeds_wasm_bg.wasm" | wc -c)
bf_log "sizes (web): cargo $raw B, after wasm-bindgen $bound_size B, after wasm-opt -Oz $opt B, gzipped $gz B"
node_gz=$(gzip -9 -c "$PKG/node/bankfeeds_wasm_bg.wasm" | wc -c)
bf_log "size (node, with webhooks): $(stat -c %s "$PKG/node/bankfeeds_wasm_bg.wasm") B, gzipped $node_gz B"
bf_log "package ready in $PKG"
