//! Opening an IMAP session: DNS, TCP, TLS (implicit, STARTTLS or none, rustls with the ring
//! provider), the greeting, LOGIN and the capabilities that matter to intake. Every failure
//! names its step ([`ConnectError`]) so `intake imap check` can say whether DNS, TLS, the
//! password or the network is to blame. Passwords are held in [`Secret`], which never prints.
//! Async; every step has a timeout.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::rustls;

use crate::config::{ImapAccountConfig, ImapTls};

/// The byte stream under a session: TCP, or TLS over TCP.
pub trait Conn: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug> Conn for T {}

pub type Session = async_imap::Session<Box<dyn Conn>>;

/// A password. `Debug` and `Display` print `***`.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: String) -> Secret {
        Secret(s)
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Where the password comes from; read at each connect so a rotated password is picked up.
#[derive(Debug, Clone)]
pub enum PasswordSource {
    Env(String),
    File(PathBuf),
    Value(Secret),
}

/// Everything needed to log in to one account.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    pub tls: ImapTls,
    pub ca_file: Option<PathBuf>,
    pub user: String,
    pub password: PasswordSource,
    pub timeout: Duration,
}

impl Endpoint {
    pub fn from_config(c: &ImapAccountConfig) -> Endpoint {
        let password = match (&c.password_env, &c.password_file) {
            (Some(var), _) => PasswordSource::Env(var.clone()),
            (None, Some(file)) => PasswordSource::File(file.clone()),
            (None, None) => PasswordSource::Value(Secret::new(String::new())),
        };
        Endpoint {
            host: c.host.clone(),
            port: c.port(),
            tls: c.tls,
            ca_file: c.ca_file.clone(),
            user: c.user.clone(),
            password,
            timeout: Duration::from_secs(c.timeout_secs),
        }
    }

    fn password(&self) -> Result<Secret, ConnectError> {
        let fail = |message: String| ConnectError::Password {
            endpoint: self.to_string(),
            message,
        };
        match &self.password {
            PasswordSource::Value(s) => Ok(s.clone()),
            PasswordSource::Env(var) => std::env::var(var)
                .map(Secret::new)
                .map_err(|_| fail(format!("environment variable {var} is not set"))),
            PasswordSource::File(path) => std::fs::read_to_string(path)
                .map(|s| Secret::new(s.trim_end_matches(['\r', '\n']).to_string()))
                .map_err(|e| fail(format!("cannot read {}: {e}", path.display()))),
        }
    }
}

impl fmt::Display for Endpoint {
    /// `imaps://user@host:port` — never the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.tls {
            ImapTls::Implicit => "imaps",
            ImapTls::Starttls | ImapTls::None => "imap",
        };
        write!(f, "{scheme}://{}@{}:{}", self.user, self.host, self.port)?;
        match self.tls {
            ImapTls::Starttls => f.write_str(" (STARTTLS)"),
            ImapTls::None => f.write_str(" (unencrypted)"),
            ImapTls::Implicit => Ok(()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{endpoint}: DNS: cannot resolve host name {host:?}: {source}")]
    Dns {
        endpoint: String,
        host: String,
        source: std::io::Error,
    },
    #[error("{endpoint}: cannot connect: {source}")]
    Connect {
        endpoint: String,
        source: std::io::Error,
    },
    #[error("{endpoint}: timed out after {secs} s while {step}")]
    Timeout {
        endpoint: String,
        step: &'static str,
        secs: u64,
    },
    #[error("{endpoint}: TLS: {message}")]
    Tls { endpoint: String, message: String },
    #[error("{endpoint}: the server does not offer STARTTLS: {message}")]
    NoStarttls { endpoint: String, message: String },
    #[error("{endpoint}: authentication failed for user {user:?}: {message}")]
    Auth {
        endpoint: String,
        user: String,
        message: String,
    },
    #[error("{endpoint}: password: {message}")]
    Password { endpoint: String, message: String },
    #[error("{endpoint}: {step}: {source}")]
    Protocol {
        endpoint: String,
        step: &'static str,
        source: async_imap::error::Error,
    },
}

impl ConnectError {
    /// Configuration problems (bad password, untrusted certificate, no STARTTLS) do not fix
    /// themselves; network problems may.
    pub fn is_config_problem(&self) -> bool {
        matches!(
            self,
            ConnectError::Auth { .. }
                | ConnectError::Password { .. }
                | ConnectError::NoStarttls { .. }
                | ConnectError::Tls { .. }
        )
    }
}

/// What the server offers that intake uses.
#[derive(Debug, Clone, Copy, Default)]
pub struct Capabilities {
    pub idle: bool,
    pub move_: bool,
    pub uidplus: bool,
}

/// Connects, secures, logs in; returns the session and the server's capabilities.
pub async fn connect(ep: &Endpoint) -> Result<(Session, Capabilities), ConnectError> {
    let endpoint = ep.to_string();
    let secs = ep.timeout.as_secs();
    let timeout_err = |step| ConnectError::Timeout {
        endpoint: endpoint.clone(),
        step,
        secs,
    };
    let password = ep.password()?;
    let addrs: Vec<_> = tokio::time::timeout(
        ep.timeout,
        tokio::net::lookup_host((ep.host.as_str(), ep.port)),
    )
    .await
    .map_err(|_| timeout_err("resolving the host name"))?
    .map_err(|source| ConnectError::Dns {
        endpoint: endpoint.clone(),
        host: ep.host.clone(),
        source,
    })?
    .collect();
    let tcp = tokio::time::timeout(ep.timeout, TcpStream::connect(addrs.as_slice()))
        .await
        .map_err(|_| timeout_err("connecting"))?
        .map_err(|source| ConnectError::Connect {
            endpoint: endpoint.clone(),
            source,
        })?;
    let _ = tcp.set_nodelay(true);
    let protocol = |step| {
        let endpoint = endpoint.clone();
        move |source| ConnectError::Protocol {
            endpoint,
            step,
            source,
        }
    };

    let stream: Box<dyn Conn> = match ep.tls {
        ImapTls::Implicit => {
            let tls = tls_handshake(ep, &endpoint, tcp).await?;
            let mut client = async_imap::Client::new(Box::new(tls) as Box<dyn Conn>);
            read_greeting(ep, &endpoint, &mut client).await?;
            client.into_inner()
        }
        ImapTls::Starttls => {
            let mut client = async_imap::Client::new(tcp);
            read_greeting(ep, &endpoint, &mut client).await?;
            match tokio::time::timeout(
                ep.timeout,
                client.run_command_and_check_ok("STARTTLS", None),
            )
            .await
            .map_err(|_| timeout_err("starting TLS"))?
            {
                Ok(()) => {}
                Err(
                    async_imap::error::Error::No(message) | async_imap::error::Error::Bad(message),
                ) => {
                    let message = server_text(&message);
                    return Err(ConnectError::NoStarttls { endpoint, message });
                }
                Err(e) => return Err(protocol("STARTTLS")(e)),
            }
            Box::new(tls_handshake(ep, &endpoint, client.into_inner()).await?)
        }
        ImapTls::None => {
            let mut client = async_imap::Client::new(Box::new(tcp) as Box<dyn Conn>);
            read_greeting(ep, &endpoint, &mut client).await?;
            client.into_inner()
        }
    };
    let client = async_imap::Client::new(stream);
    let mut session = tokio::time::timeout(
        ep.timeout,
        client.login(ep.user.as_str(), password.expose()),
    )
    .await
    .map_err(|_| timeout_err("logging in"))?
    .map_err(|(e, _)| match e {
        async_imap::error::Error::No(message) | async_imap::error::Error::Bad(message) => {
            ConnectError::Auth {
                endpoint: endpoint.clone(),
                user: ep.user.clone(),
                message: server_text(&message),
            }
        }
        other => protocol("LOGIN")(other),
    })?;
    let caps = tokio::time::timeout(ep.timeout, session.capabilities())
        .await
        .map_err(|_| timeout_err("asking for capabilities"))?
        .map_err(protocol("CAPABILITY"))?;
    let caps = Capabilities {
        idle: caps.has_str("IDLE"),
        move_: caps.has_str("MOVE"),
        uidplus: caps.has_str("UIDPLUS"),
    };
    Ok((session, caps))
}

/// The server's own words from an async-imap NO/BAD error, which arrives as the debug form
/// `code: …, info: Some("…")`.
pub fn server_text(message: &str) -> String {
    match message.split_once("info: Some(\"") {
        Some((_, rest)) => rest
            .strip_suffix("\")")
            .unwrap_or(rest)
            .replace("\\\"", "\""),
        None => message.to_string(),
    }
}

async fn read_greeting<T: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug>(
    ep: &Endpoint,
    endpoint: &str,
    client: &mut async_imap::Client<T>,
) -> Result<(), ConnectError> {
    let greeting = tokio::time::timeout(ep.timeout, client.read_response())
        .await
        .map_err(|_| ConnectError::Timeout {
            endpoint: endpoint.to_string(),
            step: "waiting for the server greeting",
            secs: ep.timeout.as_secs(),
        })?;
    match greeting {
        Ok(Some(resp)) => {
            if let async_imap::imap_proto::Response::Data {
                status: async_imap::imap_proto::Status::Bye,
                outcome,
            } = resp.parsed()
            {
                return Err(ConnectError::Connect {
                    endpoint: endpoint.to_string(),
                    source: std::io::Error::new(
                        std::io::ErrorKind::ConnectionRefused,
                        format!(
                            "server said BYE: {}",
                            outcome.information.as_deref().unwrap_or_default()
                        ),
                    ),
                });
            }
            Ok(())
        }
        Ok(None) => Err(ConnectError::Connect {
            endpoint: endpoint.to_string(),
            source: std::io::ErrorKind::UnexpectedEof.into(),
        }),
        Err(source) => Err(ConnectError::Connect {
            endpoint: endpoint.to_string(),
            source,
        }),
    }
}

async fn tls_handshake(
    ep: &Endpoint,
    endpoint: &str,
    tcp: TcpStream,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, ConnectError> {
    let tls_err = |message: String| ConnectError::Tls {
        endpoint: endpoint.to_string(),
        message,
    };
    let config = client_config(ep.ca_file.as_ref()).map_err(tls_err)?;
    let name = rustls::pki_types::ServerName::try_from(ep.host.clone())
        .map_err(|e| tls_err(format!("{:?} is not a valid server name: {e}", ep.host)))?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    tokio::time::timeout(ep.timeout, connector.connect(name, tcp))
        .await
        .map_err(|_| ConnectError::Timeout {
            endpoint: endpoint.to_string(),
            step: "the TLS handshake",
            secs: ep.timeout.as_secs(),
        })?
        .map_err(|e| {
            let hint = if ep.ca_file.is_none() {
                " (if the server's certificate comes from a private CA, set ca_file / --ca-file)"
            } else {
                ""
            };
            tls_err(format!("handshake failed: {e}{hint}"))
        })
}

/// rustls with the ring provider; trusts `ca_file` if given, else the system's CA store.
fn client_config(ca_file: Option<&PathBuf>) -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore::empty();
    match ca_file {
        Some(path) => {
            use rustls::pki_types::pem::PemObject;
            let certs = rustls::pki_types::CertificateDer::pem_file_iter(path)
                .map_err(|e| format!("CA file {}: {e}", path.display()))?;
            for cert in certs {
                let cert = cert.map_err(|e| format!("CA file {}: {e}", path.display()))?;
                roots
                    .add(cert)
                    .map_err(|e| format!("CA file {}: {e}", path.display()))?;
            }
            if roots.is_empty() {
                return Err(format!("CA file {} holds no certificate", path.display()));
            }
        }
        None => {
            let native = rustls_native_certs::load_native_certs();
            let (added, _) = roots.add_parsable_certificates(native.certs);
            if added == 0 {
                return Err("no trusted CA certificates found on this system (install ca-certificates, or set ca_file)".into());
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_words_are_taken_out_of_the_debug_form() {
        assert_eq!(
            server_text(
                r#"code: None, info: Some("[AUTHENTICATIONFAILED] Authentication failed.")"#
            ),
            "[AUTHENTICATIONFAILED] Authentication failed."
        );
        assert_eq!(server_text("plain words"), "plain words");
    }

    #[test]
    fn passwords_never_print() {
        let ep = Endpoint {
            host: "mail.example".into(),
            port: 993,
            tls: ImapTls::Implicit,
            ca_file: None,
            user: "schaden".into(),
            password: PasswordSource::Value(Secret::new("geheim123".into())),
            timeout: Duration::from_secs(5),
        };
        let shown = format!("{ep:?} {ep}");
        assert!(!shown.contains("geheim123"), "{shown}");
        assert!(
            shown.contains("imaps://schaden@mail.example:993"),
            "{shown}"
        );
    }
}
