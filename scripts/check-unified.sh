#!/usr/bin/env bash
# Checks that the builds the test command makes share their dependencies: `cargo test
# --workspace`, the CLI for the sandbox (`-p bankfeeds-cli`), the Python wheel (maturin,
# `-p bankfeeds-python`), the mobile library with uniffi-bindgen, and the Rust quickstart. Cargo
# resolves features per invocation, so without the workspace-hack crate (`workspace-hack/`, made by
# `cargo hakari generate`) each of those compiled most of the dependency graph again.
#
# Allowed to differ: serde_json, whose `unbounded_depth` comes with uniffi-bindgen's
# cargo_metadata and must never reach the CLI or the wheel (see .config/hakari.toml).
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
for build in "-p bankfeeds-cli" "-p bankfeeds-python" "-p bankfeeds-mobile -p uniffi-bindgen -p bankfeeds-cli" "-p rust-quickstart"; do
    # shellcheck disable=SC2086 # the package flags are meant to split
    units $build >"$tmp/one"
    extra=$(comm -23 "$tmp/one" "$tmp/workspace" | grep -v '^serde_json ' || true)
    if [[ -n "$extra" ]]; then
        printf 'cargo build %s resolves these dependencies differently from the workspace build:\n%s\n' "$build" "$extra" >&2
        status=1
    fi
done
if ((status)); then
    echo "the workspace hack is stale: run cargo hakari generate && cargo hakari manage-deps (see this script's header)" >&2
    exit 1
fi
echo "one set of dependency builds serves the workspace, the CLI, the wheel, the mobile library and the quickstart"
