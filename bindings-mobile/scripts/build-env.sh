# shellcheck shell=bash
# Paths shared by the mobile build, tests and the Kotlin example. Source it, do not run it.
BF_ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)"
BFM_TARGET="${CARGO_TARGET_DIR:-$BF_ROOT/target}"
BFM_LIB="$BFM_TARGET/debug/libbankfeeds_mobile.so"
BFM_BINDGEN="$BFM_TARGET/uniffi-bindgen/debug/uniffi-bindgen"
BFM_OUT="$BFM_TARGET/bindings-mobile"
BFM_KT="$BFM_OUT/kotlin/bankfeeds/bankfeeds_mobile.kt"
BFM_JAR="$BFM_OUT/bankfeeds-mobile.jar"
BFM_KH="$BF_ROOT/tools/node_modules/kotlin-compiler"
BFM_KOTLINC="$BFM_KH/bin/kotlinc"
BFM_STDLIB="$BFM_KH/lib/kotlin-stdlib.jar"
BFM_COROUTINES="$BFM_KH/lib/kotlinx-coroutines-core-jvm.jar"
BFM_JNA=/usr/share/java/jna.jar
# Everything a compiled Kotlin program using the bindings needs on its classpath at run time.
BFM_RUNTIME_CP="$BFM_JAR:$BFM_JNA:$BFM_COROUTINES:$BFM_STDLIB"
export BF_ROOT BFM_TARGET BFM_LIB BFM_BINDGEN BFM_OUT BFM_KT BFM_JAR BFM_KH BFM_KOTLINC \
    BFM_STDLIB BFM_COROUTINES BFM_JNA BFM_RUNTIME_CP
for f in "$BFM_KOTLINC" "$BFM_COROUTINES" "$BFM_JNA"; do
    [[ -e "$f" ]] || { echo "missing $f: run scripts/bootstrap.sh (npm tools in tools/, apt libjna-java)" >&2; exit 1; }
done
