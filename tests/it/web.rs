//! The HTTP API end to end: the real `intake serve` on a loopback port, real uploads, and every
//! endpoint with its access rules (401 without login, 403 outside a clerk's departments or for
//! health data without the permission, in the API and inside search), limits and backpressure.

use std::time::{Duration, Instant};

use reqwest::blocking::{multipart, Client, Response};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::{samples, Env};

struct Api {
    base: String,
    http: Client,
}

impl Api {
    fn new(base: &str) -> Api {
        Api {
            base: base.into(),
            http: Client::builder()
                .timeout(Duration::from_secs(120))
                .build()
                .unwrap(),
        }
    }

    fn login(&self, user: &str) -> String {
        let r = self
            .http
            .post(format!("{}/api/login", self.base))
            .json(&json!({"user": user, "password": "geheim1234"}))
            .send()
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "login {user}");
        r.json::<Value>().unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    fn get(&self, token: &str, path: &str) -> Response {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .unwrap()
    }

    fn post(&self, token: &str, path: &str, body: Value) -> Response {
        self.http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .unwrap()
    }

    fn upload(&self, token: &str, files: &[(&str, Vec<u8>)]) -> Response {
        let mut form = multipart::Form::new().text("note", "test upload");
        for (name, bytes) in files {
            form = form.part(
                "file",
                multipart::Part::bytes(bytes.clone()).file_name(name.to_string()),
            );
        }
        self.http
            .post(format!("{}/api/documents", self.base))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .unwrap()
    }

    fn search_ids(&self, token: &str, q: &str) -> Vec<i64> {
        let r = self.get(token, &format!("/api/search?q={}", urlencode(q)));
        assert_eq!(r.status(), StatusCode::OK);
        let v: Value = r.json().unwrap();
        v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_i64().unwrap())
            .collect()
    }

    /// Waits until the document's case has a task (routed).
    fn wait_routed(&self, admin: &str, id: i64) -> Value {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let d: Value = self
                .get(admin, &format!("/api/documents/{id}"))
                .json()
                .unwrap();
            if d["status"] == "routed" || d["status"] == "quarantined" {
                return d;
            }
            assert!(Instant::now() < deadline, "document {id} not routed: {d}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

const HEALTH_LETTER: &str = "Petra von Bülow\nRingstraße 8\n45138 Essen\n\n\
Kundennummer: K-100003\nVertragsnummer: PH-1580744-0\n\nSchadenmeldung Sturz im Treppenhaus\n\n\
Sehr geehrte Damen und Herren,\nich melde einen Schaden: bei dem Sturz wurde meine Brille zerstört. \
Beiliegend der Arztbericht mit der Diagnose Handgelenksfraktur.\n\nMit freundlichen Grüßen\nPetra von Bülow\n";

#[test]
fn api_enforces_login_departments_and_health_data_in_reads_and_search() {
    let env = Env::with_sample_customers("");
    env.add_user("admin", "admin", &["--permission", "health"]);
    env.add_user("erika", "clerk", &["--department", "schaden"]);
    env.add_user(
        "hans",
        "clerk",
        &["--department", "schaden", "--permission", "health"],
    );
    env.add_user("bea", "clerk", &["--department", "beschwerde"]);
    env.add_user("post", "mailroom", &[]);
    env.add_user("locked", "clerk", &["--department", "schaden"]);
    let (_serve, base) = env.serve_web();
    let api = Api::new(&base);

    // Without a login nothing but health, metrics and the API description answers.
    for path in [
        "/api/search?q=x",
        "/api/documents/1",
        "/api/tasks",
        "/api/customers/K-100007",
        "/api/me",
    ] {
        let r = api.http.get(format!("{base}{path}")).send().unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert!(r.json::<Value>().unwrap()["error"].is_string());
    }
    let bad = api
        .http
        .post(format!("{base}/api/login"))
        .json(&json!({"user": "erika", "password": "wrong-password"}))
        .send()
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    let r = api.get("not-a-token", "/api/me");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // Password guessing: after five failures the name is locked (even the right password).
    let attempt = |password: &str| {
        api.http
            .post(format!("{base}/api/login"))
            .json(&json!({"user": "locked", "password": password}))
            .send()
            .unwrap()
    };
    for _ in 0..5 {
        assert_eq!(attempt("guess-guess").status(), StatusCode::UNAUTHORIZED);
    }
    let r = attempt("geheim1234");
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.json::<Value>().unwrap()["error"]
        .as_str()
        .unwrap()
        .contains("try again"));

    let (admin, erika, hans, bea, post) = (
        api.login("admin"),
        api.login("erika"),
        api.login("hans"),
        api.login("bea"),
        api.login("post"),
    );
    assert_eq!(
        api.get(&erika, "/api/me").json::<Value>().unwrap()["departments"],
        json!(["schaden"])
    );

    // The mailroom uploads; the originals are durable when the answer comes.
    let claim_pdf = std::fs::read(samples().join("letters/claim.pdf")).unwrap();
    let complaint_pdf = std::fs::read(samples().join("letters/complaint.pdf")).unwrap();
    let r = api.upload(
        &post,
        &[
            ("claim.pdf", claim_pdf.clone()),
            ("complaint.pdf", complaint_pdf),
            ("arztbericht.txt", HEALTH_LETTER.as_bytes().to_vec()),
        ],
    );
    assert_eq!(r.status(), StatusCode::CREATED);
    let body: Value = r.json().unwrap();
    let docs = body["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 3);
    for d in docs {
        assert_eq!(d["status"], "received");
        assert_eq!(
            env.blob(d["sha256"].as_str().unwrap()).len() as u64,
            d["size"].as_u64().unwrap()
        );
    }
    let (claim, complaint, health) = (
        docs[0]["id"].as_i64().unwrap(),
        docs[1]["id"].as_i64().unwrap(),
        docs[2]["id"].as_i64().unwrap(),
    );
    for id in [claim, complaint, health] {
        api.wait_routed(&admin, id);
    }
    let health_doc: Value = api
        .get(&admin, &format!("/api/documents/{health}"))
        .json()
        .unwrap();
    assert_eq!(
        health_doc["understanding"]["task"]["queue"], "schaden",
        "{health_doc}"
    );
    assert!(health_doc["understanding"]["health_data"]
        .as_str()
        .unwrap()
        .contains("arztbericht"));
    // The same bytes again are recognised as a duplicate of the first upload; which document
    // that is, only someone who may read it is told.
    let again: Value = api
        .upload(&post, &[("claim.pdf", claim_pdf.clone())])
        .json()
        .unwrap();
    assert_eq!(again["documents"][0]["status"], "duplicate");
    assert!(
        again["documents"][0].get("duplicate_of").is_none(),
        "{again}"
    );
    let again: Value = api
        .upload(&erika, &[("claim.pdf", claim_pdf)])
        .json()
        .unwrap();
    assert_eq!(again["documents"][0]["duplicate_of"], claim);

    // Reads by id: own department yes, others 403, health only with the permission.
    let status = |token: &str, id: i64| api.get(token, &format!("/api/documents/{id}")).status();
    assert_eq!(status(&erika, claim), StatusCode::OK);
    assert_eq!(status(&erika, complaint), StatusCode::FORBIDDEN);
    assert_eq!(status(&erika, health), StatusCode::FORBIDDEN);
    assert_eq!(status(&hans, health), StatusCode::OK);
    assert_eq!(status(&bea, complaint), StatusCode::OK);
    assert_eq!(status(&bea, claim), StatusCode::FORBIDDEN);
    assert_eq!(
        status(&post, claim),
        StatusCode::FORBIDDEN,
        "the mailroom does not read contents"
    );
    assert_eq!(status(&admin, 999_999), StatusCode::NOT_FOUND);
    let d: Value = api
        .get(&erika, &format!("/api/documents/{claim}"))
        .json()
        .unwrap();
    assert!(d["text"].as_str().unwrap().contains("Fahrrad"));
    assert_eq!(d["understanding"]["doc_type"], "claim");
    assert!(!d["understanding"]["type_explanation"]
        .as_str()
        .unwrap()
        .is_empty());
    assert_eq!(d["understanding"]["customer_id"], "K-100007");
    assert_eq!(d["case_task"]["queue"], "schaden");
    assert!(d["understanding"]["identifiers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["value"] == "HR22156432"));

    // Search is filtered inside the query: the words are there, the clerk just cannot find them.
    assert_eq!(api.search_ids(&erika, "Fahrrad"), vec![claim]);
    assert_eq!(
        api.search_ids(&erika, "HR-22156432"),
        vec![claim],
        "by contract number"
    );
    assert!(api.search_ids(&erika, "Arztbericht").is_empty());
    assert_eq!(api.search_ids(&hans, "Arztbericht"), vec![health]);
    let complaint_word = "vertröstet";
    assert!(api.search_ids(&bea, complaint_word).contains(&complaint));
    assert!(!api.search_ids(&erika, complaint_word).contains(&complaint));
    assert_eq!(
        api.get(&post, "/api/search?q=Fahrrad").status(),
        StatusCode::FORBIDDEN
    );
    let page: Value = api.get(&admin, "/api/search?q=&per_page=2").json().unwrap();
    assert_eq!(
        page["total"], 3,
        "admin with health sees all three (the duplicate is not indexed again): {page}"
    );
    assert_eq!(page["hits"].as_array().unwrap().len(), 2);
    let queues: Vec<&str> = page["facets"]["queue"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["value"].as_str().unwrap())
        .collect();
    assert!(
        queues.contains(&"schaden") && queues.contains(&"beschwerde"),
        "{page}"
    );
    assert_eq!(page["facets"]["channel"][0]["value"], "upload");
    assert_eq!(
        api.get(&admin, "/api/search?since=gestern").status(),
        StatusCode::BAD_REQUEST
    );

    // The original is a download, never rendered; every read is logged.
    let r = api.get(&erika, &format!("/api/documents/{claim}/original"));
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(
        api.get(&erika, &format!("/api/documents/{complaint}/original"))
            .status(),
        StatusCode::FORBIDDEN
    );
    let reads: Vec<Value> = api
        .get(&admin, &format!("/api/documents/{claim}/reads"))
        .json()
        .unwrap();
    assert!(
        reads
            .iter()
            .any(|r| r["user"] == "erika" && r["what"] == "original"),
        "{reads:?}"
    );
    assert!(reads
        .iter()
        .any(|r| r["user"] == "erika" && r["what"] == "metadata"));
    assert_eq!(
        api.get(&erika, &format!("/api/documents/{claim}/reads"))
            .status(),
        StatusCode::FORBIDDEN
    );
    let cli_reads = env.ok(&["reads", "--document", &claim.to_string()]);
    assert!(cli_reads.contains("erika"), "{cli_reads}");

    // The customer file shows only what the clerk may see.
    let file: Value = api.get(&erika, "/api/customers/K-100007").json().unwrap();
    assert_eq!(file["customer"]["last_name"], "Roth");
    let timeline: Vec<i64> = file["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["document_id"].as_i64().unwrap())
        .collect();
    assert!(timeline.contains(&claim), "{timeline:?}");
    let ids_in = |token: &str| -> Vec<i64> {
        let file: Value = api.get(token, "/api/customers/K-100003").json().unwrap();
        file["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["document_id"].as_i64().unwrap())
            .collect()
    };
    assert!(ids_in(&erika).is_empty(), "health data hidden in the file");
    assert_eq!(ids_in(&hans), vec![health]);
    assert_eq!(
        api.get(&erika, "/api/customers/K-999999").status(),
        StatusCode::NOT_FOUND
    );

    // Tasks: own departments only; claim, done, reassign, correct.
    let tasks: Vec<Value> = api.get(&erika, "/api/tasks").json().unwrap();
    assert!(tasks.iter().all(|t| t["queue"] == "schaden"));
    assert!(
        tasks.iter().all(|t| t["root_document_id"] != health),
        "health task hidden from erika"
    );
    assert_eq!(
        api.get(&erika, "/api/tasks?queue=beschwerde").status(),
        StatusCode::FORBIDDEN
    );
    let claim_task = tasks
        .iter()
        .find(|t| t["root_document_id"] == claim)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let complaint_task = d_task(&api, &bea, complaint);
    let one: Value = api
        .get(&erika, &format!("/api/tasks/{claim_task}"))
        .json()
        .unwrap();
    assert_eq!(one["root_document_id"], claim);
    assert_eq!(
        api.get(&bea, &format!("/api/tasks/{claim_task}")).status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        api.get(&erika, "/api/tasks/999999").status(),
        StatusCode::NOT_FOUND
    );
    // A born-digital letter has no searchable-PDF rendition.
    assert_eq!(
        api.get(
            &erika,
            &format!("/api/documents/{claim}/renditions/searchable_pdf")
        )
        .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api.post(
            &erika,
            &format!("/api/tasks/{complaint_task}/claim"),
            json!({})
        )
        .status(),
        StatusCode::FORBIDDEN
    );
    let r: Value = api
        .post(&erika, &format!("/api/tasks/{claim_task}/claim"), json!({}))
        .json()
        .unwrap();
    assert_eq!(
        (r["status"].as_str(), r["assignee"].as_str()),
        (Some("claimed"), Some("erika"))
    );
    assert_eq!(
        api.post(&hans, &format!("/api/tasks/{claim_task}/claim"), json!({}))
            .status(),
        StatusCode::CONFLICT
    );
    assert_eq!(
        api.post(
            &erika,
            &format!("/api/tasks/{claim_task}/correct"),
            json!({"type": "kuendigung"})
        )
        .status(),
        StatusCode::BAD_REQUEST
    );
    let r = api.post(
        &erika,
        &format!("/api/tasks/{claim_task}/correct"),
        json!({"customer": "K-999999"}),
    );
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().unwrap().contains("not a known customer"));
    assert_eq!(
        api.post(
            &erika,
            &format!("/api/tasks/{claim_task}/reassign"),
            json!({"queue": "nirgendwo"})
        )
        .status(),
        StatusCode::BAD_REQUEST
    );
    let r: Value = api
        .post(
            &erika,
            &format!("/api/tasks/{claim_task}/correct"),
            json!({"type": "invoice"}),
        )
        .json()
        .unwrap();
    assert_eq!(r["doc_type"], "invoice");
    // Reassigning moves the document out of erika's reach, into bea's, in reads and search.
    let r: Value = api
        .post(
            &erika,
            &format!("/api/tasks/{claim_task}/reassign"),
            json!({"queue": "beschwerde"}),
        )
        .json()
        .unwrap();
    assert_eq!(r["queue"], "beschwerde");
    assert_eq!(status(&erika, claim), StatusCode::FORBIDDEN);
    assert_eq!(status(&bea, claim), StatusCode::OK);
    let deadline = Instant::now() + Duration::from_secs(30);
    while api.search_ids(&bea, "Fahrrad") != vec![claim] {
        assert!(
            Instant::now() < deadline,
            "search did not follow the reassignment"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(api.search_ids(&erika, "Fahrrad").is_empty());
    let r: Value = api
        .post(&bea, &format!("/api/tasks/{claim_task}/done"), json!({}))
        .json()
        .unwrap();
    assert_eq!(r["status"], "done");
    assert_eq!(
        api.post(&bea, &format!("/api/tasks/{claim_task}/done"), json!({}))
            .status(),
        StatusCode::CONFLICT
    );

    // The mailroom's ledger; clerks may not see it.
    let ledger: Value = api.get(&post, "/api/ledger").json().unwrap();
    assert_eq!(ledger["documents"]["routed"], 3, "{ledger}");
    assert_eq!(ledger["documents"]["duplicate"], 2);
    assert_eq!(
        api.get(&erika, "/api/ledger").status(),
        StatusCode::FORBIDDEN
    );

    // Metrics and health.
    let metrics = api
        .http
        .get(format!("{base}/metrics"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        metrics.contains("intake_documents{status=\"routed\"} 3"),
        "{metrics}"
    );
    assert!(
        metrics.contains("intake_tasks_open{queue=\"beschwerde\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("intake_backlog_age_seconds{queue="));
    assert!(metrics
        .contains("intake_http_requests_total{route=\"/api/documents/{id}\",status=\"403\"}"));
    assert!(metrics.contains("intake_receipt_to_routed_seconds{quantile=\"0.99\"}"));
    assert_eq!(
        api.http
            .get(format!("{base}/healthz"))
            .send()
            .unwrap()
            .text()
            .unwrap(),
        "ok"
    );

    // Cross-site state changes are refused; scripts without Origin pass; answers are not cached.
    let r = api
        .http
        .post(format!("{base}/api/tasks/{complaint_task}/claim"))
        .bearer_auth(&bea)
        .header("Origin", "https://evil.example")
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = api
        .http
        .get(format!("{base}/api/me"))
        .header("Authorization", format!("bearer {erika}"))
        .send()
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "the scheme name is case-insensitive"
    );
    assert_eq!(r.headers()["cache-control"], "no-store");
    // A refused read is in the read log; a health-insurance contract is hidden without `health`.
    let reads: Vec<Value> = api
        .get(&admin, &format!("/api/documents/{complaint}/reads"))
        .json()
        .unwrap();
    assert!(
        reads
            .iter()
            .any(|r| r["user"] == "erika" && r["what"] == "denied"),
        "{reads:?}"
    );
    let products = |token: &str| -> Vec<String> {
        let f: Value = api.get(token, "/api/customers/K-100026").json().unwrap();
        f["contracts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["product"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(!products(&erika).contains(&"kranken".to_string()));
    assert!(products(&hans).contains(&"kranken".to_string()));

    // The framework's own refusals are JSON errors too.
    for (path, code) in [
        ("/api/documents/abc", StatusCode::BAD_REQUEST),
        ("/api/nothing-here", StatusCode::NOT_FOUND),
    ] {
        let r = api.get(&erika, path);
        assert_eq!(r.status(), code, "{path}");
        assert!(r.json::<Value>().unwrap()["error"].is_string(), "{path}");
    }

    // Logout ends the token.
    assert_eq!(
        api.post(&erika, "/api/logout", json!({})).status(),
        StatusCode::OK
    );
    assert_eq!(
        api.get(&erika, "/api/me").status(),
        StatusCode::UNAUTHORIZED
    );
}

fn d_task(api: &Api, token: &str, doc: i64) -> i64 {
    let d: Value = api
        .get(token, &format!("/api/documents/{doc}"))
        .json()
        .unwrap();
    d["case_task"]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no task: {d}"))
}

#[test]
fn openapi_describes_every_route() {
    let env = Env::new();
    let (_serve, base) = env.serve_web();
    let spec: Value = reqwest::blocking::get(format!("{base}/api/openapi.json"))
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(spec["openapi"], "3.0.3");
    let src = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web/mod.rs"),
    )
    .unwrap();
    // Every API route in the router, with its methods, is in the description.
    let flat: String = src.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut seen = 0;
    for chunk in flat.split(".route(").skip(1) {
        let path = chunk.split('"').nth(1).unwrap();
        if !(path.starts_with("/api/") || path == "/metrics" || path == "/healthz") {
            continue;
        }
        for m in ["get", "post"] {
            if chunk.contains(&format!(" {m}("))
                || chunk.contains(&format!("({m}("))
                || chunk.contains(&format!(".{m}("))
            {
                assert!(
                    spec["paths"][path][m].is_object(),
                    "{m} {path} is not in docs/openapi.json"
                );
                seen += 1;
            }
        }
    }
    assert_eq!(seen, 24, "routes found in src/web/mod.rs");
}

#[test]
fn upload_limits_give_413_and_a_full_pipeline_gives_503_with_retry_after() {
    let env = Env::with_sample_customers(
        "[pipeline]\nintake_capacity = 1\nextract_capacity = 1\nfinish_capacity = 1\nbatch_size = 1\nextract_workers = 1\n\n\
         [ocr]\nworkers = 1\ncapacity = 1\n\n[limits]\nmax_file_bytes = 400000\n",
    );
    // The upload limit is in the serve config; `[web]` is already in the base config.
    let config = std::fs::read_to_string(env.path("intake.toml"))
        .unwrap()
        .replace(
            "[web]\n",
            "[web]\nmax_upload_bytes = 1000000\nmax_pending_uploads = 3\nretry_after_seconds = 7\n",
        );
    std::fs::write(env.path("intake.toml"), config).unwrap();
    env.add_user("post", "mailroom", &[]);
    let (_serve, base) = env.serve_web();
    let api = Api::new(&base);
    let post = api.login("post");

    // The server answers 413 before the body is read, so send it raw and read the answer.
    let (status, body) = raw_upload(&base, &post, 1_200_000);
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("web.max_upload_bytes"), "{body}");
    let r = api.upload(&post, &[("file.bin", vec![b'x'; 500_000])]);
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.json::<Value>().unwrap()["error"]
        .as_str()
        .unwrap()
        .contains("limits.max_file_bytes"));
    let r = api
        .http
        .post(format!("{base}/api/documents"))
        .bearer_auth(&post)
        .multipart(multipart::Form::new().text("note", "no file"))
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    // Scans keep the single OCR worker busy for seconds each; many uploads at once fill the
    // small pipeline, and the rest are refused with 503 instead of being buffered.
    let scans: Vec<(String, Vec<u8>)> = [
        "letter.png",
        "rotated-90.png",
        "rotated-180.png",
        "skewed.jpg",
        "letter-2p-g4.tif",
        "letter-image-only.pdf",
        "mixed.pdf",
        "blank.png",
    ]
    .iter()
    .map(|n| {
        (
            n.to_string(),
            std::fs::read(samples().join("scans").join(n)).unwrap(),
        )
    })
    .collect();
    let mut uploads: Vec<(String, Vec<u8>)> = Vec::new();
    for round in 0..2u8 {
        for (name, bytes) in &scans {
            let mut b = bytes.clone();
            // Distinct bytes (so no duplicates); trailing data after the image is ignored.
            b.extend_from_slice(&[round; 1]);
            uploads.push((format!("{round}-{name}"), b));
        }
    }
    let results: Vec<(StatusCode, Option<String>, Value)> = std::thread::scope(|s| {
        let handles: Vec<_> = uploads
            .iter()
            .map(|(name, bytes)| {
                let (api, post) = (&api, &post);
                s.spawn(move || {
                    let r = api.upload(post, &[(name.as_str(), bytes.clone())]);
                    let retry = r
                        .headers()
                        .get("retry-after")
                        .map(|v| v.to_str().unwrap().to_string());
                    (r.status(), retry, r.json::<Value>().unwrap())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let busy: Vec<_> = results
        .iter()
        .filter(|r| r.0 == StatusCode::SERVICE_UNAVAILABLE)
        .collect();
    let created: Vec<_> = results
        .iter()
        .filter(|r| r.0 == StatusCode::CREATED)
        .collect();
    assert_eq!(busy.len() + created.len(), uploads.len(), "{results:?}");
    assert!(!busy.is_empty(), "nothing was refused: {results:?}");
    assert!(!created.is_empty());
    for b in &busy {
        assert_eq!(b.1.as_deref(), Some("7"));
        assert!(b.2["error"].as_str().unwrap().contains("try again"));
    }
    // Everything accepted is processed; the pipeline did not stall.
    let admin_view = |id: i64| -> Value {
        let out = env.ok(&["export", "documents"]);
        out.lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .find(|d| d["id"] == id)
            .unwrap()
    };
    let deadline = Instant::now() + Duration::from_secs(300);
    for c in &created {
        let id = c.2["documents"][0]["id"].as_i64().unwrap();
        loop {
            let d = admin_view(id);
            if d["status"] == "routed" {
                break;
            }
            assert!(Instant::now() < deadline, "document {id} stuck: {d}");
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

/// A multipart upload of `size` bytes over a plain socket: write errors (the server closing
/// early) are ignored and the answer is read. Returns status and body.
fn raw_upload(base: &str, token: &str, size: usize) -> (u16, String) {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let boundary = "XyZbOuNdArY";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend(std::iter::repeat_n(b'x', size));
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let head = format!(
        "POST /api/documents HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    let _ = s.write_all(&body);
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    (status, body)
}

const KFZ_CLAIM: &str = "Renate Otto\nÖlmühlenweg 29\n22303 Hamburg\n\nKundennummer: K-100025\n\
Versicherungsnummer: KF-529 268 819\n\nSchadenmeldung: Auffahrunfall\n\nSehr geehrte Damen und Herren,\n\
am 02.03.2026 ist mir an der Ampel ein Fahrzeug aufgefahren. Der Schaden an der Stoßstange ist erheblich, \
die Polizei hat den Unfall aufgenommen. Bitte regulieren Sie den Schaden.\n\nMit freundlichen Grüßen\nRenate Otto\n";

#[test]
fn cases_steps_impulses_retention_and_retry_through_the_api() {
    let env = Env::with_sample_customers("");
    env.add_user("erika", "clerk", &["--department", "schaden"]);
    env.add_user("rita", "clerk", &["--department", "retention"]);
    env.add_user("post", "mailroom", &[]);
    env.add_user("admin", "admin", &["--permission", "health"]);
    let (_serve, base) = env.serve_web();
    let api = Api::new(&base);
    let (erika, rita, post) = (api.login("erika"), api.login("rita"), api.login("post"));
    let admin_wait = |id: i64| {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let d = env.export().into_iter().find(|d| d["id"] == id).unwrap();
            if d["status"] == "routed" || d["status"] == "quarantined" {
                return d;
            }
            assert!(Instant::now() < deadline, "{id} not done: {d}");
            std::thread::sleep(Duration::from_millis(100));
        }
    };

    let cancellation = std::fs::read(samples().join("letters/cancellation.pdf")).unwrap();
    let body: Value = api
        .upload(
            &post,
            &[
                ("unfall.txt", KFZ_CLAIM.as_bytes().to_vec()),
                ("kuendigung.pdf", cancellation),
                (
                    "kaputt.pdf",
                    b"%PDF-1.7\n1 0 obj << /Type /Catalog".to_vec(),
                ),
            ],
        )
        .json()
        .unwrap();
    let id = |i: usize| body["documents"][i]["id"].as_i64().unwrap();
    let (claim, cancel, broken) = (id(0), id(1), id(2));
    for d in [claim, cancel, broken] {
        admin_wait(d);
    }

    // The claim's task carries its case, process steps and the kfz-without-hausrat impulse.
    let doc: Value = api
        .get(&erika, &format!("/api/documents/{claim}"))
        .json()
        .unwrap();
    let task = &doc["case_task"];
    let task_id = task["id"].as_i64().unwrap();
    let case_id = task["case_id"].as_i64().unwrap();
    assert!(task["steps"].as_array().unwrap().len() >= 3, "{task}");
    assert_eq!(
        task["impulses"][0]["rule"], "claim_kfz_no_hausrat",
        "{task}"
    );
    let step_id = task["steps"][0]["id"].as_str().unwrap().to_string();
    let t: Value = api
        .post(
            &erika,
            &format!("/api/tasks/{task_id}/steps/{step_id}"),
            json!({}),
        )
        .json()
        .unwrap();
    assert_eq!(
        (
            t["steps"][0]["done"].as_bool(),
            t["steps"][0]["done_by"].as_str()
        ),
        (Some(true), Some("erika"))
    );
    let t: Value = api
        .post(
            &erika,
            &format!("/api/tasks/{task_id}/steps/{step_id}"),
            json!({"done": false}),
        )
        .json()
        .unwrap();
    assert_eq!(t["steps"][0]["done"], false);
    assert_eq!(
        api.post(
            &erika,
            &format!("/api/tasks/{task_id}/steps/nope"),
            json!({})
        )
        .status(),
        StatusCode::BAD_REQUEST
    );
    let t: Value = api
        .post(
            &erika,
            &format!("/api/tasks/{task_id}/impulses/claim_kfz_no_hausrat"),
            json!({"outcome": "accepted"}),
        )
        .json()
        .unwrap();
    assert_eq!(
        (
            t["impulses"][0]["outcome"].as_str(),
            t["impulses"][0]["outcome_by"].as_str()
        ),
        (Some("accepted"), Some("erika"))
    );
    let case: Value = api
        .get(&erika, &format!("/api/cases/{case_id}"))
        .json()
        .unwrap();
    assert_eq!(case["documents"][0]["document_id"], claim, "{case}");
    assert_eq!(
        api.get(&rita, &format!("/api/cases/{case_id}")).status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        api.post(
            &rita,
            &format!("/api/tasks/{task_id}/steps/{step_id}"),
            json!({})
        )
        .status(),
        StatusCode::FORBIDDEN
    );

    // A cancellation is also listed in `retention`: its clerks see the task and the letter.
    let listed: Vec<Value> = api.get(&rita, "/api/tasks?queue=retention").json().unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["root_document_id"], cancel);
    assert_eq!(
        api.get(&rita, &format!("/api/documents/{cancel}")).status(),
        StatusCode::OK
    );
    assert_eq!(
        api.get(&rita, &format!("/api/documents/{claim}")).status(),
        StatusCode::FORBIDDEN
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while !api.search_ids(&rita, "").contains(&cancel) {
        assert!(
            Instant::now() < deadline,
            "retention clerk cannot find the cancellation"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    // A portal upload names its customer: a letter without any identifier is matched by it.
    let form = multipart::Form::new()
        .text("customer", "K 100003")
        .text("channel", "portal")
        .part(
            "file",
            multipart::Part::bytes(
                "Guten Tag, bitte rufen Sie mich wegen meiner Versicherung zurück. Danke!"
                    .as_bytes()
                    .to_vec(),
            )
            .file_name("rueckruf.txt"),
        );
    let r = api
        .http
        .post(format!("{base}/api/documents"))
        .bearer_auth(&post)
        .multipart(form)
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let hinted = r.json::<Value>().unwrap()["documents"][0]["id"]
        .as_i64()
        .unwrap();
    let d = admin_wait(hinted);
    assert_eq!(d["customer_id"], "K-100003", "{d}");
    assert_eq!(d["channel"], "portal");
    assert_eq!(d["metadata"]["customer_hint"], "K 100003");

    // A TIFF scan, which browsers cannot show, is previewed as its searchable PDF.
    let tiff = std::fs::read(samples().join("scans/letter-2p-g4.tif")).unwrap();
    let body: Value = api.upload(&post, &[("scan.tif", tiff)]).json().unwrap();
    let scan = body["documents"][0]["id"].as_i64().unwrap();
    admin_wait(scan);
    let admin = api.login("admin");
    let r = api.get(&admin, &format!("/dokumente/{scan}/vorschau"));
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.bytes().unwrap().starts_with(b"%PDF"));
    let page = api
        .get(&admin, &format!("/dokumente/{scan}"))
        .text()
        .unwrap();
    assert!(
        page.contains("iframe"),
        "the document page embeds the preview"
    );

    // The mailroom sees the broken PDF with its reason and hands it in again.
    let ledger: Value = api.get(&post, "/api/ledger").json().unwrap();
    let failure = ledger["failures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == broken)
        .unwrap();
    assert!(!failure["error"].as_str().unwrap().is_empty());
    assert_eq!(
        api.post(&erika, &format!("/api/failures/{broken}/retry"), json!({}))
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        api.post(&post, &format!("/api/failures/{claim}/retry"), json!({}))
            .status(),
        StatusCode::CONFLICT
    );
    let r = api.post(&post, &format!("/api/failures/{broken}/retry"), json!({}));
    assert_eq!(r.status(), StatusCode::CREATED);
    let again: Value = r.json().unwrap();
    let new_id = again["id"].as_i64().unwrap();
    assert!(new_id > broken);
    assert_eq!(
        api.post(&post, &format!("/api/failures/{broken}/retry"), json!({}))
            .status(),
        StatusCode::CONFLICT,
        "retried once is enough"
    );
    let ledger: Value = api.get(&post, "/api/ledger").json().unwrap();
    assert!(
        !ledger["failures"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == broken),
        "a retried item leaves the failure list"
    );
    assert_eq!(
        admin_wait(new_id)["status"],
        "quarantined",
        "still broken, recorded anew"
    );
}

/// Removing a user ends their sessions at once and hands their claimed tasks back; the read log
/// keeps their name.
#[test]
fn a_removed_user_is_logged_out_and_their_claimed_tasks_reopen() {
    let env = Env::with_sample_customers("");
    env.add_user("admin", "admin", &[]);
    env.add_user("erika", "clerk", &["--department", "schaden"]);
    let (_serve, base) = env.serve_web();
    let api = Api::new(&base);
    let (admin, erika) = (api.login("admin"), api.login("erika"));
    let claim_pdf = std::fs::read(samples().join("letters/claim.pdf")).unwrap();
    let r = api.upload(&admin, &[("claim.pdf", claim_pdf)]);
    assert_eq!(r.status(), StatusCode::CREATED);
    let doc = r.json::<Value>().unwrap()["documents"][0]["id"]
        .as_i64()
        .unwrap();
    api.wait_routed(&admin, doc);
    let task = d_task(&api, &admin, doc);
    let r = api.post(&erika, &format!("/api/tasks/{task}/claim"), json!({}));
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().unwrap());
    assert_eq!(
        api.get(&erika, &format!("/api/documents/{doc}")).status(),
        StatusCode::OK
    );

    let out = env.run(&["users", "remove", "erika", "--user", "admin"]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains(&format!("1 claimed task(s) back to open: {task}")),
        "{said}"
    );
    // The session is gone, and so is the login.
    assert_eq!(
        api.get(&erika, "/api/me").status(),
        StatusCode::UNAUTHORIZED
    );
    let r = api
        .http
        .post(format!("{base}/api/login"))
        .json(&json!({"user": "erika", "password": "geheim1234"}))
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // The task is open again, with the release in its history.
    let t: Value = api
        .get(&admin, &format!("/api/tasks/{task}"))
        .json()
        .unwrap();
    assert_eq!(t["status"], "open", "{t}");
    assert!(t["assignee"].is_null(), "{t}");
    let db = rusqlite::Connection::open(env.path("data/intake.sqlite3")).unwrap();
    let (actor, detail): (String, String) = db
        .query_row(
            "SELECT actor, detail FROM task_events WHERE task_id = ?1 AND action = 'release'",
            [task],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (actor.as_str(), detail.as_str()),
        ("admin", "user erika removed")
    );
    // Who read what stays on record.
    let reads = env.ok(&["reads", "--document", &doc.to_string()]);
    assert!(reads.contains("erika"), "{reads}");
    assert!(!env.ok(&["users", "list"]).contains("erika"));
    let again = env.run(&["users", "remove", "erika"]);
    assert!(!again.status.success());
}
