#!/usr/bin/env bash
# Checks that the builds the test command makes share their dependencies: `cargo test
# --workspace`, the CLI for the sandbox (`-p bankfeeds-cli`), the Python wheel (maturin,
# `-p bankfeeds-python`), the mobile library, and the Rust quickstart. Cargo resolves features per
# invocation, so without the workspace-hack crate (`workspace-hack/`, made by `cargo hakari
# generate`) each of those compiled most of the dependency graph again.
#
# Also checks that no build turns on serde_json's `unbounded_depth`, which lifts its nesting limit
# (a stack overflow on hostile JSON): uniffi-bindgen's cargo_metadata asks for it, which is why
# the generator is a workspace of its own (bindings-mobile/uniffi-bindgen/).
# After changing a dependency, regenerate the hack:
#   cargo install --locked cargo-hakari && cargo hakari generate && cargo hakari manage-deps
set -euo pipefail
cd "$(dirname -- "${BASH_SOURCE[0]}")/.."
units() {
    cargo tree --locked "$@" -e normal,build -f '{p} [{f}]' --prefix none | sed 's/ (\*)$//' | sort -u
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
units --workspace >"$tmp/workspace"
status=0
for build in "-p bankfeeds-cli" "-p bankfeeds-python" "-p bankfeeds-mobile -p bankfeeds-cli" "-p rust-quickstart"; do
    # shellcheck disable=SC2086 # the package flags are meant to split
    units $build >"$tmp/one"
    extra=$(comm -23 "$tmp/one" "$tmp/workspace")
    if [[ -n "$extra" ]]; then
        printf 'cargo build %s resolves these dependencies differently from the workspace build:\n%s\n' "$build" "$extra" >&2
        status=1
    fi
done
if grep -E '^serde_json .*unbounded_depth' "$tmp/workspace" >&2; then
    echo "the workspace build turns on serde_json's unbounded_depth (see this script's header): find who asks with cargo tree --workspace -e features -i serde_json" >&2
    status=1
fi
if ((status)); then
    echo "the workspace hack is stale: run cargo hakari generate && cargo hakari manage-deps (see this script's header)" >&2
    exit 1
fi
echo "one set of dependency builds serves the workspace, the CLI, the wheel, the mobile library and the quickstart"
