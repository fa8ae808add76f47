//! The clerk's web UI: server-rendered pages with German labels (maud escapes every value).
//! Each page calls the same access-checked operations as the API ([`super::api`]); forms post
//! back and are redirected (no JavaScript needed). Originals are previewed only for safe media
//! types, inside a sandboxed frame; e-mail HTML is shown sanitised, without remote content.

use std::collections::HashSet;
use std::sync::Arc;

use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup, DOCTYPE};
use serde::Deserialize;

use super::api::{self, SearchParams};
use super::auth::{self, Visitor};
use super::{ApiError, WebState};
use crate::model::{DocumentId, TaskId};
use crate::store::{Task, TaskChange};
use crate::users::{Role, User};

const CSS: &str = include_str!("app.css");

/// The rendition kind OCR stores for scans.
const SEARCHABLE_PDF: &str = "searchable_pdf";

/// Every page's frame: navigation by role.
fn page(user: Option<&User>, title: &str, body: Markup) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="de" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – intake" }
                link rel="stylesheet" href="/static/app.css";
            }
            body {
                header {
                    a.brand href="/" { "intake" }
                    @if let Some(u) = user {
                        nav {
                            @if u.reads_documents() {
                                a href="/suche" { "Suche" }
                                a href="/koerbe" { "Arbeitskörbe" }
                            }
                            a href="/hochladen" { "Hochladen" }
                            @if u.sees_ledger() { a href="/poststelle" { "Poststelle" } }
                        }
                        form.logout method="post" action="/logout" {
                            span.user { (u.name) " (" (role_label(u.role)) ")" }
                            button type="submit" { "Abmelden" }
                        }
                    }
                }
                main { h1 { (title) } (body) }
            }
        }
    };
    let mut r = axum::response::Html(markup.into_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-src 'self'; script-src 'none'; form-action 'self'; frame-ancestors 'self'",
        ),
    );
    r
}

fn role_label(r: Role) -> &'static str {
    match r {
        Role::Mailroom => "Poststelle",
        Role::Clerk => "Sachbearbeitung",
        Role::Admin => "Administration",
    }
}

fn type_label(t: &str) -> &str {
    match t {
        "claim" => "Schadenmeldung",
        "invoice" => "Rechnung",
        "address_change" => "Adressänderung",
        "bank_details_change" => "Bankverbindung",
        "contract_change" => "Vertragsänderung",
        "cancellation" => "Kündigung",
        "complaint" => "Beschwerde",
        "application" => "Antrag",
        "death_notice" => "Todesfall",
        "other" => "Sonstiges",
        "unknown" => "unklar",
        other => other,
    }
}

fn status_label(s: &str) -> &str {
    match s {
        "open" => "offen",
        "claimed" => "in Bearbeitung",
        "done" => "erledigt",
        "received" => "empfangen",
        "extracted" => "gelesen",
        "classified" => "klassifiziert",
        "indexed" => "indiziert",
        "routed" => "verteilt",
        "duplicate" => "Duplikat",
        "quarantined" => "Quarantäne",
        other => other,
    }
}

fn priority_label(p: &str) -> &str {
    match p {
        "urgent" => "dringend",
        "high" => "hoch",
        "normal" => "normal",
        "low" => "niedrig",
        other => other,
    }
}

fn outcome_label(o: crate::impulses::ImpulseOutcome) -> &'static str {
    use crate::impulses::ImpulseOutcome::*;
    match o {
        Accepted => "angenommen",
        Rejected => "abgelehnt",
        NotAddressed => "nicht angesprochen",
    }
}

fn when(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&chrono::Local)
        .format("%d.%m.%Y %H:%M")
        .to_string()
}

/// An error as a page (the API's message, with its status).
fn error_page(user: Option<&User>, e: ApiError) -> Response {
    let status = e.status();
    if let ApiError::Internal(detail) = &e {
        tracing::error!(error = %detail, "page failed");
    }
    let mut r = page(
        user,
        "Das ging nicht",
        html! { p.error { (e.to_string()) } },
    );
    *r.status_mut() = status;
    r
}

macro_rules! or_error_page {
    ($user:expr, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return error_page(Some($user), e),
        }
    };
}

// ---------------------------------------------------------------- login

#[derive(Deserialize, Default)]
pub struct NextParam {
    next: Option<String>,
}

/// Only local paths are followed after login (no open redirect).
/// Only a local path of plain printable ASCII is followed after login: no `//host`, no
/// backslash, and no control characters or spaces (browsers drop tabs and newlines, which would
/// turn `/\t/evil` into `//evil`).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && n.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            n.into()
        }
        _ => "/".into(),
    }
}

fn login_form(next: &str, failed: bool) -> Response {
    page(
        None,
        "Anmelden",
        html! {
            @if failed { p.error { "Benutzername oder Passwort ist falsch." } }
            form.login method="post" action="/login" {
                input type="hidden" name="next" value=(next);
                label { "Benutzer" input name="user" autocomplete="username" required autofocus; }
                label { "Passwort" input name="password" type="password" autocomplete="current-password" required; }
                button type="submit" { "Anmelden" }
            }
        },
    )
}

pub async fn login_page(Query(p): Query<NextParam>) -> Response {
    login_form(&safe_next(p.next.as_deref()), false)
}

#[derive(Deserialize)]
pub struct LoginForm {
    user: String,
    password: String,
    next: Option<String>,
}

pub async fn login_submit(
    State(state): State<Arc<WebState>>,
    axum::extract::ConnectInfo(client): axum::extract::ConnectInfo<std::net::SocketAddr>,
    Form(f): Form<LoginForm>,
) -> Response {
    let next = safe_next(f.next.as_deref());
    match auth::login(&state, f.user, f.password, Some(client.ip())).await {
        Ok(session) => {
            let cookie = auth::session_cookie(&state, &session);
            ([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response()
        }
        Err(auth::LoginError::Wrong) => {
            let mut r = login_form(&next, true);
            *r.status_mut() = StatusCode::UNAUTHORIZED;
            r
        }
        Err(auth::LoginError::Throttled { minutes }) => {
            let mut r = page(
                None,
                "Anmelden",
                html! { p.error { "Zu viele fehlgeschlagene Anmeldungen. Bitte in " (minutes) " Minute(n) erneut versuchen." } },
            );
            *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            r
        }
        Err(auth::LoginError::Api(e)) => error_page(None, e),
    }
}

pub async fn logout(State(state): State<Arc<WebState>>, headers: HeaderMap) -> Response {
    let _ = auth::end_session(&state, &headers).await;
    (
        [(header::SET_COOKIE, auth::clear_cookie())],
        Redirect::to("/login"),
    )
        .into_response()
}

pub async fn home(Visitor(user): Visitor) -> Redirect {
    if user.reads_documents() {
        Redirect::to("/koerbe")
    } else {
        Redirect::to("/poststelle")
    }
}

pub async fn stylesheet() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS).into_response()
}

// ---------------------------------------------------------------- search

fn highlighted(snippet: &str, ranges: &[(usize, usize)]) -> Markup {
    let mut at = 0;
    let mut parts: Vec<(bool, &str)> = Vec::new();
    for &(s, e) in ranges {
        if s < at
            || e > snippet.len()
            || !snippet.is_char_boundary(s)
            || !snippet.is_char_boundary(e)
        {
            continue;
        }
        parts.push((false, &snippet[at..s]));
        parts.push((true, &snippet[s..e]));
        at = e;
    }
    parts.push((false, &snippet[at..]));
    html! { @for (mark, text) in parts { @if mark { mark { (text) } } @else { (text) } } }
}

fn search_link(p: &SearchParams, key: &str, value: &str) -> String {
    let mut pairs: Vec<(&str, String)> = vec![("q", p.q.clone())];
    fn keep<'a>(k: &'a str, key: &str, v: &Option<String>) -> Option<(&'a str, String)> {
        v.clone().filter(|_| k != key).map(|v| (k, v))
    }
    let keep = |k: &'static str, v: &Option<String>| keep(k, key, v);
    pairs.extend(keep("type", &p.doc_type));
    pairs.extend(keep("queue", &p.queue));
    pairs.extend(keep("channel", &p.channel));
    pairs.extend(keep("customer", &p.customer));
    pairs.extend(keep("since", &p.since));
    pairs.extend(keep("until", &p.until));
    if !value.is_empty() {
        pairs.push((
            match key {
                "type" => "type",
                "queue" => "queue",
                "channel" => "channel",
                _ => "since",
            },
            value.to_string(),
        ));
    }
    let query: Vec<String> = pairs
        .into_iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                percent_encoding::utf8_percent_encode(&v, percent_encoding::NON_ALPHANUMERIC)
            )
        })
        .collect();
    format!("/suche?{}", query.join("&"))
}

pub async fn search(
    State(state): State<Arc<WebState>>,
    Visitor(user): Visitor,
    Query(p): Query<SearchParams>,
) -> Response {
    let searched = !p.q.trim().is_empty()
        || [
            &p.doc_type,
            &p.queue,
            &p.customer,
            &p.channel,
            &p.since,
            &p.until,
        ]
        .iter()
        .any(|v| v.as_deref().is_some_and(|v| !v.trim().is_empty()));
    let params = SearchParams {
        q: p.q.clone(),
        doc_type: p.doc_type.clone(),
        customer: p.customer.clone(),
        queue: p.queue.clone(),
        channel: p.channel.clone(),
        since: p.since.clone(),
        until: p.until.clone(),
        page: p.page,
        per_page: p.per_page,
    };
    let results = if searched {
        Some(or_error_page!(
            &user,
            api::search_for(&state, &user, params).await
        ))
    } else {
        None
    };
    page(
        Some(&user),
        "Archivsuche",
        html! {
            form.search method="get" action="/suche" {
                input type="search" name="q" value=(p.q) placeholder="Suchbegriff, Vertrags- oder Kundennummer" autofocus;
                input type="date" name="since" value=(p.since.clone().unwrap_or_default()) title="von";
                input type="date" name="until" value=(p.until.clone().unwrap_or_default()) title="bis";
                @if let Some(t) = &p.doc_type { input type="hidden" name="type" value=(t); }
                @if let Some(q) = &p.queue { input type="hidden" name="queue" value=(q); }
                @if let Some(c) = &p.channel { input type="hidden" name="channel" value=(c); }
                @if let Some(c) = &p.customer { input type="hidden" name="customer" value=(c); }
                button type="submit" { "Suchen" }
            }
            @if let Some(r) = results {
                div.results {
                    aside.facets {
                        @if let Some(f) = &r.results.facets {
                            @for (title, key, counts) in [("Dokumenttyp", "type", &f.doc_type), ("Arbeitskorb", "queue", &f.queue), ("Kanal", "channel", &f.channel)] {
                                h3 { (title) }
                                ul {
                                    @for c in counts {
                                        li { a href=(search_link(&p, key, &c.value)) { (if key == "type" { type_label(&c.value) } else { &c.value }) } " (" (c.count) ")" }
                                    }
                                }
                            }
                            h3 { "Monat" }
                            ul { @for c in &f.month { li { (c.value) " (" (c.count) ")" } } }
                        }
                        @if p.doc_type.is_some() || p.queue.is_some() || p.channel.is_some() {
                            p { a href=(search_link(&SearchParams { q: p.q.clone(), ..Default::default() }, "", "")) { "Filter zurücksetzen" } }
                        }
                    }
                    section.hits {
                        p.total { (r.results.total) " Treffer" }
                        @for h in &r.results.hits {
                            article.hit {
                                h2 { a href={"/dokumente/" (h.id)} { (h.subject.clone().or(h.filename.clone()).unwrap_or_else(|| format!("Dokument {}", h.id))) } }
                                p.meta {
                                    (when(h.received_at)) " · " (h.channel)
                                    @if let Some(t) = &h.doc_type { " · " (type_label(t)) }
                                    @if let Some(q) = &h.queue { " · Korb " (q) }
                                    @if let Some(c) = &h.customer_id { " · Kunde " a href={"/kunden/" (c)} { (c) } }
                                }
                                p.snippet { (highlighted(&h.snippet, &h.highlights)) }
                            }
                        }
                        nav.pages {
                            @if r.page > 1 { a href={(search_link(&p, "", "")) "&page=" (r.page - 1)} { "« zurück" } }
                            @if (r.page * r.per_page) < r.results.total as usize { a href={(search_link(&p, "", "")) "&page=" (r.page + 1)} { "weiter »" } }
                        }
                    }
                }
            }
        },
    )
}

// ---------------------------------------------------------------- document

fn task_box(task: &Task, queues: &[String]) -> Markup {
    let overdue =
        task.status != crate::inbox::TaskStatus::Done && task.spec.due_at < chrono::Utc::now();
    html! {
        section.task.overdue[overdue] {
            h2 { "Aufgabe " (task.id) }
            p {
                "Korb " strong { (task.spec.queue) } " · " (status_label(task.status.as_str()))
                @if let Some(a) = &task.assignee { " (" (a) ")" }
                " · Priorität " (priority_label(task.spec.priority.as_str()))
                " · fällig " span.due { (when(task.spec.due_at)) }
                @if overdue { " " strong.overdue-label { "überfällig" } }
            }
            p.reason { (task.spec.routing_reason) }
            @if !task.spec.contracts.is_empty() {
                p { "Aktive Verträge: "
                    @for c in &task.spec.contracts { span.contract { (c.contract_id) " (" (c.product) ")" } " " }
                }
            }
            @if let Some(case) = task.case.case_id {
                p { "Vorgang " a href={"/vorgaenge/" (case)} { (case) }
                    @if task.case.reminders > 0 { " · " strong { (task.case.reminders) " Erinnerung(en)" } }
                    @if !task.case.new_documents.is_empty() { " · " strong.new { "neues Dokument eingegangen" } }
                    @if !task.case.also_queues.is_empty() { " · auch in " (task.case.also_queues.join(", ")) }
                }
            }
            @if !task.case.impulses.is_empty() {
                h3 { "Impulse" }
                ul.impulses { @for i in &task.case.impulses {
                    li {
                        (i.text) " " span.reason { "(" (i.rule) ")" }
                        @match i.outcome {
                            Some(o) => { " – " strong { (outcome_label(o)) } }
                            None => {
                                @for (o, label) in [("accepted", "angenommen"), ("rejected", "abgelehnt"), ("not_addressed", "nicht angesprochen")] {
                                    form.inline method="post" action={"/aufgaben/" (task.id) "/impulse/" (i.rule)} {
                                        input type="hidden" name="outcome" value=(o);
                                        button type="submit" { (label) }
                                    }
                                }
                            }
                        }
                    }
                } }
            }
            @if let Some(why) = &task.case.impulse_suppression { p.reason { "Keine Impulse: " (why) } }
            @if !task.case.steps.is_empty() {
                h3 { "Prozessschritte" }
                ol.steps { @for st in &task.case.steps {
                    li.done[st.done] {
                        form.inline method="post" action={"/aufgaben/" (task.id) "/schritte/" (st.id)} {
                            input type="hidden" name="done" value=(if st.done { "false" } else { "true" });
                            button.step type="submit" title=(if st.done { "wieder öffnen" } else { "abhaken" }) { (if st.done { "☑" } else { "☐" }) }
                        }
                        " " (st.title)
                        @if let Some(by) = &st.done_by { " " span.reason { "(" (by) ")" } }
                    }
                } }
            }
            (task_actions(task, queues))
            @if let Some(history) = task.history.as_ref().filter(|h| !h.is_empty()) {
                details.history {
                    summary { "Verlauf" }
                    ul { @for e in history {
                        li {
                            (when(e.at)) " · " (history_label(&e.action)) " · " (e.actor)
                            @if let Some(d) = &e.detail { " " span.reason { "(" (d) ")" } }
                        }
                    } }
                }
            }
            details {
                summary { "Korrigieren" }
                form method="post" action={"/aufgaben/" (task.id) "/correct"} {
                    label { "Typ "
                        select name="type" {
                            option value="" { "– unverändert –" }
                            @for t in crate::classify::DocType::ALL { option value=(t.as_str()) { (type_label(t.as_str())) } }
                        }
                    }
                    label { "Kunde " input name="customer" placeholder="Kundennummer"; }
                    button type="submit" { "Korrektur speichern" }
                }
            }
        }
    }
}

/// German words for the recorded task actions.
fn history_label(action: &str) -> &str {
    match action {
        "created" => "angelegt",
        "claim" => "übernommen",
        "done" => "erledigt",
        "reassign" => "weitergeleitet",
        "correct" => "korrigiert",
        "release" => "freigegeben",
        other => other,
    }
}

fn task_actions(task: &Task, queues: &[String]) -> Markup {
    use crate::inbox::TaskStatus;
    html! {
        div.actions {
            @if task.status == TaskStatus::Open {
                form method="post" action={"/aufgaben/" (task.id) "/claim"} { button type="submit" { "Übernehmen" } }
            }
            @if task.status != TaskStatus::Done {
                form method="post" action={"/aufgaben/" (task.id) "/done"} { button type="submit" { "Erledigt" } }
                form method="post" action={"/aufgaben/" (task.id) "/reassign"} {
                    select name="queue" aria-label="Ziel-Korb" {
                        @for q in queues { @if *q != task.spec.queue { option value=(q) { (q) } } }
                    }
                    button type="submit" { "Weiterleiten" }
                }
            }
        }
    }
}

pub async fn document(
    State(state): State<Arc<WebState>>,
    Visitor(user): Visitor,
    Path(id): Path<i64>,
) -> Response {
    let view = or_error_page!(
        &user,
        api::document_for(&state, &user, DocumentId(id)).await
    );
    let d = &view.document;
    let u = &d.understanding;
    let queues = api::known_queues(&state);
    let title = d
        .email
        .as_ref()
        .and_then(|e| e.subject.clone())
        .or(d.filename.clone())
        .unwrap_or_else(|| format!("Dokument {id}"));
    let media = d.media_type.clone().unwrap_or_default();
    let pdf_rendition = !api::previewable(&media)
        && media != "message/rfc822"
        && d.renditions.iter().any(|r| r.kind == SEARCHABLE_PDF);
    let has_preview = api::previewable(&media) || media == "message/rfc822" || pdf_rendition;
    page(
        Some(&user),
        &title,
        html! {
            div.document {
                section.facts {
                    dl {
                        dt { "Dokument" } dd { (d.id) @if d.parent_id.is_some() { " (Anhang von " a href={"/dokumente/" (d.root_id)} { (d.root_id) } ")" } }
                        dt { "Eingang" } dd { (when(d.received_at)) " über " (d.channel) }
                        dt { "Datei" } dd { (d.filename.clone().unwrap_or_default()) " · " (media) " · " (d.size) " Bytes" }
                        dt { "Status" } dd { (status_label(d.status.as_str())) @if let Some(e) = &d.error { " – " (e) } }
                        @if let Some(t) = &u.doc_type {
                            dt { "Typ" } dd { (type_label(t)) @if let Some(c) = u.doc_type_confidence { " (Konfidenz " (format!("{:.0} %", c * 100.0)) ")" } }
                        }
                        @if let Some(e) = &u.type_explanation { dt { "Begründung" } dd.explanation { (e) } }
                        dt { "Kunde" } dd {
                            @if let Some(c) = &u.customer_id { a href={"/kunden/" (c)} { (c) } " " }
                            @if let Some(r) = &u.match_reason { span.reason { (r) } }
                        }
                        @if let Some(h) = &u.health_data { dt { "Gesundheitsdaten" } dd { (h) } }
                        @if let Some(ids) = u.identifiers.as_ref().and_then(|i| i.as_array()) {
                            @if !ids.is_empty() {
                                dt { "Merkmale" } dd { ul.identifiers { @for i in ids {
                                    li { (i["kind"].as_str().unwrap_or("")) ": " code { (i["value"].as_str().unwrap_or("")) } @if i["valid"] == false { " (ungültig)" } }
                                } } }
                            }
                        }
                        @if let Some(o) = &d.ocr {
                            dt { "Texterkennung" } dd {
                                (o.pages.len()) " Seite(n)"
                                @if let Some(c) = o.mean_confidence() { ", mittlere Konfidenz " (format!("{c:.0}")) }
                                @if !o.rotated_pages().is_empty() { ", gedreht: " (format!("{:?}", o.rotated_pages())) }
                            }
                        }
                        dt { "Original" } dd {
                            a href={"/api/documents/" (d.id) "/original"} { "herunterladen" }
                            @for r in &d.renditions { " · " a href={"/api/documents/" (d.id) "/renditions/" (r.kind)} { (r.kind) } }
                        }
                    }
                    @if !d.warnings.is_empty() {
                        h2 { "Hinweise" }
                        ul.warnings { @for w in &d.warnings { li { (w) } } }
                    }
                    @if let Some(inv) = &d.invoice { (super::invoice::invoice_box(inv)) }
                    @if !view.attachments.is_empty() {
                        h2 { "Anhänge" }
                        ul { @for a in &view.attachments {
                            li { a href={"/dokumente/" (a.id)} { (a.filename.clone().unwrap_or_else(|| format!("Anhang {}", a.id))) } " – " (status_label(a.status.as_str())) }
                        } }
                    }
                    @if let Some(t) = &view.case_task { (task_box(t, queues)) }
                }
                section.content {
                    @if has_preview {
                        @if media == "application/pdf" || media.starts_with("image/") || pdf_rendition {
                            iframe.preview src={"/dokumente/" (d.id) "/vorschau"} title="Vorschau" {}
                        } @else {
                            iframe.preview src={"/dokumente/" (d.id) "/vorschau"} sandbox="" title="Vorschau" {}
                        }
                    }
                    h2 { "Text" }
                    pre.text { (d.text.clone().unwrap_or_default()) }
                }
            }
        },
    )
}

/// The original for the preview frame: safe media types inline; e-mails as sanitised HTML
/// (no scripts, no remote images, no styles loaded from elsewhere).
pub async fn preview(
    State(state): State<Arc<WebState>>,
    Visitor(user): Visitor,
    Path(id): Path<i64>,
) -> Response {
    let mut original = or_error_page!(
        &user,
        api::original_for(&state, &user, DocumentId(id), "preview").await
    );
    if !api::previewable(&original.media_type) && original.media_type != "message/rfc822" {
        // A scan the browser cannot show (TIFF): its searchable PDF, if OCR made one.
        original = or_error_page!(
            &user,
            api::rendition_for(
                &state,
                &user,
                DocumentId(id),
                SEARCHABLE_PDF.into(),
                "preview"
            )
            .await
        );
    }
    let (content_type, body): (String, Vec<u8>) = if original.media_type == "message/rfc822" {
        (
            "text/html; charset=utf-8".into(),
            sanitized_email_html(&original.bytes).into_bytes(),
        )
    } else if api::previewable(&original.media_type) {
        let ct = if original.media_type == "text/plain" {
            "text/plain; charset=utf-8".to_string()
        } else {
            original.media_type.clone()
        };
        (ct, original.bytes)
    } else {
        return error_page(
            Some(&user),
            ApiError::NotFound("für diesen Dateityp gibt es keine Vorschau".into()),
        );
    };
    // PDFs are shown by the browser's own viewer, which a sandbox would block; the fixed
    // content type and `nosniff` keep them from being read as anything else.
    let csp = (original.media_type != "application/pdf")
        .then_some("sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'");
    api::guarded_bytes(body, &content_type, "inline", csp)
}

/// The HTML body of an e-mail cleaned by ammonia: scripts, event handlers, forms and every
/// URL that would load something from elsewhere are removed; plain-text mails are escaped.
pub fn sanitized_email_html(raw: &[u8]) -> String {
    let Some(message) = mail_parser::MessageParser::default().parse(raw) else {
        return "<p>Die E-Mail konnte nicht gelesen werden.</p>".into();
    };
    if let Some(html) = message.body_html(0) {
        let clean = ammonia::Builder::default()
            .url_schemes(HashSet::from(["mailto"]))
            .link_rel(Some("noopener noreferrer nofollow"))
            .clean(&html)
            .to_string();
        return format!("<!DOCTYPE html><meta charset=\"utf-8\">{clean}");
    }
    let text = message.body_text(0).unwrap_or_default();
    html! { (DOCTYPE) meta charset="utf-8"; pre style="white-space:pre-wrap" { (text) } }
        .into_string()
}

// ---------------------------------------------------------------- customer file

pub async fn customer(
    State(state): State<Arc<WebState>>,
    Visitor(user): Visitor,
    Path(id): Path<String>,
) -> Response {
    let file = or_error_page!(&user, api::customer_for(&state, &user, id).await);
    let c = &file.customer;
    let queues = api::known_queues(&state);
    page(
        Some(&user),
        &format!(
            "Kundenakte {} {} ({})",
            c.first_name, c.last_name, c.customer_id
        ),
        html! {
            section.master {
                p { (c.salutation) " " (c.first_name) " " (c.last_name)
                    @if let Some(b) = c.birth_date { " · geb. " (b.format("%d.%m.%Y")) } }
                p { (c.street) " " (c.house_number) ", " (c.postcode) " " (c.city) }
                p { (c.email) " · " (c.phone) " · " (c.iban) }
            }
            h2 { "Verträge" }
            table.contracts {
                thead { tr { th { "Vertrag" } th { "Sparte" } th { "Status" } th { "Beginn" } } }
                tbody { @for k in &file.contracts {
                    tr { td { (k.contract_id) } td { (k.product) } td { (k.status) } td { (k.start_date.map(|d| d.format("%d.%m.%Y").to_string()).unwrap_or_default()) } }
                } }
            }
            h2 { "Offene Aufgaben" }
            @let open: Vec<&Task> = file.tasks.iter().filter(|t| t.status != crate::inbox::TaskStatus::Done).collect();
            @if open.is_empty() { p { "Keine." } }
            @for t in open { (task_box(t, queues)) }
            h2 { "Verlauf über alle Kanäle" }
            ol.timeline {
                @for e in &file.timeline {
                    li {
                        span.when { (when(e.received_at)) }
                        span.channel { (e.channel) }
                        a href={"/dokumente/" (e.document_id)} { (e.subject.clone().or(e.filename.clone()).unwrap_or_else(|| format!("Dokument {}", e.document_id))) }
                        @if let Some(t) = &e.doc_type { " · " (type_label(t)) }
                        @if e.attachments > 0 { " · " (e.attachments) " Anhang/Anhänge" }
                        @if let Some(q) = &e.queue { " · Korb " (q) }
                    }
                }
            }
        },
    )
}

// ---------------------------------------------------------------- queues

pub async fn queues(State(state): State<Arc<WebState>>, Visitor(user): Visitor) -> Response {
    let tasks = or_error_page!(&user, api::tasks_for(&state, &user, None, None).await);
    let now = chrono::Utc::now();
    let mut counts: std::collections::BTreeMap<String, (usize, usize, usize)> = Default::default();
    for q in api::known_queues(&state) {
        if user.works_queue(q) {
            counts.entry(q.clone()).or_default();
        }
    }
    for t in tasks
        .iter()
        .filter(|t| t.status != crate::inbox::TaskStatus::Done)
    {
        let e = counts.entry(t.spec.queue.clone()).or_default();
        e.0 += 1;
        if t.status == crate::inbox::TaskStatus::Claimed {
            e.1 += 1;
        }
        if t.spec.due_at < now {
            e.2 += 1;
        }
    }
    page(
        Some(&user),
        "Arbeitskörbe",
        html! {
            table.queues {
                thead { tr { th { "Korb" } th { "offen" } th { "in Bearbeitung" } th { "überfällig" } } }
                tbody { @for (q, (open, claimed, overdue)) in &counts {
                    tr.overdue[*overdue > 0] { td { a href={"/koerbe/" (q)} { (q) } } td { (open) } td { (claimed) } td { (overdue) } }
                } }
            }
        },
    )
}

pub async fn queue(
    State(state): State<Arc<WebState>>,
    Visitor(user): Visitor,
    Path(q): Path<String>,
) -> Response {
    let mut tasks = or_error_page!(
        &user,
        api::tasks_for(&state, &user, Some(q.clone()), None).await
    );
    tasks.retain(|t| t.status != crate::inbox::TaskStatus::Done);
    tasks.sort_by_key(|t| (t.spec.due_at, t.spec.priority));
    let queues = api::known_queues(&state);
    let now = chrono::Utc::now();
    page(
        Some(&user),
        &format!("Arbeitskorb {q}"),
        html! {
            @if tasks.is_empty() { p { "Keine offenen Aufgaben." } }
            table.tasks {
                thead { tr { th { "Aufgabe" } th { "fällig" } th { "Priorität" } th { "Typ" } th { "Kunde" } th { "Status" } th { "" } } }
                tbody { @for t in &tasks {
                    tr.task.overdue[t.spec.due_at < now] {
                        td { a href={"/dokumente/" (t.root_document_id)} { "Aufgabe " (t.id) } }
                        td.due { (when(t.spec.due_at)) }
                        td { (priority_label(t.spec.priority.as_str())) }
                        td { (type_label(&t.spec.doc_type)) }
                        td { @if let Some(c) = &t.spec.customer_id { a href={"/kunden/" (c)} { (c) } } @else { "–" } }
                        td { (status_label(t.status.as_str())) @if let Some(a) = &t.assignee { " (" (a) ")" } }
                        td { (task_actions(t, queues)) }
                    }
                } }
            }
        },
    )
}

#[derive(Deserialize, Default)]
pub struct TaskForm {
    queue: Option<String>,
    #[serde(rename = "type")]
    doc_type: Option<String>,
    customer: Option<String>,
}

pub async fn task_action(
    State(state): State<Arc<WebState>>,
    Visitor(user): Visitor,
    Path((id, action)): Path<(i64, String)>,
    headers: HeaderMap,
    Form(f): Form<TaskForm>,
) -> Response {
    let some = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let change = match action.as_str() {
        "claim" => TaskChange::Claim,
        "done" => TaskChange::Done,
        "reassign" => match some(f.queue) {
            Some(queue) => TaskChange::Reassign { queue },
            None => return error_page(Some(&user), ApiError::BadRequest("Ziel-Korb fehlt".into())),
        },
        "correct" => match (some(f.doc_type), some(f.customer)) {
            (None, None) => {
                return error_page(
                    Some(&user),
                    ApiError::BadRequest("Bitte Typ und/oder Kunde angeben.".into()),
                )
            }
            (doc_type, customer_id) => TaskChange::Correct {
                doc_type,
                customer_id,
            },
        },
        other => {
            return error_page(
                Some(&user),
                ApiError::NotFound(format!("unknown action {other:?}")),
            )
        }
    };
    let forwarded = matches!(change, TaskChange::Reassign { .. });
    or_error_page!(
        &user,
        api::change_task_for(&state, &user, TaskId(id), change).await
    );
    if forwarded {
        // The task (and its documents) may now be outside what the clerk can open.
        return Redirect::to("/koerbe").into_response();
    }
    back(&headers).into_response()
}

/// Back to the page a form was on (same origin only), else the queues.
fn back(headers: &HeaderMap) -> Redirect {
    let to = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| url::Url::parse(r).ok())
        .map(|u| {
            let q = u.query().map(|q| format!("?{q}")).unwrap_or_default();
            safe_next(Some(&format!("{}{q}", u.path())))
        })
        .unwrap_or_else(|| "/koerbe".into());
    Redirect::to(&to)
}

#[derive(Deserialize)]
pub struct StepForm {
    done: bool,
}

pub async fn step(
    State(state): State<Arc<WebState>>,
    Visitor(user): Visitor,
    Path((id, step)): Path<(i64, String)>,
    headers: HeaderMap,
    Form(f): Form<StepForm>,
) -> Response {
    or_error_page!(
        &user,
        api::step_for(&state, &user, TaskId(id), step, f.done).await
    );
    back(&headers).into_response()
}

#[derive(Deserialize)]
pub struct ImpulseForm {
    outcome: crate::impulses::ImpulseOutcome,
}

pub async fn impulse(
    State(state): State<Arc<WebState>>,
    Visitor(user): Visitor,
    Path((id, rule)): Path<(i64, String)>,
    headers: HeaderMap,
    Form(f): Form<ImpulseForm>,
) -> Response {
    or_error_page!(
        &user,
        api::impulse_for(&state, &user, TaskId(id), rule, f.outcome).await
    );
    back(&headers).into_response()
}

pub async fn case(
    State(state): State<Arc<WebState>>,
    Visitor(user): Visitor,
    Path(id): Path<i64>,
) -> Response {
    let view = or_error_page!(
        &user,
        api::case_for(&state, &user, crate::cases::CaseId(id)).await
    );
    let queues = api::known_queues(&state);
    page(
        Some(&user),
        &format!("Vorgang {id}"),
        html! {
            p { (type_label(&view.doc_type))
                @if let Some(c) = &view.customer_id { " · Kunde " a href={"/kunden/" (c)} { (c) } }
                " · seit " (when(view.created_at)) }
            @if let Some(t) = &view.task { (task_box(t, queues)) }
            h2 { "Dokumente" }
            ol.timeline { @for d in &view.documents {
                li {
                    span.when { (when(d.received_at)) }
                    span.channel { (d.channel) }
                    a href={"/dokumente/" (d.document_id)} { (d.subject.clone().or(d.filename.clone()).unwrap_or_else(|| format!("Dokument {}", d.document_id))) }
                    @if let Some(why) = &d.linked_by { " " span.reason { "(" (why) ")" } }
                }
            } }
            h2 { "Verlauf" }
            table.history { tbody { @for e in &view.history {
                tr { td { (when(e.at)) } td { (e.actor) } td { (e.action) } td { (e.detail.clone().unwrap_or_default()) } }
            } } }
        },
    )
}

// ---------------------------------------------------------------- upload

pub async fn upload_page(Visitor(user): Visitor) -> Response {
    page(
        Some(&user),
        "Dokumente hochladen",
        html! {
            form.upload method="post" action="/hochladen" enctype="multipart/form-data" {
                label { "Dateien " input type="file" name="file" multiple required; }
                label { "Kanal " input name="channel" value="upload"; }
                label { "Kundennummer (falls bekannt) " input name="customer"; }
                label { "Notiz " input name="note"; }
                button type="submit" { "Hochladen" }
            }
        },
    )
}

pub async fn upload_submit(
    State(state): State<Arc<WebState>>,
    Visitor(user): Visitor,
    headers: HeaderMap,
    mut form: Multipart,
) -> Response {
    let _slot = or_error_page!(&user, api::upload_slot(&state, &headers, &mut form).await);
    let (files, meta) = or_error_page!(&user, api::read_upload(&state, form).await);
    let accepted = or_error_page!(&user, api::upload_for(&state, &user, files, meta).await);
    let mut r = page(
        Some(&user),
        "Hochgeladen",
        html! {
            p { "Die Originale sind gesichert und werden verarbeitet." }
            ul.uploaded { @for a in &accepted {
                li {
                    @if user.reads_documents() { a href={"/dokumente/" (a.duplicate_of.unwrap_or(a.id))} { (a.filename.clone().unwrap_or_else(|| format!("Dokument {}", a.id))) } }
                    @else { (a.filename.clone().unwrap_or_default()) }
                    " – Dokument " (a.id) " – " (status_label(a.status))
                    @if let Some(of) = a.duplicate_of { " (schon vorhanden als " (of) ")" }
                    @if let Some(r) = &a.reason { " – " (r) }
                }
            } }
            p { a href="/hochladen" { "Weitere hochladen" } }
        },
    );
    *r.status_mut() = StatusCode::CREATED;
    r
}

// ---------------------------------------------------------------- mailroom

pub async fn mailroom(State(state): State<Arc<WebState>>, Visitor(user): Visitor) -> Response {
    let ledger = or_error_page!(&user, api::ledger_for(&state, &user).await);
    page(
        Some(&user),
        "Poststelle",
        html! {
            h2 { "Dokumente nach Stand" }
            table.ledger { tbody { @for (status, n) in &ledger.documents {
                tr { td { (status_label(status)) } td { (n) } }
            } } }
            h2 { "Fehler und Quarantäne" }
            @if ledger.failures.is_empty() { p { "Keine." } }
            table.failures {
                thead { tr { th { "Dokument" } th { "Eingang" } th { "Kanal" } th { "Datei" } th { "Grund" } th { "" } } }
                tbody { @for d in &ledger.failures {
                    tr {
                        td { (d.id) } td { (when(d.received_at)) } td { (d.channel) }
                        td { (d.filename.clone().unwrap_or_default()) }
                        td.reason { (d.error.clone().unwrap_or_default()) }
                        td { @if d.stored { form method="post" action={"/poststelle/" (d.id) "/retry"} { button type="submit" { "Erneut verarbeiten" } } } }
                    }
                } }
            }
        },
    )
}

pub async fn retry(
    State(state): State<Arc<WebState>>,
    Visitor(user): Visitor,
    Path(id): Path<i64>,
) -> Response {
    or_error_page!(&user, api::retry_for(&state, &user, DocumentId(id)).await);
    Redirect::to("/poststelle").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_html_is_shown_without_scripts_or_remote_content() {
        let mail =
            b"From: a@example.org\r\nSubject: x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
<p onclick=\"steal()\">Hallo <b>Welt</b></p><script>alert(1)</script>\
<img src=\"https://tracker.example/pixel.gif\"><a href=\"https://phish.example\">Link</a>\
<iframe src=\"https://evil.example\"></iframe><form action=\"https://evil.example\"><input></form>";
        let html = sanitized_email_html(mail);
        assert!(html.contains("Hallo <b>Welt</b>"), "{html}");
        for bad in [
            "<script",
            "alert(1)",
            "onclick",
            "tracker.example",
            "phish.example",
            "<iframe",
            "<form",
            "evil.example",
        ] {
            assert!(!html.contains(bad), "{bad} survived: {html}");
        }
        let plain = sanitized_email_html(b"Subject: y\r\n\r\n<b>not html</b>");
        assert!(plain.contains("&lt;b&gt;not html"), "{plain}");
    }

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(safe_next(Some("/suche?q=x")), "/suche?q=x");
        for evil in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "javascript:x",
        ] {
            assert_eq!(safe_next(Some(evil)), "/", "{evil}");
        }
    }
}
