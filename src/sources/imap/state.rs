//! The pure parts of IMAP intake: how a folder and a message are named in the ledger, which
//! UIDs are still to take, how they are cut into fetch batches, where the UID floor moves, the
//! `imap[s]://` URL of `intake imap poll`, and the reconnect backoff. No I/O.

use std::time::Duration;

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};

use crate::config::ImapTls;

/// Characters escaped in the user and folder parts of a mailbox key (RFC 5092 style).
const KEY_ESCAPE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'%')
    .add(b'@')
    .add(b'/')
    .add(b';')
    .add(b'?')
    .add(b'#')
    .add(b'"');

/// The stable name of a folder in the ledger: `imap://user@host/FOLDER`. Port and TLS mode
/// are left out on purpose: switching from STARTTLS on 143 to TLS on 993 is the same mailbox.
pub fn mailbox_key(user: &str, host: &str, folder: &str) -> String {
    format!(
        "imap://{}@{}/{}",
        utf8_percent_encode(user, KEY_ESCAPE),
        host.to_ascii_lowercase(),
        utf8_percent_encode(folder, KEY_ESCAPE)
    )
}

/// A message's `source.key`: `imap://user@host/FOLDER;UIDVALIDITY=v;UID=u`.
pub fn source_key(mailbox: &str, uidvalidity: u32, uid: u32) -> String {
    format!("{mailbox};UIDVALIDITY={uidvalidity};UID={uid}")
}

/// A UID set for IMAP commands with runs collapsed: `[1,2,3,7,9,10]` → `1:3,7,9:10`.
pub fn uid_set(uids: &[u32]) -> String {
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = String::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    out
}

/// Cuts `(uid, size)` in UID order into fetch batches of at most `max_count` messages and
/// about `max_bytes` (a single larger message is a batch of its own).
pub fn plan_batches(sizes: &[(u32, u64)], max_count: usize, max_bytes: u64) -> Vec<Vec<u32>> {
    let mut sorted = sizes.to_vec();
    sorted.sort_unstable();
    let mut batches = Vec::new();
    let mut current: Vec<u32> = Vec::new();
    let mut bytes = 0u64;
    for (uid, size) in sorted {
        if !current.is_empty() && (current.len() >= max_count || bytes + size > max_bytes) {
            batches.push(std::mem::take(&mut current));
            bytes = 0;
        }
        current.push(uid);
        bytes += size;
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

/// The new UID floor after a round: just below the lowest message that is not yet released,
/// else past the highest one seen; never backwards. `uid_next` (from SELECT) bounds it when
/// nothing was found.
pub fn next_floor(
    floor: u32,
    candidates: &[u32],
    unreleased: &[u32],
    uid_next: Option<u32>,
) -> u32 {
    if let Some(low) = unreleased.iter().min() {
        return floor.max(*low);
    }
    match candidates.iter().max() {
        Some(high) => floor.max(high.saturating_add(1)),
        None => floor.max(uid_next.unwrap_or(floor)),
    }
}

/// `imap[s]://USER@HOST[:PORT]/FOLDER` as given to `intake imap poll --url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxUrl {
    pub tls: ImapTls,
    pub host: String,
    pub port: u16,
    pub user: String,
    pub folder: String,
}

pub fn parse_url(text: &str, tls: Option<ImapTls>) -> Result<MailboxUrl, String> {
    let url = url::Url::parse(text).map_err(|e| format!("{text:?} is not a URL: {e}"))?;
    let default_tls = match url.scheme() {
        "imaps" => ImapTls::Implicit,
        "imap" => ImapTls::Starttls,
        other => return Err(format!("scheme {other:?}: use imap:// or imaps://")),
    };
    if url.password().is_some() {
        return Err("do not put the password into the URL; use --password-file".into());
    }
    let tls = tls.unwrap_or(default_tls);
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or("the URL names no host")?
        .trim_matches(['[', ']'])
        .to_string();
    let user = percent_decode_str(url.username())
        .decode_utf8()
        .map_err(|_| "the user name is not UTF-8")?
        .into_owned();
    if user.is_empty() {
        return Err("the URL names no user (imaps://USER@HOST/FOLDER)".into());
    }
    let folder = percent_decode_str(url.path().trim_start_matches('/'))
        .decode_utf8()
        .map_err(|_| "the folder name is not UTF-8")?
        .into_owned();
    let folder = if folder.is_empty() {
        "INBOX".to_string()
    } else {
        folder
    };
    Ok(MailboxUrl {
        tls,
        port: url.port().unwrap_or(tls.default_port()),
        host,
        user,
        folder,
    })
}

/// True for `localhost` and loopback addresses (where `--tls none` is allowed).
pub fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Exponential reconnect delay: 1 s, 2 s, 4 s, … capped at `max`, with ±20 % jitter so many
/// accounts do not reconnect in lockstep.
pub struct Backoff {
    attempt: u32,
    max: Duration,
}

impl Backoff {
    pub fn new(max: Duration) -> Backoff {
        Backoff { attempt: 0, max }
    }
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
    pub fn next_delay(&mut self) -> Duration {
        let base = Duration::from_secs(1u64 << self.attempt.min(16)).min(self.max);
        self.attempt = self.attempt.saturating_add(1);
        let jitter = rand::Rng::gen_range(&mut rand::thread_rng(), 0.8..1.2);
        base.mul_f64(jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stable_and_escaped() {
        let m = mailbox_key(
            "schaden@versicherung.de",
            "Mail.Example",
            "Gesendete Objekte",
        );
        assert_eq!(
            m,
            "imap://schaden%40versicherung.de@mail.example/Gesendete%20Objekte"
        );
        assert_eq!(source_key(&m, 7, 42), format!("{m};UIDVALIDITY=7;UID=42"));
    }

    #[test]
    fn uid_sets_collapse_runs() {
        assert_eq!(uid_set(&[9, 1, 2, 3, 7, 10]), "1:3,7,9:10");
        assert_eq!(uid_set(&[5]), "5");
        assert_eq!(uid_set(&[]), "");
    }

    #[test]
    fn batches_respect_count_and_bytes() {
        let sizes = [(1, 10), (2, 10), (3, 10), (4, 1000), (5, 10)];
        assert_eq!(
            plan_batches(&sizes, 2, 100),
            vec![vec![1, 2], vec![3], vec![4], vec![5]]
        );
        assert_eq!(plan_batches(&sizes, 10, 10_000), vec![vec![1, 2, 3, 4, 5]]);
    }

    #[test]
    fn floor_stops_at_the_first_unreleased_message_and_never_goes_back() {
        assert_eq!(next_floor(1, &[3, 4, 5], &[], Some(6)), 6);
        assert_eq!(next_floor(1, &[3, 4, 5], &[4], Some(6)), 4);
        assert_eq!(next_floor(10, &[], &[], Some(8)), 10);
        assert_eq!(next_floor(3, &[], &[], Some(8)), 8);
        assert_eq!(next_floor(1, &[], &[], None), 1);
    }

    #[test]
    fn urls_name_tls_port_user_and_folder() {
        let u = parse_url("imaps://schaden%40vers.de@127.0.0.1:10993/Schaden", None).unwrap();
        assert_eq!(
            u,
            MailboxUrl {
                tls: ImapTls::Implicit,
                host: "127.0.0.1".into(),
                port: 10993,
                user: "schaden@vers.de".into(),
                folder: "Schaden".into(),
            }
        );
        let u = parse_url("imap://u@mail.example", None).unwrap();
        assert_eq!(
            (u.tls, u.port, u.folder.as_str()),
            (ImapTls::Starttls, 143, "INBOX")
        );
        assert!(parse_url("imap://u:pw@h/INBOX", None).is_err());
        assert!(parse_url("http://u@h/INBOX", None).is_err());
        assert!(is_loopback("127.0.0.1") && is_loopback("::1") && !is_loopback("mail.example"));
    }

    #[test]
    fn backoff_grows_to_its_cap() {
        let mut b = Backoff::new(Duration::from_secs(60));
        let first = b.next_delay();
        assert!(first >= Duration::from_millis(800) && first <= Duration::from_millis(1200));
        for _ in 0..10 {
            b.next_delay();
        }
        assert!(b.next_delay() <= Duration::from_secs(72));
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(1200));
    }
}
