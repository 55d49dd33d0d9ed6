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

/// Colour of the no-programme baseline in plots and charts.
pub const BASELINE_COLOUR: Colour = Colour([0x80, 0x80, 0x80]);

/// Colours of scenarios (and tiers) in plots and charts, in order: one palette for the GUI and
/// the HTML report.
pub const SERIES_PALETTE: [Colour; 6] = [
    Colour([0x1f, 0x77, 0xb4]),
    Colour([0xff, 0x7f, 0x0e]),
    Colour([0x2c, 0xa0, 0x2c]),
    Colour([0xd6, 0x27, 0x28]),
    Colour([0x94, 0x67, 0xbd]),
    Colour([0x8c, 0x56, 0x4b]),
];

/// The colour of the `k`-th scenario (or tier) in plots and charts.
pub fn series_colour(k: usize) -> Colour {
    SERIES_PALETTE[k % SERIES_PALETTE.len()]
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
