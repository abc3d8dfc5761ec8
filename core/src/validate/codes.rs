//! The catalogue of finding codes. Codes are stable: programs match on them; messages may change.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Severity;

macro_rules! codes {
    ($( $(#[$doc:meta])* $name:ident = ($text:literal, $sev:ident), )+) => {
        /// A stable code naming what a finding is about.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Code {
            $( $(#[$doc])* $name, )+
        }

        impl Code {
            /// Every code, in catalogue order.
            pub const ALL: &'static [Code] = &[$(Code::$name),+];

            /// The code as text, e.g. `balance_mismatch`.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$name => $text, )+ }
            }

            /// The severity a finding with this code has unless a platform profile says otherwise
            /// (and the caller's [`super::RulePolicy`] may still change it).
            pub fn default_severity(self) -> Severity {
                match self { $( Code::$name => Severity::$sev, )+ }
            }

            /// The code for its text.
            pub fn parse(text: &str) -> Option<Code> {
                match text { $( $text => Some(Code::$name), )+ _ => None }
            }
        }
    };
}

codes! {
    // Reading rows.
    /// A required field (`id`, `date`, `amount`) is absent or null.
    MissingField = ("missing_field", Error),
    /// An amount or balance is not an exact decimal number (text, NaN, infinity, too many digits,
    /// a float with no exact decimal form).
    InvalidNumber = ("invalid_number", Error),
    /// A date is not an ISO 8601 date, or is impossible (February 30th).
    InvalidDate = ("invalid_date", Error),
    /// A value has the wrong type or is not one of the allowed values.
    InvalidValue = ("invalid_value", Error),
    /// An input column or key that bankfeeds does not know; its values are not sent.
    UnknownColumn = ("unknown_column", Warning),
    /// The input file cannot be read as CSV or JSON.
    MalformedInput = ("malformed_input", Error),
    /// The row is pending, not cleared; Codat takes cleared transactions only.
    NotCleared = ("not_cleared", Error),

    // Transactions.
    /// A transaction id is empty.
    EmptyId = ("empty_id", Error),
    /// Two transactions share an id.
    DuplicateId = ("duplicate_id", Error),
    /// Two rows share an id but differ in other fields; bankfeeds cannot tell which is right.
    ConflictingDuplicate = ("conflicting_duplicate", Error),
    /// A row repeated exactly; normalisation keeps the first and reports the rest.
    ExactDuplicate = ("exact_duplicate", Warning),
    /// The amount's sign contradicts the transaction type (a `Debit` with a positive amount).
    /// A warning, as Codat's own validation issues one ("Transaction signs" in Codat's push
    /// guide); make it an error with a [`super::RulePolicy`] to refuse such rows.
    SignMismatch = ("sign_mismatch", Warning),
    /// The platform decides direction by type, whatever the sign (FreeAgent).
    TypeDecidesDirection = ("type_decides_direction", Warning),
    /// A transaction type this version does not know.
    UnknownTransactionType = ("unknown_transaction_type", Error),
    /// The platform accepts fewer transaction types than the spec lists.
    UnsupportedTransactionType = ("unsupported_transaction_type", Error),
    /// An amount of zero.
    ZeroAmount = ("zero_amount", Warning),
    /// More decimal places than the account's currency has (3 for GBP, 1 for JPY).
    TooManyDecimals = ("too_many_decimals", Error),
    /// A transaction is dated before the one above it; Codat takes them oldest first.
    NotChronological = ("not_chronological", Error),
    /// A balance is not the previous balance plus this amount.
    BalanceMismatch = ("balance_mismatch", Error),
    /// A balance is missing where the platform needs one.
    MissingBalance = ("missing_balance", Error),
    /// A running balance exceeds the range of an exact decimal.
    BalanceOverflow = ("balance_overflow", Error),
    /// A transaction dated after today.
    FutureDate = ("future_date", Error),
    /// A transaction older than the platform accepts (Xero: one year).
    DateTooOld = ("date_too_old", Error),
    /// A transaction dated before the account's feed start date.
    BeforeFeedStart = ("before_feed_start", Error),
    /// A transaction older than the most recent one already on the account.
    OlderThanLatest = ("older_than_latest", Error),
    /// A time-zone offset was dropped from a date; Codat books the wall-clock time as written.
    OffsetDropped = ("offset_dropped", Warning),
    /// A description is missing where the platform needs one.
    MissingDescription = ("missing_description", Error),
    /// A description longer than the platform accepts.
    DescriptionTooLong = ("description_too_long", Error),
    /// A counterparty longer than the platform accepts.
    CounterpartyTooLong = ("counterparty_too_long", Error),
    /// A reference longer than the platform accepts.
    ReferenceTooLong = ("reference_too_long", Error),
    /// A field the platform ignores; it will not show in the accounting software.
    FieldIgnored = ("field_ignored", Warning),

    // Batches and accounts.
    /// More transactions in one push than the platform takes.
    BatchTooLarge = ("batch_too_large", Error),
    /// Nothing to push.
    EmptyBatch = ("empty_batch", Warning),
    /// Rows for more than one account in one push.
    MultipleAccounts = ("multiple_accounts", Error),
    /// The source account is not `connected` yet (or no longer).
    AccountNotConnected = ("account_not_connected", Error),
    /// A GBP account without a sort code.
    SortCodeRequired = ("sort_code_required", Error),
    /// A sort code that is not six digits.
    InvalidSortCode = ("invalid_sort_code", Error),
    /// A currency code that is not ISO 4217.
    UnknownCurrency = ("unknown_currency", Warning),
    /// The platform's bank feeds do not serve this region (QuickBooks Online: US and Canada).
    UnsupportedRegion = ("unsupported_region", Error),
    /// The platform does not take this kind of account.
    UnsupportedAccountType = ("unsupported_account_type", Error),
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Code::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown code `{s}`")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for &c in Code::ALL {
            assert!(seen.insert(c.as_str()), "{c} twice");
            assert!(
                c.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_')
            );
            assert_eq!(Code::parse(c.as_str()), Some(c));
        }
    }
}
