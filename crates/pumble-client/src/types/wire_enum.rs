//! Declares enums for Pumble's string values that keep unknown values
//! instead of failing to decode (pumble-protocol.md marks several value sets
//! as undocumented or incomplete).

/// Declares a string-valued enum with an `Other(String)` catch-all, serde
/// through `String`, `as_str` and `Display`.
macro_rules! wire_enum {
    (
        $(#[$attr:meta])*
        $name:ident {
            $( $(#[$variant_attr:meta])* $variant:ident => $text:literal, )+
        }
    ) => {
        $(#[$attr])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(from = "String", into = "String")]
        pub enum $name {
            $( $(#[$variant_attr])* $variant, )+
            /// A value this crate does not know, kept exactly as received.
            Other(String),
        }

        impl $name {
            /// The value as Pumble spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $text, )+
                    Self::Other(text) => text,
                }
            }
        }

        impl From<String> for $name {
            fn from(text: String) -> Self {
                match text.as_str() {
                    $( $text => Self::$variant, )+
                    _ => Self::Other(text),
                }
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                match value {
                    $name::Other(text) => text,
                    known => known.as_str().to_owned(),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use wire_enum;
