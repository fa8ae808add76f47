//! Normalised keys for numbers in any notation: upper-case alphanumerics (`WG 17 450 311` =
//! `WG-17450311` = `WG17450311`), packed into a `u128` for cheap hashing; the digit part with
//! leading zeros dropped as a `u64`; the letters OCR reads in place of digits. Pure functions.

/// Longest key (in alphanumerics) that is indexed and looked up.
pub const MAX_KEY: usize = 24;

/// Upper case alphanumerics: the key for numbers in any notation.
pub fn number_key(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_uppercase()
}

/// A key of ASCII upper-case letters and digits (at most [`MAX_KEY`]) packed base 37, so that
/// different keys give different numbers. `None` for longer keys or other characters.
pub fn pack(key: &[u8]) -> Option<u128> {
    if key.is_empty() || key.len() > MAX_KEY {
        return None;
    }
    let mut v: u128 = 0;
    for &b in key {
        let d = match b {
            b'0'..=b'9' => b - b'0' + 1,
            b'A'..=b'Z' => b - b'A' + 11,
            b'a'..=b'z' => b - b'a' + 11,
            _ => return None,
        };
        v = v * 37 + u128::from(d);
    }
    Some(v)
}

/// The digit a letter stands for when OCR (or a typist) confused them: O/D/Q→0, I/L→1, Z→2,
/// S→5, G→6, B→8. Digits map to themselves.
pub fn ocr_digit(b: u8) -> Option<u8> {
    match b.to_ascii_uppercase() {
        d @ b'0'..=b'9' => Some(d),
        b'O' | b'D' | b'Q' => Some(b'0'),
        b'I' | b'L' => Some(b'1'),
        b'Z' => Some(b'2'),
        b'S' => Some(b'5'),
        b'G' => Some(b'6'),
        b'B' => Some(b'8'),
        _ => None,
    }
}

/// Digits (at most 19) as a number: leading zeros drop out, so `000451` and `451` are one key.
pub fn digits_value(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: u64 = 0;
    for &d in digits {
        v = v * 10 + u64::from(d - b'0');
    }
    Some(v)
}

/// A key split into its leading letters (the prefix) and the rest.
pub fn split_prefix(key: &[u8]) -> (&[u8], &[u8]) {
    let n = key.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    key.split_at(n)
}

/// A number read group by group: its leading letters (the prefix, upper case) and the groups
/// after it — runs of digits with their leading zeros dropped, runs of letters upper case —
/// joined by dots (`SCH-2026-00871` → `SCH`, `2026.871`). `SCH 2026 871` has the same groups:
/// the form of a number written with the zeros inside it left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Groups {
    pub prefix: String,
    pub groups: String,
    /// How many groups follow the prefix.
    pub count: usize,
    /// A digit group after the first lost leading zeros (only then is this form needed: the
    /// digit key already drops the zeros in front of the whole number).
    pub inner_zeros: bool,
    /// Digits written.
    pub digits: usize,
}

/// The [`Groups`] of a number as written (`None` without a digit).
pub fn groups(s: &str) -> Option<Groups> {
    let mut runs: Vec<(bool, String)> = Vec::new();
    for c in s.chars() {
        let digit = c.is_ascii_digit();
        if !c.is_ascii_alphanumeric() {
            runs.push((false, String::new()));
            continue;
        }
        match runs.last_mut() {
            Some((d, run)) if *d == digit && !run.is_empty() => run.push(c.to_ascii_uppercase()),
            _ => runs.push((digit, c.to_ascii_uppercase().to_string())),
        }
    }
    runs.retain(|(_, r)| !r.is_empty());
    let prefix = match runs.first() {
        Some((false, p)) => p.clone(),
        _ => String::new(),
    };
    let rest = &runs[usize::from(!prefix.is_empty())..];
    let digits: usize = rest.iter().filter(|r| r.0).map(|r| r.1.len()).sum();
    if digits == 0 {
        return None;
    }
    let mut inner_zeros = false;
    let mut seen_digits = false;
    let parts: Vec<&str> = rest
        .iter()
        .map(|(d, r)| {
            if !*d {
                return r.as_str();
            }
            let t = r.trim_start_matches('0');
            let t = if t.is_empty() { "0" } else { t };
            inner_zeros |= seen_digits && t.len() < r.len();
            seen_digits = true;
            t
        })
        .collect();
    Some(Groups {
        prefix,
        groups: parts.join("."),
        count: parts.len(),
        inner_zeros,
        digits,
    })
}

/// The shape of an identifier as written in master data: letters as `A`, digits as `9`,
/// separators kept (`WG-99999999`, `SN 9999/9999`).
pub fn shape(id: &str) -> String {
    id.trim()
        .chars()
        .map(|c| match c {
            'A'..='Z' | 'a'..='z' => 'A',
            '0'..='9' => '9',
            ' ' => ' ',
            c if c.is_alphanumeric() => 'A',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_ignore_notation_and_packing_is_injective_on_keys() {
        assert_eq!(number_key("wg 17 450-311"), "WG17450311");
        assert_eq!(pack(b"WG17450311"), pack(b"wg17450311"));
        assert_ne!(pack(b"WG17450311"), pack(b"WG1745031"));
        assert_ne!(pack(b"A0"), pack(b"0A"));
        assert_ne!(pack(b"1"), pack(b"01"));
        assert!(pack(b"WG-1").is_none());
        assert!(pack(&[b'1'; 25]).is_none());
        assert!(pack(&[b'Z'; 24]).is_some());
    }

    #[test]
    fn every_listed_ocr_confusion_maps_to_its_digit_and_nothing_else_does() {
        for (l, d) in [
            (b'O', b'0'),
            (b'o', b'0'),
            (b'I', b'1'),
            (b'l', b'1'),
            (b'S', b'5'),
            (b'B', b'8'),
            (b'Z', b'2'),
            (b'G', b'6'),
        ] {
            assert_eq!(ocr_digit(l), Some(d), "{}", l as char);
        }
        for l in [b'A', b'K', b'W', b'X', b'-', b' '] {
            assert_eq!(ocr_digit(l), None, "{}", l as char);
        }
    }

    #[test]
    fn groups_drop_the_zeros_in_front_of_each_digit_group() {
        let g = groups("SCH-2026-00871").unwrap();
        assert_eq!((g.prefix.as_str(), g.groups.as_str()), ("SCH", "2026.871"));
        assert!(g.inner_zeros);
        assert_eq!((g.count, g.digits), (2, 9));
        let written = groups("SCH 2026 871").unwrap();
        assert_eq!(written.groups, g.groups);
        assert!(!written.inner_zeros);
        assert_eq!(groups("sch2026/871").unwrap().groups, "2026.871");
        // Letters after the prefix are groups of their own; zeros only in front: no inner ones.
        assert_eq!(groups("S26-04417W").unwrap().groups, "26.4417.W");
        assert!(!groups("LV-0941325-0").unwrap().inner_zeros);
        assert_eq!(groups("LV-0941325-0").unwrap().groups, "941325.0");
        assert!(groups("Vertrag").is_none());
    }

    #[test]
    fn leading_zeros_and_prefixes() {
        assert_eq!(digits_value(b"000451"), Some(451));
        assert_eq!(digits_value(b"451"), Some(451));
        assert_eq!(digits_value(b"45a"), None);
        assert_eq!(split_prefix(b"KF123"), (&b"KF"[..], &b"123"[..]));
        assert_eq!(split_prefix(b"123"), (&b""[..], &b"123"[..]));
        assert_eq!(shape("WG-17450311"), "WG-99999999".replace("WG", "AA"));
        assert_eq!(shape("SN 2026/0042"), "AA 9999/9999");
    }
}
