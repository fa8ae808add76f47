//! Helper programs (poppler's `pdftoppm`) run with a deadline: in their own process group, with
//! a CPU-time limit the kernel enforces even if intake itself dies, and killed (the whole group)
//! when the deadline passes. A hostile PDF that sends the program into an endless loop costs
//! one deadline, not a worker.

use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus};
use std::time::Duration;

use wait_timeout::ChildExt;

/// Why a helper program gave no result.
#[derive(Debug, thiserror::Error)]
pub enum ProgramError {
    #[error("not installed")]
    NotFound,
    #[error("did not finish within {} s and was stopped", .0.as_secs())]
    Overran(Duration),
    #[error("{0}")]
    Io(std::io::Error),
}

/// Runs `cmd` to its end or to `deadline`, whichever comes first.
pub fn run_with_deadline(
    cmd: &mut Command,
    deadline: Duration,
) -> Result<ExitStatus, ProgramError> {
    cmd.process_group(0);
    limit_resources(cmd, deadline.as_secs().saturating_add(5));
    let mut child = cmd.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ProgramError::NotFound,
        _ => ProgramError::Io(e),
    })?;
    match child.wait_timeout(deadline).map_err(ProgramError::Io)? {
        Some(status) => Ok(status),
        None => {
            // The group id is the child's pid (`process_group(0)`): its own children go too.
            if let Some(group) = rustix::process::Pid::from_raw(child.id() as i32) {
                let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
            }
            let _ = child.kill();
            let _ = child.wait();
            Err(ProgramError::Overran(deadline))
        }
    }
}

/// Most memory (address space) a helper program may map: a page rendered at 300 dpi needs
/// tens of MB; a hostile page must not take the machine's memory.
const PROGRAM_MEMORY: u64 = 4 << 30;

/// The kernel stops the program after `cpu_secs` CPU seconds (the wall-clock deadline normally
/// strikes first; this one holds when intake itself was killed and the program orphaned) and
/// refuses it more than [`PROGRAM_MEMORY`].
#[allow(unsafe_code)]
fn limit_resources(cmd: &mut Command, cpu_secs: u64) {
    let limit = |n: u64| libc::rlimit {
        rlim_cur: n as libc::rlim_t,
        rlim_max: n as libc::rlim_t,
    };
    let (cpu, memory) = (limit(cpu_secs), limit(PROGRAM_MEMORY));
    // SAFETY: between fork and exec only setrlimit runs, which is async-signal-safe; the
    // limits are plain values moved into the closure.
    unsafe {
        cmd.pre_exec(move || {
            if libc::setrlimit(libc::RLIMIT_CPU, &cpu) != 0
                || libc::setrlimit(libc::RLIMIT_AS, &memory) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn a_program_past_its_deadline_is_stopped_with_its_children() {
        let started = Instant::now();
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "sleep 600 & sleep 600; wait"]);
        let r = run_with_deadline(&mut cmd, Duration::from_millis(300));
        assert!(matches!(r, Err(ProgramError::Overran(_))), "{r:?}");
        assert!(started.elapsed() < Duration::from_secs(10));
        // No `sleep 600` of that group survives.
        let left = Command::new("pgrep")
            .args(["-f", "^sleep 600$"])
            .output()
            .expect("pgrep");
        assert!(left.stdout.is_empty(), "left running: {:?}", left);
    }

    #[test]
    fn a_quick_program_reports_its_status() {
        let ok = run_with_deadline(Command::new("true").arg("x"), Duration::from_secs(10));
        assert!(ok.unwrap().success());
        let missing = run_with_deadline(
            &mut Command::new("/nonexistent/program"),
            Duration::from_secs(10),
        );
        assert!(matches!(missing, Err(ProgramError::NotFound)));
    }
}
