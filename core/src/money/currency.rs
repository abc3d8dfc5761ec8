//! ISO 4217 currency codes and their minor units.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Active ISO 4217 codes and the number of decimal places (minor units) each allows.
/// Codes whose minor units ISO lists as "N.A." (gold, SDRs, test and "no currency" codes) carry
/// `None`. Sorted for binary search.
#[rustfmt::skip]
const TABLE: &[(&str, Option<u8>)] = &[
    ("AED", Some(2)), ("AFN", Some(2)), ("ALL", Some(2)), ("AMD", Some(2)), ("ANG", Some(2)),
    ("AOA", Some(2)), ("ARS", Some(2)), ("AUD", Some(2)), ("AWG", Some(2)), ("AZN", Some(2)),
    ("BAM", Some(2)), ("BBD", Some(2)), ("BDT", Some(2)), ("BGN", Some(2)), ("BHD", Some(3)),
    ("BIF", Some(0)), ("BMD", Some(2)), ("BND", Some(2)), ("BOB", Some(2)), ("BOV", Some(2)),
    ("BRL", Some(2)), ("BSD", Some(2)), ("BTN", Some(2)), ("BWP", Some(2)), ("BYN", Some(2)),
    ("BZD", Some(2)), ("CAD", Some(2)), ("CDF", Some(2)), ("CHE", Some(2)), ("CHF", Some(2)),
    ("CHW", Some(2)), ("CLF", Some(4)), ("CLP", Some(0)), ("CNY", Some(2)), ("COP", Some(2)),
    ("COU", Some(2)), ("CRC", Some(2)), ("CUC", Some(2)), ("CUP", Some(2)), ("CVE", Some(2)),
    ("CZK", Some(2)), ("DJF", Some(0)), ("DKK", Some(2)), ("DOP", Some(2)), ("DZD", Some(2)),
    ("EGP", Some(2)), ("ERN", Some(2)), ("ETB", Some(2)), ("EUR", Some(2)), ("FJD", Some(2)),
    ("FKP", Some(2)), ("GBP", Some(2)), ("GEL", Some(2)), ("GHS", Some(2)), ("GIP", Some(2)),
    ("GMD", Some(2)), ("GNF", Some(0)), ("GTQ", Some(2)), ("GYD", Some(2)), ("HKD", Some(2)),
    ("HNL", Some(2)), ("HTG", Some(2)), ("HUF", Some(2)), ("IDR", Some(2)), ("ILS", Some(2)),
    ("INR", Some(2)), ("IQD", Some(3)), ("IRR", Some(2)), ("ISK", Some(0)), ("JMD", Some(2)),
    ("JOD", Some(3)), ("JPY", Some(0)), ("KES", Some(2)), ("KGS", Some(2)), ("KHR", Some(2)),
    ("KMF", Some(0)), ("KPW", Some(2)), ("KRW", Some(0)), ("KWD", Some(3)), ("KYD", Some(2)),
    ("KZT", Some(2)), ("LAK", Some(2)), ("LBP", Some(2)), ("LKR", Some(2)), ("LRD", Some(2)),
    ("LSL", Some(2)), ("LYD", Some(3)), ("MAD", Some(2)), ("MDL", Some(2)), ("MGA", Some(2)),
    ("MKD", Some(2)), ("MMK", Some(2)), ("MNT", Some(2)), ("MOP", Some(2)), ("MRU", Some(2)),
    ("MUR", Some(2)), ("MVR", Some(2)), ("MWK", Some(2)), ("MXN", Some(2)), ("MXV", Some(2)),
    ("MYR", Some(2)), ("MZN", Some(2)), ("NAD", Some(2)), ("NGN", Some(2)), ("NIO", Some(2)),
    ("NOK", Some(2)), ("NPR", Some(2)), ("NZD", Some(2)), ("OMR", Some(3)), ("PAB", Some(2)),
    ("PEN", Some(2)), ("PGK", Some(2)), ("PHP", Some(2)), ("PKR", Some(2)), ("PLN", Some(2)),
    ("PYG", Some(0)), ("QAR", Some(2)), ("RON", Some(2)), ("RSD", Some(2)), ("RUB", Some(2)),
    ("RWF", Some(0)), ("SAR", Some(2)), ("SBD", Some(2)), ("SCR", Some(2)), ("SDG", Some(2)),
    ("SEK", Some(2)), ("SGD", Some(2)), ("SHP", Some(2)), ("SLE", Some(2)), ("SLL", Some(2)),
    ("SOS", Some(2)), ("SRD", Some(2)), ("SSP", Some(2)), ("STN", Some(2)), ("SVC", Some(2)),
    ("SYP", Some(2)), ("SZL", Some(2)), ("THB", Some(2)), ("TJS", Some(2)), ("TMT", Some(2)),
    ("TND", Some(3)), ("TOP", Some(2)), ("TRY", Some(2)), ("TTD", Some(2)), ("TWD", Some(2)),
    ("TZS", Some(2)), ("UAH", Some(2)), ("UGX", Some(0)), ("USD", Some(2)), ("USN", Some(2)),
    ("UYI", Some(0)), ("UYU", Some(2)), ("UYW", Some(4)), ("UZS", Some(2)), ("VED", Some(2)),
    ("VES", Some(2)), ("VND", Some(0)), ("VUV", Some(0)), ("WST", Some(2)), ("XAF", Some(0)),
    ("XAG", None), ("XAU", None), ("XBA", None), ("XBB", None), ("XBC", None),
    ("XBD", None), ("XCD", Some(2)), ("XCG", Some(2)), ("XDR", None), ("XOF", Some(0)),
    ("XPD", None), ("XPF", Some(0)), ("XPT", None), ("XSU", None), ("XTS", None),
    ("XUA", None), ("XXX", None), ("YER", Some(2)), ("ZAR", Some(2)), ("ZMW", Some(2)),
    ("ZWG", Some(2)), ("ZWL", Some(2)),
];

/// A currency as an ISO 4217 code (`GBP`, `JPY`, `BHD`).
///
/// The text is kept exactly as received, so a server's odd value round-trips; [`Currency::code`]
/// gives the upper-cased code and [`Currency::minor_units`] the decimal places it allows.
///
/// ```
/// use bankfeeds::money::Currency;
/// assert_eq!(Currency::new("gbp").minor_units(), Some(2));
/// assert_eq!(Currency::new("JPY").minor_units(), Some(0));
/// assert_eq!(Currency::new("BHD").minor_units(), Some(3));
/// assert!(!Currency::new("GPB").is_iso());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency(String);

impl Currency {
    /// A currency from its code, kept as written.
    pub fn new(code: impl Into<String>) -> Self {
        Currency(code.into())
    }

    /// The text as received.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code upper-cased and trimmed, as Codat expects it.
    pub fn code(&self) -> String {
        self.0.trim().to_ascii_uppercase()
    }

    fn lookup(&self) -> Option<Option<u8>> {
        let code = self.code();
        TABLE
            .binary_search_by(|(c, _)| c.cmp(&code.as_str()))
            .ok()
            .map(|i| TABLE[i].1)
    }

    /// Whether the code is an active ISO 4217 code.
    pub fn is_iso(&self) -> bool {
        self.lookup().is_some()
    }

    /// Decimal places the currency allows (GBP 2, JPY 0, BHD 3); `None` for unknown codes and for
    /// codes without minor units (XAU, XXX).
    pub fn minor_units(&self) -> Option<u32> {
        self.lookup().flatten().map(u32::from)
    }

    /// Whether the text is already in Codat's form (three upper-case letters, no spaces).
    pub fn is_normalised(&self) -> bool {
        self.0.len() == 3 && self.0.bytes().all(|b| b.is_ascii_uppercase())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({:?})", self.0)
    }
}

impl From<&str> for Currency {
    fn from(value: &str) -> Self {
        Currency::new(value)
    }
}

impl From<String> for Currency {
    fn from(value: String) -> Self {
        Currency(value)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_codes_are_three_letters() {
        assert!(TABLE.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(TABLE.iter().all(|(c, _)| c.len() == 3));
    }

    #[test]
    fn minor_units() {
        for (code, units) in [
            ("GBP", 2),
            ("usd", 2),
            ("JPY", 0),
            ("KRW", 0),
            ("BHD", 3),
            ("KWD", 3),
            ("CLF", 4),
        ] {
            assert_eq!(Currency::new(code).minor_units(), Some(units), "{code}");
        }
        assert_eq!(Currency::new("XAU").minor_units(), None);
        assert!(Currency::new("XAU").is_iso());
        assert_eq!(Currency::new("ABC").minor_units(), None);
        assert!(!Currency::new("ABC").is_iso());
    }

    #[test]
    fn normalised_form() {
        assert!(Currency::new("GBP").is_normalised());
        assert!(!Currency::new("gbp").is_normalised());
        assert_eq!(Currency::new(" gbp ").code(), "GBP");
    }
}
