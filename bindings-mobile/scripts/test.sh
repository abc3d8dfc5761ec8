#!/usr/bin/env bash
# The bindings-mobile tests, run from any directory (scripts/test.sh runs it as stage `mobile`):
#   1. build the cdylib, uniffi-bindgen and the CLI (for the sandbox), generate Kotlin + Swift
#      into target/bindings-mobile/ and compile the generated Kotlin (scripts/build.sh);
#   2. check the Swift (beside step 3's compile): the C header compiles, every uniffi_/ffi_ function it declares is exported
#      by the .so, the module map names the header, and scripts/check_swift.py (syntax,
#      checksums against the library, public API);
#   3. compile tests/kotlin/*.kt against the bindings, JNA and kotlinx-coroutines, and run them
#      on the JVM; the run prints a pass/fail count and exits non-zero on any failure.
set -euo pipefail
source "$(dirname -- "${BASH_SOURCE[0]}")/build-env.sh"
source "$BF_ROOT/scripts/lib.sh"
BF_LOG_TAG=mobile
cd "$BF_ROOT"

T0=$(bf_now_us)
# timed NAME COMMAND...: runs COMMAND, logs how long it took, and returns its status.
timed() {
    local name=$1 t rc=0
    shift
    t=$(bf_now_us)
    "$@" || rc=$?
    bf_log "$(printf '%-24s %s' "$name" "$(bf_since "$t")")"
    return "$rc"
}

# The sandbox the client tests talk to is the CLI's `sandbox` command.
timed build bindings-mobile/scripts/build.sh -p bankfeeds-cli

# ---- Swift -----------------------------------------------------------------------------------
SWIFT="$BFM_OUT/swift"
check_header() {
    # The header uses clang's nullability qualifiers; blank them for gcc.
    echo '#include "BankFeedsFFI.h"' |
        gcc -fsyntax-only -Wall -Werror -D_Nullable= -D_Nonnull= -include stdint.h -include stdbool.h \
            -I "$SWIFT" -x c -
}
check_symbols() {
    local declared exported missing
    declared=$(grep -oE '\b(uniffi|ffi)_[A-Za-z0-9_]+[[:space:]]*\(' "$SWIFT/BankFeedsFFI.h" | tr -d '( ' | sort -u)
    exported=$(nm -D --defined-only "$BFM_LIB" | awk '{print $3}' | grep -E '^(uniffi|ffi)_' | sort -u)
    missing=$(comm -23 <(printf '%s\n' "$declared") <(printf '%s\n' "$exported"))
    if [[ -n "$missing" ]]; then
        bf_warn "declared in BankFeedsFFI.h but not exported by $(basename "$BFM_LIB"):"$'\n'"$missing"
        return 1
    fi
    bf_log "symbols: all $(wc -l <<<"$declared") uniffi_/ffi_ functions of the header are exported"
}
check_modulemap() {
    grep -q 'module BankFeedsFFI' "$SWIFT/BankFeedsFFI.modulemap" &&
        grep -q 'header "BankFeedsFFI.h"' "$SWIFT/BankFeedsFFI.modulemap" &&
        grep -q 'import BankFeedsFFI' "$SWIFT/BankFeeds.swift" ||
        { bf_warn "module map or its import is missing"; return 1; }
}
SWIFT_VENV="$BFM_OUT/swift-venv"
check_swift_source() {
    if ! "$SWIFT_VENV/bin/python" -c 'import tree_sitter, tree_sitter_swift' 2>/dev/null; then
        # `timed` runs this after `||`, where `set -e` does not apply: each step says if it failed.
        rm -rf "$SWIFT_VENV"
        python3 -m venv "$SWIFT_VENV" || return
        "$SWIFT_VENV/bin/python" -m pip install -q --disable-pip-version-check \
            "tree-sitter==0.26.1" "tree-sitter-swift==0.7.4" || return
    fi
    "$SWIFT_VENV/bin/python" bindings-mobile/scripts/check_swift.py "$SWIFT/BankFeeds.swift" "$BFM_LIB"
}
swift_checks() {
    timed "swift: C header" check_header
    timed "swift: symbols" check_symbols
    timed "swift: module map" check_modulemap
    timed "swift: source" check_swift_source
}
# The Swift checks (mostly Python: a venv with tree-sitter the first time) run beside kotlinc,
# which spends much of its time on one core; their output follows once both are done.
SWIFT_LOG="$BFM_OUT/swift-checks.log"
mkdir -p "$BFM_OUT"
swift_checks >"$SWIFT_LOG" 2>&1 &
swift_pid=$!
swift_done() {
    local rc=0
    wait "$swift_pid" || rc=$?
    cat "$SWIFT_LOG"
    ((rc == 0)) || bf_die "the Swift checks failed (exit $rc): see above"
}

# ---- Kotlin ----------------------------------------------------------------------------------
TEST_JAR="$BFM_OUT/kotlin-tests.jar"
if ! timed "kotlinc tests" "$BFM_KOTLINC" -nowarn -cp "$BFM_JAR:$BFM_JNA:$BFM_COROUTINES" \
    bindings-mobile/tests/kotlin/*.kt -d "$TEST_JAR"; then
    swift_done || true
    bf_die "kotlinc failed on bindings-mobile/tests/kotlin"
fi
swift_done
# The client tests start `bankfeeds sandbox --port 0` themselves from this path.
export BANKFEEDS_CLI="$BFM_TARGET/debug/bankfeeds"
timed "kotlin tests (JVM)" java -Djna.library.path="$BFM_TARGET/debug" \
    -cp "$TEST_JAR:$BFM_RUNTIME_CP" bankfeeds.tests.MainKt
bf_log "bindings-mobile tests passed in $(bf_since "$T0")"
