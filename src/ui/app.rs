//! eframe glue: persistence of UI settings, close confirmation, and the frame entry point.

use std::path::PathBuf;

use eframe::egui;

use crate::data::project_io::{UntitledSlot, claim_untitled_slot};

use super::state::{AppState, Command, UiSettings};
use super::theme;

/// The application as eframe runs it.
pub struct TierlabApp {
    /// Everything the GUI shows.
    pub state: AppState,
    /// This window's place for a never-saved project's autosave, held while the app lives.
    _untitled: Option<UntitledSlot>,
}

impl TierlabApp {
    /// Restores settings, applies the theme, and starts loading the first project
    /// ([`AppState::start`]: `named`, an autosaved never-saved project, or `fallback`).
    pub fn new(
        cc: &eframe::CreationContext<'_>,
        named: Option<PathBuf>,
        fallback: Option<PathBuf>,
    ) -> TierlabApp {
        let settings: UiSettings = cc
            .storage
            .and_then(|s| eframe::get_value(s, eframe::APP_KEY))
            .unwrap_or_default();
        theme::apply(&cc.egui_ctx, settings.dark);
        let mut state = AppState::new(settings);
        state.autosave_on = true;
        let untitled = eframe::storage_dir(super::APP_ID).and_then(|d| claim_untitled_slot(&d));
        state.untitled_path = untitled.as_ref().map(|s| s.path().to_path_buf());
        state.start(&cc.egui_ctx, named, fallback);
        TierlabApp {
            state,
            _untitled: untitled,
        }
    }
}

impl eframe::App for TierlabApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let close_requested = ui.ctx().input(|i| i.viewport().close_requested());
        if close_requested && !self.state.allow_close {
            let dirty = self.state.doc.as_ref().is_some_and(|d| d.is_dirty());
            if dirty {
                ui.ctx()
                    .send_viewport_cmd(egui::ViewportCommand::CancelClose);
                self.state.confirm = Some(Command::Quit);
            } else {
                // A normal end: nothing to recover next time.
                self.state.ended();
            }
        }
        self.state.ui(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.state.settings);
    }
}
