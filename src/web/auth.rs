//! Who is calling: logins (argon2 check, a random token whose SHA-256 is the session key), the
//! session cookie for browsers, `Authorization: Bearer` for scripts, and the extractors
//! handlers use to get the [`User`].

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ApiError, WebState};
use crate::users::{hash_password, new_token, token_digest, verify_password, User};

/// The browser's session cookie.
pub const COOKIE: &str = "intake_session";

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("user name or password is wrong")]
    Wrong,
    #[error("too many failed logins for this user; try again in {minutes} minute(s)")]
    Throttled { minutes: u64 },
    #[error(transparent)]
    Api(#[from] ApiError),
}

/// A started session.
#[derive(Debug, Serialize)]
pub struct Session {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: User,
}

/// Failed logins per user name: after [`MAX_FAILURES`] within [`FAILURE_WINDOW`] the name is
/// refused until the window has passed (password guessing costs a window per few tries).
#[derive(Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

const MAX_FAILURES: u32 = 5;
const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

impl LoginThrottle {
    /// Per name and client address: someone guessing from elsewhere does not lock the real
    /// user out.
    fn key(name: &str, client: Option<IpAddr>) -> String {
        let client = client.map(|c| c.to_string()).unwrap_or_default();
        format!("{}|{client}", name.trim().to_lowercase())
    }

    /// `Err(minutes to wait)` while the name is locked for this client.
    fn check(&self, name: &str, client: Option<IpAddr>) -> Result<(), u64> {
        let map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(&Self::key(name, client)) {
            Some((n, since)) if *n >= MAX_FAILURES && since.elapsed() < FAILURE_WINDOW => {
                Err((FAILURE_WINDOW - since.elapsed()).as_secs().div_ceil(60))
            }
            _ => Ok(()),
        }
    }

    fn failed(&self, name: &str, client: Option<IpAddr>) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        // Bounded: a flood of made-up names cannot grow the map without end.
        if map.len() > 10_000 {
            map.retain(|_, (_, since)| since.elapsed() < FAILURE_WINDOW);
        }
        let entry = map
            .entry(Self::key(name, client))
            .or_insert((0, Instant::now()));
        if entry.1.elapsed() >= FAILURE_WINDOW {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
    }

    fn succeeded(&self, name: &str, client: Option<IpAddr>) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&Self::key(name, client));
    }
}

/// A hash to check against when the user does not exist, so both cases take the same time.
fn decoy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password("decoy password for unknown users").unwrap_or_default())
}

/// Checks name and password and starts a session.
pub async fn login(
    state: &Arc<WebState>,
    name: String,
    password: String,
    client: Option<IpAddr>,
) -> Result<Session, LoginError> {
    if let Err(minutes) = state.login_throttle.check(&name, client) {
        tracing::warn!(user = %name, "login refused: too many failures");
        return Err(LoginError::Throttled { minutes });
    }
    let hours = state.config.web.session_hours;
    let attempted = name.clone();
    let session = state
        .blocking(move |s| {
            let found = s.access.user(&name)?;
            let hash = found
                .as_ref()
                .map(|(_, h)| h.as_str())
                .unwrap_or_else(|| decoy_hash());
            let ok = verify_password(hash, &password);
            let Some((user, _)) = found.filter(|_| ok) else {
                return Ok(None);
            };
            let token = new_token();
            let expires_at = Utc::now() + chrono::Duration::hours(hours as i64);
            s.access
                .create_session(&token_digest(&token), &user.name, expires_at)?;
            Ok(Some(Session {
                token,
                expires_at,
                user,
            }))
        })
        .await?;
    match session {
        Some(s) => {
            state.login_throttle.succeeded(&attempted, client);
            tracing::info!(user = %s.user.name, "login");
            Ok(s)
        }
        None => {
            state.login_throttle.failed(&attempted, client);
            tracing::warn!(user = %attempted, "failed login");
            Err(LoginError::Wrong)
        }
    }
}

#[derive(Deserialize)]
pub struct LoginRequest {
    pub user: String,
    pub password: String,
}

/// `POST /api/login`: `{"user", "password"}` → `{"token", "expires_at", "user"}`.
pub async fn api_login(
    State(state): State<Arc<WebState>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Json(req): Json<LoginRequest>,
) -> Result<Json<Session>, ApiError> {
    match login(&state, req.user, req.password, Some(client.ip())).await {
        Ok(s) => Ok(Json(s)),
        Err(LoginError::Wrong) => Err(ApiError::Unauthenticated),
        Err(e @ LoginError::Throttled { .. }) => Err(ApiError::TooManyRequests(e.to_string())),
        Err(LoginError::Api(e)) => Err(e),
    }
}

/// `POST /api/logout`: ends the session of the token or cookie.
pub async fn api_logout(
    State(state): State<Arc<WebState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    end_session(&state, &headers).await?;
    Ok((
        [(header::SET_COOKIE, clear_cookie())],
        Json(serde_json::json!({})),
    )
        .into_response())
}

pub async fn end_session(state: &Arc<WebState>, headers: &HeaderMap) -> Result<(), ApiError> {
    if let Some(token) = presented_token(headers) {
        state
            .blocking(move |s| Ok(s.access.delete_session(&token_digest(&token))?))
            .await?;
    }
    Ok(())
}

/// The session cookie for a login: HttpOnly, SameSite=Strict (no cross-site requests carry
/// it, which is the UI's protection against forged form posts).
pub fn session_cookie(state: &WebState, session: &Session) -> HeaderValue {
    let secure = if state.config.web.secure_cookie {
        "; Secure"
    } else {
        ""
    };
    let max_age = (session.expires_at - Utc::now()).num_seconds().max(0);
    HeaderValue::from_str(&format!(
        "{COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}",
        session.token
    ))
    .expect("hex token is a valid header value")
}

pub fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static("intake_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// The bearer token, else the session cookie.
fn presented_token(headers: &HeaderMap) -> Option<String> {
    // The scheme name is case-insensitive; another scheme (e.g. Basic from a proxy in front)
    // leaves the cookie to decide.
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_string())
        .filter(|t| !t.is_empty());
    if bearer.is_some() {
        return bearer;
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
        .filter(|t| !t.is_empty())
}

async fn user_of(state: &Arc<WebState>, headers: &HeaderMap) -> Result<Option<User>, ApiError> {
    let Some(token) = presented_token(headers) else {
        return Ok(None);
    };
    state
        .blocking(move |s| Ok(s.access.session_user(&token_digest(&token))?))
        .await
}

/// The logged-in user of an API request; 401 otherwise.
pub struct Caller(pub User);

impl FromRequestParts<Arc<WebState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<WebState>,
    ) -> Result<Self, Self::Rejection> {
        match user_of(state, &parts.headers).await? {
            Some(u) => Ok(Caller(u)),
            None => Err(ApiError::Unauthenticated),
        }
    }
}

/// The logged-in user of a page; otherwise the browser is sent to the login page.
pub struct Visitor(pub User);

pub enum PageRejection {
    Login(String),
    Error(ApiError),
}

impl IntoResponse for PageRejection {
    fn into_response(self) -> Response {
        match self {
            PageRejection::Login(next) => Redirect::to(&format!(
                "/login?next={}",
                percent_encoding::utf8_percent_encode(&next, percent_encoding::NON_ALPHANUMERIC)
            ))
            .into_response(),
            PageRejection::Error(e) => e.into_response(),
        }
    }
}

impl FromRequestParts<Arc<WebState>> for Visitor {
    type Rejection = PageRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<WebState>,
    ) -> Result<Self, Self::Rejection> {
        match user_of(state, &parts.headers).await {
            Ok(Some(u)) => Ok(Visitor(u)),
            Ok(None) => Err(PageRejection::Login(
                parts
                    .uri
                    .path_and_query()
                    .map(|p| p.to_string())
                    .unwrap_or_else(|| "/".into()),
            )),
            Err(e) => Err(PageRejection::Error(e)),
        }
    }
}

/// Refuses state-changing requests a browser sent from another origin (the `Origin`, else the
/// `Referer`, must name this host), on top of the `SameSite=Strict` cookie; scripts with a
/// bearer token send neither header and pass. Marks every answer but the stylesheet
/// `Cache-Control: no-store` (they carry personal data).
pub async fn guard(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    use axum::http::Method;
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method && !same_origin(req.headers()) {
        tracing::warn!(path = %req.uri().path(), "cross-origin request refused");
        return ApiError::Forbidden("request from another site refused".into()).into_response();
    }
    let is_static = req.uri().path().starts_with("/static/");
    let is_api = req.uri().path().starts_with("/api/");
    let mut response = next.run(req).await;
    if is_api {
        response = json_errors(response).await;
    }
    if !is_static {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The framework's own refusals (a malformed JSON body, an id that is not a number, an unknown
/// route) come as plain text; the API answers every error as `{"error": …}`.
async fn json_errors(response: Response) -> Response {
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(response.status().is_client_error() || response.status().is_server_error()) || is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let message = if text.is_empty() {
        parts
            .status
            .canonical_reason()
            .unwrap_or("error")
            .to_lowercase()
    } else {
        text
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let body = serde_json::json!({ "error": message }).to_string();
    Response::from_parts(parts, axum::body::Body::from(body))
}

fn same_origin(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return true;
    };
    let source = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    match source {
        None => true,
        Some(s) => url::Url::parse(s).ok().is_some_and(|u| {
            let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
            u.host_str()
                .is_some_and(|h| format!("{h}{port}").eq_ignore_ascii_case(host))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_locked_for_a_client_after_five_failures_and_freed_by_a_success() {
        let t = LoginThrottle::default();
        let here: Option<IpAddr> = "10.0.0.1".parse().ok();
        let elsewhere: Option<IpAddr> = "10.0.0.2".parse().ok();
        for _ in 0..4 {
            t.failed("Erika", here);
        }
        assert!(t.check("erika", here).is_ok());
        t.failed(" erika ", here);
        assert_eq!(t.check("ERIKA", here), Err(15));
        assert!(
            t.check("hans", here).is_ok(),
            "other names are not affected"
        );
        assert!(
            t.check("erika", elsewhere).is_ok(),
            "the guesser does not lock the user out elsewhere"
        );
        t.succeeded("erika", here);
        assert!(t.check("erika", here).is_ok());
    }
}
