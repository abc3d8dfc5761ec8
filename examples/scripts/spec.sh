# Sourced by the examples' test scripts: points BANKFEEDS_SPEC at Codat's spec beside the checkout
# (../shared/codat-oas/Codat-Bank-Feeds.json), so every sandbox an example starts checks each of its
# answers against it (`bankfeeds sandbox` and `SandboxBuilder::check_spec_from_env` read it), and
# the example's test asserts that none broke it. Says so in one line when the spec is not there.
if [[ -z "${BANKFEEDS_SPEC:-}" ]]; then
    _bf_spec="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)/../shared/codat-oas/Codat-Bank-Feeds.json"
    if [[ -f "$_bf_spec" ]]; then
        BANKFEEDS_SPEC="$(cd -- "$(dirname -- "$_bf_spec")" && pwd -P)/Codat-Bank-Feeds.json"
        export BANKFEEDS_SPEC
    else
        echo "spec check skipped: ../shared/codat-oas/Codat-Bank-Feeds.json is not beside this checkout and BANKFEEDS_SPEC is not set" >&2
    fi
    unset _bf_spec
fi
