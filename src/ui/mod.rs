//! The desktop GUI (eframe/egui). The only module that names egui, eframe, egui_plot or rfd.
//!
//! Structure follows egui's own apps: a thin [`app::TierlabApp`] (eframe glue and persistence)
//! around [`state::AppState`], whose `ui` draws one frame into any `egui::Ui` so that
//! egui_kittest can drive it. Menu items and shortcuts push [`state::Command`]s that run after
//! the frame; anything slow (loading a project and its data, file dialogs) runs on a
//! [`worker`] thread and reports back through a channel.

pub mod app;
mod navigator;
pub mod pages;
pub mod plot_export;
pub mod state;
pub mod theme;
pub mod widgets;
pub mod worker;

use std::path::PathBuf;

/// The application's id: names its folder of saved settings and autosaves.
pub const APP_ID: &str = "tierlab";

/// Opens the main window on `named` when given; otherwise on an autosaved never-saved project
/// when an earlier session left one, else on `fallback`.
pub fn run(named: Option<PathBuf>, fallback: Option<PathBuf>) -> anyhow::Result<()> {
    let options = eframe::NativeOptions {
        viewport: eframe::egui::ViewportBuilder::default()
            .with_title("tierlab")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([800.0, 500.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    eframe::run_native(
        APP_ID,
        options,
        Box::new(move |cc| Ok(Box::new(app::TierlabApp::new(cc, named, fallback)))),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))
}
