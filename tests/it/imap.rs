//! IMAP intake against a real Dovecot (tests/it/dovecot.rs): delivery with attachments,
//! TLS (implicit and STARTTLS) with the test CA, `imap check`, SIGKILL during a batch, a
//! server restart, a UIDVALIDITY reset, IDLE, and a broken message.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::dovecot::{wait_until, Dovecot, USER};
use crate::support::{roots, sha256_hex, Env};

const WAIT: Duration = Duration::from_secs(120);

/// A German claim e-mail with a PDF and a text attachment; distinct per `i`.
fn claim_mail(i: usize) -> Vec<u8> {
    let subject = format!("Schadenmeldung Nr. {i}: Wasserschaden in der Küche – Größe unklar");
    let body = format!(
        "Sehr geehrte Damen und Herren,\n\nam {}. März ist in unserer Küche ein Wasserschaden \
         entstanden. Meine Versicherungsnummer lautet HR-{:06}.\n\nMit freundlichen Grüßen\nJürgen Müller\n",
        i % 28 + 1,
        100_000 + i
    );
    let pdf = intake::samples::letter_pdf(&[vec![
        format!("Schadenanzeige Nr. {i}"),
        "Wasserschaden in der Küche, Fußboden durchnässt.".to_string(),
    ]]);
    intake::samples::email(
        "Jürgen Müller <juergen.mueller@example.de>",
        "schaden@versicherung.example",
        &subject,
        &body,
        &[
            (
                format!("Schadenanzeige-{i}.pdf"),
                "application/pdf".into(),
                pdf,
            ),
            (
                "Notiz für Sachbearbeiter.txt".into(),
                "text/plain".into(),
                format!("Rückruf erbeten, Vorgang {i}.").into_bytes(),
            ),
        ],
    )
}

fn imap_roots(env: &Env) -> Vec<Value> {
    roots(&env.export())
        .into_iter()
        .filter(|d| d["channel"] == "schaden")
        .cloned()
        .collect()
}

/// Every message exactly once: one routed root per expected SHA-256, no duplicates.
fn assert_exactly_once(env: &Env, expected: &[Vec<u8>]) {
    let docs = imap_roots(env);
    let mut by_sha: HashMap<String, usize> = HashMap::new();
    for d in &docs {
        assert_eq!(d["status"], "routed", "{d}");
        *by_sha
            .entry(d["sha256"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    for m in expected {
        let n = by_sha.get(&sha256_hex(m)).copied().unwrap_or(0);
        assert_eq!(n, 1, "a message was recorded {n} times");
    }
    assert_eq!(docs.len(), expected.len(), "one document per message");
}

fn poll_once(env: &Env, d: &Dovecot, url: &str, extra: &[&str]) -> std::process::Output {
    let pw = d.password_file.display().to_string();
    let mut args = vec![
        "imap",
        "poll",
        "--once",
        "--url",
        url,
        "--password-file",
        &pw,
    ];
    args.extend_from_slice(extra);
    args.push("--channel");
    args.push("schaden");
    env.run(&args)
}

fn serve_log(env: &Env) -> String {
    std::fs::read_to_string(env.path("serve.log")).unwrap_or_default()
}

#[test]
fn fifty_messages_with_attachments_become_fifty_documents_in_the_processed_folder() {
    let dovecot = Dovecot::start();
    let mut mb = dovecot.mailbox();
    let mails: Vec<Vec<u8>> = (0..50).map(claim_mail).collect();
    for m in &mails {
        mb.append("INBOX", m);
    }
    let env = Env::new();
    let url = format!("imap://{USER}@127.0.0.1:{}/INBOX", dovecot.port);
    let out = poll_once(
        &env,
        &dovecot,
        &url,
        &["--tls", "none", "--move-to", "Processed"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("50 new message(s): 50 archived"),
        "{stderr}"
    );

    assert_exactly_once(&env, &mails);
    let all = env.export();
    for d in imap_roots(&env) {
        let subject = d["source"]["subject"].as_str().unwrap();
        assert!(subject.starts_with("Schadenmeldung Nr. "), "{subject}");
        assert!(subject.contains("Küche – Größe"), "{subject}");
        let key = d["source"]["key"].as_str().unwrap();
        assert!(
            key.starts_with(&format!("imap://{USER}@127.0.0.1/INBOX;UIDVALIDITY=")),
            "{key}"
        );
        assert_eq!(d["metadata"]["imap_folder"], "INBOX");
        let children: Vec<&Value> = all
            .iter()
            .filter(|c| c["source"]["parent_id"] == d["id"])
            .collect();
        assert_eq!(children.len(), 2, "both attachments recorded: {d}");
        assert!(children
            .iter()
            .any(|c| c["media_type"] == "application/pdf"));
    }
    // One task per message (the e-mail with its attachments is one case).
    let tasks: Vec<Value> = env
        .ok(&["tasks", "list", "--json"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(tasks.len(), 50);
    assert!(tasks
        .iter()
        .all(|t| t["documents"].as_array().unwrap().len() == 3));
    // Searchable with umlauts.
    let hits = env.search(&["Wasserschaden Küche", "--limit", "100"]);
    assert!(hits["total"].as_u64().unwrap() >= 50, "{hits}");
    // Released on the server: all moved, none left, none marked read before that.
    assert_eq!(mb.count("INBOX"), 0);
    assert_eq!(mb.count("Processed"), 50);

    // A second poll finds nothing new.
    let out = poll_once(
        &env,
        &dovecot,
        &url,
        &["--tls", "none", "--move-to", "Processed"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("0 new message(s)"), "{stderr}");
    assert_eq!(imap_roots(&env).len(), 50);
}

#[test]
fn implicit_tls_and_starttls_work_with_the_test_ca() {
    let dovecot = Dovecot::start();
    let mut mb = dovecot.mailbox();
    let env = Env::new();
    let ca = dovecot.ca_file.display().to_string();
    let mails = [claim_mail(1), claim_mail(2)];

    mb.append("INBOX", &mails[0]);
    let implicit = format!("imaps://{USER}@127.0.0.1:{}/INBOX", dovecot.tls_port);
    // Without the test CA the certificate is not trusted, and the message says what to do.
    let out = poll_once(&env, &dovecot, &implicit, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("TLS") && stderr.contains("--ca-file"),
        "{stderr}"
    );
    assert_eq!(
        mb.count("INBOX"),
        1,
        "nothing taken without a trusted connection"
    );

    let move_to = ["--ca-file", &ca, "--move-to", "Processed"];
    let out = poll_once(&env, &dovecot, &implicit, &move_to);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    mb.append("INBOX", &mails[1]);
    // imap:// means STARTTLS unless --tls says otherwise; the certificate's DNS name is checked.
    let starttls = format!("imap://{USER}@localhost:{}/INBOX", dovecot.port);
    let out = poll_once(&env, &dovecot, &starttls, &move_to);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    assert_exactly_once(&env, &mails);
    assert_eq!(mb.count("Processed"), 2);
    assert_eq!(mb.count("INBOX"), 0);
}

#[test]
fn imap_check_says_what_is_wrong() {
    let dovecot = Dovecot::start();
    let wrong_pw = dovecot.dir.path().join("wrong.txt");
    std::fs::write(&wrong_pw, "falsch").unwrap();
    let good = dovecot.account_toml("channel = \"a\"\nfolders = [\"INBOX\"]");
    let missing = dovecot.account_toml("channel = \"b\"\nfolders = [\"Gibt-es-nicht\"]");
    let config = format!(
        "{good}\n{missing}\n\
         [[imap]]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\nallow_plaintext = true\nuser = \"{USER}\"\npassword_file = \"{pw}\"\nchannel = \"c\"\n\n\
         [[imap]]\nhost = \"mail.does-not-exist.invalid\"\nuser = \"{USER}\"\npassword_env = \"NOPE_PW\"\nchannel = \"d\"\n\n\
         [[imap]]\nhost = \"127.0.0.1\"\nport = {tls_port}\nuser = \"{USER}\"\npassword_file = \"{good_pw}\"\nchannel = \"e\"\n",
        port = dovecot.port,
        tls_port = dovecot.tls_port,
        pw = wrong_pw.display(),
        good_pw = dovecot.password_file.display(),
    );
    let env = Env::with_config(&config);
    let out = env
        .command()
        .args(["imap", "check"])
        .env("NOPE_PW", "x")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    if std::env::var_os("SHOW_IMAP_CHECK").is_some() {
        eprintln!("{stdout}");
    }
    assert!(!out.status.success(), "{stdout}");
    let text = stdout;
    assert!(
        text.contains("ok      [channel a] imap://schaden@127.0.0.1"),
        "{text}"
    );
    assert!(
        text.contains("Gibt-es-nicht") && text.contains("MISSING"),
        "{text}"
    );
    assert!(
        text.contains("[channel c]") && text.contains("authentication failed"),
        "{text}"
    );
    assert!(text.contains("DNS: cannot resolve host name"), "{text}");
    assert!(text.contains("TLS: handshake failed"), "{text}");
    assert!(
        !text.contains("Geheim-123") && !text.contains("falsch"),
        "{text}"
    );
}

#[test]
fn sigkill_during_batches_then_restart_takes_every_message_exactly_once() {
    let dovecot = Dovecot::start();
    let mut mb = dovecot.mailbox();
    let mails: Vec<Vec<u8>> = (0..60).map(claim_mail).collect();
    for m in &mails {
        mb.append("INBOX", m);
    }
    let env = Env::with_config(&format!(
        "[pipeline]\nbatch_size = 4\n\n{}",
        dovecot.account_toml("channel = \"schaden\"\nfetch_batch = 5\npoll_interval_secs = 1")
    ));
    // Kill at several points: early, mid-way, late (each time SIGKILL, no clean shutdown).
    for kill_at in [3u32, 20, 41] {
        let mut serve = env.serve();
        let deadline = Instant::now() + WAIT;
        while mb.count("Processed") < kill_at {
            assert!(
                Instant::now() < deadline,
                "no progress before the kill:\n{}",
                serve_log(&env)
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        serve.0.kill().unwrap();
        serve.0.wait().unwrap();
        if std::env::var_os("SHOW_IMAP_LOG").is_some() {
            eprintln!("--- killed at {kill_at}:\n{}", serve_log(&env));
        }
    }
    let serve = env.serve();
    wait_until(WAIT, "every message processed", || {
        mb.count("Processed") == 60 && mb.count("INBOX") == 0
    });
    let status = serve.stop();
    assert!(status.success(), "{}", serve_log(&env));
    if std::env::var_os("SHOW_IMAP_LOG").is_some() {
        eprintln!("--- last run:\n{}", serve_log(&env));
    }
    assert_exactly_once(&env, &mails);
    // Processed holds each message once, byte for byte.
    let mut moved: Vec<String> = mb
        .messages("Processed")
        .iter()
        .map(|(b, _)| sha256_hex(b))
        .collect();
    moved.sort();
    let mut want: Vec<String> = mails.iter().map(|m| sha256_hex(m)).collect();
    want.sort();
    assert_eq!(moved, want);
}

#[test]
fn dovecot_restart_mid_poll_reconnects_and_loses_nothing() {
    let mut dovecot = Dovecot::start();
    let mails: Vec<Vec<u8>> = (0..200).map(claim_mail).collect();
    {
        let mut mb = dovecot.mailbox();
        for m in &mails {
            mb.append("INBOX", m);
        }
    }
    let env = Env::with_config(&format!(
        "[pipeline]\nbatch_size = 4\n\n{}",
        dovecot.account_toml("channel = \"schaden\"\nfetch_batch = 5\npoll_interval_secs = 1")
    ));
    let serve = env.serve();
    {
        let mut mb = dovecot.mailbox();
        wait_until(WAIT, "first messages processed", || {
            mb.count("Processed") >= 15
        });
    }
    dovecot.restart();
    wait_until(WAIT, "intake to notice and reconnect", || {
        serve_log(&env).contains("reconnecting")
    });
    let mut mb = dovecot.mailbox();
    wait_until(WAIT, "every message processed after the restart", || {
        mb.count("Processed") == 200 && mb.count("INBOX") == 0
    });
    drop(mb);
    serve.stop();
    assert_exactly_once(&env, &mails);
}

#[test]
fn uidvalidity_reset_takes_nothing_twice() {
    let dovecot = Dovecot::start();
    let mut mb = dovecot.mailbox();
    mb.create("Schaden");
    let mails: Vec<Vec<u8>> = (0..10).map(claim_mail).collect();
    for m in &mails {
        mb.append("Schaden", m);
    }
    let env = Env::new();
    let url = format!("imap://{USER}@127.0.0.1:{}/Schaden", dovecot.port);
    let out = poll_once(&env, &dovecot, &url, &["--tls", "none"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_exactly_once(&env, &mails);
    let before = mb.uidvalidity("Schaden");

    // The mailbox is restored from a backup: recreated with the same messages, plus a new one.
    mb.delete("Schaden");
    mb.create("Schaden");
    for m in &mails {
        mb.append("Schaden", m);
    }
    let new = claim_mail(99);
    mb.append("Schaden", &new);
    assert_ne!(mb.uidvalidity("Schaden"), before, "UIDVALIDITY must change");

    let out = poll_once(&env, &dovecot, &url, &["--tls", "none"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("1 new message(s): 1 archived") && stderr.contains("10 taken before"),
        "{stderr}"
    );
    let mut all = mails.clone();
    all.push(new);
    assert_exactly_once(&env, &all);
    assert!(env.export().iter().all(|d| d["status"] != "duplicate"));
    // Without --move-to the messages stay, marked \Seen (the recognised ones too).
    let left = mb.messages("Schaden");
    assert_eq!(left.len(), 11);
    assert!(
        left.iter()
            .all(|(_, flags)| flags.iter().any(|f| f.contains("Seen"))),
        "{:?}",
        left.iter().map(|(_, f)| f).collect::<Vec<_>>()
    );
}

#[test]
fn a_message_arriving_while_idling_is_taken_within_seconds() {
    let dovecot = Dovecot::start();
    let mut mb = dovecot.mailbox();
    // The safety-net poll is 5 minutes away: only IDLE can explain a quick pickup.
    let env =
        Env::with_config(&dovecot.account_toml("channel = \"schaden\"\npoll_interval_secs = 300"));
    let serve = env.serve();
    mb.append("INBOX", &claim_mail(1));
    wait_until(WAIT, "the first message", || mb.count("Processed") == 1);
    std::thread::sleep(Duration::from_millis(500)); // back in IDLE
    mb.append("INBOX", &claim_mail(2));
    wait_until(
        Duration::from_secs(10),
        "a message taken while idling",
        || mb.count("Processed") == 2,
    );
    serve.stop();
    assert_exactly_once(&env, &[claim_mail(1), claim_mail(2)]);
}

#[test]
fn a_broken_message_is_stored_moved_to_failed_with_the_reason() {
    let dovecot = Dovecot::start();
    let mut mb = dovecot.mailbox();
    let broken: Vec<u8> =
        b"\x01\x02\x03\x04\x05\x06binary\x07\x08\x0e\x0f garbage \x10\x11\x12\x13\r\n".repeat(20);
    mb.append("INBOX", &broken);
    mb.append("INBOX", &claim_mail(7));
    let env = Env::new();
    let url = format!("imap://{USER}@127.0.0.1:{}/INBOX", dovecot.port);
    let out = poll_once(
        &env,
        &dovecot,
        &url,
        &[
            "--tls",
            "none",
            "--move-to",
            "Processed",
            "--failed-folder",
            "Fehler",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("1 failed"), "{stderr}");

    let failed = mb.messages("Fehler");
    assert_eq!(failed.len(), 1);
    assert_eq!(mb.count("Processed"), 1);
    assert_eq!(mb.count("INBOX"), 0);
    let docs = imap_roots(&env);
    let bad = docs
        .iter()
        .find(|d| d["status"] == "quarantined")
        .expect("a quarantined document");
    assert!(
        bad["error"].as_str().unwrap().contains("unsupported type"),
        "{bad}"
    );
    // The original is in the archive byte for byte as the server delivered it.
    assert_eq!(env.blob(bad["sha256"].as_str().unwrap()), failed[0].0);
}

#[test]
fn a_hanging_server_does_not_hold_up_another_account() {
    let dovecot = Dovecot::start();
    let mut mb = dovecot.mailbox();
    // Accepts connections (the kernel completes the handshake) but never says a word.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let config = format!(
        "[[imap]]\nhost = \"127.0.0.1\"\nport = {silent_port}\ntls = \"none\"\nallow_plaintext = true\nuser = \"x\"\npassword_file = \"{}\"\nchannel = \"stumm\"\ntimeout_secs = 600\n\n{}",
        dovecot.password_file.display(),
        dovecot.account_toml("channel = \"schaden\"")
    );
    let env = Env::with_config(&config);
    let serve = env.serve();
    mb.append("INBOX", &claim_mail(1));
    wait_until(WAIT, "the working account's message", || {
        mb.count("Processed") == 1
    });
    // Stopping does not wait for the hanging connection either.
    assert!(serve.stop().success(), "{}", serve_log(&env));
    assert_exactly_once(&env, &[claim_mail(1)]);
    drop(silent);
}
