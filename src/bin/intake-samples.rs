//! `intake-samples`: writes generated German inbound mail (e-mails and letter PDFs with a
//! `truth.jsonl`) and matching master data, for tests, benchmarks and trying intake out.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use intake::samples::{generate_corpus, write_master_data, CorpusSpec};

#[derive(Parser)]
#[command(
    name = "intake-samples",
    about = "Generate realistic German inbound mail for intake"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// E-mails (`mail-NNNNNN.eml`), letters (`letter-NNNNNN.pdf`) and `truth.jsonl` into OUT
    Corpus {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 100)]
        emails: usize,
        #[arg(long, default_value_t = 20)]
        pdfs: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Size of the customer base the mail refers to (same seed ⇒ same customers)
        #[arg(long, default_value_t = 200)]
        customers: usize,
    },
    /// customers.csv and contracts.csv consistent with a corpus of the same seed
    MasterData {
        #[arg(long)]
        customers: PathBuf,
        #[arg(long)]
        contracts: PathBuf,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value_t = 200)]
        count: usize,
    },
    /// The committed sample scans (PNG, G4 TIFF, image-only and mixed PDF, turned, skewed,
    /// blank) and their truth.jsonl into OUT (samples/scans)
    Scans {
        #[arg(long)]
        out: PathBuf,
    },
    /// COUNT degraded single-page letter scans (`scan-NNNNNN.jpg`) with truth.jsonl, for OCR
    /// benchmarks
    ScanCorpus {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 20)]
        count: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// COUNT hostile files (PDF object-graph loops, deep nesting, decompression bombs, MIME
    /// bombs, …) into OUT, for robustness tests and `make soak`
    Hostile {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 21)]
        count: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Every family at the smallest size that still bites (for quick runs)
        #[arg(long)]
        mild: bool,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Corpus {
            out,
            emails,
            pdfs,
            seed,
            customers,
        } => {
            let summary = generate_corpus(
                &out,
                &CorpusSpec {
                    emails,
                    pdfs,
                    seed,
                    customers,
                },
            )
            .with_context(|| format!("writing corpus to {}", out.display()))?;
            eprintln!(
                "wrote {} e-mails and {} PDFs ({} bytes) to {}",
                summary.emails,
                summary.pdfs,
                summary.bytes,
                out.display()
            );
        }
        Command::MasterData {
            customers,
            contracts,
            seed,
            count,
        } => {
            write_master_data(&customers, &contracts, seed, count)
                .context("writing master data")?;
            eprintln!("wrote {} and {}", customers.display(), contracts.display());
        }
        Command::Scans { out } => {
            intake::samples::scan::write_scan_set(&out)
                .with_context(|| format!("writing scans to {}", out.display()))?;
            eprintln!("wrote the sample scans to {}", out.display());
        }
        Command::ScanCorpus { out, count, seed } => {
            intake::samples::scan::write_scan_corpus(&out, count, seed)
                .with_context(|| format!("writing scans to {}", out.display()))?;
            eprintln!("wrote {count} scans to {}", out.display());
        }
        Command::Hostile {
            out,
            count,
            seed,
            mild,
        } => {
            std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
            let mut bytes = 0;
            for h in intake::samples::hostile::hostile_inputs(seed, count, mild) {
                let path = out.join(&h.name);
                std::fs::write(&path, &h.bytes)
                    .with_context(|| format!("writing {}", path.display()))?;
                bytes += h.bytes.len();
            }
            eprintln!(
                "wrote {count} hostile files ({bytes} bytes) to {}",
                out.display()
            );
        }
    }
    Ok(())
}
