//! The GUI's state and one frame of it, independent of eframe so that tests can drive it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use eframe::egui::{self, Key, KeyboardShortcut, Modifiers};

/// Ctrl+N (⌘N on a Mac): a new project.
const NEW: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::N);
/// Ctrl+O: open a project.
const OPEN: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::O);
/// Ctrl+S: save.
const SAVE: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::S);
/// Ctrl+Shift+S: save as.
const SAVE_AS: KeyboardShortcut =
    KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::SHIFT), Key::S);
/// Ctrl+Z: undo.
const UNDO: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Z);
/// Ctrl+Y: redo (the menu shows this one).
const REDO: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Y);
/// Ctrl+Shift+Z: redo too.
const REDO_SHIFT: KeyboardShortcut =
    KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::SHIFT), Key::Z);

/// A menu item `text` showing its keyboard `shortcut` (as the platform writes it: "Ctrl+S",
/// "⌘S"), so that the menu and the keys cannot disagree.
fn menu_item(text: &str, shortcut: KeyboardShortcut) -> impl egui::Widget + '_ {
    move |ui: &mut egui::Ui| {
        let keys = ui.ctx().format_shortcut(&shortcut);
        ui.add(egui::Button::new(text).shortcut_text(keys))
    }
}
use serde::{Deserialize, Serialize};

use super::navigator::navigator_ui;
use super::pages;
use super::pages::data::SyntheticForm;
use super::pages::import::ImportWizard;
use super::pages::ledger::LedgerView;
use super::theme;
use super::worker::{DialogPurpose, Loaded, Run, Worker, WorkerMsg, model_key, segment_key};
use crate::data::import::ImportReport;
use crate::data::project_io::{
    data_path, read_recovery, remove_recovery, save_project, write_recovery,
};
use crate::data::store::Transactions;
use crate::export::write_result_tables;
use crate::format::count;
use crate::model::{DataSource, Project};
use crate::report::{ReportInput, write_charts, write_report};
use crate::sim::models::report::ModelReport;
use crate::sim::projection::programme::{Projection, ProjectionOptions};
use crate::sim::replay::Replay;
use crate::sim::segments::kmeans::Suggestion;
use crate::sim::segments::report::SegmentReport;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// A page of the central editor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Page {
    /// Name, description and engine settings.
    #[default]
    Overview,
    /// The transaction file and its import report.
    Data,
    /// Customer segments.
    Segments,
    /// Personas.
    Personas,
    /// Programme scenarios.
    Scenarios,
    /// What each scenario would have done on the history, and will do.
    Results,
    /// The fitted customer model, its diagnostics and its backtest.
    Model,
}

impl Page {
    /// Every page, in navigator order.
    pub const ALL: [Page; 7] = [
        Page::Overview,
        Page::Data,
        Page::Segments,
        Page::Personas,
        Page::Scenarios,
        Page::Results,
        Page::Model,
    ];

    /// The page's label in the navigator.
    pub fn label(self) -> &'static str {
        match self {
            Page::Overview => "Overview",
            Page::Data => "Data",
            Page::Segments => "Segments",
            Page::Personas => "Personas",
            Page::Scenarios => "Scenarios",
            Page::Results => "Results",
            Page::Model => "Model",
        }
    }
}

/// UI preferences remembered between runs (eframe persistence).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UiSettings {
    /// Recently opened projects, newest first.
    pub recent: Vec<PathBuf>,
    /// Dark theme.
    pub dark: bool,
    /// Last page shown.
    pub page: Page,
    /// Presentation mode: larger type and the Results page only (not remembered).
    #[serde(skip)]
    pub presentation: bool,
}

/// Seconds between autosaves of unsaved edits to the recovery file.
pub const AUTOSAVE_SECONDS: f64 = 30.0;

/// Zoom of presentation mode.
const PRESENTATION_ZOOM: f32 = 1.5;

/// How many recent files are remembered.
const MAX_RECENT: usize = 10;

impl UiSettings {
    /// Moves `path` to the front of the recent files.
    pub fn remember(&mut self, path: &Path) {
        let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        self.recent.retain(|p| p != &path);
        self.recent.insert(0, path);
        self.recent.truncate(MAX_RECENT);
    }
}

/// The open project and its data.
#[derive(Debug)]
pub struct Document {
    /// Where it is saved; `None` for a new, unsaved project.
    pub path: Option<PathBuf>,
    /// The project as edited.
    pub project: Project,
    /// The project as last loaded or saved: edits are what differs from it.
    saved: Project,
    /// Imported transactions.
    pub data: Option<Arc<Transactions>>,
    /// Import report of `data`.
    pub report: Option<ImportReport>,
    /// Why the data could not be imported.
    pub data_error: Option<String>,
    /// Earlier versions of the project, newest last.
    undo: Vec<Project>,
    /// Versions undone, newest last.
    redo: Vec<Project>,
    /// The project as of the last recorded edit.
    recorded: Project,
    /// When (egui time, seconds) the last undo step was taken: edits within
    /// [`COALESCE_SECONDS`] of it (a slider drag, typing) join that step.
    last_step: f64,
}

/// Most undo steps kept.
const MAX_UNDO: usize = 200;
/// Edits closer together than this are one undo step.
const COALESCE_SECONDS: f64 = 0.75;

impl Document {
    /// A document for a project as loaded from `path`.
    pub fn new(path: Option<PathBuf>, project: Project) -> Document {
        Document {
            path,
            saved: project.clone(),
            recorded: project.clone(),
            project,
            data: None,
            report: None,
            data_error: None,
            undo: Vec::new(),
            redo: Vec::new(),
            last_step: f64::NEG_INFINITY,
        }
    }

    /// Records the frame's edits (called once per frame, at `now` seconds): a change makes an
    /// undo step, or joins the last one when it came within [`COALESCE_SECONDS`].
    pub fn record_edits(&mut self, now: f64) {
        if self.project == self.recorded {
            return;
        }
        if now - self.last_step > COALESCE_SECONDS || self.undo.is_empty() {
            self.undo.push(self.recorded.clone());
            if self.undo.len() > MAX_UNDO {
                self.undo.remove(0);
            }
        }
        self.last_step = now;
        self.redo.clear();
        self.recorded = self.project.clone();
    }

    /// True when there is an edit to undo.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// True when there is an undone edit to redo.
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Goes back one undo step.
    pub fn undo(&mut self) {
        if let Some(previous) = self.undo.pop() {
            self.redo
                .push(std::mem::replace(&mut self.project, previous));
            self.recorded = self.project.clone();
            self.last_step = f64::NEG_INFINITY;
        }
    }

    /// Goes forward one undone step.
    pub fn redo(&mut self) {
        if let Some(next) = self.redo.pop() {
            self.undo.push(std::mem::replace(&mut self.project, next));
            self.recorded = self.project.clone();
            self.last_step = f64::NEG_INFINITY;
        }
    }

    /// True when there are edits not saved to the file.
    pub fn is_dirty(&self) -> bool {
        self.project != self.saved
    }

    fn set_data(&mut self, data: Result<(Transactions, ImportReport), String>) {
        match data {
            Ok((tx, report)) => {
                self.data = Some(Arc::new(tx));
                self.report = Some(report);
                self.data_error = None;
            }
            Err(e) => {
                self.data = None;
                self.report = None;
                self.data_error = Some(e);
            }
        }
    }
}

/// Something the user asked for, carried out after the frame is drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Start a new, empty project.
    New,
    /// Choose a project file to open.
    OpenDialog,
    /// Open this project file.
    Open(PathBuf),
    /// Save to the current file (asks for one when there is none).
    Save,
    /// Choose a file to save to.
    SaveAsDialog,
    /// Save to this file and make it the current one.
    SaveAs(PathBuf),
    /// Choose a transaction CSV for the project.
    ImportDialog,
    /// Open the import wizard for this CSV.
    Import(PathBuf),
    /// Open the import wizard for the project's data file as it is set up.
    ImportSettings,
    /// Re-read the project's data file.
    Reimport,
    /// Choose a folder to export the result tables to.
    ExportDialog,
    /// Write the result tables on screen as CSV files in this folder.
    Export(PathBuf),
    /// Choose the HTML file for the client report.
    ReportDialog,
    /// Write the client report of the results on screen to this HTML file.
    Report(PathBuf),
    /// Choose the zip for a bundle of the project and its data (`true`: pseudonymised).
    BundleDialog(bool),
    /// Write the project and its data to this zip (`true`: pseudonymised ids).
    Bundle(PathBuf, bool),
    /// Choose a bundle to open.
    OpenBundleDialog,
    /// Unpack this bundle beside it and open its project.
    OpenBundle(PathBuf),
    /// Work out this customer's ledger under the scenario with this index.
    Explain(String, usize),
    /// Choose where to write a synthetic transaction file.
    GenerateDialog,
    /// Write a synthetic transaction file here (settings of the Data page) and use it.
    Generate(PathBuf),
    /// Save the plot with this id, as it is next drawn, to this PNG file.
    SavePlot(String, PathBuf),
    /// Close the window.
    Quit,
    /// Undo the last edit.
    Undo,
    /// Redo the last undone edit.
    Redo,
    /// Enter (true) or leave presentation mode.
    Present(bool),
}

impl Command {
    /// Would this command throw away unsaved edits?
    fn discards_edits(&self) -> bool {
        matches!(
            self,
            Command::New
                | Command::OpenDialog
                | Command::Open(_)
                | Command::OpenBundleDialog
                | Command::OpenBundle(_)
                | Command::Quit
        )
    }
}

/// Everything the GUI shows and edits.
pub struct AppState {
    /// The open project, if any.
    pub doc: Option<Document>,
    /// Remembered preferences.
    pub settings: UiSettings,
    /// Selected item on the Segments, Personas and Scenarios pages.
    pub selected: Option<usize>,
    /// Messages to show in the error panel (newest last).
    pub errors: Vec<String>,
    /// Last status line message.
    pub status: String,
    /// A command waiting for the user to confirm losing unsaved edits.
    pub confirm: Option<Command>,
    /// Commands queued by this frame.
    commands: Vec<Command>,
    /// Background jobs.
    pub worker: Worker,
    /// Set when the window may close (no unsaved edits, or the user said to discard them).
    pub allow_close: bool,
    /// Title last sent to the window.
    title: String,
    /// The last finished replay of every scenario, and the project it was run on.
    pub results: Option<(Project, Vec<Replay>)>,
    /// The projection that came with the results: its Monte Carlo runs and the outcome (an
    /// error when the customer model cannot be fitted).
    pub projection: Option<(usize, Result<Box<Projection>, String>)>,
    /// Whether `projection` is the fast preview (fewer futures per customer).
    pub projection_fast: bool,
    /// Project with all of the project's Monte Carlo runs instead of the fast mode's few.
    pub all_runs: bool,
    /// The replay running now.
    pub run: Option<Run>,
    /// The last segment report, and what it was made for ([`segment_key`]).
    pub segment_report: Option<(Project, SegmentReport)>,
    /// The segment report being made now, for this key.
    segmenting: Option<Project>,
    /// The last model report (or why there is none), and what it was made for ([`model_key`]).
    pub model_report: Option<(Project, Result<Box<ModelReport>, String>)>,
    /// The model report being made now, for this key.
    modelling: Option<Project>,
    /// Edits found in the open project's recovery file, offered back to the user.
    pub recovered: Option<Project>,
    /// Whether frames autosave unsaved edits (the app turns this on; tests driving the state
    /// call [`AppState::autosave`] themselves, so that they never write next to the samples).
    pub autosave_on: bool,
    /// Where a project that has no file yet autosaves: its recovery file is this path's
    /// (`<app data folder>/untitled.ron` gives `.untitled.ron.recovery`). `None`: no autosave
    /// for such projects.
    pub untitled_path: Option<PathBuf>,
    /// The import wizard, while it is open.
    pub wizard: Option<ImportWizard>,
    /// k-means suggestions waiting to be accepted or dismissed on the Segments page.
    pub suggestion: Option<Suggestion>,
    /// The plot whose PNG file is being chosen.
    png_plot: Option<String>,
    /// The last finished run: how long it took (seconds), when it ended (local time), and its
    /// Monte Carlo runs.
    pub last_run: Option<(f64, String, usize)>,
    /// The customer ledger on the Results page.
    pub ledger: LedgerView,
    /// The synthetic-data generator's settings on the Data page.
    pub synthetic: SyntheticForm,
    /// When (egui time) the edits were last autosaved, and what was written.
    autosaved: (f64, Option<Project>),
    generation: u64,
}

impl Default for AppState {
    fn default() -> Self {
        AppState::new(UiSettings::default())
    }
}

impl AppState {
    /// A state with no project open.
    pub fn new(settings: UiSettings) -> AppState {
        AppState {
            doc: None,
            settings,
            selected: None,
            errors: Vec::new(),
            status: String::new(),
            confirm: None,
            commands: Vec::new(),
            worker: Worker::default(),
            allow_close: false,
            title: String::new(),
            results: None,
            projection: None,
            projection_fast: false,
            all_runs: false,
            run: None,
            segment_report: None,
            segmenting: None,
            model_report: None,
            modelling: None,
            recovered: None,
            autosave_on: false,
            untitled_path: None,
            wizard: None,
            suggestion: None,
            last_run: None,
            ledger: LedgerView::default(),
            synthetic: SyntheticForm::default(),
            png_plot: None,
            autosaved: (0.0, None),
            generation: 0,
        }
    }

    /// Queues a command to run after this frame.
    pub fn command(&mut self, cmd: Command) {
        self.commands.push(cmd);
    }

    /// True while a background job runs.
    pub fn is_busy(&self) -> bool {
        self.worker.busy > 0
    }

    /// The window title: project name, file and a dirty marker.
    pub fn title(&self) -> String {
        match &self.doc {
            None => "tierlab".into(),
            Some(d) => {
                let file = d
                    .path
                    .as_ref()
                    .and_then(|p| p.file_name())
                    .map_or("unsaved".into(), |f| f.to_string_lossy().into_owned());
                let dirty = if d.is_dirty() { "● " } else { "" };
                format!("{dirty}{} — {file} — tierlab", d.project.name)
            }
        }
    }

    /// Draws one frame into `ui` and carries out the commands it produced.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.receive(&ctx);
        self.shortcuts(ui);
        self.dropped_files(&ctx);

        egui::Panel::top("menu_bar").show(ui, |ui| self.menu_ui(ui));
        if self.settings.presentation {
            self.settings.page = Page::Results;
        } else {
            egui::Panel::bottom("status_bar").show(ui, |ui| self.status_ui(ui));
        }
        if !self.errors.is_empty() {
            egui::Panel::top("errors").show(ui, |ui| self.errors_ui(ui));
        }
        if !self.settings.presentation {
            egui::Panel::left("navigator")
                .resizable(true)
                .default_size(theme::NAVIGATOR_WIDTH)
                .show(ui, |ui| navigator_ui(ui, self));
        }
        egui::CentralPanel::default_margins().show(ui, |ui| {
            // Each page (and each segment, persona or scenario opened on its page) keeps a
            // scroll position of its own: a page opens where it was last left, at the top the
            // first time, not at the depth the page before was scrolled to.
            egui::ScrollArea::vertical()
                .id_salt(("page", self.settings.page, self.selected))
                .auto_shrink(false)
                .show(ui, |ui| pages::page_ui(ui, self));
        });
        self.plot_exports(&ctx);
        self.confirm_ui(&ctx);
        self.recovery_ui(&ctx);
        pages::import::import_wizard_ui(&ctx, self);
        let now = ctx.input(|i| i.time);
        if let Some(doc) = &mut self.doc {
            doc.record_edits(now);
        }
        if self.autosave_on {
            self.autosave(now);
        }

        self.keep_results_fresh(&ctx);
        self.keep_segments_fresh(&ctx);
        self.keep_model_fresh(&ctx);
        let title = self.title();
        if title != self.title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title = title;
        }
        if self.is_busy() {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
        for cmd in std::mem::take(&mut self.commands) {
            self.execute(&ctx, cmd);
        }
    }

    /// After the pages are drawn: a plot's "Save PNG…" asks for a file; a save no plot took up
    /// (its page is gone) is reported.
    fn plot_exports(&mut self, ctx: &egui::Context) {
        if let Some(plot) = super::plot_export::take_wanted(ctx) {
            let folder = self.project_folder();
            self.worker.dialog_named(
                ctx,
                DialogPurpose::SavePng,
                folder,
                Some(format!(
                    "{}.png",
                    plot.replace(|c: char| !c.is_alphanumeric() && c != '-', "_")
                )),
            );
            self.png_plot = Some(plot);
        }
        if let Some(plot) = super::plot_export::take_unclaimed(ctx) {
            self.worker.forget_job();
            self.errors.push(format!(
                "the plot '{plot}' is no longer on screen: not saved"
            ));
        }
    }

    fn receive(&mut self, ctx: &egui::Context) {
        for msg in self.worker.poll() {
            match msg {
                WorkerMsg::Loaded(loaded) => self.opened(*loaded),
                WorkerMsg::LoadFailed(e) => self.errors.push(e),
                WorkerMsg::DataImported(result) => {
                    if let Some(doc) = &mut self.doc {
                        doc.set_data(result.map(|b| *b));
                        self.status = match &doc.report {
                            Some(r) => {
                                format!("imported {} transactions", count(r.transactions as u64))
                            }
                            None => "import failed".into(),
                        };
                    }
                }
                WorkerMsg::Replayed {
                    generation,
                    project,
                    replays,
                    fast,
                    projection,
                    seconds,
                } => {
                    if self
                        .run
                        .as_ref()
                        .is_some_and(|r| r.generation == generation)
                    {
                        self.run = None;
                    }
                    if let Some(replays) = replays {
                        let runs = projection
                            .as_ref()
                            .and_then(|p| p.as_ref().ok())
                            .map_or(0, |p| p.runs);
                        let at = chrono::Local::now().format("%H:%M:%S").to_string();
                        self.last_run = Some((seconds, at, runs));
                        self.results = Some((*project, replays));
                        self.projection = projection.map(|p| {
                            let runs = p.as_ref().map_or(0, |p| p.runs);
                            (runs, p)
                        });
                        self.projection_fast = fast;
                    }
                }
                WorkerMsg::Segmented { key, report } => {
                    if self.segmenting.as_ref() == Some(&*key) {
                        self.segmenting = None;
                    }
                    self.segment_report = Some((*key, *report));
                }
                WorkerMsg::Modelled { key, report } => {
                    if self.modelling.as_ref() == Some(&*key) {
                        self.modelling = None;
                    }
                    self.model_report = Some((*key, report));
                }
                WorkerMsg::Suggested(s) => {
                    self.status = format!(
                        "k-means found {} clusters: review them on the Segments page",
                        s.k
                    );
                    self.suggestion = Some(*s);
                }
                WorkerMsg::Picked(_, None) => self.png_plot = None,
                WorkerMsg::Bundled(outcome) => match outcome {
                    Ok(b) => {
                        self.status = format!(
                            "wrote the bundle {} (customer ids {})",
                            b.path.display(),
                            if b.pseudonymised {
                                "pseudonymised"
                            } else {
                                "as in the data"
                            }
                        );
                    }
                    Err(e) => self.errors.push(e),
                },
                WorkerMsg::Generated(outcome) => match outcome {
                    Ok((path, rows)) => {
                        if let Some(doc) = &mut self.doc {
                            doc.project.data = DataSource {
                                path: relative_to_project(doc.path.as_deref(), &path),
                                ..DataSource::default()
                            };
                        }
                        self.status = format!(
                            "wrote {} synthetic transactions to {}; importing…",
                            count(rows as u64),
                            path.display()
                        );
                        self.execute(ctx, Command::Reimport);
                    }
                    Err(e) => self.errors.push(e),
                },
                WorkerMsg::Explained(outcome) => self.ledger.result = Some(outcome.map(|l| *l)),
                WorkerMsg::BundleOpened(outcome) => match outcome {
                    Ok(project) => self.execute(ctx, Command::Open(project)),
                    Err(e) => self.errors.push(e),
                },
                WorkerMsg::PlotSaved(outcome) => match outcome {
                    Ok(path) => self.status = format!("saved the plot to {}", path.display()),
                    Err(e) => self.errors.push(e),
                },
                WorkerMsg::Picked(purpose, Some(path)) => {
                    let cmd = match purpose {
                        DialogPurpose::Open => Command::Open(path),
                        DialogPurpose::SaveAs => Command::SaveAs(path),
                        DialogPurpose::ImportCsv => Command::Import(path),
                        DialogPurpose::ExportFolder => Command::Export(path),
                        DialogPurpose::SaveReport => Command::Report(path),
                        DialogPurpose::SaveBundle(p) => Command::Bundle(path, p),
                        DialogPurpose::OpenBundle => Command::OpenBundle(path),
                        DialogPurpose::SaveGenerated => Command::Generate(path),
                        DialogPurpose::SavePng => match self.png_plot.take() {
                            Some(plot) => Command::SavePlot(plot, path),
                            None => continue,
                        },
                    };
                    self.execute(ctx, cmd);
                }
            }
        }
    }

    fn opened(&mut self, loaded: Loaded) {
        let Loaded {
            path,
            project,
            data,
        } = loaded;
        if let Some(p) = &path {
            self.settings.remember(p);
        }
        let doc_path = path.clone();
        let mut doc = Document::new(path, project);
        doc.set_data(data);
        self.status = match (&doc.report, &doc.path) {
            (Some(r), Some(p)) => {
                format!(
                    "opened {} ({} transactions)",
                    p.display(),
                    count(r.transactions as u64)
                )
            }
            (_, Some(p)) => format!("opened {}", p.display()),
            _ => "new project".into(),
        };
        self.doc = Some(doc);
        self.selected = None;
        self.results = None;
        self.projection = None;
        self.last_run = None;
        self.segment_report = None;
        self.suggestion = None;
        self.segmenting = None;
        self.model_report = None;
        self.modelling = None;
        self.autosaved = (0.0, None);
        // Edits autosaved by an earlier session that did not end normally.
        self.recovered = match doc_path.as_deref().and_then(read_recovery) {
            Some(Ok(p)) if self.doc.as_ref().is_some_and(|d| d.project != p) => Some(p),
            Some(Err(e)) => {
                self.status = format!("could not read the recovery file: {e}");
                None
            }
            _ => None,
        };
    }

    fn shortcuts(&mut self, ui: &mut egui::Ui) {
        // The longer first: Ctrl+Shift+S is not taken for Ctrl+S.
        let shortcuts = [
            (SAVE_AS, Command::SaveAsDialog),
            (SAVE, Command::Save),
            (OPEN, Command::OpenDialog),
            (NEW, Command::New),
            (REDO_SHIFT, Command::Redo),
            (UNDO, Command::Undo),
            (REDO, Command::Redo),
        ];
        for (shortcut, cmd) in shortcuts {
            if ui.input_mut(|i| i.consume_shortcut(&shortcut)) {
                self.command(cmd);
            }
        }
        let present = self.settings.presentation;
        if ui.input_mut(|i| i.consume_key(Modifiers::NONE, Key::F5)) {
            self.command(Command::Present(!present));
        }
        if present && ui.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Escape)) {
            self.command(Command::Present(false));
        }
    }

    fn dropped_files(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        for path in dropped {
            let ext = path
                .extension()
                .map(|e| e.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            match ext.as_str() {
                "ron" => self.command(Command::Open(path)),
                "csv" | "tsv" | "txt" => self.command(Command::Import(path)),
                _ => self.errors.push(format!(
                    "cannot open this kind of file (expected .ron or .csv): {}",
                    path.display()
                )),
            }
        }
    }

    fn menu_ui(&mut self, ui: &mut egui::Ui) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                if ui.add(menu_item("New", NEW)).clicked() {
                    self.command(Command::New);
                }
                if ui.add(menu_item("Open…", OPEN)).clicked() {
                    self.command(Command::OpenDialog);
                }
                if ui
                    .button("Open bundle…")
                    .on_hover_text(
                        "a project and its data in one zip, unpacked into a folder beside it",
                    )
                    .clicked()
                {
                    self.command(Command::OpenBundleDialog);
                }
                ui.menu_button("Open recent", |ui| {
                    if self.settings.recent.is_empty() {
                        ui.label("(none yet)");
                    }
                    for path in self.settings.recent.clone() {
                        if ui.button(path.display().to_string()).clicked() {
                            self.command(Command::Open(path));
                        }
                    }
                });
                ui.separator();
                let has_doc = self.doc.is_some();
                if ui.add_enabled(has_doc, menu_item("Save", SAVE)).clicked() {
                    self.command(Command::Save);
                }
                if ui
                    .add_enabled(has_doc, menu_item("Save As…", SAVE_AS))
                    .clicked()
                {
                    self.command(Command::SaveAsDialog);
                }
                ui.separator();
                if ui
                    .add_enabled(has_doc, egui::Button::new("Import transactions…"))
                    .clicked()
                {
                    self.command(Command::ImportDialog);
                }
                if ui
                    .add_enabled(self.results.is_some(), egui::Button::new("Export results…"))
                    .on_hover_text("the result tables as CSV files in a folder")
                    .clicked()
                {
                    self.command(Command::ExportDialog);
                }
                if ui
                    .add_enabled(self.results.is_some(), egui::Button::new("Export report…"))
                    .on_hover_text(
                        "one HTML file for the client: the programmes, assumptions, comparison \
                         and charts, readable offline",
                    )
                    .clicked()
                {
                    self.command(Command::ReportDialog);
                }
                let has_data = self.current_data_file().is_some();
                if ui
                    .add_enabled(has_data, egui::Button::new("Export bundle…"))
                    .on_hover_text("the project and its data in one zip, for a colleague")
                    .clicked()
                {
                    self.command(Command::BundleDialog(false));
                }
                if ui
                    .add_enabled(has_data, egui::Button::new("Export pseudonymised bundle…"))
                    .on_hover_text(
                        "the same with every customer id replaced by a keyed hash; the key \
                         stays on this computer",
                    )
                    .clicked()
                {
                    self.command(Command::BundleDialog(true));
                }
                ui.separator();
                if ui.button("Quit").clicked() {
                    self.command(Command::Quit);
                }
            });
            ui.menu_button("Edit", |ui| {
                let (undo, redo) = self
                    .doc
                    .as_ref()
                    .map_or((false, false), |d| (d.can_undo(), d.can_redo()));
                if ui.add_enabled(undo, menu_item("Undo", UNDO)).clicked() {
                    self.command(Command::Undo);
                }
                if ui.add_enabled(redo, menu_item("Redo", REDO)).clicked() {
                    self.command(Command::Redo);
                }
            });
            ui.menu_button("View", |ui| {
                if ui.radio(!self.settings.dark, "Light theme").clicked() {
                    self.settings.dark = false;
                    theme::apply(ui.ctx(), false);
                }
                if ui.radio(self.settings.dark, "Dark theme").clicked() {
                    self.settings.dark = true;
                    theme::apply(ui.ctx(), true);
                }
                ui.separator();
                let mut on = self.settings.presentation;
                if ui
                    .add(egui::Checkbox::new(&mut on, "Presentation mode"))
                    .on_hover_text(
                        "Larger type and the results only, for a projector (F5; Esc leaves)",
                    )
                    .changed()
                {
                    self.command(Command::Present(on));
                }
            });
        });
    }

    fn status_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            if let Some(run) = &self.run {
                ui.add(
                    egui::ProgressBar::new(run.progress() as f32)
                        .desired_width(120.0)
                        .text("replaying and projecting"),
                );
            } else if self.is_busy() {
                ui.spinner();
                ui.label("working…");
            }
            if let Some(doc) = &self.doc {
                if let Some(r) = &doc.report {
                    ui.label(format!(
                        "{} customers · {} transactions",
                        count(r.customers as u64),
                        count(r.transactions as u64)
                    ));
                    if r.rejected > 0 {
                        ui.colored_label(
                            theme::WARNING,
                            format!("{} rejected", crate::format::counted(r.rejected, "row")),
                        );
                    }
                } else {
                    ui.label("no data");
                }
                if doc.is_dirty() {
                    ui.label("unsaved changes");
                }
            }
            if let Some((seconds, at, runs)) = &self.last_run {
                ui.separator();
                let what = if *runs > 0 {
                    format!("replay and {runs}-run projection")
                } else {
                    "replay".to_string()
                };
                ui.label(format!("last run {seconds:.2} s at {at}"))
                    .on_hover_text(what);
            }
            ui.separator();
            ui.label(&self.status);
        });
    }

    fn errors_ui(&mut self, ui: &mut egui::Ui) {
        let mut dismiss = None;
        for (i, e) in self.errors.iter().enumerate() {
            ui.horizontal(|ui| {
                if ui.small_button("Dismiss").clicked() {
                    dismiss = Some(i);
                }
                ui.colored_label(theme::ERROR, e);
            });
        }
        if let Some(i) = dismiss {
            self.errors.remove(i);
        }
    }

    fn confirm_ui(&mut self, ctx: &egui::Context) {
        let Some(cmd) = self.confirm.clone() else {
            return;
        };
        let modal = egui::Modal::new(egui::Id::unique("confirm_discard")).show(ctx, |ui| {
            ui.heading("Unsaved changes");
            ui.label("The project has changes that are not saved. Save them first?");
            ui.horizontal(|ui| {
                if ui.button("Save").clicked() {
                    self.confirm = None;
                    self.command(Command::Save);
                    self.command(cmd.clone());
                }
                if ui.button("Discard changes").clicked() {
                    self.confirm = None;
                    if let Some(doc) = &mut self.doc {
                        doc.saved = doc.project.clone();
                    }
                    self.command(cmd.clone());
                }
                if ui.button("Cancel").clicked() {
                    self.confirm = None;
                }
            });
        });
        if modal.should_close() {
            self.confirm = None;
        }
    }

    /// Where the open project's unsaved edits are autosaved: next to its file, or for a project
    /// without one at [`AppState::untitled_path`].
    fn recovery_target(&self) -> Option<&Path> {
        let doc = self.doc.as_ref()?;
        doc.path.as_deref().or(self.untitled_path.as_deref())
    }

    /// Opens the first project of a session: `named` when given; else the edits of a never-saved
    /// project that an earlier session autosaved, offered back; else `fallback`.
    pub fn start(
        &mut self,
        ctx: &egui::Context,
        named: Option<PathBuf>,
        fallback: Option<PathBuf>,
    ) {
        if let Some(p) = named {
            self.execute(ctx, Command::Open(p));
            return;
        }
        match self.untitled_path.as_deref().and_then(read_recovery) {
            Some(Ok(p)) => {
                self.execute(ctx, Command::New);
                self.recovered = Some(p);
            }
            Some(Err(e)) => {
                self.errors
                    .push(format!("could not read the autosaved unsaved project: {e}"));
                if let Some(p) = fallback {
                    self.execute(ctx, Command::Open(p));
                }
            }
            None => {
                if let Some(p) = fallback {
                    self.execute(ctx, Command::Open(p));
                }
            }
        }
    }

    /// A normal end of the session: the open project's recovery file goes (the caller has made
    /// sure there are no unsaved edits, or the user discarded them).
    pub fn ended(&self) {
        if let Some(path) = self.recovery_target() {
            remove_recovery(path);
        }
    }

    /// Writes unsaved edits of the open project to its recovery file ([`AppState::recovery_target`]),
    /// at most every [`AUTOSAVE_SECONDS`].
    pub fn autosave(&mut self, now: f64) {
        let Some(doc) = &self.doc else { return };
        let Some(path) = self.recovery_target() else {
            return;
        };
        if !doc.is_dirty()
            || now - self.autosaved.0 < AUTOSAVE_SECONDS
            || self.autosaved.1.as_ref() == Some(&doc.project)
        {
            return;
        }
        match write_recovery(path, &doc.project) {
            Ok(()) => self.autosaved = (now, Some(doc.project.clone())),
            Err(e) => {
                self.status = format!("autosave failed: {e}");
                self.autosaved.0 = now;
            }
        }
    }

    /// Offers back the edits found in the recovery file.
    fn recovery_ui(&mut self, ctx: &egui::Context) {
        if self.recovered.is_none() {
            return;
        }
        egui::Modal::new(egui::Id::unique("recovery")).show(ctx, |ui| {
            ui.heading("Unsaved changes found");
            ui.label(
                "This project has changes from an earlier session that ended without saving \
                 them. Restore them?",
            );
            ui.horizontal(|ui| {
                if ui.button("Restore changes").clicked()
                    && let (Some(doc), Some(p)) = (&mut self.doc, self.recovered.take())
                {
                    let other_data = p.data != doc.project.data;
                    doc.project = p;
                    if other_data && !doc.project.data.path.is_empty() {
                        self.command(Command::Reimport);
                    }
                    self.status = "restored the unsaved changes; save to keep them".into();
                }
                if ui.button("Discard them").clicked() {
                    self.recovered = None;
                    if let Some(path) = self.recovery_target() {
                        remove_recovery(path);
                    }
                }
            });
        });
    }

    /// Starts a replay when the project differs from the one the results (or the running replay)
    /// are for; a run for an older version of the project is cancelled. Results stay visible,
    /// marked stale, until the new ones arrive.
    fn keep_results_fresh(&mut self, ctx: &egui::Context) {
        let Some(doc) = &self.doc else { return };
        let Some(tx) = &doc.data else { return };
        let runs = self.projection_runs();
        let fast = !self.all_runs;
        let up_to_date =
            self.results
                .as_ref()
                .is_some_and(|(p, _)| p == &doc.project)
                && self.projection.as_ref().is_some_and(|(r, p)| {
                    (*r == runs && self.projection_fast == fast) || p.is_err()
                });
        let running = self
            .run
            .as_ref()
            .is_some_and(|r| r.project == doc.project && r.runs == runs && r.fast == fast);
        if up_to_date || running || !doc.project.is_valid() || doc.project.scenarios.is_empty() {
            return;
        }
        if let Some(old) = self.run.take() {
            old.cancel.store(true, Ordering::Relaxed);
        }
        self.generation += 1;
        let run = Run {
            generation: self.generation,
            project: doc.project.clone(),
            runs,
            fast,
            cancel: Arc::new(AtomicBool::new(false)),
            progress: Arc::new(AtomicU64::new(0)),
        };
        self.worker.replay(ctx, &run, Arc::clone(tx));
        self.run = Some(run);
    }

    /// Starts a segment report when the segments, settings or data differ from those of the last
    /// one (and none is being made for them).
    fn keep_segments_fresh(&mut self, ctx: &egui::Context) {
        let Some(doc) = &self.doc else { return };
        let Some(tx) = &doc.data else { return };
        let key = segment_key(&doc.project);
        let up_to_date = self.segment_report.as_ref().is_some_and(|(k, _)| k == &key);
        if up_to_date || self.segmenting.as_ref() == Some(&key) || !doc.project.is_valid() {
            return;
        }
        self.worker
            .segments(ctx, doc.project.clone(), Arc::clone(tx));
        self.segmenting = Some(key);
    }

    /// Fits the model again when the settings or data differ from those of the last report
    /// (only while the Model page is shown: fitting and backtesting take a moment).
    fn keep_model_fresh(&mut self, ctx: &egui::Context) {
        if self.settings.page != Page::Model {
            return;
        }
        let Some(doc) = &self.doc else { return };
        let Some(tx) = &doc.data else { return };
        let key = model_key(&doc.project);
        let up_to_date = self.model_report.as_ref().is_some_and(|(k, _)| k == &key);
        if up_to_date || self.modelling.as_ref() == Some(&key) || !doc.project.is_valid() {
            return;
        }
        self.worker.model(ctx, doc.project.clone(), Arc::clone(tx));
        self.modelling = Some(key);
    }

    /// True when the shown model report is for other settings or data.
    pub fn model_stale(&self) -> bool {
        match (&self.model_report, &self.doc) {
            (Some((k, _)), Some(doc)) => k != &model_key(&doc.project),
            _ => false,
        }
    }

    /// True when the shown segment report is for other segments, settings or data.
    pub fn segments_stale(&self) -> bool {
        match (&self.segment_report, &self.doc) {
            (Some((k, _)), Some(doc)) => k != &segment_key(&doc.project),
            _ => false,
        }
    }

    /// Replaces the project's segments (`what` names them in the status line); personas on a
    /// segment that is gone are detached.
    pub fn replace_segments(&mut self, segments: Vec<crate::model::Segment>, what: &str) {
        let Some(doc) = &mut self.doc else { return };
        let mut detached = Vec::new();
        for p in &mut doc.project.personas {
            if !p.segment.is_empty() && !segments.iter().any(|s| s.name == p.segment) {
                detached.push(p.name.clone());
                p.segment.clear();
            }
        }
        doc.project.segments = segments;
        self.selected = None;
        self.status = if detached.is_empty() {
            format!("segments replaced by {what}")
        } else {
            format!(
                "segments replaced by {what}; personas now on no segment: {}",
                detached.join(", ")
            )
        };
    }

    /// Monte Carlo runs the projection should have: the project's, or the fast mode's few.
    pub fn projection_runs(&self) -> usize {
        let Some(doc) = &self.doc else { return 0 };
        let options = ProjectionOptions::from_project(&doc.project);
        if self.all_runs {
            options.runs.max(1)
        } else {
            options.fast().runs.max(1)
        }
    }

    /// True when the shown results are for another version of the project.
    pub fn results_stale(&self) -> bool {
        match (&self.results, &self.doc) {
            (Some((p, _)), Some(doc)) => p != &doc.project,
            _ => false,
        }
    }

    /// Carries out a command now.
    pub fn execute(&mut self, ctx: &egui::Context, cmd: Command) {
        if cmd.discards_edits() && self.doc.as_ref().is_some_and(Document::is_dirty) {
            self.confirm = Some(cmd);
            return;
        }
        let folder = self.project_folder();
        if cmd.discards_edits()
            && let Some(path) = self.recovery_target()
        {
            // Leaving the project, its edits saved or deliberately discarded.
            remove_recovery(path);
        }
        match cmd {
            Command::New => {
                let mut doc = Document::new(None, Project::default());
                doc.set_data(Err("no transaction file chosen yet".into()));
                self.doc = Some(doc);
                self.selected = None;
                self.status = "new project".into();
            }
            Command::OpenDialog => self.worker.dialog(ctx, DialogPurpose::Open, folder),
            Command::Open(path) => {
                self.status = format!("opening {}…", path.display());
                self.worker.load(ctx, path);
            }
            Command::Save => match self.doc.as_ref().and_then(|d| d.path.clone()) {
                Some(path) => self.save_to(ctx, path),
                None if self.doc.is_some() => {
                    self.worker.dialog(ctx, DialogPurpose::SaveAs, folder)
                }
                None => {}
            },
            Command::SaveAsDialog => {
                if self.doc.is_some() {
                    self.worker.dialog(ctx, DialogPurpose::SaveAs, folder);
                }
            }
            Command::SaveAs(path) => self.save_to(ctx, path),
            Command::ImportDialog => self.worker.dialog(ctx, DialogPurpose::ImportCsv, folder),
            Command::Import(csv) => {
                if self.doc.is_none() {
                    self.doc = Some(Document::new(None, Project::default()));
                }
                if let Some(doc) = &self.doc {
                    // The same file keeps its settings; another starts from detection.
                    let same = self
                        .current_data_file()
                        .is_some_and(|f| same_file(&f, &csv));
                    let source = if same {
                        doc.project.data.clone()
                    } else {
                        DataSource::default()
                    };
                    self.wizard = Some(ImportWizard::new(csv, &source));
                }
            }
            Command::ImportSettings => match self.current_data_file() {
                Some(csv) => {
                    if let Some(doc) = &self.doc {
                        self.wizard = Some(ImportWizard::new(csv, &doc.project.data));
                    }
                }
                None => self.worker.dialog(ctx, DialogPurpose::ImportCsv, folder),
            },
            Command::ExportDialog => self.worker.dialog(ctx, DialogPurpose::ExportFolder, folder),
            Command::Export(dir) => self.export_results(&dir),
            Command::ReportDialog => {
                let name = self.named_after_project(" report.html");
                self.worker
                    .dialog_named(ctx, DialogPurpose::SaveReport, folder, name);
            }
            Command::Report(path) => self.export_report(&path),
            Command::BundleDialog(pseudonymised) => {
                let name = self.named_after_project(".zip");
                self.worker.dialog_named(
                    ctx,
                    DialogPurpose::SaveBundle(pseudonymised),
                    folder,
                    name,
                );
            }
            Command::Bundle(path, pseudonymised) => {
                let path = with_default_extension(path, "zip");
                match (self.doc.as_ref(), self.current_data_file()) {
                    (Some(doc), Some(csv)) => {
                        let project = doc.project.clone();
                        self.worker.bundle(ctx, project, csv, path, pseudonymised);
                    }
                    _ => self
                        .errors
                        .push("no data to bundle yet: import transactions first".into()),
                }
            }
            Command::OpenBundleDialog => {
                self.worker.dialog(ctx, DialogPurpose::OpenBundle, folder);
            }
            Command::OpenBundle(zip) => self.worker.open_bundle(ctx, zip),
            Command::GenerateDialog => {
                let name = self.named_after_project(" synthetic.csv");
                self.worker
                    .dialog_named(ctx, DialogPurpose::SaveGenerated, folder, name);
            }
            Command::Generate(path) => {
                let path = with_default_extension(path, "csv");
                if let Some(doc) = &self.doc {
                    let (project, form) = (doc.project.clone(), self.synthetic.clone());
                    self.worker.generate(ctx, project, form, path);
                }
            }
            Command::Explain(customer, scenario) => {
                if let Some(doc) = &self.doc
                    && let Some(data) = &doc.data
                {
                    self.ledger.result = None;
                    let (project, data) = (doc.project.clone(), data.clone());
                    self.worker.explain(ctx, project, data, scenario, customer);
                }
            }
            Command::SavePlot(plot, path) => {
                let report = self.worker.job_sender();
                super::plot_export::request_save(ctx, plot, path, report);
                ctx.request_repaint();
            }
            Command::Reimport => {
                if let Some(doc) = &self.doc {
                    self.worker
                        .import(ctx, doc.path.clone(), doc.project.clone());
                }
            }
            Command::Quit => {
                self.allow_close = true;
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            Command::Present(on) => {
                self.settings.presentation = on;
                ctx.set_zoom_factor(if on { PRESENTATION_ZOOM } else { 1.0 });
                if on {
                    self.settings.page = Page::Results;
                }
            }
            Command::Undo | Command::Redo => {
                if let Some(doc) = &mut self.doc {
                    if cmd == Command::Undo {
                        doc.undo();
                    } else {
                        doc.redo();
                    }
                    self.status = if cmd == Command::Undo {
                        "undone".into()
                    } else {
                        "redone".into()
                    };
                }
            }
        }
    }

    /// Writes the results on screen (replays and, when there is one, the projection) as CSV
    /// files in `dir`, the same tables as `tierlab simulate --out`.
    pub fn export_results(&mut self, dir: &Path) {
        let Some((project, replays)) = &self.results else {
            self.errors
                .push("no results to export yet: import data and add a scenario".into());
            return;
        };
        let written = write_result_tables(dir, project, replays, self.shown_projection()).and_then(
            |tables| {
                let default = ImportReport::default();
                let charts = match self.report_input(&default) {
                    Some(input) => write_charts(dir, &input)?,
                    None => Vec::new(),
                };
                Ok((tables, charts))
            },
        );
        match written {
            Ok((tables, charts)) => {
                self.status = format!(
                    "exported {} tables (CSV) and {} charts (SVG) to {}",
                    tables.len(),
                    charts.len(),
                    dir.display()
                );
            }
            Err(e) => self.errors.push(e.to_string()),
        }
    }

    /// The folder of the open project's file, where file dialogs start.
    fn project_folder(&self) -> Option<PathBuf> {
        self.doc
            .as_ref()
            .and_then(|d| d.path.as_ref())
            .and_then(|p| p.parent())
            .map(Path::to_path_buf)
    }

    /// A file name for a save dialog: the project's name and `suffix`.
    fn named_after_project(&self, suffix: &str) -> Option<String> {
        self.doc
            .as_ref()
            .map(|d| format!("{}{suffix}", d.project.name))
    }

    /// The projection on screen, when it succeeded.
    fn shown_projection(&self) -> Option<&Projection> {
        self.projection
            .as_ref()
            .and_then(|(_, p)| p.as_ref().ok())
            .map(|p| &**p)
    }

    /// The report's view of the results on screen (`fallback` stands in for a missing import
    /// report); `None` without results.
    fn report_input<'a>(&'a self, fallback: &'a ImportReport) -> Option<ReportInput<'a>> {
        let (project, replays) = self.results.as_ref()?;
        Some(ReportInput {
            project,
            import: self
                .doc
                .as_ref()
                .and_then(|d| d.report.as_ref())
                .unwrap_or(fallback),
            replays: replays.as_slice(),
            projection: self.shown_projection(),
            model: self.model_report.as_ref().map(|(_, m)| match m {
                Ok(m) => Ok(&**m),
                Err(e) => Err(e.as_str()),
            }),
        })
    }

    /// Writes the client report of the results on screen (what the Results page shows, the
    /// fitted model, the data's provenance) to `path`.
    pub fn export_report(&mut self, path: &Path) {
        let path = with_default_extension(path.to_path_buf(), "html");
        let default = ImportReport::default();
        let written = match self.report_input(&default) {
            Some(input) => write_report(&path, &input).map_err(|e| e.to_string()),
            None => Err("no results to report yet: import data and add a scenario".into()),
        };
        match written {
            Ok(()) => self.status = format!("wrote the report to {}", path.display()),
            Err(e) => self.errors.push(e),
        }
    }

    /// The open project's transaction file, resolved against the project's folder.
    fn current_data_file(&self) -> Option<PathBuf> {
        let doc = self.doc.as_ref()?;
        if doc.project.data.path.is_empty() {
            return None;
        }
        Some(match &doc.path {
            Some(p) => data_path(p, &doc.project),
            None => PathBuf::from(&doc.project.data.path),
        })
    }

    fn save_to(&mut self, ctx: &egui::Context, path: PathBuf) {
        let Some(doc) = &mut self.doc else { return };
        let path = with_default_extension(path, "ron");
        let mut project = doc.project.clone();
        // Keep the data file reachable from the new location.
        if doc.path.as_deref() != Some(path.as_path()) && !project.data.path.is_empty() {
            let csv = match &doc.path {
                Some(old) => data_path(old, &project),
                None => PathBuf::from(&project.data.path),
            };
            project.data.path = relative_to_project(Some(&path), &csv);
        }
        let untitled = doc.path.is_none();
        match save_project(&path, &project) {
            Ok(()) => {
                if untitled && let Some(u) = &self.untitled_path {
                    remove_recovery(u);
                }
                doc.project = project.clone();
                doc.saved = project;
                doc.path = Some(path.clone());
                remove_recovery(&path);
                self.settings.remember(&path);
                self.status = format!("saved {}", path.display());
            }
            Err(e) => self.errors.push(e.to_string()),
        }
        ctx.request_repaint();
    }
}

/// Whether two paths name the same file (compared after resolving them, when they exist).
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// The path of `csv` as the project file at `project` should store it: relative to the project's
/// folder when inside it, absolute otherwise.
pub fn relative_to_project(project: Option<&Path>, csv: &Path) -> String {
    let csv_abs = csv.canonicalize().unwrap_or_else(|_| csv.to_path_buf());
    if let Some(dir) = project.and_then(Path::parent) {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Ok(dir_abs) = dir.canonicalize()
            && let Ok(rel) = csv_abs.strip_prefix(&dir_abs)
        {
            return rel.to_string_lossy().into_owned();
        }
    }
    csv_abs.to_string_lossy().into_owned()
}

/// `path` with the extension `ext` added when it has none (a name typed in a save dialog).
fn with_default_extension(path: PathBuf, ext: &str) -> PathBuf {
    if path.extension().is_none() {
        path.with_extension(ext)
    } else {
        path
    }
}
