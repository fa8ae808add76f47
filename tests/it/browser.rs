//! The web UI in a real headless Chromium (Debian `chromium` + `chromium-driver`, driven over
//! WebDriver): a clerk logs in, uploads a letter, finds it by a word and by its contract number,
//! opens the document and the customer file, claims the task, checks off a process step and
//! finishes it. Screenshots of the
//! main pages are written to `target/screenshots/` as test artefacts.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use crate::support::{samples, Env};

/// chromedriver on a free port, killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_driver() -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start chromedriver ({e}); install it with scripts/install-deps.sh (Debian packages chromium, chromium-driver)")
        });
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while reqwest::blocking::get(format!("{url}/status")).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Driver { child, url }
}

fn screenshots() -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    assert!(
        png.starts_with(b"\x89PNG"),
        "screenshot {name} is not a PNG"
    );
    std::fs::write(screenshots().join(name), png).unwrap();
}

async fn body_text(c: &Client) -> String {
    c.find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn click(c: &Client, css: &str) {
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Clicks a button or link that loads a page and waits until the new page is there (the old
/// page's `<main>` has gone stale).
async fn click_through(c: &Client, css: &str) {
    let old = c.find(Locator::Css("main")).await.unwrap();
    click(c, css).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while old.text().await.is_ok() {
        assert!(Instant::now() < deadline, "{css} did not load a page");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    c.wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("main"))
        .await
        .unwrap();
}

async fn path_of(c: &Client) -> String {
    c.current_url().await.unwrap().path().to_string()
}

#[test]
fn a_clerk_uploads_finds_opens_and_finishes_a_letter_in_chromium() {
    let env = Env::with_sample_customers("");
    env.add_user("erika", "clerk", &["--department", "schaden"]);
    let (_serve, base) = env.serve_web();
    let driver = start_driver();
    let profile = tempfile::tempdir().unwrap();
    let letter = samples().join("letters/claim.pdf");

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let caps = json!({
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1366,900", format!("--user-data-dir={}", profile.path().display())],
            }
        });
        let caps: serde_json::Map<String, Value> = serde_json::from_value(caps).unwrap();
        let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&driver.url)
            .await
            .expect("a WebDriver session with headless Chromium");

        // Any page sends a stranger to the login.
        c.goto(&format!("{base}/suche")).await.unwrap();
        assert_eq!(path_of(&c).await, "/login");
        shot(&c, "01-login.png").await;
        c.find(Locator::Css("input[name=user]")).await.unwrap().send_keys("erika").await.unwrap();
        c.find(Locator::Css("input[name=password]")).await.unwrap().send_keys("falsch-falsch").await.unwrap();
        click_through(&c, "form.login button").await;
        assert!(body_text(&c).await.contains("Passwort ist falsch"));
        c.find(Locator::Css("input[name=user]")).await.unwrap().send_keys("erika").await.unwrap();
        c.find(Locator::Css("input[name=password]")).await.unwrap().send_keys("geheim1234").await.unwrap();
        click_through(&c, "form.login button").await;
        assert_eq!(path_of(&c).await, "/suche", "back to the page asked for");

        // Upload a letter.
        c.goto(&format!("{base}/hochladen")).await.unwrap();
        c.find(Locator::Css("input[type=file]")).await.unwrap()
            .send_keys(letter.to_str().unwrap()).await.unwrap();
        shot(&c, "02-upload.png").await;
        click_through(&c, "form.upload button").await;
        let link = c.wait().at_most(Duration::from_secs(60))
            .for_element(Locator::Css("ul.uploaded a")).await.unwrap();
        let href = link.attr("href").await.unwrap().unwrap();
        let id: i64 = href.trim_start_matches("/dokumente/").parse().unwrap();
        assert!(body_text(&c).await.contains("gesichert"));
        shot(&c, "03-uploaded.png").await;

        // Wait until it is read, understood and routed.
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let routed = env.export().iter().any(|d| d["id"] == id && d["status"] == "routed");
            if routed {
                break;
            }
            assert!(Instant::now() < deadline, "document {id} not routed");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }

        // Find it by a word, with the word highlighted…
        c.goto(&format!("{base}/suche")).await.unwrap();
        c.find(Locator::Css("form.search input[name=q]")).await.unwrap().send_keys("Fahrrad").await.unwrap();
        click_through(&c, "form.search button").await;
        c.wait().for_element(Locator::Css("article.hit")).await.unwrap();
        let mark = c.find(Locator::Css("article.hit mark")).await.unwrap().text().await.unwrap();
        assert_eq!(mark, "Fahrrad");
        assert!(body_text(&c).await.contains("1 Treffer"));
        shot(&c, "04-search.png").await;
        // …and by its contract number, written differently.
        c.goto(&format!("{base}/suche?q=HR%2022156432")).await.unwrap();
        let hit = c.find(Locator::Css("article.hit h2 a")).await.unwrap();
        // (the link is followed below)
        assert_eq!(hit.attr("href").await.unwrap().unwrap(), format!("/dokumente/{id}"));
        click_through(&c, "article.hit h2 a").await;

        // The document: type, explanation, customer, task.
        assert_eq!(path_of(&c).await, format!("/dokumente/{id}"));
        let text = body_text(&c).await;
        assert!(text.contains("Schadenmeldung"), "{text}");
        assert!(text.contains("Korb schaden"));
        shot(&c, "05-document.png").await;

        // The customer file: master data, contracts, the letter on the timeline.
        click_through(&c, "a[href='/kunden/K-100007']").await;
        let text = body_text(&c).await;
        assert!(text.contains("Kundenakte Susanne Roth"), "{text}");
        assert!(text.contains("HR-22156432"));
        c.find(Locator::Css(&format!("ol.timeline a[href='/dokumente/{id}']"))).await.unwrap();
        shot(&c, "06-customer.png").await;

        // Claim the task, check off its first process step, see it in the queue, finish it.
        click_through(&c, "section.task form[action$='/claim'] button").await;
        assert!(body_text(&c).await.contains("in Bearbeitung (erika)"));
        click_through(&c, "ol.steps li:first-child button").await;
        c.find(Locator::Css("ol.steps li.done:first-child")).await.unwrap();
        // The task's history names who took it.
        let history = c
            .find(Locator::Css("details.history"))
            .await
            .unwrap()
            .html(false)
            .await
            .unwrap();
        assert!(history.contains("übernommen") && history.contains("erika"), "{history}");
        c.goto(&format!("{base}/koerbe/schaden")).await.unwrap();
        assert!(body_text(&c).await.contains("in Bearbeitung (erika)"));
        shot(&c, "07-queue.png").await;
        click_through(&c, "tr.task form[action$='/done'] button").await;
        assert!(body_text(&c).await.contains("Keine offenen Aufgaben"));

        c.close().await.unwrap();
    });

    let tasks: Vec<Value> = env
        .ok(&["tasks", "list", "--json"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(tasks.len(), 1);
    let task = &tasks[0];
    assert_eq!(
        (task["status"].as_str(), task["assignee"].as_str()),
        (Some("done"), Some("erika"))
    );
    for name in [
        "01-login.png",
        "04-search.png",
        "05-document.png",
        "06-customer.png",
        "07-queue.png",
    ] {
        assert!(
            screenshots().join(name).metadata().unwrap().len() > 5_000,
            "{name}"
        );
    }
}
