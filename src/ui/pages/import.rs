//! The import wizard: a transaction CSV's first rows, its columns mapped to what tierlab needs
//! (detected, editable), the delimiter, date format and decimal mark; importing with those
//! settings stores them in the project's data source.

use std::path::PathBuf;

use eframe::egui;

use crate::data::dates::DETECTABLE;
use crate::data::import::{ImportOptions, Preview, preview};
use crate::model::{ColumnMapping, DataSource, ParseOptions, TextEncoding};
use crate::ui::state::{AppState, Command, relative_to_project};
use crate::ui::theme;

/// Data rows the wizard reads to detect formats (the file's first ones).
const DETECT_ROWS: usize = 200;
/// Data rows the wizard shows.
const SHOWN_ROWS: usize = 20;

/// The wizard's choices for one transaction file, and the preview they give.
pub struct ImportWizard {
    /// The CSV file.
    pub path: PathBuf,
    /// Column names chosen (`None` = detect).
    pub columns: ColumnMapping,
    /// Delimiter, date format and decimal mark chosen (`None` = detect).
    pub options: ParseOptions,
    /// The preview for [`ImportWizard::previewed`], or why the file cannot be read.
    preview: Result<Preview, String>,
    /// The choices the preview was made with.
    previewed: Option<(ColumnMapping, ParseOptions)>,
    /// Text of a date format typed in by hand.
    custom_date: String,
}

impl ImportWizard {
    /// A wizard for `path`, starting from `source`'s columns and options.
    pub fn new(path: PathBuf, source: &DataSource) -> ImportWizard {
        let custom_date = source.options.date_format.clone().unwrap_or_default();
        let mut w = ImportWizard {
            path,
            columns: source.columns.clone(),
            options: source.options.clone(),
            preview: Err(String::new()),
            previewed: None,
            custom_date,
        };
        w.refresh();
        w
    }

    /// Re-reads the preview when a choice changed since the last one. Reads only the file's first
    /// [`DETECT_ROWS`] rows (at most [`crate::data::import::PREVIEW_BYTES`]).
    fn refresh(&mut self) {
        let now = (self.columns.clone(), self.options.clone());
        if self.previewed.as_ref() == Some(&now) {
            return;
        }
        let source = DataSource {
            path: String::new(),
            columns: now.0.clone(),
            options: now.1.clone(),
        };
        self.preview = preview(
            &self.path,
            &ImportOptions::from_source(&source),
            DETECT_ROWS,
        )
        .map_err(|e| e.to_string());
        self.previewed = Some(now);
    }

    /// Whether an import with these choices can start (the file reads and the columns are found).
    pub fn can_import(&self) -> bool {
        self.preview.as_ref().is_ok_and(|p| p.columns.is_ok())
    }
}

/// What the user decided in the wizard.
enum Outcome {
    Import,
    Cancel,
}

/// Shows the import wizard when one is open.
pub fn import_wizard_ui(ctx: &egui::Context, state: &mut AppState) {
    let Some(w) = &mut state.wizard else { return };
    w.refresh();
    let mut outcome = None;
    let modal = egui::Modal::new(egui::Id::unique("import_wizard")).show(ctx, |ui| {
        ui.set_max_width(ctx.content_rect().width() * 0.85);
        outcome = wizard_ui(ui, w);
    });
    if modal.should_close() && outcome.is_none() {
        outcome = Some(Outcome::Cancel);
    }
    match outcome {
        None => {}
        Some(Outcome::Cancel) => state.wizard = None,
        Some(Outcome::Import) => {
            let Some(w) = state.wizard.take() else { return };
            if let Some(doc) = &mut state.doc {
                doc.project.data = DataSource {
                    path: relative_to_project(doc.path.as_deref(), &w.path),
                    columns: w.columns,
                    options: w.options,
                };
            }
            state.status = format!("importing {}…", w.path.display());
            state.command(Command::Reimport);
        }
    }
}

fn wizard_ui(ui: &mut egui::Ui, w: &mut ImportWizard) -> Option<Outcome> {
    ui.heading("Import transactions");
    ui.horizontal(|ui| {
        ui.label("File:");
        ui.monospace(w.path.display().to_string());
    });
    ui.add_space(4.0);
    let found = w.preview.as_ref().ok().cloned();
    ui.columns(2, |cols| {
        format_ui(&mut cols[0], w, found.as_ref());
        columns_ui(&mut cols[1], w, found.as_ref());
    });
    ui.add_space(4.0);
    match &w.preview {
        Err(e) => {
            ui.colored_label(theme::ERROR, e);
        }
        Ok(p) => {
            if let Err(e) = &p.columns {
                ui.colored_label(theme::ERROR, format!("Error: {e}"));
            }
            if let (Ok(_), Err(e)) = (&p.columns, &p.date_format) {
                ui.colored_label(theme::WARNING, format!("Warning: {e}"));
            }
            rows_ui(ui, p);
        }
    }
    ui.add_space(6.0);
    let mut outcome = None;
    ui.horizontal(|ui| {
        if ui
            .add_enabled(w.can_import(), egui::Button::new("Import"))
            .on_disabled_hover_text("choose the customer id, date and amount columns first")
            .clicked()
        {
            outcome = Some(Outcome::Import);
        }
        if ui.button("Cancel").clicked() {
            outcome = Some(Outcome::Cancel);
        }
    });
    outcome
}

/// The delimiter, date format, decimal mark and strict mode.
fn format_ui(ui: &mut egui::Ui, w: &mut ImportWizard, found: Option<&Preview>) {
    ui.strong("Format");
    egui::Grid::new("import_format")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            let l = ui.label("Delimiter");
            let delimiter_name = |d: char| match d {
                ',' => "Comma (,)".to_string(),
                ';' => "Semicolon (;)".to_string(),
                '\t' => "Tab".to_string(),
                '|' => "Pipe (|)".to_string(),
                other => format!("'{other}'"),
            };
            let detected = found.map_or("Detect".to_string(), |p| {
                format!("Detect (found: {})", delimiter_name(p.delimiter as char))
            });
            let shown = w.options.delimiter.map_or(detected.clone(), delimiter_name);
            egui::ComboBox::from_id_salt("import_delimiter")
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut w.options.delimiter, None, detected);
                    for d in [',', ';', '\t', '|'] {
                        ui.selectable_value(&mut w.options.delimiter, Some(d), delimiter_name(d));
                    }
                })
                .response
                .labelled_by(l.id);
            ui.end_row();

            let l = ui.label("Date format");
            let detected = match found.map(|p| &p.date_format) {
                Some(Ok(f)) if w.options.date_format.is_none() => format!("Detect (found: {f})"),
                _ => "Detect".to_string(),
            };
            let mut custom = w
                .options
                .date_format
                .as_ref()
                .is_some_and(|f| !DETECTABLE.iter().any(|d| d.strftime() == f));
            let shown = match &w.options.date_format {
                None => detected.clone(),
                Some(_) if custom => "Other".to_string(),
                Some(f) => f.clone(),
            };
            egui::ComboBox::from_id_salt("import_date_format")
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut w.options.date_format, None, detected);
                    for d in &DETECTABLE {
                        let f = d.strftime();
                        ui.selectable_value(&mut w.options.date_format, Some(f.to_string()), f);
                    }
                    if ui.selectable_label(custom, "Other").clicked() && !custom {
                        custom = true;
                        if w.custom_date.is_empty() {
                            w.custom_date = "%d-%m-%Y".into();
                        }
                        w.options.date_format = Some(w.custom_date.clone());
                    }
                })
                .response
                .labelled_by(l.id);
            ui.end_row();
            if custom {
                let l = ui.label("Other format");
                let edit = ui
                    .text_edit_singleline(&mut w.custom_date)
                    .labelled_by(l.id)
                    .on_hover_text("a chrono strftime format, e.g. %d-%b-%Y for 03-Jan-2024");
                if edit.changed() {
                    w.options.date_format = Some(w.custom_date.clone());
                }
                ui.end_row();
            }

            let l = ui.label("Decimal mark");
            let mark = |comma: bool| {
                if comma {
                    "Comma (1234,56)"
                } else {
                    "Point (1234.56)"
                }
            };
            let detected = match (found, w.options.decimal_comma) {
                (Some(p), None) if p.columns.is_ok() => {
                    format!("Detect (found: {})", mark(p.decimal_comma))
                }
                _ => "Detect".to_string(),
            };
            let shown = w
                .options
                .decimal_comma
                .map_or(detected.clone(), |c| mark(c).to_string());
            egui::ComboBox::from_id_salt("import_decimal")
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut w.options.decimal_comma, None, detected);
                    for c in [false, true] {
                        ui.selectable_value(&mut w.options.decimal_comma, Some(c), mark(c));
                    }
                })
                .response
                .labelled_by(l.id);
            ui.end_row();

            let l = ui.label("Text encoding");
            egui::ComboBox::from_id_salt("import_encoding")
                .selected_text(w.options.encoding.label())
                .show_ui(ui, |ui| {
                    for e in TextEncoding::ALL {
                        ui.selectable_value(&mut w.options.encoding, e, e.label());
                    }
                })
                .response
                .labelled_by(l.id)
                .on_hover_text(
                    "how ids and categories are stored: spreadsheet programs on Windows often \
                     save Windows-1252 (Latin-1)",
                );
            ui.end_row();

            ui.label("");
            ui.checkbox(&mut w.options.strict, "Stop at the first bad row")
                .on_hover_text("otherwise bad rows are skipped and listed in the import report");
            ui.end_row();

            ui.label("");
            ui.checkbox(&mut w.options.pseudonymise, "Pseudonymise customer ids")
                .on_hover_text(
                    "replace each id by a keyed hash on import: results, exports and bundles \
                     then hold no real id (the key stays in ~/.config/tierlab/pseudonym.key)",
                );
            ui.end_row();
        });
}

/// The role labels, in [`ColumnMapping`] order, and whether each is required.
const ROLES: [(&str, bool); 7] = [
    ("Customer id", true),
    ("Date", true),
    ("Amount", true),
    ("Category", false),
    ("Store", false),
    ("Channel", false),
    ("Quantity", false),
];

fn roles_mut(m: &mut ColumnMapping) -> [&mut Option<String>; 7] {
    [
        &mut m.customer,
        &mut m.date,
        &mut m.amount,
        &mut m.category,
        &mut m.store,
        &mut m.channel,
        &mut m.quantity,
    ]
}

/// The column each role would use, as the preview found them.
fn resolved(p: &Preview) -> [Option<String>; 7] {
    let f = p.found.clone();
    [
        f.customer, f.date, f.amount, f.category, f.store, f.channel, f.quantity,
    ]
}

/// One column choice per role.
fn columns_ui(ui: &mut egui::Ui, w: &mut ImportWizard, found: Option<&Preview>) {
    ui.strong("Columns");
    let header = found.map(|p| p.header.clone()).unwrap_or_default();
    let resolved = found.map(resolved).unwrap_or_default();
    egui::Grid::new("import_columns")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            for (((role, required), slot), found) in
                ROLES.iter().zip(roles_mut(&mut w.columns)).zip(resolved)
            {
                let l = ui.label(if *required {
                    format!("{role} *")
                } else {
                    role.to_string()
                });
                let detected = match (&slot, found) {
                    (None, Some(f)) => format!("Detect (found: {f})"),
                    (None, None) => "Detect (none found)".to_string(),
                    _ => "Detect".to_string(),
                };
                let shown = slot.clone().unwrap_or_else(|| detected.clone());
                egui::ComboBox::from_id_salt(("import_column", *role))
                    .selected_text(shown)
                    .show_ui(ui, |ui| {
                        ui.selectable_value(slot, None, detected);
                        for h in &header {
                            ui.selectable_value(slot, Some(h.clone()), h);
                        }
                    })
                    .response
                    .labelled_by(l.id);
                ui.end_row();
            }
        });
    ui.small("* needed; the others are optional. Detect recognises common header names.");
}

/// The first rows of the file, the columns in use marked with their role.
fn rows_ui(ui: &mut egui::Ui, p: &Preview) {
    let resolved = resolved(p);
    let role_of = |h: &str| {
        ROLES
            .iter()
            .zip(&resolved)
            .find(|(_, r)| r.as_deref() == Some(h))
            .map(|((role, _), _)| *role)
    };
    ui.strong(format!(
        "First {} of the file's rows",
        p.rows.len().min(SHOWN_ROWS)
    ));
    egui::ScrollArea::both()
        .id_salt("import_preview")
        .max_height(260.0)
        .show(ui, |ui| {
            egui::Grid::new("import_rows")
                .striped(true)
                .spacing([14.0, 3.0])
                .show(ui, |ui| {
                    ui.weak("Line");
                    for h in &p.header {
                        match role_of(h) {
                            Some(role) => ui.colored_label(theme::series(0), role.to_lowercase()),
                            None => ui.weak("not used"),
                        };
                    }
                    ui.end_row();
                    ui.strong("1");
                    for h in &p.header {
                        ui.strong(h);
                    }
                    ui.end_row();
                    for (row, line) in p.rows.iter().zip(&p.lines).take(SHOWN_ROWS) {
                        ui.weak(line.to_string());
                        for field in row {
                            ui.monospace(field);
                        }
                        if row.len() != p.header.len() {
                            ui.colored_label(
                                theme::WARNING,
                                format!(
                                    "{}, {} expected",
                                    crate::format::counted(row.len() as u64, "field"),
                                    p.header.len()
                                ),
                            );
                        }
                        ui.end_row();
                    }
                });
        });
}
