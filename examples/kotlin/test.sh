#!/usr/bin/env bash
# Builds the Kotlin example against the generated bindings and runs it. Works from any directory;
# reuses the build of bindings-mobile/scripts/build.sh (the cdylib, the generated Kotlin compiled
# into a jar, and the CLI whose sandbox the example starts).
set -euo pipefail
source "$(dirname -- "${BASH_SOURCE[0]}")/../../bindings-mobile/scripts/build-env.sh"
cd "$BF_ROOT"
# shellcheck source=examples/scripts/spec.sh
source examples/scripts/spec.sh

bindings-mobile/scripts/build.sh -p bankfeeds-cli
JAR="$BFM_OUT/example-kotlin.jar"
"$BFM_KOTLINC" -nowarn -cp "$BFM_JAR:$BFM_JNA:$BFM_COROUTINES" examples/kotlin/src/*.kt -d "$JAR"
BANKFEEDS_CLI="$BFM_TARGET/debug/bankfeeds" \
    java -Djna.library.path="$BFM_TARGET/debug" -cp "$JAR:$BFM_RUNTIME_CP" example.MainKt
