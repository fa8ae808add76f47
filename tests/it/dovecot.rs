//! A real Dovecot for tests and the IMAP bench: its own config, passwd-file user, maildir,
//! test CA + leaf certificate (rcgen, SAN localhost + 127.0.0.1) in a temp dir, listening on
//! loopback on free ports (plain/STARTTLS and implicit TLS). Runs unprivileged (as `nobody`
//! when the tests run as root). A missing Dovecot fails with the command that installs it.
//! [`Mailbox`] is a small synchronous IMAP client for appending and counting.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;

pub const USER: &str = "schaden";
pub const PASSWORD: &str = "Geheim-123";

pub struct Dovecot {
    pub dir: tempfile::TempDir,
    /// Plain IMAP (STARTTLS offered).
    pub port: u16,
    /// Implicit TLS.
    pub tls_port: u16,
    pub ca_file: PathBuf,
    pub password_file: PathBuf,
    /// (user, group) to drop to when the tests run as root.
    run_as: Option<(String, String)>,
    child: Option<Child>,
}

fn dovecot_binary() -> PathBuf {
    for p in ["/usr/sbin/dovecot", "/usr/local/sbin/dovecot"] {
        if Path::new(p).exists() {
            return PathBuf::from(p);
        }
    }
    panic!(
        "Dovecot is not installed; the IMAP tests need a real server. Install it with\n    \
         sudo apt-get install -y dovecot-imapd\n(or `make deps`, which installs scripts/debian-packages.txt)"
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn sh(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd).args(args).output().unwrap();
    assert!(out.status.success(), "{cmd} {args:?} failed");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn is_root() -> bool {
    sh("id", &["-u"]) == "0"
}

/// A CA and a leaf certificate for localhost / 127.0.0.1 signed by it (rustls rejects a
/// self-signed certificate used directly as the server's).
fn write_certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "intake test CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let mut leaf =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    let leaf_key = KeyPair::generate().unwrap();
    let leaf_cert = leaf.signed_by(&leaf_key, &ca_cert, &ca_key).unwrap();
    let (ca_file, cert, key) = (
        dir.join("ca.pem"),
        dir.join("leaf.pem"),
        dir.join("leaf.key"),
    );
    std::fs::write(&ca_file, ca_cert.pem()).unwrap();
    std::fs::write(&cert, leaf_cert.pem()).unwrap();
    std::fs::write(&key, leaf_key.serialize_pem()).unwrap();
    (ca_file, cert, key)
}

impl Dovecot {
    /// Starts a Dovecot on fresh free ports; a start that fails (a port taken by a parallel
    /// test between picking and binding) is tried again on other ports.
    pub fn start() -> Dovecot {
        let mut last = String::new();
        for _ in 0..3 {
            let mut d = Dovecot::prepare();
            match d.try_spawn() {
                Ok(()) => return d,
                Err(e) => last = e,
            }
        }
        panic!("dovecot did not start three times:\n{last}")
    }

    fn prepare() -> Dovecot {
        let binary = dovecot_binary();
        let dir = tempfile::Builder::new()
            .prefix("intake-dovecot-")
            .tempdir()
            .unwrap();
        // Dovecot runs as another user when we are root: it must reach its directory.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let root = dir.path();
        let (ca_file, cert, key) = write_certificates(root);
        let (user, group, uid, gid) = if is_root() {
            (
                "nobody".to_string(),
                sh("id", &["-gn", "nobody"]),
                sh("id", &["-u", "nobody"]),
                sh("id", &["-g", "nobody"]),
            )
        } else {
            (
                sh("id", &["-un"]),
                sh("id", &["-gn"]),
                sh("id", &["-u"]),
                sh("id", &["-g"]),
            )
        };
        for d in ["run", "state", "home"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        let passwd = root.join("passwd");
        std::fs::write(
            &passwd,
            format!(
                "{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{}\n",
                root.join("home").join(USER).display()
            ),
        )
        .unwrap();
        let password_file = root.join("password.txt");
        std::fs::write(&password_file, format!("{PASSWORD}\n")).unwrap();
        let (port, tls_port) = (free_port(), free_port());
        let r = root.display();
        let config = format!(
            r#"base_dir = {r}/run
state_dir = {r}/state
log_path = {r}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = 1
mail_max_userip_connections = 100
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {passwd}
}}
"#,
            cert = cert.display(),
            key = key.display(),
            passwd = passwd.display(),
        );
        std::fs::write(root.join("dovecot.conf"), config).unwrap();
        if is_root() {
            sh(
                "chown",
                &[
                    "-R",
                    &format!("{user}:{group}"),
                    &root.display().to_string(),
                ],
            );
        }
        let _ = binary;
        Dovecot {
            dir,
            port,
            tls_port,
            ca_file,
            password_file,
            run_as: is_root().then(|| (user.clone(), group.clone())),
            child: None,
        }
    }

    fn spawn(&mut self) {
        if let Err(e) = self.try_spawn() {
            panic!("{e}");
        }
    }

    fn try_spawn(&mut self) -> Result<(), String> {
        let conf = self.dir.path().join("dovecot.conf");
        let mut cmd = if let Some((user, group)) = &self.run_as {
            let mut c = Command::new("setpriv");
            c.arg(format!("--reuid={user}"))
                .arg(format!("--regid={group}"))
                .arg("--clear-groups")
                .arg(dovecot_binary());
            c
        } else {
            Command::new(dovecot_binary())
        };
        cmd.arg("-F")
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        self.child = Some(cmd.spawn().expect("start dovecot"));
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok()
                && std::net::TcpStream::connect(("127.0.0.1", self.tls_port)).is_ok()
            {
                return Ok(());
            }
            if let Some(st) = self.child.as_mut().unwrap().try_wait().unwrap() {
                self.child = None;
                return Err(format!("dovecot exited at start ({st}):\n{}", self.log()));
            }
            assert!(
                Instant::now() < deadline,
                "dovecot did not listen in time:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default()
    }

    /// Stops the server (SIGTERM to the master, which ends every session) and waits.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while child.try_wait().unwrap().is_none() {
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            // The master is gone; wait until its listeners are too.
            let deadline = Instant::now() + Duration::from_secs(10);
            while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok()
                && Instant::now() < deadline
            {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    pub fn mailbox(&self) -> Mailbox {
        Mailbox::login(self.port)
    }

    /// Config lines for an `[[imap]]` account on this server (plain on loopback).
    pub fn account_toml(&self, extra: &str) -> String {
        format!(
            "[[imap]]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nallow_plaintext = true\nuser = \"{USER}\"\npassword_file = \"{}\"\n{extra}\n",
            self.port,
            self.password_file.display()
        )
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        self.stop();
    }
}

type TestSession = async_imap::Session<tokio::net::TcpStream>;

/// A synchronous IMAP client for the test's side (appending, counting, recreating folders).
pub struct Mailbox {
    rt: tokio::runtime::Runtime,
    session: Option<TestSession>,
}

impl Mailbox {
    pub fn login(port: u16) -> Mailbox {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let session = rt.block_on(async {
            let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .unwrap();
            let mut client = async_imap::Client::new(tcp);
            client.read_response().await.unwrap().unwrap();
            client
                .login(USER, PASSWORD)
                .await
                .map_err(|(e, _)| e)
                .unwrap()
        });
        Mailbox {
            rt,
            session: Some(session),
        }
    }

    pub fn append(&mut self, folder: &str, message: &[u8]) {
        let rt = &self.rt;
        let s = self.session.as_mut().unwrap();
        rt.block_on(s.append(folder, None, None, message))
            .unwrap_or_else(|e| panic!("APPEND to {folder}: {e}"));
    }

    pub fn create(&mut self, folder: &str) {
        let rt = &self.rt;
        let s = self.session.as_mut().unwrap();
        rt.block_on(s.create(folder)).unwrap();
    }

    pub fn delete(&mut self, folder: &str) {
        let rt = &self.rt;
        let s = self.session.as_mut().unwrap();
        rt.block_on(async {
            let _ = s.close().await;
            s.delete(folder).await
        })
        .unwrap();
    }

    /// Messages in `folder` (0 if it does not exist).
    pub fn count(&mut self, folder: &str) -> u32 {
        let rt = &self.rt;
        let s = self.session.as_mut().unwrap();
        rt.block_on(s.status(folder, "(MESSAGES)"))
            .map(|m| m.exists)
            .unwrap_or(0)
    }

    pub fn uidvalidity(&mut self, folder: &str) -> u32 {
        let rt = &self.rt;
        let s = self.session.as_mut().unwrap();
        rt.block_on(s.status(folder, "(UIDVALIDITY)"))
            .unwrap()
            .uid_validity
            .unwrap()
    }

    /// The raw messages in `folder`, in UID order, with their flags.
    pub fn messages(&mut self, folder: &str) -> Vec<(Vec<u8>, Vec<String>)> {
        let rt = &self.rt;
        let s = self.session.as_mut().unwrap();
        rt.block_on(async {
            let mb = s.examine(folder).await.unwrap();
            if mb.exists == 0 {
                return Vec::new();
            }
            let fetched: Vec<_> = s
                .fetch("1:*", "(UID FLAGS BODY.PEEK[])")
                .await
                .unwrap()
                .try_collect()
                .await
                .unwrap();
            let mut out: Vec<_> = fetched
                .iter()
                .map(|f| {
                    (
                        f.uid.unwrap(),
                        f.body().unwrap().to_vec(),
                        f.flags().map(|fl| format!("{fl:?}")).collect::<Vec<_>>(),
                    )
                })
                .collect();
            out.sort_by_key(|m| m.0);
            out.into_iter().map(|(_, b, f)| (b, f)).collect()
        })
    }
}

impl Drop for Mailbox {
    fn drop(&mut self) {
        if let Some(mut s) = self.session.take() {
            let _ = self
                .rt
                .block_on(async { tokio::time::timeout(Duration::from_secs(2), s.logout()).await });
        }
    }
}

/// Waits until `cond` holds or panics with `what`.
pub fn wait_until(timeout: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
