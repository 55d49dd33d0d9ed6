//! Background work for the GUI: loading projects and their data, replaying scenarios, and native
//! file dialogs.
//!
//! Each job runs on its own thread and sends one [`WorkerMsg`] back; the UI polls the channel
//! every frame and never blocks on it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use eframe::egui;

use crate::data::bundle::{BundleSummary, open_bundle, write_bundle_of};
use crate::data::import::{ImportOptions, ImportReport, import_csv};
use crate::data::project_io::{data_path, load_project};
use crate::data::store::Transactions;
use crate::data::write::write_csv;
use crate::model::{Project, Scenario};
use crate::sim::generate::{Generated, GeneratorConfig, generate};
use crate::sim::models::report::{ModelReport, model_report, model_report_from};
use crate::sim::projection::programme::{
    Control, Fitted, OutlookCache, Projection, ProjectionBasis, ProjectionError, ProjectionOptions,
    project_replaying,
};
use crate::sim::replay::{
    Population, Replay, explain, replay_context, replay_with, replayed_scenario,
};
use crate::sim::segments::FeatureTable;
use crate::sim::segments::kmeans::{K, suggest};
use crate::sim::segments::report::{ReportOptions, SegmentReport, segment_report};
use crate::ui::pages::data::SyntheticForm;
use crate::ui::pages::ledger::Ledger;

/// A loaded project, or why its data could not be read.
#[derive(Debug)]
pub struct Loaded {
    /// The project file.
    pub path: Option<PathBuf>,
    /// The project.
    pub project: Project,
    /// Its data and import report, or the import error.
    pub data: Result<(Transactions, ImportReport), String>,
}

/// What a file dialog was opened for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialogPurpose {
    /// Open a project.
    Open,
    /// Save the project under a new name.
    SaveAs,
    /// Choose a transaction CSV for the open project.
    ImportCsv,
    /// Choose a folder for the result tables.
    ExportFolder,
    /// Choose a PNG file for a plot.
    SavePng,
    /// Choose the HTML file of the client report.
    SaveReport,
    /// Choose the zip of a bundle (`true`: pseudonymised).
    SaveBundle(bool),
    /// Choose a bundle to open.
    OpenBundle,
    /// Choose the CSV of synthetic data.
    SaveGenerated,
}

/// A message from a background job.
#[derive(Debug)]
pub enum WorkerMsg {
    /// A project finished loading.
    Loaded(Box<Loaded>),
    /// Loading failed; the open project is untouched.
    LoadFailed(String),
    /// The data of the open project was (re)imported.
    DataImported(Result<Box<(Transactions, ImportReport)>, String>),
    /// A file dialog closed with this choice.
    Picked(DialogPurpose, Option<PathBuf>),
    /// A plot was saved as PNG (its file), or why not.
    PlotSaved(Result<PathBuf, String>),
    /// A bundle was written (or why not).
    Bundled(Result<BundleSummary, String>),
    /// A bundle was unpacked: its project file (or why not).
    BundleOpened(Result<PathBuf, String>),
    /// A customer's ledger (or why there is none).
    Explained(Result<Box<Ledger>, String>),
    /// Synthetic transactions were written: the file and its rows (or why not).
    Generated(Result<(PathBuf, usize), String>),
    /// The segment report of a project (as [`segment_key`] of it) finished.
    Segmented {
        /// The project it was made for.
        key: Box<Project>,
        /// The report.
        report: Box<SegmentReport>,
    },
    /// The model report of a project (as [`model_key`] of it) finished.
    Modelled {
        /// The project it was made for.
        key: Box<Project>,
        /// The report, or why the model could not be fitted.
        report: Result<Box<ModelReport>, String>,
    },
    /// K-means suggestions finished.
    Suggested(Box<crate::sim::segments::kmeans::Suggestion>),
    /// A replay run finished (`None` when it was cancelled).
    Replayed {
        /// Which run.
        generation: u64,
        /// The project it ran on.
        project: Box<Project>,
        /// One replay per scenario.
        replays: Option<Vec<Replay>>,
        /// Whether the projection is the fast preview.
        fast: bool,
        /// The projection of every scenario (`None` when cancelled; an error when the customer
        /// model cannot be fitted).
        projection: Option<Result<Box<Projection>, String>>,
        /// How long the replay and projection took, in seconds.
        seconds: f64,
    },
}

/// A replay and projection run in progress, shared with its worker thread.
#[derive(Clone, Debug)]
pub struct Run {
    /// Which run (results of older runs are ignored).
    pub generation: u64,
    /// The project it runs on.
    pub project: Project,
    /// Monte Carlo runs of the projection.
    pub runs: usize,
    /// The fast preview (fewer futures per customer, see [`ProjectionOptions::fast`]).
    pub fast: bool,
    /// Set to stop the run.
    pub cancel: Arc<AtomicBool>,
    /// Share done, as `f64` bits.
    pub progress: Arc<AtomicU64>,
}

impl Run {
    /// Share done, 0–1.
    pub fn progress(&self) -> f64 {
        f64::from_bits(self.progress.load(Ordering::Relaxed))
    }
}

/// The channel between the UI and its background jobs.
pub struct Worker {
    tx: Sender<WorkerMsg>,
    rx: Receiver<WorkerMsg>,
    /// Jobs started and not yet reported.
    pub busy: usize,
    /// The pseudonymisation key file of imports and bundles (`None`: `$TIERLAB_KEY_FILE`, else
    /// the per-user default; see [`crate::data::pseudonym`]).
    pub key_file: Option<PathBuf>,
    /// What the last replays and projection worked out that an edit may leave as it was.
    kept: Arc<Mutex<Kept>>,
}

/// Results kept from one run to the next, each with what it was made from: an edit re-does only
/// what it changed.
#[derive(Default)]
struct Kept {
    /// The projection's fitted models, kept while the data and the model settings stay (an edit
    /// of a scenario or persona re-projects without fitting again), and the scenario outlooks
    /// projected from them.
    basis: Option<BasisCache>,
    /// Replays of scenarios.
    replays: Option<ReplayCache>,
}

/// Scenario replays and what they were made from.
struct ReplayCache {
    /// What the replays read of the project besides their scenarios ([`replay_context`]).
    context: Project,
    /// The data (held, so that the pointer compared is not reused).
    tx: Arc<Transactions>,
    /// Each scenario's replay, under what it read of the scenario ([`replayed_scenario`]).
    replays: Vec<(Scenario, Replay)>,
}

/// Fitted projection models, what they were fitted on, and the outlooks projected from them.
struct BasisCache {
    /// [`basis_key`] of the project.
    key: Project,
    /// The data (held, so that the pointer compared is not reused).
    tx: Arc<Transactions>,
    basis: Arc<ProjectionBasis>,
    outlooks: OutlookCache,
}

/// Locks what is kept. A poisoned lock only means another job panicked while holding it: what
/// it holds is still whole (each part is replaced in one assignment).
fn lock(kept: &Mutex<Kept>) -> std::sync::MutexGuard<'_, Kept> {
    kept.lock().unwrap_or_else(|e| e.into_inner())
}

/// The projection models of `project` on `tx`, with the outlooks kept for them: the kept ones
/// when they were fitted on the same data and model settings, else fitted now (and kept).
fn basis_for(
    kept: &Mutex<Kept>,
    project: &Project,
    tx: &Arc<Transactions>,
) -> Result<(Arc<ProjectionBasis>, OutlookCache), ProjectionError> {
    let key = basis_key(project);
    if let Some(c) = lock(kept)
        .basis
        .as_ref()
        .filter(|c| c.key == key && Arc::ptr_eq(&c.tx, tx))
    {
        return Ok((Arc::clone(&c.basis), c.outlooks.clone()));
    }
    let basis = Arc::new(ProjectionBasis::fit(project, tx)?);
    lock(kept).basis = Some(BasisCache {
        key,
        tx: Arc::clone(tx),
        basis: Arc::clone(&basis),
        outlooks: OutlookCache::default(),
    });
    Ok((basis, OutlookCache::default()))
}

/// Every scenario of `project` replayed on `tx`, those replayed before for the same rest of the
/// project and data taken from `kept` (`None`: cancelled). `progress` gets the share done.
fn replays_for(
    kept: &Mutex<Kept>,
    project: &Project,
    tx: &Arc<Transactions>,
    pop: &Population,
    progress: &(dyn Fn(f64) + Sync),
    cancel: &AtomicBool,
) -> Option<Vec<Replay>> {
    let before = kept_replays(kept, project, tx);
    let n = project.scenarios.len().max(1) as f64;
    let mut replays = Vec::with_capacity(project.scenarios.len());
    for (i, (s, before)) in project.scenarios.iter().zip(before).enumerate() {
        let replay = match before {
            Some(r) => r,
            None => {
                let report = |f: f64| progress((i as f64 + f) / n);
                replay_with(project, s, tx, pop, &report, cancel)?
            }
        };
        replays.push(replay);
    }
    keep_replays(kept, project, tx, &replays);
    Some(replays)
}

/// The replay kept for each scenario of `project` on `tx` (`None`: not kept: the scenario, or
/// what a replay reads of the rest of the project, changed since).
fn kept_replays(
    kept: &Mutex<Kept>,
    project: &Project,
    tx: &Arc<Transactions>,
) -> Vec<Option<Replay>> {
    let context = replay_context(project);
    let guard = lock(kept);
    let before: &[(Scenario, Replay)] = match &guard.replays {
        Some(c) if c.context == context && Arc::ptr_eq(&c.tx, tx) => &c.replays,
        _ => &[],
    };
    project
        .scenarios
        .iter()
        .map(|s| {
            let key = replayed_scenario(s);
            // A renamed scenario's replay is the one kept, under the new name.
            before.iter().find(|(k, _)| *k == key).map(|(_, r)| Replay {
                scenario: s.name.clone(),
                ..r.clone()
            })
        })
        .collect()
}

/// Keeps `replays` (one per scenario of `project`, on `tx`) for the next run.
fn keep_replays(kept: &Mutex<Kept>, project: &Project, tx: &Arc<Transactions>, replays: &[Replay]) {
    lock(kept).replays = Some(ReplayCache {
        context: replay_context(project),
        tx: Arc::clone(tx),
        replays: project
            .scenarios
            .iter()
            .map(replayed_scenario)
            .zip(replays.iter().cloned())
            .collect(),
    });
}

impl Default for Worker {
    fn default() -> Self {
        let (tx, rx) = channel();
        Worker {
            tx,
            rx,
            busy: 0,
            key_file: None,
            kept: Arc::default(),
        }
    }
}

fn import_data(
    project_path: Option<&Path>,
    project: &Project,
    key_file: Option<PathBuf>,
) -> Result<(Transactions, ImportReport), String> {
    if project.data.path.trim().is_empty() {
        return Err("no transaction file chosen yet (File > Import transactions…)".into());
    }
    let csv = match project_path {
        Some(p) => data_path(p, project),
        None => PathBuf::from(&project.data.path),
    };
    let options = ImportOptions {
        key_file,
        ..ImportOptions::from_project(project)
    };
    import_csv(&csv, &options).map_err(|e| e.to_string())
}

impl Worker {
    fn spawn(&mut self, ctx: &egui::Context, job: impl FnOnce() -> WorkerMsg + Send + 'static) {
        self.busy += 1;
        let tx = self.tx.clone();
        let ctx = ctx.clone();
        std::thread::spawn(move || {
            let _ = tx.send(job());
            ctx.request_repaint();
        });
    }

    /// Loads a project file and its data in the background.
    pub fn load(&mut self, ctx: &egui::Context, path: PathBuf) {
        let key_file = self.key_file.clone();
        self.spawn(ctx, move || match load_project(&path) {
            Ok(project) => {
                let data = import_data(Some(&path), &project, key_file);
                WorkerMsg::Loaded(Box::new(Loaded {
                    path: Some(path),
                    project,
                    data,
                }))
            }
            Err(e) => WorkerMsg::LoadFailed(e.to_string()),
        });
    }

    /// Re-imports the data of `project` (saved at `path`, if anywhere) in the background.
    pub fn import(&mut self, ctx: &egui::Context, path: Option<PathBuf>, project: Project) {
        let key_file = self.key_file.clone();
        self.spawn(ctx, move || {
            let data = import_data(path.as_deref(), &project, key_file);
            WorkerMsg::DataImported(data.map(Box::new))
        });
    }

    /// Opens a native file dialog without blocking the UI.
    pub fn dialog(&mut self, ctx: &egui::Context, purpose: DialogPurpose, folder: Option<PathBuf>) {
        self.dialog_named(ctx, purpose, folder, None);
    }

    /// [`Worker::dialog`] with a file name to start from.
    pub fn dialog_named(
        &mut self,
        ctx: &egui::Context,
        purpose: DialogPurpose,
        folder: Option<PathBuf>,
        file_name: Option<String>,
    ) {
        self.spawn(ctx, move || {
            let mut d = rfd::FileDialog::new();
            if let Some(f) = folder {
                d = d.set_directory(f);
            }
            if let Some(name) = file_name {
                d = d.set_file_name(name);
            }
            let picked = match purpose {
                DialogPurpose::Open => d.add_filter("tierlab project", &["ron"]).pick_file(),
                DialogPurpose::SaveAs => d.add_filter("tierlab project", &["ron"]).save_file(),
                DialogPurpose::ImportCsv => d
                    .add_filter("transactions", &["csv", "txt", "tsv"])
                    .pick_file(),
                DialogPurpose::ExportFolder => d.pick_folder(),
                DialogPurpose::SavePng => d.add_filter("PNG image", &["png"]).save_file(),
                DialogPurpose::SaveReport => d.add_filter("HTML report", &["html"]).save_file(),
                DialogPurpose::SaveBundle(_) => {
                    d.add_filter("tierlab bundle", &["zip"]).save_file()
                }
                DialogPurpose::OpenBundle => d.add_filter("tierlab bundle", &["zip"]).pick_file(),
                DialogPurpose::SaveGenerated => d.add_filter("transactions", &["csv"]).save_file(),
            };
            WorkerMsg::Picked(purpose, picked)
        });
    }

    /// Replays and projects every scenario of `run.project` on `tx` in the background
    /// (`run.runs` Monte Carlo runs), in one pass over the histories ([`project_replaying`]):
    /// replays kept from earlier runs are reused, the others read off the projection's pass or,
    /// for a scenario not simulated in full, replayed on their own. Without a projection (the
    /// models cannot be fitted) the scenarios are only replayed.
    pub fn replay(&mut self, ctx: &egui::Context, run: &Run, tx: Arc<Transactions>) {
        let run = run.clone();
        let repaint = ctx.clone();
        let kept = Arc::clone(&self.kept);
        self.spawn(ctx, move || {
            let started = std::time::Instant::now();
            let project = run.project;
            let pop = Population::from_project(&project, &tx);
            let set_progress = |f: f64| {
                run.progress.store(f.to_bits(), Ordering::Relaxed);
                repaint.request_repaint();
            };
            // The replays kept, then one pass that projects and reads off it the replays of
            // the scenarios simulated in full (the others are replayed on their own).
            let known = kept_replays(&kept, &project, &tx);
            let scenarios: Vec<_> = project.scenarios.iter().collect();
            let options = ProjectionOptions {
                runs: run.runs,
                fast: run.fast,
                ..ProjectionOptions::from_project(&project)
            };
            let projected = basis_for(&kept, &project, &tx).and_then(|(basis, mut outlooks)| {
                let fitted = Fitted {
                    basis: &basis,
                    tx: &tx,
                    pop: &pop,
                };
                let control = Control {
                    progress: &set_progress,
                    cancel: &run.cancel,
                };
                let p = project_replaying(
                    &mut outlooks,
                    fitted,
                    &project,
                    &scenarios,
                    &known,
                    options,
                    control,
                );
                // Kept for the next edit, while the models are still the kept ones.
                if let Some(c) = lock(&kept)
                    .basis
                    .as_mut()
                    .filter(|c| Arc::ptr_eq(&c.basis, &basis))
                {
                    c.outlooks = outlooks;
                }
                p
            });
            let (replays, projection) = match projected {
                Ok(Some((p, replays))) => {
                    keep_replays(&kept, &project, &tx, &replays);
                    (Some(replays), Some(Ok(Box::new(p))))
                }
                Ok(None) => (None, None),
                // No projection (the models cannot be fitted, say): the replays alone.
                Err(e) => (
                    replays_for(&kept, &project, &tx, &pop, &set_progress, &run.cancel),
                    Some(Err(e.to_string())),
                ),
            };
            let projection = replays.as_ref().and(projection);
            WorkerMsg::Replayed {
                generation: run.generation,
                project: Box::new(project),
                replays,
                fast: run.fast,
                projection,
                seconds: started.elapsed().as_secs_f64(),
            }
        });
    }

    /// Builds the segment report (with the customer model) of `project` in the background.
    pub fn segments(&mut self, ctx: &egui::Context, project: Project, tx: Arc<Transactions>) {
        self.spawn(ctx, move || {
            let report = tx.date_range().map(|(_, last)| {
                segment_report(
                    &project,
                    &tx,
                    last,
                    ReportOptions {
                        with_model: true,
                        ..ReportOptions::default()
                    },
                )
            });
            match report {
                Some(report) => WorkerMsg::Segmented {
                    key: Box::new(segment_key(&project)),
                    report: Box::new(report),
                },
                None => WorkerMsg::LoadFailed("the data has no transactions to segment".into()),
            }
        });
    }

    /// Fits the project's customer model, with its diagnostics and backtest, in the background.
    /// The fit is the projection's (kept for it, or taken from it when kept): one fit for both.
    pub fn model(&mut self, ctx: &egui::Context, project: Project, tx: Arc<Transactions>) {
        let kept = Arc::clone(&self.kept);
        self.spawn(ctx, move || {
            let runs = ProjectionOptions::from_project(&project).runs.clamp(1, 100);
            let report = match basis_for(&kept, &project, &tx) {
                Ok((basis, _)) => model_report_from(&project, &tx, &basis, runs),
                // The fit's own error, as the Model page words it.
                Err(_) => model_report(&project, &tx, runs),
            };
            WorkerMsg::Modelled {
                key: Box::new(model_key(&project)),
                report: report.map(Box::new).map_err(|e| e.to_string()),
            }
        });
    }

    /// Clusters the customers of `tx` by k-means (k chosen by silhouette) in the background.
    pub fn suggest_segments(&mut self, ctx: &egui::Context, seed: u64, tx: Arc<Transactions>) {
        self.spawn(ctx, move || match tx.date_range() {
            Some((_, last)) => {
                let table = FeatureTable::compute(&tx, last);
                WorkerMsg::Suggested(Box::new(suggest(&table, K::Auto, seed)))
            }
            None => WorkerMsg::LoadFailed("the data has no transactions to cluster".into()),
        });
    }

    /// Packs `project` and its data `csv` into the zip `out` in the background (pseudonymised
    /// with the key of [`Worker::key_file`]).
    pub fn bundle(
        &mut self,
        ctx: &egui::Context,
        project: Project,
        csv: PathBuf,
        out: PathBuf,
        pseudonymise: bool,
    ) {
        let key_file = self.key_file.clone();
        self.spawn(ctx, move || {
            let written = write_bundle_of(project, &csv, &out, pseudonymise, key_file.as_deref());
            WorkerMsg::Bundled(written.map_err(|e| e.to_string()))
        });
    }

    /// Writes a synthetic transaction file to `out` in the background, drawn from `project`'s
    /// personas (their `synthetic` profiles) or a default mix when none has one.
    pub fn generate(
        &mut self,
        ctx: &egui::Context,
        project: Project,
        form: SyntheticForm,
        out: PathBuf,
    ) {
        self.spawn(ctx, move || {
            let cfg = GeneratorConfig::from_project(
                &project,
                form.customers,
                form.seed,
                form.start,
                form.end,
            )
            .unwrap_or_else(|| {
                GeneratorConfig::default_mix(form.customers, form.seed, form.start, form.end)
            });
            let written = generate(&cfg).map_err(|e| e.to_string()).and_then(|data| {
                write_csv(&out, &Generated::CSV_HEADER, data.csv_rows())
                    .map(|()| (out.clone(), data.rows.len()))
                    .map_err(|e| e.to_string())
            });
            WorkerMsg::Generated(written)
        });
    }

    /// Works out the ledger of `customer` under scenario number `scenario` in the background.
    pub fn explain(
        &mut self,
        ctx: &egui::Context,
        project: Project,
        tx: Arc<Transactions>,
        scenario: usize,
        customer: String,
    ) {
        self.spawn(ctx, move || {
            let ledger = (|| {
                let s = project
                    .scenarios
                    .get(scenario)
                    .ok_or_else(|| "no such scenario".to_string())?;
                let c = tx
                    .find_customer(&customer)
                    .ok_or_else(|| format!("no customer '{customer}' in the data"))?;
                let pop = Population::from_project(&project, &tx);
                let segment = pop
                    .segment_names
                    .get(pop.segment_of[c as usize] as usize)
                    .cloned()
                    .unwrap_or_default();
                Ok(Box::new(Ledger {
                    customer: customer.clone(),
                    scenario: s.name.clone(),
                    segment,
                    lines: explain(&project, s, &tx, &pop, c),
                }))
            })();
            WorkerMsg::Explained(ledger)
        });
    }

    /// Unpacks the bundle `zip` in the background into a new folder beside it, named after it
    /// (`NAME/`, else `NAME 2/`, …).
    pub fn open_bundle(&mut self, ctx: &egui::Context, zip: PathBuf) {
        self.spawn(ctx, move || {
            let stem = zip.with_extension("");
            let folder = (1..1000)
                .map(|k| {
                    if k == 1 {
                        stem.clone()
                    } else {
                        let mut name = stem.clone().into_os_string();
                        name.push(format!(" {k}"));
                        PathBuf::from(name)
                    }
                })
                .find(|f| !f.exists())
                .unwrap_or_else(|| stem.clone());
            WorkerMsg::BundleOpened(open_bundle(&zip, &folder).map_err(|e| e.to_string()))
        });
    }

    /// A sender for a job run elsewhere (a screenshot callback): counted as busy until it sends
    /// its one message, or [`Worker::forget_job`] is called.
    pub fn job_sender(&mut self) -> Sender<WorkerMsg> {
        self.busy += 1;
        self.tx.clone()
    }

    /// A job from [`Worker::job_sender`] that will never report.
    pub fn forget_job(&mut self) {
        self.busy = self.busy.saturating_sub(1);
    }

    /// The messages that arrived since the last call.
    pub fn poll(&mut self) -> Vec<WorkerMsg> {
        let msgs: Vec<WorkerMsg> = self.rx.try_iter().collect();
        self.busy = self.busy.saturating_sub(msgs.len());
        msgs
    }
}

/// What the projection's fitted models ([`ProjectionBasis`]) depend on: the data source and the
/// model settings (transaction model, period, calibration end); other settings left at their
/// defaults, so that editing the margin or the horizon does not fit the models again.
pub fn basis_key(project: &Project) -> Project {
    let s = &project.settings;
    Project {
        settings: crate::model::Settings {
            transaction_model: s.transaction_model,
            model_period: s.model_period,
            calibration_end: s.calibration_end,
            ..crate::model::Settings::default()
        },
        data: project.data.clone(),
        ..Project::default()
    }
}

/// What a model report depends on: the settings and the data source.
pub fn model_key(project: &Project) -> Project {
    Project {
        settings: project.settings.clone(),
        data: project.data.clone(),
        ..Project::default()
    }
}

/// What a segment report depends on: the segments, the settings and the data source (personas
/// and scenarios left out).
pub fn segment_key(project: &Project) -> Project {
    Project {
        segments: project.segments.clone(),
        settings: project.settings.clone(),
        data: project.data.clone(),
        personas: Vec::new(),
        scenarios: Vec::new(),
        ..Project::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::project_io::load_project_with_data;
    use crate::sim::replay::replay;

    /// Replays and the projection's models are kept for the next run: unchanged scenarios are not
    /// replayed again (a cancelled replay would give `None`), an edited one is.
    #[test]
    fn an_edit_replays_only_the_edited_scenario_and_keeps_the_fitted_models() {
        let loaded = load_project_with_data(Path::new("projects/fashion-retailer.ron")).unwrap();
        let mut project = loaded.project;
        let tx = Arc::new(loaded.transactions);
        let pop = Population::from_project(&project, &tx);
        let kept = Mutex::new(Kept::default());
        let (go, stop) = (AtomicBool::new(false), AtomicBool::new(true));
        let first = replays_for(&kept, &project, &tx, &pop, &|_| {}, &go).unwrap();
        assert_eq!(first.len(), project.scenarios.len());
        assert_eq!(
            replays_for(&kept, &project, &tx, &pop, &|_| {}, &stop).as_ref(),
            Some(&first)
        );
        project.scenarios[0].enrolment_rate_pct /= 2.0;
        assert!(replays_for(&kept, &project, &tx, &pop, &|_| {}, &stop).is_none());
        let edited = replays_for(&kept, &project, &tx, &pop, &|_| {}, &go).unwrap();
        assert_eq!(edited[1..], first[1..]);
        assert_ne!(edited[0], first[0]);
        // What a replay does not read changes nothing: the gross margin, the discount rate, the
        // horizon, texts, and the responses that act on projected futures only. What it reads
        // (a persona's redemption propensity) replays every scenario, as a replay from scratch.
        let mut other = project.clone();
        other.settings.gross_margin_pct += 5.0;
        other.settings.discount_rate_pct += 2.0;
        other.settings.horizon_months += 12;
        other.description.push_str(" (edited)");
        other.scenarios[0].description.push_str(" (edited)");
        let persona = other.personas.first_mut().expect("the sample has personas");
        persona.narrative.summary.push_str(" (edited)");
        persona.response.frequency_uplift_pct += 10.0;
        persona.response.goal_gradient_pct += 5.0;
        assert_eq!(
            replays_for(&kept, &other, &tx, &pop, &|_| {}, &stop).as_ref(),
            Some(&edited)
        );
        // ... and the replays kept are those of the edited project.
        for (r, s) in edited.iter().zip(&other.scenarios) {
            assert_eq!(*r, replay(&other, s, &tx, &pop));
        }
        // A renamed scenario is not replayed again: its replay comes under the new name.
        other.scenarios[0].name.push_str(" (renamed)");
        let renamed = replays_for(&kept, &other, &tx, &pop, &|_| {}, &stop).unwrap();
        assert_eq!(renamed[0].scenario, other.scenarios[0].name);
        assert_eq!(renamed[0], replay(&other, &other.scenarios[0], &tx, &pop));
        assert_eq!(renamed[1..], edited[1..]);
        let redeems = other.personas[0].response.redemption_propensity;
        other.personas[0].response.redemption_propensity = (redeems - 0.3).max(0.0);
        assert!(replays_for(&kept, &other, &tx, &pop, &|_| {}, &stop).is_none());
        let again = replays_for(&kept, &other, &tx, &pop, &|_| {}, &go).unwrap();
        for (r, s) in again.iter().zip(&other.scenarios) {
            assert_eq!(*r, replay(&other, s, &tx, &pop));
        }
        // The models are fitted once for the data and model settings.
        let (a, _) = basis_for(&kept, &project, &tx).unwrap();
        let (b, _) = basis_for(&kept, &project, &tx).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        // Settings the models do not depend on keep them; the model does not.
        project.settings.gross_margin_pct += 5.0;
        project.settings.horizon_months += 6;
        let (b, _) = basis_for(&kept, &project, &tx).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        project.settings.transaction_model = crate::model::TransactionModel::MbgNbd;
        let (c, _) = basis_for(&kept, &project, &tx).unwrap();
        assert!(!Arc::ptr_eq(&a, &c));
    }
}
