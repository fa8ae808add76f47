//! Cases across channels, reminders, split/merge, impulses with their suppressions, and process
//! steps on tasks — end to end through the real binary: letters (text files on the `scan`
//! channel) and e-mails ingested one after the other, then the CLI, the export and the outbox.

use serde_json::Value;

use crate::support::Env;

const CUSTOMERS: &str = "\
customer_id,salutation,first_name,last_name,birth_date,street,house_number,postcode,city,email,phone,iban,advertising_objection
K-200001,Frau,Anna,Kuhn,1970-01-01,Lindenweg,3,50667,Köln,anna.kuhn@example.de,,,
K-200002,Herr,Bernd,Maus,1971-02-02,Ahornweg,4,10115,Berlin,bernd.maus@example.de,,,ja
K-200003,Frau,Clara,Nolte,1972-03-03,Birkenweg,5,20095,Hamburg,clara.nolte@example.de,,,
K-200004,Herr,Dieter,Ost,1973-04-04,Eichenweg,6,80331,München,dieter.ost@example.de,,,
K-200005,Frau,Eva,Pohl,1974-05-05,Buchenweg,7,01067,Dresden,eva.pohl@example.de,,,
K-200006,Herr,Frank,Quast,1975-06-06,Erlenweg,8,04109,Leipzig,frank.quast@example.de,,,
K-200007,Frau,Gabi,Roth,1976-07-07,Tannenweg,9,90402,Nürnberg,gabi.roth@example.de,,,
";

const CONTRACTS: &str = "\
contract_id,customer_id,product,status,start_date
KF-100 000 001,K-200001,kfz,active,2020-01-01
KF-100 000 002,K-200002,kfz,active,2020-01-01
KF-100 000 003,K-200003,kfz,active,2020-01-01
WG-100 000 004,K-200004,wohngebaeude,active,2020-01-01
HR-10000004,K-200004,hausrat,active,2020-01-01
KF-100 000 005,K-200005,kfz,active,2020-01-01
KF-100 000 006,K-200006,kfz,active,2020-01-01
LV-1000000006,K-200006,leben,active,2020-01-01
KF-100 000 007,K-200007,kfz,active,2020-01-01
";

/// A workspace with the test customers imported; `extra` is appended to the config.
fn env(extra: &str) -> Env {
    let env = Env::with_config(extra);
    std::fs::write(env.path("customers.csv"), CUSTOMERS).unwrap();
    std::fs::write(env.path("contracts.csv"), CONTRACTS).unwrap();
    env.ok(&[
        "customers",
        "import",
        "--customers",
        "customers.csv",
        "--contracts",
        "contracts.csv",
    ]);
    env
}

/// (customer id, name, postcode, e-mail) of a test customer.
fn who(n: u32) -> (String, &'static str, &'static str, &'static str) {
    let (name, pc, mail) = match n {
        1 => ("Anna Kuhn", "50667 Köln", "anna.kuhn@example.de"),
        2 => ("Bernd Maus", "10115 Berlin", "bernd.maus@example.de"),
        3 => ("Clara Nolte", "20095 Hamburg", "clara.nolte@example.de"),
        4 => ("Dieter Ost", "80331 München", "dieter.ost@example.de"),
        5 => ("Eva Pohl", "01067 Dresden", "eva.pohl@example.de"),
        6 => ("Frank Quast", "04109 Leipzig", "frank.quast@example.de"),
        _ => ("Gabi Roth", "90402 Nürnberg", "gabi.roth@example.de"),
    };
    (format!("K-20000{n}"), name, pc, mail)
}

/// A letter from customer `n` (a text file as the scan channel delivers it).
fn letter(env: &Env, file: &str, n: u32, body: &str) -> i64 {
    let (id, name, pc, _) = who(n);
    let text = format!(
        "{name}\n{pc}\nKundennummer {id}\n\nSehr geehrte Damen und Herren,\n\n{body}\n\nMit freundlichen Grüßen\n{name}\n"
    );
    ingest(env, file, &text, "scan")
}

/// An e-mail from customer `n`, optionally a reply to `reply_to` (a Message-ID).
fn mail(
    env: &Env,
    file: &str,
    n: u32,
    message_id: &str,
    reply_to: Option<&str>,
    subject: &str,
    body: &str,
) -> i64 {
    let (id, name, _, addr) = who(n);
    let thread = reply_to
        .map(|r| format!("In-Reply-To: <{r}>\r\nReferences: <{r}>\r\n"))
        .unwrap_or_default();
    let text = format!(
        "From: {name} <{addr}>\r\nTo: service@versicherung.example\r\nSubject: {subject}\r\nMessage-ID: <{message_id}>\r\n{thread}Date: Mon, 02 Mar 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nSehr geehrte Damen und Herren,\r\n\r\n{body}\r\n\r\nKundennummer {id}\r\n{name}\r\n"
    );
    ingest(env, file, &text, "mail")
}

fn ingest(env: &Env, file: &str, text: &str, channel: &str) -> i64 {
    std::fs::write(env.path(file), text).unwrap();
    env.ok(&["ingest", "--quiet", "--channel", channel, file]);
    let docs = env.export();
    let d = docs
        .iter()
        .rev()
        .find(|d| d["source"]["filename"] == file && d["source"]["parent_id"].is_null())
        .unwrap();
    assert_eq!(d["status"], "routed", "{d:#}");
    d["id"].as_i64().unwrap()
}

fn tasks(env: &Env, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["tasks", "list", "--json"];
    all.extend_from_slice(args);
    env.ok(&all)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn case_of(env: &Env, doc: i64) -> i64 {
    env.export()
        .iter()
        .find(|d| d["id"] == doc)
        .unwrap_or_else(|| panic!("document {doc} not exported"))["case_id"]
        .as_i64()
        .unwrap_or_else(|| panic!("document {doc} has no case"))
}

fn show(env: &Env, case: i64) -> Value {
    serde_json::from_str(&env.ok(&["cases", "show", &case.to_string(), "--json"])).unwrap()
}

fn task_of(env: &Env, doc: i64) -> Value {
    tasks(env, &[])
        .into_iter()
        .find(|t| t["documents"].as_array().unwrap().contains(&doc.into()))
        .unwrap_or_else(|| panic!("no task holds document {doc}"))
}

/// The same claim of customer 1 by letter, then by e-mail: (letter, mail).
fn claim_by_letter_and_mail(env: &Env) -> (i64, i64) {
    let l = letter(env, "claim.txt", 1, CLAIM);
    let m = mail(
        env,
        "claim.eml",
        1,
        "claim@example.de",
        None,
        "Schadenmeldung",
        CLAIM,
    );
    (l, m)
}

const CLAIM: &str = "ich melde einen Schaden: Wildunfall auf der Landstraße, ein Reh ist mir vor das Auto gelaufen. Die Stoßstange ist beschädigt. Schadenhergang anbei.";

#[test]
fn a_reply_joins_its_thread_across_channels_and_types() {
    // Time windows off: only the thread can link.
    let env = env("[cases]\nwindow_hours = 0\n");
    let first = mail(
        &env,
        "a.eml",
        1,
        "first@example.de",
        None,
        "Schadenmeldung Wildunfall",
        CLAIM,
    );
    let reply = mail(
        &env,
        "b.eml",
        1,
        "second@example.de",
        Some("first@example.de"),
        "AW: Schadenmeldung Wildunfall",
        "ich bin sehr unzufrieden, dass sich niemand meldet. Das ist eine Beschwerde.",
    );
    let case = case_of(&env, first);
    assert_eq!(case_of(&env, reply), case, "the reply joins the case");
    let all = tasks(&env, &[]);
    assert_eq!(all.len(), 1, "one task for the case: {all:#?}");
    let t = &all[0];
    assert_eq!(t["case_id"], case);
    assert_eq!(t["new_documents"], serde_json::json!([reply]));
    let view = show(&env, case);
    assert_eq!(view["status"], "open");
    let docs = view["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 2);
    assert!(docs[0]["linked_by"].is_null());
    assert_eq!(docs[1]["linked_by"], "reply to <first@example.de>");
    assert_eq!(view["task"]["id"], t["id"]);
    // The outbox carries the task again with the new document (latest line per id wins).
    let outbox = std::fs::read_to_string(env.path("data/outbox/tasks.jsonl")).unwrap();
    let last: Value = serde_json::from_str(outbox.lines().last().unwrap()).unwrap();
    assert_eq!(last["id"], t["id"]);
    assert_eq!(last["documents"].as_array().unwrap().len(), 2);
    assert_eq!(last["case_id"], case);
    // A clerk acting on the task has seen the new document.
    env.ok(&["tasks", "claim", &t["id"].to_string(), "--user", "anna"]);
    assert_eq!(tasks(&env, &[])[0]["new_documents"], serde_json::json!([]));
    // Without the thread (and without a window) the same mail opens its own case.
    let other = mail(
        &env,
        "c.eml",
        1,
        "third@example.de",
        None,
        "Schadenmeldung",
        CLAIM,
    );
    assert_ne!(case_of(&env, other), case);
}

#[test]
fn the_same_claim_number_links_and_two_claims_stay_two_cases() {
    // Default window (72 h): both claims come from the same customer within it.
    let env = env("");
    let letter1 = letter(
        &env,
        "l1.txt",
        1,
        &format!("Schadennummer S-2026000001\n{CLAIM}"),
    );
    let mail1 = mail(
        &env,
        "m1.eml",
        1,
        "m1@example.de",
        None,
        "Rechnung zu Schaden S-2026000001",
        "anbei die Rechnung der Werkstatt zur Schadennummer S-2026000001. Rechnungsbetrag 1.200 EUR.",
    );
    let letter2 = letter(
        &env,
        "l2.txt",
        1,
        &format!("Schadennummer S-2026000002\nEin zweiter Schaden: Glasbruch, Steinschlag in der Windschutzscheibe. {CLAIM}"),
    );
    let case1 = case_of(&env, letter1);
    assert_eq!(
        case_of(&env, mail1),
        case1,
        "same claim number, other channel and type"
    );
    assert_ne!(
        case_of(&env, letter2),
        case1,
        "another claim of the same customer"
    );
    let view = show(&env, case1);
    assert_eq!(
        view["documents"][1]["linked_by"],
        "same claim number S2026000001"
    );
    assert_eq!(tasks(&env, &[]).len(), 2);
}

#[test]
fn same_customer_and_type_within_the_window_is_one_case() {
    let env = env("");
    let (l, m) = claim_by_letter_and_mail(&env);
    let other_type = letter(
        &env,
        "adr.txt",
        1,
        "ich bin umgezogen. Meine neue Anschrift lautet Rosenweg 1, 50668 Köln. Bitte ändern Sie meine Adresse.",
    );
    let case = case_of(&env, l);
    assert_eq!(
        case_of(&env, m),
        case,
        "letter and e-mail about the same concern"
    );
    assert_ne!(case_of(&env, other_type), case, "another concern");
    assert_eq!(
        show(&env, case)["documents"][1]["linked_by"],
        "same customer and type within 72 h"
    );
    // With the window off the same pair stays apart.
    let env = self::env("[cases]\nwindow_hours = 0\n");
    let (l, m) = claim_by_letter_and_mail(&env);
    assert_ne!(case_of(&env, l), case_of(&env, m));
}

#[test]
fn a_reminder_joins_its_case_raises_priority_and_moves_the_task_up() {
    let env = env("");
    // An address change (normal priority) of one customer, a claim (high) of another.
    let adr = letter(
        &env,
        "adr.txt",
        4,
        "ich bin umgezogen. Meine neue Anschrift lautet Rosenweg 1, 80333 München. Bitte ändern Sie meine Adresse.",
    );
    let claim = letter(&env, "claim.txt", 1, CLAIM);
    let before = tasks(&env, &[]);
    assert_eq!(before[0]["documents"][0], claim, "the claim is more urgent");
    assert_eq!(task_of(&env, adr)["priority"], "normal");
    let reminder = mail(
        &env,
        "r.eml",
        4,
        "r@example.de",
        None,
        "Erinnerung: Adressänderung",
        "ich habe Ihnen meine neue Anschrift mitgeteilt (Rosenweg 1, 80333 München) und habe noch keine Antwort erhalten. Bitte ändern Sie meine Adresse.",
    );
    assert_eq!(case_of(&env, reminder), case_of(&env, adr));
    let t = task_of(&env, adr);
    assert_eq!(t["priority"], "high", "a reminder raises the priority");
    assert_eq!(t["reminders"], 1);
    assert_eq!(t["new_documents"], serde_json::json!([reminder]));
    // Same priority as the claim now, and new documents sort first.
    assert_eq!(tasks(&env, &[])[0]["id"], t["id"]);
    let history = show(&env, case_of(&env, adr))["history"].clone();
    assert!(
        history
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "reminder"),
        "{history:#}"
    );
    // Not a reminder: the claim keeps its priority.
    assert_eq!(task_of(&env, claim)["reminders"], 0);
}

#[test]
fn clerks_split_and_merge_cases_with_reason_and_who() {
    let env = env("");
    let (a, b) = claim_by_letter_and_mail(&env);
    let case = case_of(&env, a);
    assert_eq!(case_of(&env, b), case);
    let out = env.run(&[
        "cases",
        "split",
        &case.to_string(),
        "--documents",
        &a.to_string(),
        "--reason",
        "x",
    ]);
    assert!(
        !out.status.success(),
        "the first document cannot be split off"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("opened the case"));
    let new: i64 = env
        .ok(&[
            "cases",
            "split",
            &case.to_string(),
            "--documents",
            &b.to_string(),
            "--reason",
            "anderer Schaden",
            "--user",
            "bert",
        ])
        .trim()
        .parse()
        .unwrap();
    assert_eq!(case_of(&env, b), new);
    assert_eq!(case_of(&env, a), case);
    let all = tasks(&env, &[]);
    assert_eq!(all.len(), 2);
    assert_eq!(task_of(&env, b)["case_id"], new);
    assert_eq!(task_of(&env, b)["steps"].as_array().unwrap().len(), 5);
    assert!(!task_of(&env, a)["documents"]
        .as_array()
        .unwrap()
        .contains(&b.into()));
    let old = show(&env, case);
    let split = old["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "split_off")
        .unwrap();
    assert_eq!(split["actor"], "bert");
    assert_eq!(split["document_id"], b);
    assert_eq!(split["detail"], format!("to case {new}: anderer Schaden"));
    assert_eq!(
        show(&env, new)["documents"][0]["linked_by"],
        format!("from case {case}: anderer Schaden")
    );

    env.ok(&[
        "cases",
        "merge",
        &case.to_string(),
        &new.to_string(),
        "--reason",
        "doch derselbe",
        "--user",
        "carla",
    ]);
    assert_eq!(case_of(&env, b), case);
    let merged = show(&env, new);
    assert_eq!(merged["status"], "merged");
    assert_eq!(merged["merged_into"], case);
    assert_eq!(merged["task"]["status"], "done");
    let target = show(&env, case);
    let e = target["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "merged_from")
        .unwrap();
    assert_eq!(
        (e["actor"].as_str(), e["document_id"].as_i64()),
        (Some("carla"), Some(b))
    );
    assert!(e["detail"].as_str().unwrap().ends_with("doch derselbe"));
    let open = tasks(&env, &["--status", "open"]);
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["documents"].as_array().unwrap().len(), 2);
    // A merged case takes part in nothing more.
    let out = env.run(&[
        "cases",
        "merge",
        &case.to_string(),
        &new.to_string(),
        "--reason",
        "x",
    ]);
    assert!(!out.status.success());
}

fn impulse_rules(t: &Value) -> Vec<String> {
    t["impulses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn impulses_follow_the_rules_and_every_suppression() {
    let env = env("[cases]\nwindow_hours = 0\n");
    // K-200001: kfz, no hausrat → household insurance.
    let claim = letter(&env, "c1.txt", 1, CLAIM);
    let t = task_of(&env, claim);
    assert_eq!(impulse_rules(&t), ["claim_kfz_no_hausrat"]);
    assert_eq!(t["impulses"][0]["text"], "Hausratversicherung anbieten");
    assert!(t["impulse_suppression"].is_null());
    // K-200002 objected to advertising.
    let t = task_of(&env, letter(&env, "c2.txt", 2, CLAIM));
    assert!(impulse_rules(&t).is_empty());
    assert_eq!(
        t["impulse_suppression"],
        "the customer objected to advertising (rules withheld: claim_kfz_no_hausrat)"
    );
    // K-200003 has an open complaint: none on the complaint, none on the claim after it.
    let complaint = letter(
        &env,
        "k3.txt",
        3,
        "hiermit beschwere ich mich über die Bearbeitung meines Anliegens. Seit sechs Wochen \
         warte ich auf eine Antwort, niemand ruft zurück, und bei der Hotline werde ich jedes Mal \
         vertröstet. Ich bin äußerst unzufrieden mit Ihrem Service. Das ist eine Beschwerde.",
    );
    assert_eq!(task_of(&env, complaint)["doc_type"], "complaint");
    assert!(impulse_rules(&task_of(&env, complaint)).is_empty());
    let t = task_of(&env, letter(&env, "c3.txt", 3, CLAIM));
    assert!(impulse_rules(&t).is_empty());
    assert!(t["impulse_suppression"]
        .as_str()
        .unwrap()
        .starts_with("the customer has an open complaint"));
    // K-200007: health data in the claim.
    let t = task_of(
        &env,
        letter(
            &env,
            "c7.txt",
            7,
            &format!("{CLAIM} Ich wurde verletzt und lag zwei Tage im Krankenhaus."),
        ),
    );
    assert!(impulse_rules(&t).is_empty());
    assert!(t["impulse_suppression"]
        .as_str()
        .unwrap()
        .contains("health data"));
    // K-200004: wohngebaeude + hausrat and a new address → check the sums.
    let t = task_of(
        &env,
        letter(
            &env,
            "a4.txt",
            4,
            "ich bin umgezogen. Meine neue Anschrift lautet Rosenweg 1, 80333 München. Bitte ändern Sie meine Adresse.",
        ),
    );
    assert_eq!(impulse_rules(&t), ["address_change_check_sums"]);
    // K-200005 cancels → retention offer, also listed in the retention queue.
    let t = task_of(
        &env,
        letter(
            &env,
            "k5.txt",
            5,
            "hiermit kündige ich meine Kfz-Versicherung KF-100 000 005 fristgerecht zum 31.12.2026. Bitte bestätigen Sie die Kündigung.",
        ),
    );
    assert_eq!(t["doc_type"], "cancellation");
    assert_eq!(t["queue"], "bestand");
    assert_eq!(impulse_rules(&t), ["cancellation_retention"]);
    assert_eq!(t["also_queues"], serde_json::json!(["retention"]));
    let retention = tasks(&env, &["--queue", "retention"]);
    assert_eq!(retention.len(), 1);
    assert_eq!(retention[0]["id"], t["id"]);
    // K-200006 (kfz, leben) died: no impulse at all.
    let t = task_of(
        &env,
        letter(
            &env,
            "d6.txt",
            6,
            "leider müssen wir Ihnen mitteilen, dass unser Vater verstorben ist. Die Sterbeurkunde liegt bei. Sterbefall vom 01.03.2026.",
        ),
    );
    assert_eq!(t["doc_type"], "death_notice");
    assert!(impulse_rules(&t).is_empty());

    // Outcomes and the report.
    let claim_task = task_of(&env, claim)["id"].to_string();
    env.ok(&[
        "tasks",
        "impulse",
        &claim_task,
        "claim_kfz_no_hausrat",
        "--outcome",
        "accepted",
        "--user",
        "anna",
    ]);
    let t = task_of(&env, claim);
    assert_eq!(t["impulses"][0]["outcome"], "accepted");
    assert_eq!(t["impulses"][0]["outcome_by"], "anna");
    let out = env.run(&[
        "tasks",
        "impulse",
        &claim_task,
        "nope",
        "--outcome",
        "rejected",
    ]);
    assert!(!out.status.success());
    env.ok(&[
        "tasks",
        "impulse",
        &t_id(&env, "k5.txt"),
        "cancellation_retention",
        "--outcome",
        "not_addressed",
    ]);
    let report: Vec<Value> =
        serde_json::from_str(&env.ok(&["report", "impulses", "--json"])).unwrap();
    let row = |rule: &str| report.iter().find(|r| r["rule"] == rule).unwrap().clone();
    assert_eq!(row("claim_kfz_no_hausrat")["given"], 1);
    assert_eq!(row("claim_kfz_no_hausrat")["accepted"], 1);
    assert_eq!(row("cancellation_retention")["not_addressed"], 1);
    assert_eq!(row("address_change_check_sums")["open"], 1);
    assert_eq!(row("address_change_offer_hausrat")["given"], 0);
}

fn t_id(env: &Env, file: &str) -> String {
    let doc = env
        .export()
        .iter()
        .find(|d| d["source"]["filename"] == file)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    task_of(env, doc)["id"].to_string()
}

#[test]
fn tasks_carry_their_process_steps_and_clerks_check_them_off() {
    let env = env("[templates.cancellation]\nsteps = [{ id = \"check\", title = \"Prüfen\" }, { id = \"confirm\", title = \"Bestätigen\" }]\n");
    let claim = letter(&env, "c.txt", 1, CLAIM);
    let id = task_of(&env, claim)["id"].to_string();
    let steps = |env: &Env| -> Vec<(String, bool)> {
        let t: Value = serde_json::from_str(&env.ok(&["tasks", "show", &id, "--json"])).unwrap();
        t["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["id"].as_str().unwrap().to_string(),
                    s["done"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    let ids: Vec<String> = steps(&env).into_iter().map(|s| s.0).collect();
    assert_eq!(ids, ["record", "check", "contact", "needs", "offer"]);
    env.ok(&["tasks", "step", &id, "1", "--user", "anna"]);
    env.ok(&["tasks", "step", &id, "contact", "--user", "anna"]);
    let done: Vec<bool> = steps(&env).into_iter().map(|s| s.1).collect();
    assert_eq!(done, [true, false, true, false, false]);
    env.ok(&["tasks", "step", &id, "contact", "--undo"]);
    assert!(!steps(&env)[2].1);
    let out = env.run(&["tasks", "step", &id, "9"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no step"));
    let text = env.ok(&["tasks", "show", &id]);
    assert!(text.contains("[x] 1. record"), "{text}");
    assert!(text.contains("Hausratversicherung anbieten"), "{text}");
    assert!(env.ok(&["tasks", "list"]).contains("steps 1/5"));
    // A configured template replaces the built-in one for its type.
    let k = letter(
        &env,
        "k.txt",
        5,
        "hiermit kündige ich meine Kfz-Versicherung KF-100 000 005 fristgerecht zum 31.12.2026.",
    );
    let t = task_of(&env, k);
    assert_eq!(t["steps"].as_array().unwrap().len(), 2);
    assert_eq!(t["steps"][1]["title"], "Bestätigen");
}

#[test]
fn customer_csv_without_the_objection_column_still_imports() {
    let env = Env::new();
    std::fs::write(
        env.path("c.csv"),
        "customer_id,salutation,first_name,last_name,birth_date,street,house_number,postcode,city,email,phone,iban\nK-1,Frau,A,B,,S,1,12345,X,a@b.de,,\n",
    )
    .unwrap();
    env.ok(&["customers", "import", "--customers", "c.csv"]);
    let file: Value =
        serde_json::from_str(&env.ok(&["customer", "show", "K-1", "--json"])).unwrap();
    assert_eq!(file["customer"]["advertising_objection"], false);
    std::fs::write(
        env.path("d.csv"),
        "customer_id,salutation,first_name,last_name,birth_date,street,house_number,postcode,city,email,phone,iban,advertising_objection\nK-2,Frau,A,B,,S,1,12345,X,a@b.de,,,vielleicht\n",
    )
    .unwrap();
    let out = env.run(&["customers", "import", "--customers", "d.csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("d.csv:2: advertising_objection"));
}

const THEFT: &str = "aus unserem abgeschlossenen Kellerabteil wurde in der Nacht mein Trekkingrad gestohlen. Das Vorhängeschloss wurde aufgebrochen, Anzeige bei der Polizeidienststelle ist erstattet, der Kaufbeleg liegt bei.";

#[test]
fn follow_ups_join_by_reply_subject_and_reference_whatever_their_type() {
    // Window off: only the subject can link this reply (no In-Reply-To, another channel's
    // habit of writing "AW:" by hand).
    let env = env("[cases]\nwindow_hours = 0\n");
    let first = mail(
        &env,
        "a.eml",
        1,
        "a@example.de",
        None,
        "Schadenmeldung Wildunfall",
        CLAIM,
    );
    let reply = mail(
        &env,
        "b.eml",
        1,
        "b@example.de",
        None,
        "AW: Schadenmeldung Wildunfall",
        "die Fotos reiche ich morgen nach. Wann meldet sich der Gutachter?",
    );
    let case = case_of(&env, first);
    assert_eq!(case_of(&env, reply), case);
    assert_eq!(
        show(&env, case)["documents"][1]["linked_by"],
        "reply to the customer's subject \"schadenmeldung wildunfall\""
    );
    // The same reply from another customer opens its own case.
    let stranger = mail(
        &env,
        "c.eml",
        2,
        "c@example.de",
        None,
        "AW: Schadenmeldung Wildunfall",
        "die Fotos reiche ich morgen nach.",
    );
    assert_ne!(case_of(&env, stranger), case);

    // With the window: a cancellation and its "please confirm" (no contract number).
    let env = self::env("");
    let cancel = letter(
        &env,
        "k.txt",
        5,
        "hiermit kündige ich meine Kfz-Versicherung KF-100 000 005 fristgerecht zum 31.12.2026, das Fahrzeug wird verkauft.",
    );
    let confirm = mail(
        &env,
        "q.eml",
        5,
        "q@example.de",
        None,
        "Eingangsbestätigung",
        "bitte bestätigen Sie mir den Eingang meiner Kündigung und das Vertragsende.",
    );
    let case = case_of(&env, cancel);
    assert_eq!(case_of(&env, confirm), case);
    assert!(show(&env, case)["documents"][1]["linked_by"].is_string());
    // A claim of the same customer in the same days is another concern.
    let claim = letter(&env, "c.txt", 5, CLAIM);
    assert_ne!(case_of(&env, claim), case);
    // A letter answering the insurer ("Ihr Schreiben vom …") about the claim joins the claim,
    // not the cancellation, whatever type it was read as.
    let answer = letter(
        &env,
        "ans.txt",
        5,
        "Ihr Schreiben vom 04.03.2026: den Schadenhergang zum Wildunfall mit dem Reh habe ich beschrieben, die Stoßstange wird in der Werkstatt begutachtet.",
    );
    assert_eq!(case_of(&env, answer), case_of(&env, claim));
    let linked = show(&env, case_of(&env, claim))["documents"][1]["linked_by"].clone();
    assert!(
        linked
            .as_str()
            .unwrap()
            .starts_with("refers to earlier correspondence (\"ihr schreiben vom\")")
            || linked.as_str().unwrap().starts_with("same customer"),
        "{linked}"
    );
}

#[test]
fn an_invoice_and_a_status_complaint_join_the_claim_and_other_incidents_stay_apart() {
    let env = env("");
    let claim = letter(&env, "claim.txt", 1, CLAIM);
    let case = case_of(&env, claim);
    // A garage's invoice naming the customer: her only open claim.
    let invoice = letter(
        &env,
        "rechnung.txt",
        1,
        "Rechnung Nr. 2026-0388 für die Instandsetzung: Stoßstange vorne ersetzt und lackiert 820,00 EUR, Arbeitslohn 240,00 EUR, Summe netto 1.060,00 EUR, zzgl. 19 % MwSt. Rechnungsbetrag 1.261,40 EUR, zahlbar innerhalb von 14 Tagen.",
    );
    assert_eq!(case_of(&env, invoice), case, "{:#}", show(&env, case));
    // Another incident of the same customer: a new case, even on the same days.
    let theft = letter(&env, "theft.txt", 1, THEFT);
    let theft_case = case_of(&env, theft);
    assert_ne!(theft_case, case);
    // A complaint about the state of the first claim joins it, not the theft.
    let complaint = mail(
        &env,
        "beschwerde.eml",
        1,
        "b@example.de",
        None,
        "Unzufrieden",
        "seit dem Wildunfall mit dem Reh warte ich auf Nachricht, die Stoßstange ist immer noch nicht repariert. Ich bin sehr unzufrieden und beschwere mich.",
    );
    assert_eq!(case_of(&env, complaint), case);
    // The claim's task stays in its queue and is listed for the complaints department too.
    let t = task_of(&env, claim);
    assert_eq!(t["queue"], "schaden");
    assert!(
        t["also_queues"]
            .as_array()
            .unwrap()
            .contains(&"beschwerde".into()),
        "{t:#}"
    );
    // The same complaint from another customer joins nothing of customer 1.
    let other = mail(
        &env,
        "fremd.eml",
        2,
        "f@example.de",
        None,
        "Unzufrieden",
        "seit dem Wildunfall mit dem Reh warte ich auf Nachricht, die Stoßstange ist immer noch nicht repariert. Ich bin sehr unzufrieden und beschwere mich.",
    );
    assert_ne!(case_of(&env, other), case);
    assert_ne!(case_of(&env, other), theft_case);
    assert_eq!(show(&env, case)["documents"].as_array().unwrap().len(), 3);
}

#[test]
fn a_clerks_split_is_never_undone_by_a_later_document() {
    let env = env("");
    let (a, b) = claim_by_letter_and_mail(&env);
    let case = case_of(&env, a);
    assert_eq!(case_of(&env, b), case);
    let split: i64 = env
        .ok(&[
            "cases",
            "split",
            &case.to_string(),
            "--documents",
            &b.to_string(),
            "--reason",
            "zweiter Wildunfall",
        ])
        .trim()
        .parse()
        .unwrap();
    // Later documents about the same incident (same words, a reply to the split-off mail's
    // subject, the same text again) each join one of the two cases; neither pulls the other
    // back.
    let reply = mail(
        &env,
        "r.eml",
        1,
        "r@example.de",
        None,
        "AW: Schadenmeldung",
        "die Fotos der Stoßstange reiche ich nach.",
    );
    assert_eq!(
        case_of(&env, reply),
        split,
        "the reply follows the split-off mail"
    );
    let again = letter(
        &env,
        "again.txt",
        1,
        &format!("Noch einmal zur Sicherheit: {CLAIM}"),
    );
    assert!([case, split].contains(&case_of(&env, again)));
    assert_eq!(case_of(&env, a), case);
    assert_eq!(case_of(&env, b), split);
    assert_eq!(show(&env, case)["status"], "open");
    assert_eq!(show(&env, split)["status"], "open");
    assert_eq!(tasks(&env, &["--status", "open"]).len(), 2);
}

#[test]
fn eval_reports_case_pairs_and_cross_customer_joins() {
    let env = env("");
    let (_, name1, pc1, _) = who(1);
    let (_, name2, pc2, _) = who(2);
    let write = |file: &str, name: &str, pc: &str, id: &str, body: &str| {
        std::fs::write(
            env.path(file),
            format!("{name}\n{pc}\nKundennummer {id}\n\nSehr geehrte Damen und Herren,\n\n{body}\n\nMit freundlichen Grüßen\n{name}\n"),
        )
        .unwrap();
    };
    write("1.txt", name1, pc1, "K-200001", CLAIM);
    write(
        "2.txt",
        name1,
        pc1,
        "K-200001",
        &format!("Nochmals, wie besprochen: {CLAIM}"),
    );
    write("3.txt", name1, pc1, "K-200001", THEFT);
    write("4.txt", name2, pc2, "K-200002", THEFT);
    std::fs::write(
        env.path("labels.jsonl"),
        "{\"file\": \"1.txt\", \"doc_type\": \"claim\", \"customer_id\": \"K-200001\", \"case\": \"wild\"}\n\
         {\"file\": \"2.txt\", \"doc_type\": \"claim\", \"customer_id\": \"K-200001\", \"case\": \"wild\"}\n\
         {\"file\": \"3.txt\", \"doc_type\": \"claim\", \"customer_id\": \"K-200001\", \"case\": \"rad\"}\n\
         {\"file\": \"4.txt\", \"doc_type\": \"claim\", \"customer_id\": \"K-200002\", \"case\": \"rad2\"}\n",
    )
    .unwrap();
    let out = env.ok(&["eval", "--labels", "labels.jsonl", "--root", ".", "--json"]);
    let report: Value = serde_json::from_str(&out).unwrap();
    let cases = &report["cases"];
    assert_eq!(cases["documents"], 4);
    assert_eq!(cases["true_pairs"], 1);
    assert_eq!(cases["correct_pairs"], 1, "{cases:#}");
    assert_eq!(cases["predicted_pairs"], 1, "{cases:#}");
    assert_eq!(cases["pair_precision"], 1.0);
    assert_eq!(cases["pair_recall"], 1.0);
    assert_eq!(cases["cross_customer_joins"], 0);
    let text = env.ok(&["eval", "--labels", "labels.jsonl", "--root", "."]);
    assert!(text.contains("pair recall       1.0000 (1 of 1"), "{text}");
}

/// Customer 4's claims: a burglary on the household contract.
const CLAIMS: &str = "\
claim_id,contract_id,customer_id,loss_date
SN-2026-0004,HR-10000004,K-200004,2026-02-20
";

#[test]
fn a_claim_number_brings_its_contract_and_a_claim_of_another_contract_is_only_mentioned() {
    // Window off: only numbers link.
    let env = env("[cases]\nwindow_hours = 0\n");
    std::fs::write(env.path("claims.csv"), CLAIMS).unwrap();
    env.ok(&[
        "customers",
        "import",
        "--customers",
        "customers.csv",
        "--contracts",
        "contracts.csv",
        "--claims",
        "claims.csv",
    ]);
    // A complaint naming only the claim number …
    let complaint = letter(
        &env,
        "beschwerde.txt",
        4,
        "Beschwerde zur Bearbeitung meines Schadens SN-2026-0004: seit dem Einbruch meldet sich niemand, die Terrassentür ist nur provisorisch gesichert. Ich bin sehr unzufrieden.",
    );
    // … and the burglary report naming only the contract: one concern (master data says the
    // claim is on that contract).
    let report = letter(
        &env,
        "einbruch.txt",
        4,
        "Hausratversicherung HR-10000004: Einbruch während unseres Urlaubs, die Terrassentür wurde aufgehebelt, Schmuck und ein Laptop gestohlen.",
    );
    let case = case_of(&env, complaint);
    assert_eq!(case_of(&env, report), case, "{:#}", show(&env, case));
    assert_eq!(
        show(&env, case)["documents"][1]["linked_by"],
        "same contract number HR10000004"
    );
    // A letter about the house that mentions the burglary's claim as a separate matter.
    let house = letter(
        &env,
        "wasser.txt",
        4,
        "Wohngebäudeversicherung WG-100 000 004: im Keller ist ein Rohr geplatzt, der Estrich ist nass. Der Einbruch läuft ja separat unter SN-2026-0004 und hat hiermit nichts zu tun.",
    );
    assert_ne!(case_of(&env, house), case, "{:#}", show(&env, case));
}

/// Moves everything received so far `days` into the past (received, cases' last document).
fn age(env: &Env, days: i64) {
    let db = rusqlite::Connection::open(env.path("data/intake.sqlite3")).unwrap();
    let shift = |t: String| {
        (chrono::DateTime::parse_from_rfc3339(&t).unwrap() - chrono::Duration::days(days))
            .with_timezone(&chrono::Utc)
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    };
    for (table, column) in [("documents", "received_at"), ("cases", "last_document_at")] {
        let rows: Vec<(i64, String)> = db
            .prepare(&format!("SELECT id, {column} FROM {table}"))
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for (id, t) in rows {
            db.execute(
                &format!("UPDATE {table} SET {column} = ?1 WHERE id = ?2"),
                rusqlite::params![shift(t), id],
            )
            .unwrap();
        }
    }
}

#[test]
fn a_follow_up_weeks_later_finds_its_case_and_a_plain_letter_does_not() {
    const PHOTOS: &str =
        "Nachreichung zu meinem Schaden vom 2. März: anbei die Fotos der Stoßstange.";
    // Three weeks after the claim (`extra`: config), a letter about it without a number: its
    // case and the claim's.
    let three_weeks_later = |extra: &str, body: &str| {
        let env = env(extra);
        let claim = letter(&env, "claim.txt", 1, CLAIM);
        age(&env, 20);
        let later = letter(&env, "later.txt", 1, body);
        (case_of(&env, later), case_of(&env, claim))
    };
    // A follow-up that says so joins the claim …
    let (later, claim) = three_weeks_later("", PHOTOS);
    assert_eq!(later, claim);
    // … a plain letter about the deer is a new case (beyond the 72 h window) …
    let (later, claim) = three_weeks_later(
        "",
        "die Stoßstange nach dem Wildunfall mit dem Reh ist in der Werkstatt.",
    );
    assert_ne!(later, claim);
    // … and with the follow-up window off the follow-up is too.
    let (later, claim) = three_weeks_later("[cases]\nfollow_up_window_days = 0\n", PHOTOS);
    assert_ne!(later, claim);
}

#[test]
fn the_same_vehicle_links_a_later_bill_to_the_claim() {
    // Window off: only keys link.
    let env = env("[cases]\nwindow_hours = 0\nfollow_up_window_days = 0\n");
    let claim = letter(
        &env,
        "claim.txt",
        1,
        &format!("Kennzeichen K-AK 1970\n{CLAIM}"),
    );
    let bill = letter(
        &env,
        "bill.txt",
        1,
        "Rechnung Nr. 2026-0417 Autohaus am Ring: Fahrzeug K-AK 1970, Stoßstange vorne ersetzt und lackiert 820,00 EUR, Arbeitslohn 240,00 EUR, Summe 1.261,40 EUR.",
    );
    let case = case_of(&env, claim);
    assert_eq!(case_of(&env, bill), case, "{:#}", show(&env, case));
    assert_eq!(
        show(&env, case)["documents"][1]["linked_by"],
        "same vehicle KAK1970"
    );
    // Another customer's bill for a car with that plate joins nothing of customer 1.
    let other = letter(
        &env,
        "other.txt",
        2,
        "Rechnung Nr. 2026-0418 Autohaus am Ring: Fahrzeug K-AK 1970, Stoßstange vorne ersetzt.",
    );
    assert_ne!(case_of(&env, other), case);
}

#[test]
fn an_out_of_office_quoting_a_claim_number_is_no_case_for_the_claim() {
    // Window off: only keys link.
    let env = env("[cases]\nwindow_hours = 0\nfollow_up_window_days = 0\n");
    let (id, name, _, _) = who(1);
    let auto = "From: Autohaus Nord <info@autohaus-nord.example>\r\nTo: schaden@versicherung.example\r\nSubject: Automatische Antwort: Ihre Schadensache S-2026000001\r\nMessage-ID: <auto1@autohaus-nord.example>\r\nAuto-Submitted: auto-replied\r\nDate: Mon, 02 Mar 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nUnser Büro ist bis zum 14.03. nicht besetzt.\r\n";
    let auto = ingest(&env, "auto.eml", auto, "mail");
    let claim = letter(
        &env,
        "claim.txt",
        1,
        &format!("Schadennummer S-2026000001\n{CLAIM}"),
    );
    let bill = mail(
        &env,
        "bill.eml",
        1,
        "bill1@example.de",
        None,
        "Rechnung zu Schaden S-2026000001",
        &format!("anbei die Rechnung der Werkstatt, {name}, {id}. Rechnungsbetrag 1.200 EUR."),
    );
    assert_ne!(case_of(&env, claim), case_of(&env, auto));
    assert_eq!(case_of(&env, bill), case_of(&env, claim));
}
