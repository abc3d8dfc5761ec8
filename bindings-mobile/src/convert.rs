//! Small translations shared by the modules.

/// Declares a field-less enum that mirrors a core enum variant for variant, and its translation
/// `from_core`. The core's enums are `#[non_exhaustive]` (or keep unknown server values as
/// `Unrecognised(String)`), so a translation needs a fallback arm for variants added to the core
/// after this binding was written: with an `extra { Unrecognised }` variant they become it;
/// with `fallback Variant` they become that variant, and `to_core` translates back; without
/// either, `from_core` returns `None`. Where the core hands its variant list over
/// (`bankfeeds::field_variants!` and the like), the mirror is declared from it, not restated.
macro_rules! mirror_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident mirrors $core:path {
            $( $(#[$vmeta:meta])* $variant:ident, )+
        }
        extra { $(#[$emeta:meta])* $extra:ident }
    ) => {
        mirror_enum!(@declare $(#[$meta])* $name $core {
            $( $(#[$vmeta])* $variant, )+
        } {
            $(#[$emeta])* $extra,
        });

        impl $name {
            pub(crate) fn from_core(value: &$core) -> Self {
                Self::mirror(value).unwrap_or(Self::$extra)
            }
        }
    };
    (
        $(#[$meta:meta])*
        pub enum $name:ident mirrors $core:path {
            $( $(#[$vmeta:meta])* $variant:ident, )+
        }
        fallback $fallback:ident
    ) => {
        mirror_enum!(@declare $(#[$meta])* $name $core { $( $(#[$vmeta])* $variant, )+ } {});

        impl $name {
            pub(crate) fn from_core(value: &$core) -> Self {
                Self::mirror(value).unwrap_or(Self::$fallback)
            }

            pub(crate) fn to_core(self) -> $core {
                use $core as C;
                match self {
                    $( Self::$variant => C::$variant, )+
                }
            }
        }
    };
    (
        $(#[$meta:meta])*
        pub enum $name:ident mirrors $core:path {
            $( $(#[$vmeta:meta])* $variant:ident, )+
        }
    ) => {
        mirror_enum!(@declare $(#[$meta])* $name $core { $( $(#[$vmeta])* $variant, )+ } {});

        impl $name {
            pub(crate) fn from_core(value: &$core) -> Option<Self> {
                Self::mirror(value)
            }
        }
    };
    (
        @declare $(#[$meta:meta])* $name:ident $core:path {
            $( $(#[$vmeta:meta])* $variant:ident, )+
        } {
            $( $(#[$emeta:meta])* $extra:ident, )?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            $( $(#[$emeta])* $extra, )?
        }

        impl $name {
            /// The variant of the same name, if this binding has it.
            #[allow(unreachable_patterns)]
            fn mirror(value: &$core) -> Option<Self> {
                use $core as C;
                match value {
                    $( C::$variant => Some(Self::$variant), )+
                    _ => None,
                }
            }
        }
    };
}

/// A row index or count as it crosses: `UInt` in Kotlin, `UInt32` in Swift. One FFI call carries
/// far fewer than 4 billion rows (each is a record of several strings), so this never saturates in
/// practice; it saturates rather than wraps if it ever did.
pub(crate) fn row(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
