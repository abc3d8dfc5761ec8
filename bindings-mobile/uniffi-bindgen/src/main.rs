//! The `uniffi-bindgen` command that generates the Kotlin and Swift sources of bankfeeds-mobile
//! from the built library, using the `uniffi.toml` next to the crate:
//!
//! ```text
//! cargo run --manifest-path bindings-mobile/uniffi-bindgen/Cargo.toml -- generate --language kotlin --out-dir out target/debug/libbankfeeds_mobile.so
//! ```

fn main() {
    uniffi::uniffi_bindgen_main()
}
