//! A temp workspace with a config, the binary, and helpers to wait for outcomes.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::{Digest, Sha256};

pub struct Env {
    pub dir: tempfile::TempDir,
}

/// A running `intake serve`, killed when dropped.
pub struct Serve(pub Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Serve {
    /// SIGTERM and wait for a clean exit.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let pid = self.0.id() as i32;
        unsafe_free_kill(pid, "TERM");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(st) = self.0.try_wait().unwrap() {
                return st;
            }
            assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn unsafe_free_kill(pid: i32, sig: &str) {
    Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status()
        .unwrap();
}

impl Env {
    pub fn new() -> Env {
        Env::with_config("")
    }

    /// `extra` is appended to a config with a fast-settling watched folder.
    pub fn with_config(extra: &str) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let config = format!(
            "data_dir = \"data\"\n\n[web]\nlisten = \"127.0.0.1:0\"\n\n[[folders]]\npath = \"inbox\"\nchannel = \"scan\"\nstable_after_ms = 300\n\n{extra}"
        );
        std::fs::write(dir.path().join("intake.toml"), config).unwrap();
        std::fs::create_dir_all(dir.path().join("inbox")).unwrap();
        Env { dir }
    }

    /// A workspace (see [`Env::with_config`]) with the sample master data imported.
    pub fn with_sample_customers(extra: &str) -> Env {
        let env = Env::with_config(extra);
        let s = samples();
        env.ok(&[
            "customers",
            "import",
            "--customers",
            s.join("customers.csv").to_str().unwrap(),
            "--contracts",
            s.join("contracts.csv").to_str().unwrap(),
        ]);
        env
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn inbox(&self) -> PathBuf {
        self.path("inbox")
    }

    pub fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_intake"));
        c.current_dir(self.dir.path())
            .env("INTAKE_LOG", "warn")
            .env_remove("INTAKE_CONFIG");
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().unwrap()
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "intake {args:?} failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn serve(&self) -> Serve {
        self.spawn_serve(&[])
    }

    fn spawn_serve(&self, args: &[&str]) -> Serve {
        let log = std::fs::File::create(self.path("serve.log")).unwrap();
        let child = self
            .command()
            .arg("serve")
            .args(args)
            .env("INTAKE_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        Serve(child)
    }

    /// `intake serve` with the API on a free loopback port; returns once `/healthz` answers.
    pub fn serve_web(&self) -> (Serve, String) {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let serve = self.spawn_serve(&["--listen", &format!("127.0.0.1:{port}")]);
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = reqwest::blocking::get(format!("{base}/healthz")) {
                if r.status().is_success() {
                    break;
                }
            }
            assert!(
                Instant::now() < deadline,
                "serve did not answer on {base}:\n{}",
                std::fs::read_to_string(self.path("serve.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        (serve, base)
    }

    /// Adds a user with the password `geheim1234`.
    pub fn add_user(&self, name: &str, role: &str, extra: &[&str]) {
        std::fs::write(self.path("pw.txt"), "geheim1234\n").unwrap();
        let mut args = vec![
            "users",
            "add",
            name,
            "--role",
            role,
            "--password-file",
            "pw.txt",
        ];
        args.extend_from_slice(extra);
        self.ok(&args);
    }

    pub fn export(&self) -> Vec<Value> {
        self.ok(&["export", "documents"])
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    pub fn search(&self, args: &[&str]) -> Value {
        let mut all = vec!["search", "--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).unwrap()
    }

    /// Files left in the inbox (not counting processed/ and failed/).
    pub fn pending(&self) -> Vec<PathBuf> {
        walkdir::WalkDir::new(self.inbox())
            .into_iter()
            .filter_entry(|e| {
                let n = e.file_name().to_string_lossy();
                e.depth() != 1 || (n != "processed" && n != "failed")
            })
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path())
            .collect()
    }

    pub fn files_under(&self, rel: &str) -> Vec<PathBuf> {
        walkdir::WalkDir::new(self.path(rel))
            .into_iter()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path())
            .collect()
    }

    /// Waits until the inbox is empty (everything released), or panics with the serve log.
    pub fn wait_until_inbox_empty(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while !self.pending().is_empty() {
            if Instant::now() > deadline {
                panic!(
                    "inbox not emptied in {timeout:?}: {:?}\nserve log:\n{}",
                    self.pending(),
                    std::fs::read_to_string(self.path("serve.log")).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The original's bytes as kept in the blob store.
    pub fn blob(&self, sha: &str) -> Vec<u8> {
        std::fs::read(
            self.path("data/blobs")
                .join(&sha[0..2])
                .join(&sha[2..4])
                .join(sha),
        )
        .unwrap()
    }
}

/// The repository's `samples/`.
pub fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Writes a file the way a scanner does: under a temporary name, then renamed.
pub fn drop_file(dir: &Path, name: &str, bytes: &[u8]) {
    let tmp = dir.join(format!("{name}.part"));
    std::fs::write(&tmp, bytes).unwrap();
    std::fs::rename(&tmp, dir.join(name)).unwrap();
}

pub fn roots(export: &[Value]) -> Vec<&Value> {
    export
        .iter()
        .filter(|d| d["source"]["parent_id"].is_null())
        .collect()
}
