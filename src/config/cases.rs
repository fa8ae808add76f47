//! `[cases]`, `[impulses]` and `[templates]`: how documents are grouped into cases across
//! channels, where the impulse rules come from, and the process steps each task type carries.
//! Takes TOML, gives structs with defaults; `problems` names every bad key.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// `[cases]`: linking a new document to an open case (see ARCHITECTURE.md, "Cases").
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CasesConfig {
    /// Off: every received item gets its own case and task.
    pub enabled: bool,
    /// Same customer and same type within this many hours of the case's last document: the same
    /// case. 0 turns time-window linking off (threading and numbers still link).
    pub window_hours: u32,
    /// A follow-up — a document that refers to earlier correspondence ("Ihr Schreiben vom",
    /// "Nachreichung zu meinem Schaden vom …", a reply, a reminder) — looks back this many days
    /// for the customer's open case about its concern: such letters come weeks later, not within
    /// `window_hours`. 0: only `window_hours`.
    pub follow_up_window_days: u32,
    /// Phrases (case-insensitive, umlauts folded) that make a document a reminder.
    pub reminder_phrases: Vec<String>,
    /// Phrases that look like a reminder but are not (e.g. in a death notice).
    pub reminder_exclusions: Vec<String>,
    /// Phrases (case-insensitive, umlauts folded) by which a document refers to earlier
    /// correspondence ("Ihr Schreiben vom", "unser Telefonat"): such a follow-up joins the
    /// customer's open case about the same concern even when its type was read differently.
    /// A reply prefix on the subject (`AW:`, `RE:`, `Antwort:`) and quoted lines count too.
    pub follow_up_phrases: Vec<String>,
    /// Share of content words (of the shorter document) two documents of one customer must
    /// share to be about the same concern without any other link; below it two substantial
    /// documents (e.g. two claims) are different concerns.
    pub concern_overlap: f32,
}

impl Default for CasesConfig {
    fn default() -> Self {
        let s = |v: &[&str]| v.iter().map(|p| p.to_string()).collect();
        CasesConfig {
            enabled: true,
            window_hours: 72,
            follow_up_window_days: 42,
            reminder_phrases: s(&[
                "erinnerung",
                "zweites schreiben",
                "zweite anfrage",
                "erneut schreiben",
                "schreibe ihnen erneut",
                "habe noch keine antwort",
                "noch keine antwort",
                "bisher keine antwort",
                "warte immer noch",
                "warte noch immer",
                "bereits mehrfach",
                "zum wiederholten mal",
                "nachfrage zu meinem schreiben",
            ]),
            reminder_exclusions: s(&[
                "in liebevoller erinnerung",
                "in stiller erinnerung",
                "in ewiger erinnerung",
                "in dankbarer erinnerung",
                "zahlungserinnerung",
            ]),
            follow_up_phrases: s(&[
                "ihr schreiben vom",
                "ihrem schreiben vom",
                "ihres schreibens vom",
                "ihr brief vom",
                "ihre nachricht vom",
                "ihre e-mail vom",
                "ihre mail vom",
                "ihr zeichen",
                "ihr aktenzeichen",
                "unser telefonat",
                "unserem telefonat",
                "unseres telefonats",
                "telefonat vom",
                "wie telefonisch besprochen",
                "wie besprochen",
                "wie vereinbart",
                "wie gewuenscht",
                "wie angefordert",
                "bezugnehmend auf",
                "bezug nehmend auf",
                "mit bezug auf",
                "unter bezug auf",
                "mein schreiben vom",
                "meinem schreiben vom",
                "meines schreibens vom",
                "meine e-mail vom",
                "meine mail vom",
                "meine nachricht vom",
                "meine meldung",
                "meiner meldung",
                "meine schadenmeldung vom",
                "meiner schadenmeldung vom",
                "eingang meiner",
                "eingang meines",
                "nachtrag zu",
                "nachtrag zum",
                "nachtrag zur",
                "nachreichung",
                "zu meinem schaden vom",
                "zu meinem schadenfall vom",
                "meines schadens vom",
                "zu meiner schadenmeldung",
                "wie bereits gemeldet",
                "wie bereits mitgeteilt",
                "ihre antwort vom",
                "ihrer antwort vom",
                "ihre rueckfrage",
                "ihrer rueckfrage",
                "ihr anruf",
                "ihrem anruf",
                "weitergeleitete nachricht",
                "forwarded message",
                "ergaenzend zu",
                "in ergaenzung zu",
                "urspruengliche nachricht",
                "original message",
                "schrieb am",
                "wrote:",
                "your letter of",
                "your letter dated",
                "our phone call",
                "our telephone conversation",
                "further to",
            ]),
            concern_overlap: 0.2,
        }
    }
}

/// `[impulses]`: next-best-action rules (format in classifiers/README.md).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ImpulsesConfig {
    pub enabled: bool,
    /// A rules file replacing the built-in `classifiers/impulses.toml`.
    pub rules_file: Option<PathBuf>,
}

impl Default for ImpulsesConfig {
    fn default() -> Self {
        ImpulsesConfig {
            enabled: true,
            rules_file: None,
        }
    }
}

/// One step of a process template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepConfig {
    /// Short id used on the command line (`intake tasks step TASK ID`).
    pub id: String,
    /// What the clerk sees.
    pub title: String,
}

/// `[templates.TYPE]`: the steps a task of that document type carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateConfig {
    pub steps: Vec<StepConfig>,
}

fn template(steps: &[(&str, &str)]) -> TemplateConfig {
    TemplateConfig {
        steps: steps
            .iter()
            .map(|(id, title)| StepConfig {
                id: id.to_string(),
                title: title.to_string(),
            })
            .collect(),
    }
}

/// The built-in templates; a `[templates.TYPE]` table replaces the one for its type.
pub fn default_templates() -> BTreeMap<String, TemplateConfig> {
    [
        (
            "claim",
            template(&[
                ("record", "Schaden erfassen"),
                ("check", "Schaden prüfen"),
                ("contact", "Kunden kontaktieren"),
                ("needs", "Bedarf ermitteln"),
                ("offer", "Angebot unterbreiten"),
            ]),
        ),
        (
            "invoice",
            template(&[
                ("assign", "Rechnung dem Schaden zuordnen"),
                ("check", "Rechnung prüfen"),
                ("pay", "Zahlung anweisen"),
            ]),
        ),
        (
            "address_change",
            template(&[
                ("update", "Adresse ändern"),
                (
                    "check_sums",
                    "Versicherungssummen für die neue Wohnung prüfen",
                ),
                ("confirm", "Änderung bestätigen"),
            ]),
        ),
        (
            "bank_details_change",
            template(&[
                ("mandate", "SEPA-Mandat prüfen"),
                ("update", "Bankverbindung ändern"),
                ("confirm", "Änderung bestätigen"),
            ]),
        ),
        (
            "contract_change",
            template(&[
                ("check", "Änderungswunsch prüfen"),
                ("update", "Vertrag ändern"),
                ("confirm", "Nachtrag versenden"),
            ]),
        ),
        (
            "cancellation",
            template(&[
                ("check", "Kündigung prüfen (Frist, Berechtigung)"),
                ("retention", "Halteversuch"),
                (
                    "confirm",
                    "Kündigung bestätigen oder Rücknahme dokumentieren",
                ),
            ]),
        ),
        (
            "complaint",
            template(&[
                ("acknowledge", "Eingang bestätigen"),
                ("investigate", "Sachverhalt klären"),
                ("answer", "Beschwerde beantworten"),
                ("record", "Im Beschwerderegister erfassen"),
            ]),
        ),
        (
            "application",
            template(&[
                ("check", "Antrag prüfen"),
                ("underwrite", "Risikoprüfung"),
                ("policy", "Police ausstellen"),
            ]),
        ),
        (
            "death_notice",
            template(&[
                ("condolence", "Kondolenz"),
                ("documents", "Sterbeurkunde und Erbnachweis anfordern"),
                ("benefits", "Leistung prüfen"),
                ("contracts", "Verträge umstellen oder beenden"),
            ]),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

impl CasesConfig {
    pub(super) fn problems(&self, problems: &mut Vec<String>) {
        if self.window_hours > 24 * 365 {
            problems.push("cases.window_hours: must be at most 8760 (one year)".into());
        }
        if self.follow_up_window_days > 365 {
            problems.push("cases.follow_up_window_days: must be at most 365 (one year)".into());
        }
        if !(0.0..=1.0).contains(&self.concern_overlap) {
            problems.push("cases.concern_overlap: must be between 0 and 1".into());
        }
        for (key, list) in [
            ("cases.reminder_phrases", &self.reminder_phrases),
            ("cases.reminder_exclusions", &self.reminder_exclusions),
            ("cases.follow_up_phrases", &self.follow_up_phrases),
        ] {
            if let Some(i) = list.iter().position(|p| p.trim().is_empty()) {
                problems.push(format!("{key}[{i}]: must not be empty"));
            }
        }
    }
}

pub(super) fn template_problems(
    templates: &BTreeMap<String, TemplateConfig>,
    problems: &mut Vec<String>,
) {
    for (t, tpl) in templates {
        let key = format!("templates.{t}");
        if crate::classify::DocType::parse(t).is_none() && t != crate::classify::UNKNOWN {
            problems.push(format!("{key}: not a document type or unknown"));
        }
        let mut ids = std::collections::HashSet::new();
        for (i, s) in tpl.steps.iter().enumerate() {
            let valid_id = !s.id.is_empty()
                && s.id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                && !s.id.chars().all(|c| c.is_ascii_digit());
            if !valid_id {
                problems.push(format!(
                    "{key}.steps[{i}].id: {:?} must be letters, digits, '-' or '_' (not only digits)",
                    s.id
                ));
            } else if !ids.insert(s.id.as_str()) {
                problems.push(format!("{key}.steps[{i}].id: {:?} is used twice", s.id));
            }
            if s.title.trim().is_empty() {
                problems.push(format!("{key}.steps[{i}].title: must not be empty"));
            }
        }
    }
}

/// `[templates]` in a config file: each table replaces the built-in template of its type; the
/// other built-in templates stay. `steps = []` removes a type's template.
pub(super) fn merge_templates<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, TemplateConfig>, D::Error> {
    let given = BTreeMap::<String, TemplateConfig>::deserialize(d)?;
    let mut all = default_templates();
    all.extend(given);
    Ok(all)
}
