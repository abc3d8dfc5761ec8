//! Push options: the model a platform publishes of what it accepts for a push, field by field
//! (`GET .../options/bankAccounts` and `.../options/bankAccounts/{accountId}/bankTransactions`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

super::wire_enum! {
    /// The kind of value a field takes (`Option Type`).
    pub enum PushOptionType {
        /// A list.
        Array = "Array",
        /// An object with its own properties.
        Object = "Object",
        /// Text.
        String = "String",
        /// A number.
        Number = "Number",
        /// True or false.
        Boolean = "Boolean",
        /// A date-time.
        DateTime = "DateTime",
        /// A file.
        File = "File",
        /// A multipart body.
        MultiPart = "MultiPart",
    }
}

super::wire_struct! {
    /// The root of a push options model (`Push option`): the record to push, its fields and their
    /// rules.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct PushOption {
        /// The kind of value, `Object` for a record.
        pub r#type: PushOptionType,
        /// The name to show.
        pub display_name: String,
        /// What the record is.
        pub description: Option<String>,
        /// Whether the record is required.
        pub required: bool,
        /// The record's fields, by JSON name.
        pub properties: Option<BTreeMap<String, PushOptionProperty>>,
        /// The allowed values, when the value is a choice.
        pub options: Option<Vec<PushOptionChoice>>,
        /// Rules on the value.
        pub validation: Option<PushValidationInfo>,
    }
}

impl PushOption {
    /// One field, by its JSON name.
    pub fn property(&self, name: &str) -> Option<&PushOptionProperty> {
        self.properties.as_ref()?.get(name)
    }

    /// The JSON names of the fields the platform requires.
    pub fn required_properties(&self) -> impl Iterator<Item = &str> {
        self.properties
            .iter()
            .flatten()
            .filter(|(_, p)| p.required)
            .map(|(name, _)| name.as_str())
    }
}

super::wire_struct! {
    /// One field of a push options model (`Push Option Property`); objects nest further properties.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct PushOptionProperty {
        /// The kind of value.
        pub r#type: PushOptionType,
        /// The name to show.
        pub display_name: String,
        /// What the field is.
        pub description: String,
        /// Whether the platform requires the field.
        pub required: bool,
        /// Nested fields, for objects.
        pub properties: Option<BTreeMap<String, PushOptionProperty>>,
        /// The allowed values, when the value is a choice.
        pub options: Option<Vec<PushOptionChoice>>,
        /// Rules on the value.
        pub validation: Option<PushValidationInfo>,
    }
}

impl PushOptionProperty {
    /// The allowed values, when the field is a choice (e.g. the currencies FreeAgent accepts).
    pub fn allowed_values(&self) -> impl Iterator<Item = &str> {
        self.options
            .iter()
            .flatten()
            .filter_map(|c| c.value.as_deref())
    }
}

super::wire_struct! {
    /// One allowed value of a field (`Push Option Choice`).
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct PushOptionChoice {
        /// The value to send.
        pub value: Option<String>,
        /// The kind of value.
        pub r#type: Option<PushOptionType>,
        /// The name to show.
        pub display_name: Option<String>,
        /// What the value means.
        pub description: Option<String>,
        /// Whether this value is required.
        pub required: Option<bool>,
    }
}

super::wire_struct! {
    /// The rules on a field (`Push validation info`): warnings, and information such as formats.
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct PushValidationInfo {
        /// Rules that, broken, make the platform refuse the push.
        pub warnings: Option<Vec<PushFieldValidation>>,
        /// Rules worth knowing, such as defaults and formats.
        pub information: Option<Vec<PushFieldValidation>>,
    }
}

super::wire_struct! {
    /// One rule on a field (`Push field validation`).
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct PushFieldValidation {
        /// The field the rule is about.
        pub field: Option<String>,
        /// The rule.
        pub details: String,
        /// A reference for the rule.
        pub r#ref: Option<String>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_model() {
        let o: PushOption = serde_json::from_str(
            r#"{"type":"Object","displayName":"Bank Account","required":true,"properties":{
                "accountName":{"type":"String","displayName":"Name","description":"d","required":true,
                    "validation":{"warnings":[],"information":[{"field":"AccountName","details":"format","ref":null}]}},
                "currency":{"type":"String","displayName":"Currency","description":"d","required":false,
                    "options":[{"value":"GBP","type":"String","displayName":"GBP","required":false}]},
                "metadata":{"type":"Blob","displayName":"M","description":"d","required":false,
                    "properties":{"isDeleted":{"type":"Boolean","displayName":"D","description":"d","required":false}}}}}"#,
        )
        .unwrap();
        assert_eq!(o.required_properties().collect::<Vec<_>>(), ["accountName"]);
        assert_eq!(
            o.property("currency")
                .unwrap()
                .allowed_values()
                .collect::<Vec<_>>(),
            ["GBP"]
        );
        let meta = o.property("metadata").unwrap();
        assert_eq!(meta.r#type, PushOptionType::Unrecognised("Blob".into()));
        assert!(meta.properties.as_ref().unwrap().contains_key("isDeleted"));
        assert_eq!(PushOptionType::ALL.len(), 8);
    }
}
