//! `intake identify --text FILE|-`: what identification finds in a text, for operators — the
//! identifiers with their master records and written forms, and the customer with its evidence.
//! The work is in `crate::identify`.

use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use crate::app::App;
use crate::identify::matching::{MasterIndex, MatchInput};
use crate::identify::{report, Identifiers};

/// The master index from the store (as the pipeline builds it at start).
pub fn master_index(app: &App) -> anyhow::Result<MasterIndex> {
    let store = app.store.as_ref();
    Ok(MasterIndex::new(
        store.all_customers()?,
        &store.all_contracts()?,
        &store.all_claims()?,
    ))
}

pub fn identify_command(
    app: &App,
    file: &Path,
    senders: &[String],
    json: bool,
) -> anyhow::Result<ExitCode> {
    let mut text = String::new();
    if file == Path::new("-") {
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading stdin")?;
    } else {
        let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        text = String::from_utf8_lossy(&bytes).into_owned();
    }
    let master = master_index(app)?;
    let ids = Identifiers::new(&app.config.identify).extract(&text);
    let senders: Vec<String> = senders.iter().map(|s| s.trim().to_lowercase()).collect();
    let found = master.identify(&MatchInput {
        identifiers: &ids,
        sender_emails: &senders,
        text: &text,
    });
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &found)?;
        writeln!(out)?;
    } else {
        write!(out, "{}", report::render(&found))?;
    }
    Ok(ExitCode::SUCCESS)
}
