//! The `intake` binary: make sure tesseract's threading is off, parse the command line, set up
//! logging, run.

use std::process::ExitCode;

use clap::Parser;

/// tesseract's OpenMP reads `OMP_THREAD_LIMIT` only when the process starts (see
/// ARCHITECTURE.md, "OCR"); without it a page takes several times longer on a loaded machine.
/// If it is missing, run this binary again with it set (same arguments, same pid).
fn ensure_omp_thread_limit() {
    if std::env::var_os("OMP_THREAD_LIMIT").is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    use std::os::unix::process::CommandExt;
    let err = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("OMP_THREAD_LIMIT", "1")
        .exec();
    eprintln!("warning: could not restart with OMP_THREAD_LIMIT=1 ({err}); OCR will be slow");
}

fn main() -> ExitCode {
    ensure_omp_thread_limit();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("INTAKE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = intake::cli::Cli::parse();
    match intake::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
