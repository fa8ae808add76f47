//! The command line of cases, process steps, impulses and the impulse report: argument types
//! and printing. The work is in `crate::cases` and the store.

use std::io::Write;
use std::process::ExitCode;

use clap::Subcommand;

use crate::app::App;
use crate::cases::{CaseId, CaseRules, CaseView};
use crate::impulses::ImpulseOutcome;
use crate::model::{DocumentId, TaskId};
use crate::store::Task;

#[derive(Subcommand, Debug)]
pub enum CasesAction {
    /// A case: its documents across channels (and why each joined), its task and its history
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Cases, most recent first
    List {
        #[arg(long)]
        customer: Option<String>,
        /// Only cases whose task is not done
        #[arg(long)]
        open: bool,
        /// One JSON object per line (as `cases show --json`)
        #[arg(long)]
        json: bool,
    },
    /// Move documents (received items) of a case into a new case with its own task
    Split {
        id: i64,
        /// Document ids, comma-separated
        #[arg(long, value_delimiter = ',', required = true)]
        documents: Vec<i64>,
        #[arg(long)]
        reason: String,
        #[arg(long, env = "USER", default_value = "clerk")]
        user: String,
    },
    /// Move every document of case FROM into case INTO; FROM's task is closed
    Merge {
        into: i64,
        from: i64,
        #[arg(long)]
        reason: String,
        #[arg(long, env = "USER", default_value = "clerk")]
        user: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ReportWhat {
    /// Impulses per rule: given, accepted, rejected, not addressed, still open
    Impulses {
        #[arg(long)]
        json: bool,
    },
}

pub fn cases_command(app: &App, action: CasesAction) -> anyhow::Result<ExitCode> {
    let store = app.store.as_ref();
    let mut out = std::io::stdout().lock();
    match action {
        CasesAction::Show { id, json } => {
            let Some(view) = store.case_view(CaseId(id))? else {
                eprintln!("no case {id}");
                return Ok(ExitCode::FAILURE);
            };
            if json {
                serde_json::to_writer_pretty(&mut out, &view)?;
                writeln!(out)?;
            } else {
                print_case(&mut out, &view)?;
            }
        }
        CasesAction::List {
            customer,
            open,
            json,
        } => {
            for id in store.case_ids(customer.as_deref(), open)? {
                let Some(v) = store.case_view(id)? else {
                    continue;
                };
                if json {
                    serde_json::to_writer(&mut out, &v)?;
                    writeln!(out)?;
                } else {
                    writeln!(
                        out,
                        "case {:<6} {:<7} {:<20} {:<10} {} document(s), last {}{}",
                        v.id,
                        format!("{:?}", v.status).to_lowercase(),
                        v.doc_type,
                        v.customer_id.as_deref().unwrap_or("-"),
                        v.documents.len(),
                        v.last_document_at.format("%Y-%m-%d %H:%M"),
                        v.task
                            .as_ref()
                            .map(|t| format!(" → task {} in {}", t.id, t.spec.queue))
                            .unwrap_or_default()
                    )?;
                }
            }
        }
        CasesAction::Split {
            id,
            documents,
            reason,
            user,
        } => {
            anyhow::ensure!(!reason.trim().is_empty(), "--reason must not be empty");
            let rules = CaseRules::from_config(&app.config)?;
            let docs: Vec<DocumentId> = documents.into_iter().map(DocumentId).collect();
            let new = store.split_case(CaseId(id), &docs, &reason, &user, &rules)?;
            eprintln!("case {id}: split off into case {new}");
            writeln!(out, "{new}")?;
        }
        CasesAction::Merge {
            into,
            from,
            reason,
            user,
        } => {
            anyhow::ensure!(!reason.trim().is_empty(), "--reason must not be empty");
            store.merge_cases(CaseId(into), CaseId(from), &reason, &user)?;
            eprintln!("case {from} merged into case {into}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn report_command(app: &App, what: ReportWhat) -> anyhow::Result<ExitCode> {
    let ReportWhat::Impulses { json } = what;
    let mut counts = app.store.impulse_report()?;
    // Configured rules that never fired are listed too.
    let rules = CaseRules::from_config(&app.config)?;
    for r in rules.impulses.rules() {
        if !counts.iter().any(|c| c.rule == r.id) {
            counts.push(crate::impulses::RuleCounts {
                rule: r.id.clone(),
                ..Default::default()
            });
        }
    }
    counts.sort_by(|a, b| a.rule.cmp(&b.rule));
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &counts)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "{:<32} {:>6} {:>9} {:>9} {:>14} {:>6}",
        "rule", "given", "accepted", "rejected", "not addressed", "open"
    )?;
    for c in &counts {
        writeln!(
            out,
            "{:<32} {:>6} {:>9} {:>9} {:>14} {:>6}",
            c.rule, c.given, c.accepted, c.rejected, c.not_addressed, c.open
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `tasks step`: check a process step off (or on again with `undo`).
pub fn check_step(
    app: &App,
    id: i64,
    step: &str,
    undo: bool,
    user: &str,
) -> anyhow::Result<ExitCode> {
    let t = app.store.check_step(TaskId(id), step, !undo, user)?;
    let done = t.case.steps.iter().filter(|s| s.done).count();
    eprintln!("task {}: {done}/{} steps done", t.id, t.case.steps.len());
    Ok(ExitCode::SUCCESS)
}

/// `tasks impulse`: record what became of an impulse.
pub fn impulse_outcome(
    app: &App,
    id: i64,
    rule: &str,
    outcome: ImpulseOutcome,
    user: &str,
) -> anyhow::Result<ExitCode> {
    let t = app
        .store
        .record_impulse_outcome(TaskId(id), rule, outcome, user)?;
    eprintln!("task {}: impulse {rule} {}", t.id, outcome.as_str());
    Ok(ExitCode::SUCCESS)
}

/// What `tasks list` adds after a task's line: case, new documents, reminders, steps, impulses.
pub fn task_markers(t: &Task) -> String {
    let c = &t.case;
    let mut m = Vec::new();
    if let Some(id) = c.case_id {
        m.push(format!("case {id}"));
    }
    if !c.new_documents.is_empty() {
        m.push(format!(
            "NEW DOCUMENT ARRIVED ({})",
            c.new_documents
                .iter()
                .map(|d| format!("#{d}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if c.reminders > 0 {
        m.push(format!("{} reminder(s)", c.reminders));
    }
    if !c.steps.is_empty() {
        let done = c.steps.iter().filter(|s| s.done).count();
        m.push(format!("steps {done}/{}", c.steps.len()));
    }
    if !c.impulses.is_empty() {
        m.push(format!("{} impulse(s)", c.impulses.len()));
    }
    if m.is_empty() {
        String::new()
    } else {
        format!("  [{}]", m.join("; "))
    }
}

/// `tasks show`: everything a clerk needs on one task.
pub fn print_task(out: &mut impl Write, t: &Task) -> std::io::Result<()> {
    writeln!(
        out,
        "task {} ({}) in {}{} — {} {}, due {}",
        t.id,
        t.status.as_str(),
        t.spec.queue,
        if t.case.also_queues.is_empty() {
            String::new()
        } else {
            format!(" (also {})", t.case.also_queues.join(", "))
        },
        t.spec.priority.as_str(),
        t.spec.doc_type,
        t.spec.due_at.format("%Y-%m-%d %H:%M")
    )?;
    writeln!(
        out,
        "  customer {} ({})",
        t.spec.customer_id.as_deref().unwrap_or("-"),
        t.spec.match_reason
    )?;
    if let Some(c) = t.case.case_id {
        let docs: Vec<String> = t.documents.iter().map(|d| format!("#{d}")).collect();
        writeln!(out, "  case {c}; documents {}", docs.join(", "))?;
    }
    if !t.case.new_documents.is_empty() {
        let docs: Vec<String> = t
            .case
            .new_documents
            .iter()
            .map(|d| format!("#{d}"))
            .collect();
        writeln!(out, "  NEW DOCUMENT ARRIVED: {}", docs.join(", "))?;
    }
    if t.case.reminders > 0 {
        writeln!(out, "  reminders: {}", t.case.reminders)?;
    }
    if let Some(a) = &t.assignee {
        writeln!(out, "  assignee: {a}")?;
    }
    if let Some(history) = t.history.as_ref().filter(|h| !h.is_empty()) {
        writeln!(out, "\nHistory")?;
        for e in history {
            writeln!(
                out,
                "  {}  {:<10} {}{}",
                e.at.format("%Y-%m-%d %H:%M"),
                e.action,
                e.actor,
                e.detail
                    .as_deref()
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            )?;
        }
    }
    if !t.case.steps.is_empty() {
        writeln!(out, "\nSteps")?;
        for (i, s) in t.case.steps.iter().enumerate() {
            writeln!(
                out,
                "  [{}] {}. {:<12} {}{}",
                if s.done { "x" } else { " " },
                i + 1,
                s.id,
                s.title,
                s.done_by
                    .as_deref()
                    .map(|u| format!(" (by {u})"))
                    .unwrap_or_default()
            )?;
        }
    }
    if !t.case.impulses.is_empty() || t.case.impulse_suppression.is_some() {
        writeln!(out, "\nImpulses")?;
        for i in &t.case.impulses {
            writeln!(
                out,
                "  {} [{}] {}",
                i.text,
                i.rule,
                i.outcome.map_or("no outcome yet", |o| o.as_str())
            )?;
        }
        if let Some(s) = &t.case.impulse_suppression {
            writeln!(out, "  none given: {s}")?;
        }
    }
    Ok(())
}

fn print_case(out: &mut impl Write, v: &CaseView) -> std::io::Result<()> {
    writeln!(
        out,
        "case {} ({}) {} customer {}{}",
        v.id,
        format!("{:?}", v.status).to_lowercase(),
        v.doc_type,
        v.customer_id.as_deref().unwrap_or("-"),
        v.merged_into
            .map(|m| format!(", merged into case {m}"))
            .unwrap_or_default()
    )?;
    writeln!(out, "\nDocuments")?;
    for d in &v.documents {
        writeln!(
            out,
            "  {} #{:<5} [{}] {:<20} {}{}",
            d.received_at.format("%Y-%m-%d %H:%M"),
            d.document_id,
            d.channel,
            d.doc_type.as_deref().unwrap_or("-"),
            d.subject.as_deref().or(d.filename.as_deref()).unwrap_or(""),
            d.linked_by
                .as_deref()
                .map(|l| format!("  ← {l}"))
                .unwrap_or_default()
        )?;
    }
    if let Some(t) = &v.task {
        writeln!(out)?;
        print_task(out, t)?;
    }
    writeln!(out, "\nHistory")?;
    for e in &v.history {
        writeln!(
            out,
            "  {} {:<8} {:<12}{}{}",
            e.at.format("%Y-%m-%d %H:%M"),
            e.actor,
            e.action,
            e.document_id.map(|d| format!(" #{d}")).unwrap_or_default(),
            e.detail
                .as_deref()
                .map(|d| format!(": {d}"))
                .unwrap_or_default()
        )?;
    }
    Ok(())
}
