//! Configuration: the TOML file an operator writes, with a default for every key, and its
//! validation. Takes a file (or nothing: the embedded default with data in `./data` and the
//! watched folder `./inbox`); gives a validated [`Config`]. Unknown keys are rejected and every
//! problem is reported at once, each naming its key.

mod cases;
mod imap;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use cases::{default_templates, CasesConfig, ImpulsesConfig, StepConfig, TemplateConfig};
pub use imap::{ImapAccountConfig, ImapAction, ImapTls};

/// Where a configuration is looked for when `--config` is not given.
pub const DEFAULT_CONFIG_FILE: &str = "intake.toml";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("invalid configuration:\n{}", .problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid { problems: Vec<String> },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Everything intake keeps: database, originals, index.
    pub data_dir: PathBuf,
    /// Watched folders; each is a channel.
    pub folders: Vec<FolderConfig>,
    pub limits: LimitsConfig,
    pub pipeline: PipelineConfig,
    pub index: IndexConfig,
    pub classify: ClassifyConfig,
    pub identify: IdentifyConfig,
    pub inbox: InboxConfig,
    /// IMAP accounts (`[[imap]]` tables); each is a channel.
    pub imap: Vec<ImapAccountConfig>,
    pub ocr: OcrConfig,
    /// The HTTP API and web UI of `intake serve`.
    pub web: WebConfig,
    /// What counts as health data (readable only with the `health` permission).
    pub privacy: PrivacyConfig,
    pub cases: CasesConfig,
    pub impulses: ImpulsesConfig,
    /// Process steps per document type; a table replaces the built-in one for its type.
    #[serde(deserialize_with = "cases::merge_templates")]
    pub templates: BTreeMap<String, TemplateConfig>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("data"),
            folders: vec![FolderConfig::default()],
            limits: LimitsConfig::default(),
            pipeline: PipelineConfig::default(),
            index: IndexConfig::default(),
            classify: ClassifyConfig::default(),
            identify: IdentifyConfig::default(),
            inbox: InboxConfig::default(),
            ocr: OcrConfig::default(),
            imap: Vec::new(),
            web: WebConfig::default(),
            privacy: PrivacyConfig::default(),
            cases: CasesConfig::default(),
            impulses: ImpulsesConfig::default(),
            templates: default_templates(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebConfig {
    /// Where the API and UI listen (`intake serve --listen` overrides it).
    pub listen: String,
    /// Largest upload request (all files together); larger ones get 413.
    pub max_upload_bytes: u64,
    /// How long a login (cookie or bearer token) stays valid.
    pub session_hours: u32,
    /// Uploads waiting for the pipeline at once; more get 503 with `Retry-After`.
    pub max_pending_uploads: usize,
    /// The `Retry-After` seconds sent with 503.
    pub retry_after_seconds: u32,
    /// Mark the session cookie `Secure` (set when served behind HTTPS).
    pub secure_cookie: bool,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            listen: "127.0.0.1:8080".into(),
            max_upload_bytes: 50 * 1024 * 1024,
            session_hours: 10,
            max_pending_uploads: 64,
            retry_after_seconds: 5,
            secure_cookie: false,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrivacyConfig {
    /// A document naming a contract of one of these products is health data.
    pub health_products: Vec<String>,
    /// A document containing one of these words (case-insensitive, as a word start) is health data.
    pub health_terms: Vec<String>,
}

impl Default for PrivacyConfig {
    fn default() -> Self {
        PrivacyConfig {
            health_products: vec!["kranken".into()],
            health_terms: [
                "Arztbericht",
                "ärztliche",
                "ärztlichen",
                "ärztliches",
                "Attest",
                "Befundbericht",
                "Befund",
                "Diagnose",
                "Krankenhausbericht",
                "Entlassungsbericht",
                "Arbeitsunfähigkeitsbescheinigung",
                "Arbeitsunfähigkeit",
                "Krankschreibung",
                "Medikation",
                "Medikamente",
                "Therapie",
                "ICD-10",
                "Heilbehandlung",
                "Pflegegrad",
            ]
            .map(String::from)
            .to_vec(),
        }
    }
}

/// How a folder notices new files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WatchMode {
    /// inotify events (local disks), with a periodic rescan as a safety net.
    Events,
    /// Rescan every `poll_interval_ms` (network shares, where events do not arrive).
    Poll,
}

/// What happens to a file once its document is durably done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AfterIntake {
    /// Move into `processed_dir/YYYY-MM-DD/`.
    Move,
    /// Delete the file (the original is in the archive).
    Delete,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FolderConfig {
    pub path: PathBuf,
    /// Channel name recorded on every document from this folder (e.g. `scan-kfz`).
    pub channel: String,
    pub mode: WatchMode,
    pub poll_interval_ms: u64,
    /// A file is taken only when its size and mtime have not changed for this long.
    pub stable_after_ms: u64,
    pub after: AfterIntake,
    /// Default `processed` under the watched folder.
    pub processed_dir: Option<PathBuf>,
    /// Default `failed` under the watched folder.
    pub failed_dir: Option<PathBuf>,
    /// Metadata recorded on every document from this folder (e.g. `department = "kfz"`).
    pub metadata: BTreeMap<String, String>,
}

impl Default for FolderConfig {
    fn default() -> Self {
        FolderConfig {
            path: PathBuf::from("inbox"),
            channel: "inbox".into(),
            mode: WatchMode::Events,
            poll_interval_ms: 2_000,
            stable_after_ms: 1_000,
            after: AfterIntake::Move,
            processed_dir: None,
            failed_dir: None,
            metadata: BTreeMap::new(),
        }
    }
}

impl FolderConfig {
    pub fn processed_dir(&self) -> PathBuf {
        self.processed_dir
            .clone()
            .unwrap_or_else(|| self.path.join("processed"))
    }
    pub fn failed_dir(&self) -> PathBuf {
        self.failed_dir
            .clone()
            .unwrap_or_else(|| self.path.join("failed"))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Larger files are quarantined without being read.
    pub max_file_bytes: u64,
    pub max_mime_depth: u32,
    pub max_attachments: u32,
    pub max_pages: u32,
    pub max_text_chars: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_file_bytes: 100 * 1024 * 1024,
            max_mime_depth: 8,
            max_attachments: 100,
            max_pages: 2_000,
            max_text_chars: 2_000_000,
        }
    }
}

impl LimitsConfig {
    pub fn extract_limits(&self) -> crate::extract::Limits {
        crate::extract::Limits {
            max_mime_depth: self.max_mime_depth,
            max_attachments: self.max_attachments,
            max_pages: self.max_pages,
            max_text_chars: self.max_text_chars,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PipelineConfig {
    /// Capacity of the channel from sources to the receipt stage.
    pub intake_capacity: usize,
    /// Capacity of the channel from the receipt stage to extraction.
    pub extract_capacity: usize,
    /// Capacity of the channel from extraction to the finishing stage.
    pub finish_capacity: usize,
    /// Items handled per database transaction / index commit.
    pub batch_size: usize,
    /// Extraction worker threads; 0 = one per core.
    pub extract_workers: usize,
    /// Files a folder source has in flight at once.
    pub max_in_flight_per_folder: usize,
    /// Reading one item (parsing its file and attachments) taking longer than this is given up:
    /// the item is quarantined with the reason and the pipeline goes on.
    pub extract_timeout_secs: u64,
    /// Understanding one item (type, identifiers, customer) taking longer than this is given
    /// up: the item goes to manual triage untyped.
    pub understand_timeout_secs: u64,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig {
            intake_capacity: 256,
            extract_capacity: 256,
            finish_capacity: 256,
            batch_size: 256,
            extract_workers: 0,
            max_in_flight_per_folder: 512,
            extract_timeout_secs: 120,
            understand_timeout_secs: 60,
        }
    }
}

impl PipelineConfig {
    pub fn extract_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.extract_timeout_secs)
    }

    pub fn understand_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.understand_timeout_secs)
    }

    pub fn extract_workers(&self) -> usize {
        if self.extract_workers == 0 {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        } else {
            self.extract_workers
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IndexConfig {
    /// Memory budget of the single index writer.
    pub writer_memory_mb: usize,
}

impl Default for IndexConfig {
    fn default() -> Self {
        IndexConfig {
            writer_memory_mb: 128,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClassifyConfig {
    /// Rule files (`<type>.toml`); unset = the rules built into the binary (the repository's
    /// `classifiers/`).
    pub classifiers_dir: Option<PathBuf>,
    /// Below this confidence the type is `unknown` and the task goes to manual triage.
    pub threshold: f32,
    /// Combine the learned model (`model.json`) with the rules; false = rules only.
    pub use_model: bool,
}

impl Default for ClassifyConfig {
    fn default() -> Self {
        ClassifyConfig {
            classifiers_dir: None,
            threshold: 0.6,
            use_model: true,
        }
    }
}

/// A number format: letters, then `digits` digits (separators, spaces and dots tolerated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumberFormat {
    pub prefix: String,
    pub digits: usize,
}

fn format(prefix: &str, digits: usize) -> NumberFormat {
    NumberFormat {
        prefix: prefix.into(),
        digits,
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IdentifyConfig {
    pub customer_number: NumberFormat,
    pub claim_number: NumberFormat,
    /// Contract number format per product.
    pub contract_formats: BTreeMap<String, NumberFormat>,
}

impl Default for IdentifyConfig {
    fn default() -> Self {
        IdentifyConfig {
            customer_number: format("K", 6),
            claim_number: format("S", 10),
            contract_formats: [
                ("kfz", format("KF", 9)),
                ("hausrat", format("HR", 8)),
                ("haftpflicht", format("PH", 8)),
                ("wohngebaeude", format("WG", 9)),
                ("rechtsschutz", format("RS", 10)),
                ("unfall", format("UV", 8)),
                ("leben", format("LV", 10)),
                ("kranken", format("KV", 9)),
                ("berufsunfaehigkeit", format("BU", 8)),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        }
    }
}

/// How urgent a task is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Urgent,
    High,
    Normal,
    Low,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Urgent => "urgent",
            Priority::High => "high",
            Priority::Normal => "normal",
            Priority::Low => "low",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sla {
    pub priority: Priority,
    /// Due this many hours after receipt.
    pub due_hours: u32,
}

fn sla(priority: Priority, due_hours: u32) -> Sla {
    Sla {
        priority,
        due_hours,
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InboxConfig {
    /// Document type id → queue id.
    pub routes: BTreeMap<String, String>,
    /// Queue for unknown types, no or ambiguous customer (manual triage).
    pub triage_queue: String,
    /// Document type id (or `unknown`) → priority and due time.
    pub sla: BTreeMap<String, Sla>,
    /// A customer match below this confidence is not trusted for routing.
    pub min_match_confidence: f32,
    /// Document type id → the type confidence needed to route to its department without a
    /// person; below, the task goes to manual triage with the type suggested. Types not named
    /// need only `[classify] threshold`. `intake eval` prints the thresholds that reach a
    /// target routing precision.
    pub route_thresholds: BTreeMap<String, f32>,
    /// Where every new task is appended as one JSON line for downstream systems; relative
    /// paths are under the data directory.
    pub outbox: PathBuf,
}

impl Default for InboxConfig {
    fn default() -> Self {
        let routes = [
            ("claim", "schaden"),
            ("invoice", "schaden"),
            ("address_change", "bestand"),
            ("bank_details_change", "bestand"),
            ("contract_change", "bestand"),
            ("cancellation", "bestand"),
            ("complaint", "beschwerde"),
            ("application", "vertrieb"),
            ("death_notice", "leben"),
            ("other", "posteingang"),
        ];
        let slas = [
            ("claim", sla(Priority::High, 48)),
            ("invoice", sla(Priority::Normal, 120)),
            ("address_change", sla(Priority::Normal, 120)),
            ("bank_details_change", sla(Priority::Normal, 72)),
            ("contract_change", sla(Priority::Normal, 120)),
            ("cancellation", sla(Priority::High, 72)),
            ("complaint", sla(Priority::Urgent, 24)),
            ("application", sla(Priority::Normal, 72)),
            ("death_notice", sla(Priority::High, 72)),
            ("other", sla(Priority::Low, 168)),
            ("unknown", sla(Priority::Normal, 24)),
        ];
        InboxConfig {
            routes: routes
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            triage_queue: "posteingang".into(),
            sla: slas.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            min_match_confidence: 0.8,
            route_thresholds: BTreeMap::new(),
            outbox: PathBuf::from("outbox/tasks.jsonl"),
        }
    }
}

/// `[ocr]`: reading scans with tesseract (see ARCHITECTURE.md, "OCR").
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OcrConfig {
    /// Off: images and text-less PDF pages are archived without text.
    pub enabled: bool,
    /// tesseract languages joined with `+` (installed as Debian `tesseract-ocr-LANG`).
    pub languages: String,
    /// tesseract's language data directory; default: tesseract's own.
    pub tessdata_dir: Option<PathBuf>,
    /// OCR worker threads, each with its own engine; 0 = one per core.
    pub workers: usize,
    /// Capacity of the channel from extraction to OCR (documents).
    pub capacity: usize,
    /// A page still being recognised (or rasterised) after this long is given up (recorded on
    /// the document).
    pub page_timeout_secs: u64,
    /// Reading all scanned pages of one item taking longer than this is given up: the pages
    /// are recorded as failed and the item goes on without their text.
    pub item_timeout_secs: u64,
    /// Pages with a lower mean word confidence (0–100) are flagged for a clerk.
    pub min_confidence: f32,
    /// Pages with fewer recognised words are flagged ("almost no text").
    pub min_words: u32,
    /// Page images with more pixels are not decoded (decompression bombs).
    pub max_pixels: u64,
    /// Scans finer than this (dpi) are read at this resolution; 0 = at the scan's own.
    pub working_dpi: u32,
    /// Straighten slightly skewed scans.
    pub deskew: bool,
    /// Detect pages turned by 90/180/270° and turn them upright.
    pub detect_orientation: bool,
    /// Store a searchable PDF (image + invisible text) next to the original.
    pub searchable_pdf: bool,
}

impl Default for OcrConfig {
    fn default() -> Self {
        let d = crate::ocr::OcrSettings::default();
        OcrConfig {
            enabled: true,
            languages: d.languages,
            tessdata_dir: None,
            workers: 0,
            capacity: 16,
            page_timeout_secs: d.page_timeout.as_secs(),
            item_timeout_secs: 1800,
            min_confidence: d.min_confidence,
            min_words: d.min_words,
            max_pixels: d.max_pixels,
            working_dpi: d.working_dpi,
            deskew: d.deskew,
            detect_orientation: d.detect_orientation,
            searchable_pdf: d.searchable_pdf,
        }
    }
}

impl OcrConfig {
    pub fn settings(&self) -> crate::ocr::OcrSettings {
        crate::ocr::OcrSettings {
            languages: self.languages.clone(),
            tessdata_dir: self.tessdata_dir.clone(),
            page_timeout: std::time::Duration::from_secs(self.page_timeout_secs),
            min_confidence: self.min_confidence,
            min_words: self.min_words,
            max_pixels: self.max_pixels,
            working_dpi: self.working_dpi,
            deskew: self.deskew,
            detect_orientation: self.detect_orientation,
            searchable_pdf: self.searchable_pdf,
        }
    }

    pub fn item_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.item_timeout_secs)
    }

    pub fn workers(&self) -> usize {
        if self.workers == 0 {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        } else {
            self.workers
        }
    }

    fn problems(&self, problems: &mut Vec<String>) {
        let langs_ok = !self.languages.is_empty()
            && self
                .languages
                .split('+')
                .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        if !langs_ok {
            problems.push(format!(
                "ocr.languages: {:?} must be tesseract language codes joined with '+', e.g. \"deu+eng\"",
                self.languages
            ));
        }
        if self.capacity == 0 {
            problems.push("ocr.capacity: must be greater than 0".into());
        }
        if self.page_timeout_secs == 0 {
            problems.push("ocr.page_timeout_secs: must be greater than 0".into());
        }
        if self.item_timeout_secs == 0 {
            problems.push("ocr.item_timeout_secs: must be greater than 0".into());
        }
        if !(0.0..=100.0).contains(&self.min_confidence) {
            problems.push("ocr.min_confidence: must be between 0 and 100".into());
        }
        if self.max_pixels < 10_000 {
            problems.push("ocr.max_pixels: must be at least 10000".into());
        }
        if self.working_dpi != 0 && !(100..=1200).contains(&self.working_dpi) {
            problems.push("ocr.working_dpi: must be 0 (the scan's own) or 100–1200".into());
        }
    }
}

impl Config {
    /// `--config FILE` if given, else `./intake.toml` if present, else the embedded default.
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => {
                let p = PathBuf::from(DEFAULT_CONFIG_FILE);
                if !p.exists() {
                    let config = Config::default();
                    config.validate()?;
                    return Ok(config);
                }
                p
            }
        };
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        let config = Config::from_toml(&text).map_err(|e| match e {
            ConfigError::Parse { message, .. } => ConfigError::Parse {
                path: path.clone(),
                message,
            },
            other => other,
        })?;
        Ok(config.relative_to(path.parent().unwrap_or(Path::new("."))))
    }

    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: PathBuf::new(),
            message: e.to_string(),
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Relative paths in a config file are relative to the file's directory.
    fn relative_to(mut self, base: &Path) -> Config {
        let fix = |p: &mut PathBuf| {
            if p.is_relative() && !base.as_os_str().is_empty() {
                *p = base.join(&*p);
            }
        };
        fix(&mut self.data_dir);
        if let Some(p) = self.ocr.tessdata_dir.as_mut() {
            fix(p);
        }
        if let Some(p) = self.classify.classifiers_dir.as_mut() {
            fix(p);
        }
        if let Some(p) = self.impulses.rules_file.as_mut() {
            fix(p);
        }
        for f in &mut self.folders {
            fix(&mut f.path);
            if let Some(p) = f.processed_dir.as_mut() {
                fix(p);
            }
            if let Some(p) = f.failed_dir.as_mut() {
                fix(p);
            }
        }
        for a in &mut self.imap {
            if let Some(p) = a.ca_file.as_mut() {
                fix(p);
            }
            if let Some(p) = a.password_file.as_mut() {
                fix(p);
            }
        }
        self
    }

    /// Every problem at once, each naming its key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        if self.data_dir.as_os_str().is_empty() {
            problems.push("data_dir: must not be empty".to_string());
        }
        let mut channels = std::collections::HashSet::new();
        for (i, f) in self.folders.iter().enumerate() {
            let key = format!("folders[{i}]");
            if f.path.as_os_str().is_empty() {
                problems.push(format!("{key}.path: must not be empty"));
            }
            if f.channel.trim().is_empty() {
                problems.push(format!("{key}.channel: must not be empty"));
            } else if !f
                .channel
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                problems.push(format!(
                    "{key}.channel: {:?} may only contain letters, digits, '-' and '_'",
                    f.channel
                ));
            } else if !channels.insert(f.channel.clone()) {
                problems.push(format!(
                    "{key}.channel: {:?} is used by another folder",
                    f.channel
                ));
            }
            if f.poll_interval_ms < 100 {
                problems.push(format!("{key}.poll_interval_ms: must be at least 100"));
            }
            if f.stable_after_ms > 3_600_000 {
                problems.push(format!(
                    "{key}.stable_after_ms: must be at most 3600000 (one hour)"
                ));
            }
        }
        for (i, a) in self.imap.iter().enumerate() {
            let key = format!("imap[{i}]");
            problems.extend(a.problems(&key));
            if !a
                .channel
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                || a.channel.is_empty()
            {
                problems.push(format!(
                    "{key}.channel: {:?} may only contain letters, digits, '-' and '_'",
                    a.channel
                ));
            } else if self.folders.iter().any(|f| f.channel == a.channel) {
                problems.push(format!(
                    "{key}.channel: {:?} is used by a watched folder",
                    a.channel
                ));
            }
        }
        let l = &self.limits;
        if l.max_file_bytes == 0 {
            problems.push("limits.max_file_bytes: must be greater than 0".into());
        }
        if l.max_mime_depth == 0 {
            problems.push("limits.max_mime_depth: must be greater than 0".into());
        }
        if l.max_pages == 0 {
            problems.push("limits.max_pages: must be greater than 0".into());
        }
        let p = &self.pipeline;
        for (name, v) in [
            ("pipeline.intake_capacity", p.intake_capacity),
            ("pipeline.extract_capacity", p.extract_capacity),
            ("pipeline.finish_capacity", p.finish_capacity),
            ("pipeline.batch_size", p.batch_size),
            (
                "pipeline.max_in_flight_per_folder",
                p.max_in_flight_per_folder,
            ),
            (
                "pipeline.extract_timeout_secs",
                p.extract_timeout_secs as usize,
            ),
            (
                "pipeline.understand_timeout_secs",
                p.understand_timeout_secs as usize,
            ),
        ] {
            if v == 0 {
                problems.push(format!("{name}: must be greater than 0"));
            }
        }
        if !(0.0..=1.0).contains(&self.classify.threshold) {
            problems.push("classify.threshold: must be between 0 and 1".into());
        }
        for (product, f) in &self.identify.contract_formats {
            if !crate::customers::PRODUCTS.contains(&product.as_str()) {
                problems.push(format!(
                    "identify.contract_formats.{product}: not a product ({})",
                    crate::customers::PRODUCTS.join(", ")
                ));
            }
            if f.prefix.is_empty() || !f.prefix.chars().all(|c| c.is_ascii_alphabetic()) {
                problems.push(format!(
                    "identify.contract_formats.{product}.prefix: must be letters"
                ));
            }
        }
        for (key, f) in [
            ("identify.customer_number", &self.identify.customer_number),
            ("identify.claim_number", &self.identify.claim_number),
        ]
        .into_iter()
        .chain(
            self.identify
                .contract_formats
                .values()
                .map(|f| ("identify.contract_formats", f)),
        ) {
            if !(4..=20).contains(&f.digits) {
                problems.push(format!("{key}.digits: must be between 4 and 20"));
            }
        }
        let types: Vec<&str> = crate::classify::DocType::ALL
            .iter()
            .map(|t| t.as_str())
            .collect();
        for (t, q) in &self.inbox.routes {
            if !types.contains(&t.as_str()) {
                problems.push(format!(
                    "inbox.routes.{t}: not a document type ({})",
                    types.join(", ")
                ));
            }
            if q.trim().is_empty() {
                problems.push(format!("inbox.routes.{t}: queue must not be empty"));
            }
        }
        for (t, v) in &self.inbox.route_thresholds {
            if !types.contains(&t.as_str()) {
                problems.push(format!(
                    "inbox.route_thresholds.{t}: not a document type ({})",
                    types.join(", ")
                ));
            }
            if !(0.0..=1.0).contains(v) {
                problems.push(format!(
                    "inbox.route_thresholds.{t}: must be between 0 and 1"
                ));
            }
        }
        for t in self.inbox.sla.keys() {
            if !types.contains(&t.as_str()) && t != crate::classify::UNKNOWN {
                problems.push(format!("inbox.sla.{t}: not a document type or unknown"));
            }
        }
        if self.inbox.triage_queue.trim().is_empty() {
            problems.push("inbox.triage_queue: must not be empty".into());
        }
        if !(0.0..=1.0).contains(&self.inbox.min_match_confidence) {
            problems.push("inbox.min_match_confidence: must be between 0 and 1".into());
        }
        if self.web.listen.parse::<std::net::SocketAddr>().is_err() {
            problems.push(format!(
                "web.listen: {:?} is not an address like 127.0.0.1:8080",
                self.web.listen
            ));
        }
        if self.web.max_upload_bytes == 0 {
            problems.push("web.max_upload_bytes: must be greater than 0".into());
        }
        if self.web.session_hours == 0 {
            problems.push("web.session_hours: must be greater than 0".into());
        }
        if self.web.max_pending_uploads == 0 {
            problems.push("web.max_pending_uploads: must be greater than 0".into());
        }
        for p in &self.privacy.health_products {
            if !crate::customers::PRODUCTS.contains(&p.as_str()) {
                problems.push(format!(
                    "privacy.health_products: {p:?} is not a product ({})",
                    crate::customers::PRODUCTS.join(", ")
                ));
            }
        }
        if self
            .privacy
            .health_terms
            .iter()
            .any(|t| t.trim().is_empty())
        {
            problems.push("privacy.health_terms: terms must not be empty".into());
        }
        if self.index.writer_memory_mb < 15 {
            problems.push("index.writer_memory_mb: must be at least 15".into());
        }
        self.ocr.problems(&mut problems);
        self.cases.problems(&mut problems);
        cases::template_problems(&self.templates, &mut problems);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Invalid { problems })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_watches_inbox_and_stores_in_data() {
        let c = Config::from_toml("").unwrap();
        assert_eq!(c.data_dir, PathBuf::from("data"));
        assert_eq!(c.folders.len(), 1);
        assert_eq!(c.folders[0].path, PathBuf::from("inbox"));
        assert_eq!(
            c.folders[0].processed_dir(),
            PathBuf::from("inbox/processed")
        );
    }

    #[test]
    fn unknown_key_is_named() {
        let err = Config::from_toml("[limits]\nmax_file_byte = 3\n").unwrap_err();
        assert!(err.to_string().contains("max_file_byte"), "{err}");
    }

    #[test]
    fn all_problems_are_reported_with_their_keys() {
        let err = Config::from_toml(
            "[[folders]]\npath = \"a\"\nchannel = \"x y\"\n[[folders]]\npath = \"\"\nchannel = \"k\"\npoll_interval_ms = 5\n[pipeline]\nbatch_size = 0\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("folders[0].channel"), "{err}");
        assert!(err.contains("folders[1].path"), "{err}");
        assert!(err.contains("folders[1].poll_interval_ms"), "{err}");
        assert!(err.contains("pipeline.batch_size"), "{err}");
    }

    #[test]
    fn ocr_section_parses_and_is_validated() {
        let c = Config::from_toml("[ocr]\nlanguages = \"deu\"\npage_timeout_secs = 5\n").unwrap();
        assert_eq!(c.ocr.settings().languages, "deu");
        assert!(c.ocr.enabled);
        assert_eq!(c.ocr.settings().working_dpi, 200);
        let c = Config::from_toml("[ocr]\nworking_dpi = 0\n").unwrap();
        assert_eq!(c.ocr.settings().working_dpi, 0);
        let err =
            Config::from_toml("[ocr]\nlanguages = \"deu eng\"\ncapacity = 0\nworking_dpi = 50\n")
                .unwrap_err()
                .to_string();
        assert!(err.contains("ocr.languages"), "{err}");
        assert!(err.contains("ocr.capacity"), "{err}");
        assert!(err.contains("ocr.working_dpi"), "{err}");
    }

    #[test]
    fn folder_metadata_and_mode_parse() {
        let c = Config::from_toml(
            "[[folders]]\npath = \"inbox/scan-kfz\"\nchannel = \"scan-kfz\"\nmode = \"poll\"\nafter = \"delete\"\nmetadata = { department = \"kfz\" }\n",
        )
        .unwrap();
        assert_eq!(c.folders[0].mode, WatchMode::Poll);
        assert_eq!(c.folders[0].after, AfterIntake::Delete);
        assert_eq!(c.folders[0].metadata["department"], "kfz");
    }
}
