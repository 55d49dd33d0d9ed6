//! An sRGB colour written `"#rrggbb"` in project files.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An opaque sRGB colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Colour(pub [u8; 3]);

impl Colour {
    /// Parses `#rrggbb` (the `#` is optional).
    pub fn parse(text: &str) -> Option<Colour> {
        let hex = text.strip_prefix('#').unwrap_or(text);
        if hex.len() != 6 || !hex.is_ascii() {
            return None;
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        Some(Colour([byte(0)?, byte(2)?, byte(4)?]))
    }
}

impl Default for Colour {
    fn default() -> Self {
        Colour([0x4c, 0x78, 0xa8])
    }
}

impl fmt::Display for Colour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [r, g, b] = self.0;
        write!(f, "#{r:02x}{g:02x}{b:02x}")
    }
}

impl Serialize for Colour {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Colour {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Colour::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("'{text}' is not a colour of the form \"#rrggbb\""))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_print() {
        assert_eq!(Colour::parse("#ff8000"), Some(Colour([255, 128, 0])));
        assert_eq!(
            Colour::parse("ff8000").map(|c| c.to_string()),
            Some("#ff8000".into())
        );
        assert_eq!(Colour::parse("#ff80"), None);
        assert_eq!(Colour::parse("#gg8000"), None);
        assert_eq!(Colour::parse("#ééé"), None);
    }
}
