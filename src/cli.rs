//! The command line: argument parsing and printing. Each command opens the app and calls one
//! thing on it; the work is elsewhere.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Parser, Subcommand};

mod cases;
mod identify;

use crate::app::App;
use crate::config::Config;
use crate::index::{Hit, SearchRequest};

#[derive(Parser, Debug)]
#[command(
    name = "intake",
    version,
    about = "Central inbox: takes in mail, archives it, makes it searchable"
)]
pub struct Cli {
    /// Configuration file (default: ./intake.toml if present, else built-in defaults with data in ./data)
    #[arg(long, global = true, env = "INTAKE_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Watch the configured folders and IMAP mailboxes, serve the API and web UI, and process
    /// what arrives, until Ctrl-C / SIGTERM
    Serve {
        /// Where the API and web UI listen (default: web.listen, 127.0.0.1:8080)
        #[arg(long, value_name = "ADDR:PORT")]
        listen: Option<String>,
    },
    /// Users of the API and web UI
    Users {
        #[command(subcommand)]
        action: UsersAction,
    },
    /// Who read which document (the read log)
    Reads {
        /// Only reads of this document
        #[arg(long)]
        document: Option<i64>,
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Take files and directories once; exits non-zero if any item failed
    Ingest {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Channel recorded on the documents
        #[arg(long, default_value = "ingest")]
        channel: String,
        /// No progress bar
        #[arg(long)]
        quiet: bool,
    },
    /// Full-text search over the archive
    Search {
        query: String,
        /// Document type id (e.g. claim)
        #[arg(long = "type")]
        doc_type: Option<String>,
        #[arg(long)]
        customer: Option<String>,
        #[arg(long)]
        queue: Option<String>,
        /// Received on or after this day (YYYY-MM-DD)
        #[arg(long)]
        since: Option<NaiveDate>,
        /// Received on or before this day (YYYY-MM-DD)
        #[arg(long)]
        until: Option<NaiveDate>,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// One JSON object with total and hits
        #[arg(long)]
        json: bool,
    },
    /// Export records (JSON lines; format in docs/export.md)
    Export {
        #[command(subcommand)]
        what: ExportWhat,
    },
    /// Rebuild the search index from the store (resumable)
    Reindex {
        #[arg(long, default_value_t = 1000)]
        chunk: usize,
    },
    /// Customer master data
    Customers {
        #[command(subcommand)]
        action: CustomersAction,
    },
    /// What identification finds in a text: each identifier (raw, normalised, the master
    /// record it hit, how it was written) and the customer match with its evidence
    Identify {
        /// The text to read (`-` for stdin)
        #[arg(long, value_name = "FILE")]
        text: std::path::PathBuf,
        /// Sender e-mail address(es), as an e-mail's From would give them
        #[arg(long = "from", value_name = "EMAIL")]
        from: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// One customer's file: master data, contracts, timeline across channels, tasks
    Customer {
        #[command(subcommand)]
        action: CustomerAction,
    },
    /// The central inbox: tasks per queue
    Tasks {
        #[command(subcommand)]
        action: TasksAction,
    },
    /// Cases: documents about one concern across channels (show, list, split, merge)
    Cases {
        #[command(subcommand)]
        action: cases::CasesAction,
    },
    /// Reports over the inbox
    Report {
        #[command(subcommand)]
        what: cases::ReportWhat,
    },
    /// Train the text model from labelled files (and clerks' corrections)
    Train {
        /// JSON lines: {"file", "doc_type", …}
        #[arg(long)]
        labels: PathBuf,
        /// Directory the labels' file paths are relative to
        #[arg(long)]
        root: PathBuf,
        /// Where to write the model (default: classifiers/model.json)
        #[arg(long, default_value = "classifiers/model.json")]
        out: PathBuf,
        #[arg(long, default_value_t = 6)]
        epochs: usize,
    },
    /// Measure type, customer match, routing and case linking against labelled files
    Eval {
        /// JSON lines: {"file", "doc_type", "customer_id", "queue"?, "case"?}; documents about
        /// the same concern share a "case" string (case-linking pair precision and recall)
        #[arg(long)]
        labels: PathBuf,
        /// Directory the labels' file paths are relative to
        #[arg(long)]
        root: PathBuf,
        #[arg(long)]
        json: bool,
        /// Also draw the reliability diagram and the dark-share/precision curve into this PNG
        #[arg(long)]
        plot: Option<PathBuf>,
    },
    /// Ledger counts per status
    Status,
    /// IMAP mailboxes: take mail from one, or check the configured accounts
    Imap {
        #[command(subcommand)]
        action: ImapCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum ImapCommand {
    /// Take what is new from one mailbox; with --once, exit when done
    Poll {
        /// Take what is there now and exit (otherwise keep polling until Ctrl-C)
        #[arg(long)]
        once: bool,
        /// imaps://USER@HOST[:PORT]/FOLDER (TLS) or imap://… (STARTTLS); '@' in USER as %40
        #[arg(long)]
        url: String,
        /// File holding the password
        #[arg(long)]
        password_file: PathBuf,
        /// Override the TLS mode the scheme implies; "none" only for a server on loopback
        #[arg(long, value_enum)]
        tls: Option<TlsArg>,
        /// PEM file with the CA certificate(s) to trust instead of the system's
        #[arg(long)]
        ca_file: Option<PathBuf>,
        /// Move each message here once archived (default: only mark it \Seen)
        #[arg(long)]
        move_to: Option<String>,
        /// Where messages that cannot be processed are moved
        #[arg(long, default_value = "Failed")]
        failed_folder: String,
        /// Channel recorded on the documents
        #[arg(long, default_value = "imap")]
        channel: String,
    },
    /// Log in to every configured [[imap]] account and check its folders
    Check,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum TlsArg {
    Implicit,
    Starttls,
    None,
}

#[derive(Subcommand, Debug)]
pub enum CustomerAction {
    /// Print the customer's file
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum TasksAction {
    /// Tasks, most urgent first
    List {
        #[arg(long)]
        queue: Option<String>,
        /// open, claimed or done (default: all)
        #[arg(long)]
        status: Option<String>,
        /// One JSON object per line (the outbox schema)
        #[arg(long)]
        json: bool,
    },
    /// One task: case, documents, process steps and impulses
    Show {
        id: i64,
        /// The outbox schema
        #[arg(long)]
        json: bool,
    },
    /// Check a process step off (number or id; --undo to reopen it)
    Step {
        id: i64,
        step: String,
        #[arg(long)]
        undo: bool,
        #[arg(long, env = "USER", default_value = "clerk")]
        user: String,
    },
    /// Record the outcome of an impulse (by its rule id)
    Impulse {
        id: i64,
        rule: String,
        #[arg(long, value_enum)]
        outcome: crate::impulses::ImpulseOutcome,
        #[arg(long, env = "USER", default_value = "clerk")]
        user: String,
    },
    /// Take a task
    Claim {
        id: i64,
        #[arg(long, env = "USER", default_value = "clerk")]
        user: String,
    },
    /// Mark a task done
    Done {
        id: i64,
        #[arg(long, env = "USER", default_value = "clerk")]
        user: String,
    },
    /// Move a task to another queue
    Reassign {
        id: i64,
        #[arg(long)]
        queue: String,
        #[arg(long, env = "USER", default_value = "clerk")]
        user: String,
    },
    /// Correct type and/or customer (recorded with who and when; used for training)
    Correct {
        id: i64,
        #[arg(long = "type")]
        doc_type: Option<String>,
        #[arg(long)]
        customer: Option<String>,
        #[arg(long, env = "USER", default_value = "clerk")]
        user: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum UsersAction {
    /// Add a user, or change an existing one (role, departments, permissions, password)
    Add {
        name: String,
        /// mailroom, clerk or admin
        #[arg(long)]
        role: String,
        /// A queue the user works (repeat for several); clerks need at least one
        #[arg(long = "department")]
        departments: Vec<String>,
        /// Extra right (repeat): health = may read health data
        #[arg(long = "permission")]
        permissions: Vec<String>,
        /// File whose first line is the password (at least 8 characters)
        #[arg(long)]
        password_file: PathBuf,
    },
    /// List users with role, departments and permissions
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove a user: their sessions end at once, their claimed tasks go back to open; the read
    /// log keeps their name
    Remove {
        name: String,
        /// Who removes them (recorded on released tasks)
        #[arg(long, env = "USER", default_value = "admin")]
        user: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ExportWhat {
    /// Every received item and attachment, one JSON object per line
    Documents {
        /// Include the extracted text
        #[arg(long)]
        with_text: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum CustomersAction {
    /// Import customers.csv, contracts.csv and claims.csv (idempotent; bad rows reported by
    /// line); prints the number layouts learned from them
    Import {
        #[arg(long)]
        customers: PathBuf,
        #[arg(long)]
        contracts: Option<PathBuf>,
        /// claims.csv: claim_id,contract_id,customer_id,loss_date
        #[arg(long)]
        claims: Option<PathBuf>,
    },
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = Config::load(cli.config.as_deref())?;
    let app = App::open(config)?;
    match cli.command {
        Command::Serve { listen } => {
            runtime()?.block_on(app.serve(listen.as_deref()))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Users { action } => users(&app, action),
        Command::Reads {
            document,
            limit,
            json,
        } => {
            let reads = app
                .access
                .document_reads(document.map(crate::model::DocumentId), limit)?;
            let mut out = std::io::stdout().lock();
            if json {
                for r in &reads {
                    serde_json::to_writer(&mut out, r)?;
                    writeln!(out)?;
                }
            } else {
                for r in &reads {
                    writeln!(
                        out,
                        "{}  {:<16} document {:<8} {}",
                        r.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                        r.user,
                        r.document_id,
                        r.what
                    )?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Ingest {
            paths,
            channel,
            quiet,
        } => {
            let progress = !quiet && std::io::stderr().is_terminal();
            let started = std::time::Instant::now();
            let report = runtime()?.block_on(app.ingest(&paths, &channel, progress))?;
            let secs = started.elapsed().as_secs_f64();
            let total = report.done + report.duplicates + report.failed.len();
            eprintln!(
                "{total} file(s) in {secs:.1} s ({:.0}/s): {} archived, {} duplicate(s), {} failed",
                total as f64 / secs.max(1e-9),
                report.done,
                report.duplicates,
                report.failed.len()
            );
            for (path, reason) in &report.failed {
                eprintln!("FAILED {}: {reason}", path.display());
            }
            Ok(if report.failed.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Search {
            query,
            doc_type,
            customer,
            queue,
            since,
            until,
            limit,
            json,
        } => {
            let results = app.index.search(&SearchRequest {
                query,
                doc_type,
                customer_id: customer,
                queue,
                since,
                until,
                limit,
                ..Default::default()
            })?;
            let mut out = std::io::stdout().lock();
            if json {
                serde_json::to_writer_pretty(&mut out, &results)?;
                writeln!(out)?;
            } else {
                let bold = std::io::stdout().is_terminal();
                writeln!(out, "{} hit(s)", results.total)?;
                for (i, hit) in results.hits.iter().enumerate() {
                    print_hit(&mut out, i + 1, hit, bold)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Export {
            what: ExportWhat::Documents { with_text },
        } => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            crate::export::write_documents(app.store.as_ref(), &mut out, with_text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Reindex { chunk } => {
            let n = app.reindex(chunk, |n| tracing::info!(documents = n, "reindexed"))?;
            eprintln!("reindexed {n} document(s)");
            Ok(ExitCode::SUCCESS)
        }
        Command::Customers {
            action:
                CustomersAction::Import {
                    customers,
                    contracts,
                    claims,
                },
        } => {
            let report = crate::customers::import(
                app.store.as_ref(),
                &customers,
                contracts.as_deref(),
                claims.as_deref(),
            )
            .context("customer import failed")?;
            eprintln!(
                "imported {} customer(s), {} contract(s), {} claim(s); {} bad row(s)",
                report.customers,
                report.contracts,
                report.claims,
                report.bad_rows.len()
            );
            let master = identify::master_index(&app)?;
            eprintln!(
                "number layouts learned from master data ({} numbers indexed):\n{}",
                master.numbers(),
                master.layouts().trim_end()
            );
            for bad in &report.bad_rows {
                eprintln!("{}:{}: {}", bad.file, bad.line, bad.reason);
            }
            Ok(if report.bad_rows.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            })
        }
        Command::Customer {
            action: CustomerAction::Show { id, json },
        } => {
            let Some(file) = app.store.customer_file(&id)? else {
                eprintln!("no customer {id}");
                return Ok(ExitCode::FAILURE);
            };
            let mut out = std::io::stdout().lock();
            if json {
                serde_json::to_writer_pretty(&mut out, &file)?;
                writeln!(out)?;
            } else {
                print_customer_file(&mut out, &file)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Tasks { action } => tasks_command(&app, action),
        Command::Cases { action } => cases::cases_command(&app, action),
        Command::Identify { text, from, json } => {
            identify::identify_command(&app, &text, &from, json)
        }
        Command::Report { what } => cases::report_command(&app, what),
        Command::Train {
            labels,
            root,
            out,
            epochs,
        } => {
            let (model, corrections) = app.train(&labels, &root, epochs)?;
            model.save(&out)?;
            let t = &model.trained;
            eprintln!(
                "trained on {} example(s) ({corrections} from corrections); out of fold ({} folds, {} calibrating): accuracy {:.3} (rules alone {:.3}, model alone {:.3}), model log loss {:.3}; temperature {:.2}, rules' share {:.2}; {} weights in {}",
                t.examples,
                t.folds,
                t.calibration_examples,
                t.out_of_fold_accuracy,
                t.rules_accuracy,
                t.model_accuracy,
                t.out_of_fold_log_loss,
                model.temperature,
                model.rules_weight,
                model.weights.len(),
                out.display()
            );
            if !t.calibrated {
                eprintln!(
                    "warning: too few calibrating examples ({}); temperature 1 and equal shares — label more of your own mail",
                    t.calibration_examples
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval {
            labels,
            root,
            json,
            plot,
        } => {
            let report = runtime()?.block_on(app.eval(&labels, &root))?;
            if let Some(path) = plot {
                crate::eval::plot::write(&report, &path)?;
            }
            let mut out = std::io::stdout().lock();
            if json {
                serde_json::to_writer_pretty(&mut out, &report)?;
                writeln!(out)?;
            } else {
                write!(out, "{}", report.render())?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Imap { action } => imap_command(&app, action),
        Command::Status => {
            let counts = app.store.status_counts()?;
            let mut out = std::io::stdout().lock();
            for (status, n) in counts {
                writeln!(out, "{status:<12} {n}")?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn imap_command(app: &App, action: ImapCommand) -> anyhow::Result<ExitCode> {
    use crate::config::{ImapAccountConfig, ImapAction, ImapTls};
    use crate::sources::imap::{check_account, state, FolderRole};
    match action {
        ImapCommand::Poll {
            once,
            url,
            password_file,
            tls,
            ca_file,
            move_to,
            failed_folder,
            channel,
        } => {
            let tls = tls.map(|t| match t {
                TlsArg::Implicit => ImapTls::Implicit,
                TlsArg::Starttls => ImapTls::Starttls,
                TlsArg::None => ImapTls::None,
            });
            let target = state::parse_url(&url, tls).map_err(|e| anyhow::anyhow!("--url: {e}"))?;
            if target.tls == ImapTls::None && !state::is_loopback(&target.host) {
                anyhow::bail!(
                    "--tls none would send the password unencrypted to {}; it is only allowed for a server on loopback",
                    target.host
                );
            }
            let mut account = ImapAccountConfig {
                host: target.host,
                port: Some(target.port),
                tls: target.tls,
                allow_plaintext: target.tls == ImapTls::None,
                ca_file,
                user: target.user,
                password_file: Some(password_file),
                folders: vec![target.folder],
                channel,
                failed_folder,
                ..ImapAccountConfig::default()
            };
            match move_to {
                Some(folder) => {
                    account.after = ImapAction::Move;
                    account.move_to = folder;
                }
                None => account.after = ImapAction::Seen,
            }
            let problems = account.problems("--url");
            if !problems.is_empty() {
                anyhow::bail!("{}", problems.join("; "));
            }
            let r = runtime()?.block_on(app.imap_poll(account, once))?;
            if once {
                eprintln!(
                    "{} new message(s): {} archived, {} duplicate(s), {} failed (moved to the failed folder), {} taken before; {} not released yet",
                    r.found, r.done, r.duplicates, r.failed, r.already_taken, r.not_released
                );
            }
            Ok(if r.not_released == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        ImapCommand::Check => {
            if app.config.imap.is_empty() {
                eprintln!("no [[imap]] accounts are configured");
                return Ok(ExitCode::from(2));
            }
            let rt = runtime()?;
            let mut all_ok = true;
            let mut out = std::io::stdout().lock();
            for account in &app.config.imap {
                let check = rt.block_on(check_account(account));
                all_ok &= check.ok();
                match &check.result {
                    Err(e) => writeln!(out, "FAILED  [channel {}] {e}", account.channel)?,
                    Ok(folders) => {
                        let verdict = if check.ok() { "ok" } else { "FAILED" };
                        writeln!(
                            out,
                            "{verdict:<7} [channel {}] {}: login ok",
                            account.channel, check.endpoint
                        )?;
                        for f in folders {
                            let role = match f.role {
                                FolderRole::Watched => "watched",
                                FolderRole::MoveTarget => "move target",
                                FolderRole::Failed => "failed folder",
                            };
                            let state = match (f.exists, f.role) {
                                (true, _) => "exists",
                                (false, FolderRole::Watched) => {
                                    "MISSING: the folder does not exist"
                                }
                                (false, _) => "missing; created on first use",
                            };
                            writeln!(out, "        {:<24} {role:<13} {state}", f.folder)?;
                        }
                    }
                }
            }
            Ok(if all_ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn print_hit(out: &mut impl Write, n: usize, hit: &Hit, bold: bool) -> std::io::Result<()> {
    let title = hit
        .subject
        .as_deref()
        .or(hit.filename.as_deref())
        .unwrap_or("(no subject)");
    let parent = hit
        .parent_id
        .map(|p| format!(" (attachment of {p})"))
        .unwrap_or_default();
    writeln!(
        out,
        "{n:>3}. #{} {} [{}] {}{}",
        hit.id,
        hit.received_at.format("%Y-%m-%d %H:%M"),
        hit.channel,
        title,
        parent
    )?;
    let (on, off) = if bold {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("**", "**")
    };
    let mut line = String::new();
    let mut pos = 0;
    for &(s, e) in &hit.highlights {
        if s < pos || e > hit.snippet.len() {
            continue;
        }
        line.push_str(&hit.snippet[pos..s]);
        line.push_str(on);
        line.push_str(&hit.snippet[s..e]);
        line.push_str(off);
        pos = e;
    }
    line.push_str(&hit.snippet[pos..]);
    writeln!(out, "     {}", line.replace(['\n', '\r'], " "))
}

fn tasks_command(app: &App, action: TasksAction) -> anyhow::Result<ExitCode> {
    use crate::inbox::TaskStatus;
    use crate::model::TaskId;
    use crate::store::TaskChange;
    let (id, change, user) = match action {
        TasksAction::List {
            queue,
            status,
            json,
        } => {
            let status = match status.as_deref() {
                None => None,
                Some(s) => Some(
                    TaskStatus::parse(s)
                        .with_context(|| format!("--status {s:?}: use open, claimed or done"))?,
                ),
            };
            let tasks = app.store.tasks(queue.as_deref(), status)?;
            let mut out = std::io::stdout().lock();
            for t in &tasks {
                if json {
                    serde_json::to_writer(&mut out, t)?;
                    writeln!(out)?;
                } else {
                    writeln!(
                        out,
                        "#{:<5} {:<11} {:<7} {:<8} due {} {:<20} {:<10} {}{}",
                        t.id,
                        t.spec.queue,
                        t.status.as_str(),
                        t.spec.priority.as_str(),
                        t.spec.due_at.format("%Y-%m-%d %H:%M"),
                        t.spec.doc_type,
                        t.spec.customer_id.as_deref().unwrap_or("-"),
                        t.spec.routing_reason,
                        cases::task_markers(t)
                    )?;
                }
            }
            return Ok(ExitCode::SUCCESS);
        }
        TasksAction::Show { id, json } => {
            let t = app.store.task(TaskId(id))?;
            let mut out = std::io::stdout().lock();
            if json {
                serde_json::to_writer_pretty(&mut out, &t)?;
                writeln!(out)?;
            } else {
                cases::print_task(&mut out, &t)?;
            }
            return Ok(ExitCode::SUCCESS);
        }
        TasksAction::Step {
            id,
            step,
            undo,
            user,
        } => return cases::check_step(app, id, &step, undo, &user),
        TasksAction::Impulse {
            id,
            rule,
            outcome,
            user,
        } => return cases::impulse_outcome(app, id, &rule, outcome, &user),
        TasksAction::Claim { id, user } => (id, TaskChange::Claim, user),
        TasksAction::Done { id, user } => (id, TaskChange::Done, user),
        TasksAction::Reassign { id, queue, user } => (id, TaskChange::Reassign { queue }, user),
        TasksAction::Correct {
            id,
            doc_type,
            customer,
            user,
        } => {
            if let Some(t) = &doc_type {
                if crate::classify::DocType::parse(t).is_none() {
                    anyhow::bail!(
                        "--type {t:?} is not a document type ({})",
                        crate::classify::DocType::ALL.map(|t| t.as_str()).join(", ")
                    );
                }
            }
            anyhow::ensure!(
                doc_type.is_some() || customer.is_some(),
                "give --type and/or --customer"
            );
            (
                id,
                TaskChange::Correct {
                    doc_type,
                    customer_id: customer,
                },
                user,
            )
        }
    };
    let task = app.store.change_task(TaskId(id), &change, &user)?;
    eprintln!(
        "task {}: {} in {} ({}{})",
        task.id,
        task.status.as_str(),
        task.spec.queue,
        task.spec.doc_type,
        task.spec
            .customer_id
            .as_deref()
            .map(|c| format!(", {c}"))
            .unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}

fn print_customer_file(
    out: &mut impl Write,
    file: &crate::store::CustomerFile,
) -> std::io::Result<()> {
    let c = &file.customer;
    writeln!(
        out,
        "{} {} {} {} ({})",
        c.customer_id,
        c.salutation,
        c.first_name,
        c.last_name,
        c.birth_date
            .map(|d| d.format("%d.%m.%Y").to_string())
            .unwrap_or_default()
    )?;
    writeln!(
        out,
        "  {} {}, {} {}",
        c.street, c.house_number, c.postcode, c.city
    )?;
    writeln!(out, "  {}  {}  {}", c.email, c.phone, c.iban)?;
    writeln!(out, "\nContracts")?;
    for k in &file.contracts {
        writeln!(
            out,
            "  {:<16} {:<20} {:<9} since {}",
            k.contract_id,
            k.product,
            k.status,
            k.start_date.map(|d| d.to_string()).unwrap_or_default()
        )?;
    }
    writeln!(out, "\nTimeline")?;
    for e in &file.timeline {
        writeln!(
            out,
            "  {} #{:<5} [{}] {:<20} {}{}{}",
            e.received_at.format("%Y-%m-%d %H:%M"),
            e.document_id,
            e.channel,
            e.doc_type.as_deref().unwrap_or("-"),
            e.subject.as_deref().or(e.filename.as_deref()).unwrap_or(""),
            if e.attachments > 0 {
                format!(" (+{} attachment(s))", e.attachments)
            } else {
                String::new()
            },
            e.task_id
                .map(|t| format!(" → task {t}"))
                .unwrap_or_default()
        )?;
    }
    writeln!(out, "\nOpen tasks")?;
    for t in file
        .tasks
        .iter()
        .filter(|t| t.status != crate::inbox::TaskStatus::Done)
    {
        writeln!(
            out,
            "  #{} {} {} {} due {}",
            t.id,
            t.spec.queue,
            t.status.as_str(),
            t.spec.doc_type,
            t.spec.due_at.format("%Y-%m-%d %H:%M")
        )?;
    }
    Ok(())
}

fn users(app: &App, action: UsersAction) -> anyhow::Result<ExitCode> {
    use crate::users::{hash_password, Permission, Role, User};
    match action {
        UsersAction::Add {
            name,
            role,
            departments,
            permissions,
            password_file,
        } => {
            let role = Role::parse(&role)?;
            let known = crate::inbox::queues(&app.config);
            for d in &departments {
                if !known.contains(d) {
                    anyhow::bail!("department {d:?} is not a queue ({})", known.join(", "));
                }
            }
            let permissions = permissions
                .iter()
                .map(|p| Permission::parse(p))
                .collect::<Result<Vec<_>, _>>()?;
            let user = User::new(&name, role, departments, permissions)?;
            let text = std::fs::read_to_string(&password_file)
                .with_context(|| format!("cannot read {}", password_file.display()))?;
            let password = text.lines().next().unwrap_or_default();
            let hash = hash_password(password)?;
            let created = app.access.upsert_user(&user, &hash)?;
            eprintln!(
                "{} user {} ({}{})",
                if created { "added" } else { "updated" },
                user.name,
                user.role,
                if user.departments.is_empty() {
                    String::new()
                } else {
                    format!(": {}", user.departments.join(", "))
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        UsersAction::Remove { name, user } => {
            let Some(released) = app.access.remove_user(&name, &user)? else {
                anyhow::bail!("no user {name:?}");
            };
            let ids: Vec<String> = released.iter().map(|t| t.0.to_string()).collect();
            eprintln!(
                "removed user {name}; {} claimed task(s) back to open{}",
                ids.len(),
                if ids.is_empty() {
                    String::new()
                } else {
                    format!(": {}", ids.join(", "))
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        UsersAction::List { json } => {
            let users = app.access.users()?;
            let mut out = std::io::stdout().lock();
            for u in &users {
                if json {
                    serde_json::to_writer(&mut out, u)?;
                    writeln!(out)?;
                } else {
                    let perms: Vec<&str> = u.permissions.iter().map(|p| p.as_str()).collect();
                    writeln!(
                        out,
                        "{:<16} {:<9} {:<30} {}",
                        u.name,
                        u.role,
                        u.departments.join(","),
                        perms.join(",")
                    )?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
