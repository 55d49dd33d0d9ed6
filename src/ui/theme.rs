//! Colours and spacing of the GUI, in one place.

use eframe::egui::{self, Color32};

/// Colour of error text and panels.
pub const ERROR: Color32 = Color32::from_rgb(0xd0, 0x3a, 0x3a);
/// Colour of warnings.
pub const WARNING: Color32 = Color32::from_rgb(0xd8, 0x8a, 0x1a);
/// Colour of good news (valid, saved).
pub const OK: Color32 = Color32::from_rgb(0x3a, 0x9a, 0x5a);
/// Colour of the no-programme baseline in plots.
pub const BASELINE: Color32 = colour(crate::model::colour::BASELINE_COLOUR);

/// The colour of the `k`-th scenario (or tier) in plots (the palette is shared with the HTML
/// report: [`crate::model::colour::SERIES_PALETTE`]).
pub fn series(k: usize) -> Color32 {
    colour(crate::model::colour::series_colour(k))
}

/// A plot legend listing its entries in the order they were added, which is the order of the
/// scenarios, segments or tiers in the project (egui_plot's default sorts them by name, so
/// they matched neither the bars nor the tables).
pub fn legend() -> egui_plot::Legend {
    egui_plot::Legend::default().follow_insertion_order(true)
}

/// A [`legend`] in which a median line and its same-named P10–P90 band (added after it) show
/// as one entry in the line's colour; egui_plot's default greys out an entry whose items differ
/// in colour.
pub fn band_legend() -> egui_plot::Legend {
    legend().color_conflict_handling(egui_plot::ColorConflictHandling::PickFirst)
}

/// The fill of a heat-map cell holding `share` (0 to 1) of the largest cell: the first series
/// colour, more opaque the larger the share, from `faintest` (an empty share) up.
pub fn heat(share: f32, faintest: f32) -> Color32 {
    series(0).gamma_multiply(faintest + (1.0 - faintest) * share.clamp(0.0, 1.0))
}

/// Text colour legible on `fill` (premultiplied, maybe translucent) drawn over `background`:
/// white on a dark result, near-black on a light one, whichever the theme. The theme's own text
/// colour is grey on a light background, which a full-strength heat-map cell made hard to read.
pub fn text_on(fill: Color32, background: Color32) -> Color32 {
    let a = f32::from(fill.a()) / 255.0;
    let over = |f: u8, b: u8| f32::from(f) + f32::from(b) * (1.0 - a);
    let luminance = 0.2126 * over(fill.r(), background.r())
        + 0.7152 * over(fill.g(), background.g())
        + 0.0722 * over(fill.b(), background.b());
    if luminance < 140.0 {
        Color32::WHITE
    } else {
        Color32::from_gray(20)
    }
}

/// Width of the navigator panel, in points.
pub const NAVIGATOR_WIDTH: f32 = 220.0;

/// Converts a project colour to egui's.
pub const fn colour(c: crate::model::Colour) -> Color32 {
    let [r, g, b] = c.0;
    Color32::from_rgb(r, g, b)
}

/// Applies the light or dark theme.
pub fn apply(ctx: &egui::Context, dark: bool) {
    ctx.set_theme(if dark {
        egui::Theme::Dark
    } else {
        egui::Theme::Light
    });
}

/// Draws a small filled circle in a project colour (segment and persona markers).
pub fn colour_dot(ui: &mut egui::Ui, c: crate::model::Colour) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
    ui.painter().circle_filled(rect.center(), 4.5, colour(c));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heat_map_text_is_white_on_dark_cells_and_dark_on_light_ones() {
        let light = Color32::from_gray(248);
        let dark = Color32::from_gray(27);
        // A full-strength cell is dark whichever the background; a faint one takes the
        // background's lightness.
        assert_eq!(text_on(heat(1.0, 0.1), light), Color32::WHITE);
        assert_eq!(text_on(heat(1.0, 0.1), dark), Color32::WHITE);
        assert_ne!(text_on(heat(0.0, 0.1), light), Color32::WHITE);
        assert_eq!(text_on(heat(0.0, 0.1), dark), Color32::WHITE);
        // An empty (transparent) cell reads as its background.
        assert_ne!(text_on(Color32::TRANSPARENT, light), Color32::WHITE);
        assert_eq!(text_on(Color32::TRANSPARENT, dark), Color32::WHITE);
    }
}
