//! Codat's Bank Feeds wire format, field for field.
//!
//! Every type here serialises exactly as `../shared/codat-oas/Codat-Bank-Feeds.json` writes it:
//! camelCase names, enum values spelled as the spec spells them, optional fields skipped when
//! absent. Parsing is forgiving where the server may grow: unknown fields are ignored and an enum
//! value this version does not know is kept in an `Unrecognised` variant instead of failing.
//!
//! Amounts use [`crate::money::json`] (exact JSON numbers), transaction dates
//! [`crate::dates::LocalDateTime`] and server timestamps [`crate::dates::Timestamp`].

/// Declares a string enum of the spec with an `Unrecognised(String)` fallback, so an enum value
/// that Codat adds later parses (and writes back) instead of breaking a whole response.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version of bankfeeds does not know, kept as received.
            Unrecognised(String),
        }

        impl $name {
            /// Every value the spec lists, in the spec's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value as the spec spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )+
                    $name::Unrecognised(s) => s.as_str(),
                }
            }

            /// Parses the spec's spelling (exact match); anything else is `Unrecognised`.
            pub fn parse(s: &str) -> Self {
                match s {
                    $( $text => $name::$variant, )+
                    other => $name::Unrecognised(other.to_owned()),
                }
            }

            /// Parses ignoring ASCII case (`credit`, `CREDIT`), for input typed by people.
            pub fn parse_lenient(s: &str) -> Self {
                // The spec's own spelling, the usual case, at once: no trimming, and one
                // comparison instead of one a value in turn.
                match s {
                    $( $text => return $name::$variant, )+
                    _ => {}
                }
                let t = s.trim();
                $( if t.eq_ignore_ascii_case($text) { return $name::$variant; } )+
                $name::Unrecognised(t.to_owned())
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok($name::parse(s))
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl ::serde::de::Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter) -> ::std::fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " string"))
                    }
                    fn visit_str<E: ::serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok($name::parse(v))
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}
pub(crate) use wire_enum;

/// Declares a struct of the spec with the serde attributes each kind of field takes written here
/// once: names are camelCase; an `Option` field may be absent and is left out when `None`; a
/// `Decimal` (or `Option<Decimal>`) is an exact JSON number through [`crate::money::json`]. A
/// field's own attributes (a `rename`, its docs) are kept.
macro_rules! wire_struct {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident $(<$($gen:ident),+>)? { $($body:tt)* }
    ) => {
        $crate::model::wire_struct!(
            @field [$(#[$meta])*] [$vis struct $name $(<$($gen),+>)?] [] $($body)*
        );
    };
    (@field $meta:tt $head:tt [$($done:tt)*]
        $(#[$fmeta:meta])* $fvis:vis $field:ident : Option<Decimal>, $($rest:tt)*
    ) => {
        $crate::model::wire_struct!(@field $meta $head [$($done)*
            $(#[$fmeta])*
            #[serde(
                default = "Option::default",
                with = "crate::money::json::option",
                skip_serializing_if = "Option::is_none"
            )]
            $fvis $field: Option<Decimal>,
        ] $($rest)*);
    };
    (@field $meta:tt $head:tt [$($done:tt)*]
        $(#[$fmeta:meta])* $fvis:vis $field:ident : Decimal, $($rest:tt)*
    ) => {
        $crate::model::wire_struct!(@field $meta $head [$($done)*
            $(#[$fmeta])*
            #[serde(with = "crate::money::json")]
            $fvis $field: Decimal,
        ] $($rest)*);
    };
    (@field $meta:tt $head:tt [$($done:tt)*]
        $(#[$fmeta:meta])* $fvis:vis $field:ident : Option<$ty:ty>, $($rest:tt)*
    ) => {
        $crate::model::wire_struct!(@field $meta $head [$($done)*
            $(#[$fmeta])*
            #[serde(default = "Option::default", skip_serializing_if = "Option::is_none")]
            $fvis $field: Option<$ty>,
        ] $($rest)*);
    };
    (@field $meta:tt $head:tt [$($done:tt)*]
        $(#[$fmeta:meta])* $fvis:vis $field:ident : $ty:ty, $($rest:tt)*
    ) => {
        $crate::model::wire_struct!(@field $meta $head [$($done)*
            $(#[$fmeta])* $fvis $field: $ty,
        ] $($rest)*);
    };
    (@field [$($meta:tt)*] [$($head:tt)*] [$($done:tt)*]) => {
        $($meta)*
        #[serde(rename_all = "camelCase")]
        $($head)* { $($done)* }
    };
}
pub(crate) use wire_struct;

mod access_token;
mod bank_account;
mod company;
mod company_info;
mod connection;
mod credentials;
mod data_type;
mod error;
mod managed_sync;
mod mapping;
mod otp;
mod paging;
mod platform;
mod pull_operation;
mod push_operation;
mod push_option;
mod source_account;
mod source_account_batch;
mod source_account_v2;
mod transaction;
mod webhook;

pub use access_token::CompanyAccessToken;
pub use bank_account::{
    BankAccount, BankAccountPrototype, BankAccountStatus, BankAccountType, BankAccounts,
    CreateBankAccountResponse, Metadata, SupplementalData,
};
pub use company::{
    Companies, Company, CompanyReference, CompanyReferenceLinks, CompanyRequestBody,
    CompanyUpdateRequest, Tags,
};
pub use company_info::CompanyInformation;
pub use connection::{
    Connection, ConnectionStatus, Connections, CreateConnectionRequestBody, DataConnectionError,
    DataConnectionErrorStatus, SourceType, UpdateConnection,
};
pub use credentials::BankAccountCredentials;
pub use data_type::DataType;
pub use error::{ErrorMessage, ErrorValidation, ErrorValidationItem};
pub use managed_sync::{StartScheduledSyncResult, SyncStatus, SyncStatusResult};
pub use mapping::{
    BankFeedAccountMapping, BankFeedAccountMappingResponse, BankFeedMapping, BankFeedMappings,
    TargetAccountOption,
};
pub use otp::GenerateOtpResponse;
pub use paging::{HalRef, Links, Page};
pub use platform::PlatformKey;
pub use pull_operation::{PullOperation, PullOperationStatus, PullOperations};
pub use push_operation::{
    CreateBankTransactionsResponse, PushChangeType, PushOperation, PushOperationChange,
    PushOperationRef, PushOperationStatus, PushOperationWithData, PushOperations, Validation,
    ValidationItem,
};
pub use push_option::{
    PushFieldValidation, PushOption, PushOptionChoice, PushOptionProperty, PushOptionType,
    PushValidationInfo,
};
pub use source_account::{
    AnySourceAccount, CreateSourceAccount, SourceAccount, SourceAccountPrototype,
    SourceAccountStatus, SourceAccounts,
};
pub use source_account_batch::{
    BatchCreateSourceAccounts, SourceAccountBatchCreateResponse, SourceAccountBatchCreateResult,
    SourceAccountBatchErrorResponse, SourceAccountBatchErrorResult, SourceAccountBatchItem,
    SourceAccountV2BatchCreateResponse, SourceAccountV2BatchCreateResult,
};
pub use source_account_v2::{
    AccountInfo, RoutingInfo, RoutingNumberType, SourceAccountV2, SourceAccountV2Prototype,
    SourceAccountV2Type,
};
pub use transaction::{BankTransaction, CreateBankTransactions, Direction, TransactionType};
pub use webhook::{
    ClientRateLimitWebhook, ClientRateLimitWebhookPayload, DataConnectionStatusChangedData,
    LegacyWebhook, LenientTimestamp, PUSH_OPERATION_STATUS_CHANGED, PushOperationStatusChangedData,
    PushOperationStatusChangedWebhook, PushOperationTimedOutData, PushOperationUpdate,
    SourceAccountWebhook, SourceAccountWebhookPayload, WRITE_SUCCESSFUL, WRITE_UNSUCCESSFUL,
    WebhookEvent, WebhookEventType, WebhookKind, WriteRecord, WriteRequestType, WriteWebhook,
    WriteWebhookPayload,
};
