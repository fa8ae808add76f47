//! `make bench` (IMAP part): starts a local Dovecot (the test fixture), appends 1,000 German
//! e-mails with attachments (a PDF letter and a text note each, ~5 KiB), then times the release
//! `intake imap poll --once --move-to Processed` end to end: connect, search, fetch, archive,
//! extract, index, move. Prints messages/s and peak RSS. Figures go to BENCHMARKS.md ("IMAP").
//! `BENCH_IMAP_MESSAGES` overrides the count.

mod support;

#[path = "../tests/it/dovecot.rs"]
mod dovecot;

use std::process::Command;
use std::time::Instant;

fn message(i: usize) -> Vec<u8> {
    let pdf = intake::samples::letter_pdf(&[vec![
        format!("Schadenanzeige Nr. {i}"),
        "Sehr geehrte Damen und Herren, in unserer Küche ist ein Wasserschaden entstanden."
            .to_string(),
        format!("Versicherungsnummer HR-{:06}", 100_000 + i),
    ]]);
    intake::samples::email(
        "Jürgen Müller <juergen.mueller@example.de>",
        "schaden@versicherung.example",
        &format!("Schadenmeldung Nr. {i}: Wasserschaden in der Küche"),
        &format!(
            "Sehr geehrte Damen und Herren,\n\nanbei die Schadenanzeige Nr. {i} mit Fotos.\n\nMit freundlichen Grüßen\nJürgen Müller\n"
        ),
        &[
            (format!("Schadenanzeige-{i}.pdf"), "application/pdf".into(), pdf),
            (
                "Notiz.txt".into(),
                "text/plain".into(),
                format!("Rückruf erbeten, Vorgang {i}.").into_bytes(),
            ),
        ],
    )
}

fn main() {
    let n: usize = std::env::var("BENCH_IMAP_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let server = dovecot::Dovecot::start();
    let started = Instant::now();
    let mut bytes = 0usize;
    {
        let mut mb = server.mailbox();
        for i in 0..n {
            let m = message(i);
            bytes += m.len();
            mb.append("INBOX", &m);
        }
    }
    println!(
        "appended {n} messages ({:.1} MiB) to Dovecot in {:.1} s",
        bytes as f64 / (1024.0 * 1024.0),
        started.elapsed().as_secs_f64()
    );

    let work = tempfile::tempdir().expect("temp dir");
    let url = format!("imap://{}@127.0.0.1:{}/INBOX", dovecot::USER, server.port);
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_intake"))
        .current_dir(work.path())
        .args([
            "imap",
            "poll",
            "--once",
            "--tls",
            "none",
            "--move-to",
            "Processed",
        ])
        .args(["--url", &url, "--password-file"])
        .arg(&server.password_file)
        .env("INTAKE_LOG", "warn")
        .spawn()
        .expect("start intake imap poll");
    let peak = support::wait_with_peak_rss(child, "intake imap poll");
    let secs = started.elapsed().as_secs_f64();
    let moved = server.mailbox().count("Processed") as usize;
    assert_eq!(moved, n, "every message moved to Processed");
    println!(
        "imap poll {n} messages: {secs:.2} s  {:.0} messages/s  peak RSS {:.1} MiB (fetch, archive, extract, index, MOVE)",
        n as f64 / secs,
        peak as f64 / 1024.0
    );
}
