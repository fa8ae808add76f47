//! Work that can be abandoned: a stage worker hands the risky part of an item (a parser, OCR,
//! understanding) to a helper thread and waits for it with a deadline. When the deadline
//! passes, the stage worker gives the item up (the caller records it as failed with the reason)
//! and goes on with a fresh helper; the runaway helper is left to finish or spin on its own,
//! owning nothing the pipeline waits for. Rust cannot stop a thread from outside, so this is the
//! one way an input that sends a parser into an endless loop cannot stall the mailroom.
//!
//! Written here rather than taken from a crate: thread pools (rayon, threadpool) wait for their
//! jobs and cannot hand a stuck worker's place to a new one.
//!
//! The counters ([`overruns`], [`runaways`]) are process-wide and shown in `/metrics`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{RecvTimeoutError, Sender};

static OVERRUNS: AtomicU64 = AtomicU64::new(0);
static RUNAWAYS: AtomicU64 = AtomicU64::new(0);

/// Items given up because a stage passed its deadline, since the process started.
pub fn overruns() -> u64 {
    OVERRUNS.load(Ordering::Relaxed)
}

/// Helper threads given up on that are still busy (spinning in a runaway job).
pub fn runaways() -> u64 {
    RUNAWAYS.load(Ordering::Relaxed)
}

/// Why a job gave no result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum Abandoned {
    #[error("did not finish within {} s", .0.as_secs_f32())]
    Overran(Duration),
    #[error("internal error (the reader panicked)")]
    Panicked,
}

type Job = Box<dyn FnOnce() + Send + 'static>;

/// One helper thread at a time, replaced when a job overruns.
pub(super) struct Abandonable {
    name: &'static str,
    helper: Option<Helper>,
}

struct Helper {
    jobs: Sender<Job>,
    /// Set when the stage gave up on the helper's current job.
    given_up: Arc<AtomicBool>,
}

impl Abandonable {
    /// `name` names the helper threads (`<name>-work`).
    pub fn new(name: &'static str) -> Self {
        Abandonable { name, helper: None }
    }

    /// Runs `job` on the helper and waits at most `deadline` for its result. A panic inside
    /// the job is caught and reported, the helper stays usable.
    pub fn run<R: Send + 'static>(
        &mut self,
        deadline: Duration,
        job: impl FnOnce() -> R + Send + 'static,
    ) -> Result<R, Abandoned> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let mut job: Option<Job> = Some(Box::new(move || {
            let _ = tx.send(catch_unwind(AssertUnwindSafe(job)));
        }));
        // A helper that has died (it cannot, short of a bug) is replaced once.
        for _ in 0..2 {
            let helper = self.helper.get_or_insert_with(|| spawn_helper(self.name));
            match helper.jobs.send(job.take().expect("job not yet sent")) {
                Ok(()) => break,
                Err(back) => {
                    job = Some(back.into_inner());
                    self.helper = None;
                }
            }
        }
        if job.is_some() {
            return Err(Abandoned::Panicked);
        }
        match rx.recv_timeout(deadline) {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(_)) => Err(Abandoned::Panicked),
            Err(RecvTimeoutError::Disconnected) => {
                self.helper = None;
                Err(Abandoned::Panicked)
            }
            Err(RecvTimeoutError::Timeout) => {
                if let Some(h) = self.helper.take() {
                    h.given_up.store(true, Ordering::SeqCst);
                    RUNAWAYS.fetch_add(1, Ordering::Relaxed);
                    // Dropping `h.jobs` lets the helper exit once its runaway job returns.
                }
                OVERRUNS.fetch_add(1, Ordering::Relaxed);
                tracing::error!(
                    stage = self.name,
                    deadline_s = deadline.as_secs_f32(),
                    "work passed its deadline; the item is given up and the helper abandoned"
                );
                Err(Abandoned::Overran(deadline))
            }
        }
    }
}

fn spawn_helper(name: &'static str) -> Helper {
    let (jobs, rx) = crossbeam_channel::bounded::<Job>(0);
    let given_up = Arc::new(AtomicBool::new(false));
    let flag = given_up.clone();
    std::thread::Builder::new()
        .name(format!("{name}-work"))
        .spawn(move || {
            for job in rx {
                job();
            }
            if flag.load(Ordering::SeqCst) {
                RUNAWAYS.fetch_sub(1, Ordering::Relaxed);
                tracing::info!(stage = name, "an abandoned job has ended after all");
            }
        })
        .expect("spawn a helper thread");
    Helper { jobs, given_up }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn a_job_that_never_ends_is_given_up_and_the_next_one_runs() {
        let mut worker = Abandonable::new("test");
        assert_eq!(worker.run(Duration::from_secs(5), || 1 + 1), Ok(2));
        let stop = Arc::new(AtomicBool::new(false));
        let spin = stop.clone();
        let started = Instant::now();
        let r = worker.run(Duration::from_millis(200), move || {
            while !spin.load(Ordering::SeqCst) {
                std::hint::spin_loop();
            }
        });
        assert_eq!(r, Err(Abandoned::Overran(Duration::from_millis(200))));
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(runaways() >= 1);
        // The stage goes on with a fresh helper while the runaway still spins.
        assert_eq!(worker.run(Duration::from_secs(5), || "next"), Ok("next"));
        stop.store(true, Ordering::SeqCst);
    }

    #[test]
    fn a_panicking_job_is_reported_and_the_helper_stays_usable() {
        let mut worker = Abandonable::new("test");
        let r: Result<(), _> = worker.run(Duration::from_secs(5), || panic!("parser bug"));
        assert_eq!(r, Err(Abandoned::Panicked));
        assert_eq!(worker.run(Duration::from_secs(5), || 7), Ok(7));
    }
}
