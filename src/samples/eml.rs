//! RFC 5322 / MIME writer: headers with RFC 2047 encoded words (Q or B), RFC 2231
//! attachment file names, quoted-printable / base64 / 8bit bodies in UTF-8 or
//! ISO-8859-1, multipart/alternative (HTML), multipart/mixed with attachments and
//! nested message/rfc822 parts; plus a tiny valid PNG for "photo" attachments.

use std::fmt::Write as _;
use std::io::Write as _;

/// How non-ASCII header text is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderEnc {
    /// RFC 2047 `=?UTF-8?Q?…?=`
    Q,
    /// RFC 2047 `=?UTF-8?B?…?=`
    B,
    /// Raw UTF-8 (RFC 6532 style, as some clients send it).
    Raw,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Charset {
    Utf8,
    Latin1,
}

impl Charset {
    fn name(self) -> &'static str {
        match self {
            Charset::Utf8 => "utf-8",
            Charset::Latin1 => "iso-8859-1",
        }
    }
    fn encode(self, text: &str) -> Vec<u8> {
        match self {
            Charset::Utf8 => text.as_bytes().to_vec(),
            Charset::Latin1 => {
                let mut out = Vec::with_capacity(text.len());
                for c in text.chars() {
                    match c {
                        '\0'..='\u{ff}' => out.push(c as u8),
                        '€' => out.extend_from_slice(b"EUR"),
                        '„' | '“' | '”' => out.push(b'"'),
                        '‚' | '‘' | '’' => out.push(b'\''),
                        '–' | '—' => out.push(b'-'),
                        _ => out.push(b'?'),
                    }
                }
                out
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyEnc {
    QuotedPrintable,
    Base64,
    EightBit,
}

/// One attachment. `message/rfc822` parts are embedded as-is (7bit/8bit, never base64).
#[derive(Clone, Debug)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

/// Everything needed to write one message.
#[derive(Clone, Debug)]
pub struct MailSpec {
    /// Display name and address of the sender.
    pub from: (String, String),
    pub to: (String, String),
    pub cc: Option<(String, String)>,
    pub subject: String,
    /// RFC 5322 date, e.g. `Sat, 14 Mar 2026 09:12:33 +0100`.
    pub date: String,
    /// Without angle brackets.
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub text: Option<String>,
    pub html: Option<String>,
    pub charset: Charset,
    pub body_enc: BodyEnc,
    pub header_enc: HeaderEnc,
    pub user_agent: Option<String>,
    pub attachments: Vec<Attachment>,
    /// Makes MIME boundaries unique yet deterministic.
    pub boundary_seed: u64,
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 without line breaks.
pub fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(B64[(n >> 18) as usize & 63] as char);
        out.push(B64[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            B64[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            B64[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// Base64 in 76-character lines separated by CRLF, ending with CRLF.
fn base64_lines(data: &[u8], out: &mut Vec<u8>) {
    let enc = base64(data);
    for line in enc.as_bytes().chunks(76) {
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Quoted-printable (RFC 2045) of text bytes; `\n` line breaks become CRLF hard breaks,
/// lines longer than 76 characters get soft breaks.
pub fn quoted_printable(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len() + data.len() / 8);
    let text = data.strip_suffix(b"\n").unwrap_or(data);
    for line in text.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let mut col = 0;
        for (i, &b) in line.iter().enumerate() {
            let last = i + 1 == line.len();
            let mut tok = [0u8; 3];
            let tok: &[u8] =
                if (b'!'..=b'~').contains(&b) && b != b'=' || (b == b' ' || b == b'\t') && !last {
                    tok[0] = b;
                    &tok[..1]
                } else {
                    tok = [b'=', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]];
                    &tok
                };
            // Keep room for the soft break "=" (76 incl. "=").
            let limit = if last { 76 } else { 75 };
            if col + tok.len() > limit {
                out.push_str("=\r\n");
                col = 0;
            }
            out.push_str(std::str::from_utf8(tok).expect("ascii"));
            col += tok.len();
        }
        out.push_str("\r\n");
    }
    out
}

fn needs_encoding(s: &str) -> bool {
    s.bytes().any(|b| !(b' '..=b'~').contains(&b))
}

/// RFC 2047 encoded words for `text`, each at most 75 characters, joined by folding whitespace.
pub fn encoded_words(text: &str, enc: HeaderEnc) -> String {
    match enc {
        HeaderEnc::Raw => text.to_string(),
        HeaderEnc::B => {
            let mut words = Vec::new();
            let mut chunk = String::new();
            for c in text.chars() {
                if chunk.len() + c.len_utf8() > 45 {
                    words.push(format!("=?UTF-8?B?{}?=", base64(chunk.as_bytes())));
                    chunk.clear();
                }
                chunk.push(c);
            }
            if !chunk.is_empty() {
                words.push(format!("=?UTF-8?B?{}?=", base64(chunk.as_bytes())));
            }
            words.join("\r\n ")
        }
        HeaderEnc::Q => {
            let mut words = Vec::new();
            let mut cur = String::new();
            for c in text.chars() {
                let mut piece = String::new();
                if c == ' ' {
                    piece.push('_');
                } else if c.is_ascii_alphanumeric() || "!*+-/".contains(c) {
                    piece.push(c);
                } else {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        let _ = write!(piece, "={b:02X}");
                    }
                }
                if cur.len() + piece.len() > 63 {
                    words.push(format!("=?UTF-8?Q?{cur}?="));
                    cur.clear();
                }
                cur.push_str(&piece);
            }
            if !cur.is_empty() {
                words.push(format!("=?UTF-8?Q?{cur}?="));
            }
            words.join("\r\n ")
        }
    }
}

/// Unstructured header value: ASCII stays (folded at spaces), the rest is encoded.
fn unstructured(text: &str, enc: HeaderEnc) -> String {
    if needs_encoding(text) {
        encoded_words(text, enc)
    } else {
        fold(text)
    }
}

fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut col = 10;
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            if col + word.len() + 1 > 76 {
                out.push_str("\r\n ");
                col = 1;
            } else {
                out.push(' ');
                col += 1;
            }
        }
        out.push_str(word);
        col += word.len();
    }
    out
}

/// `Name <addr>` with the display name quoted or encoded as needed.
pub fn mailbox(name: &str, addr: &str, enc: HeaderEnc) -> String {
    if name.is_empty() {
        return format!("<{addr}>");
    }
    if needs_encoding(name) && enc != HeaderEnc::Raw {
        format!("{} <{addr}>", encoded_words(name, enc))
    } else if name.chars().any(|c| "()<>[]:;@\\,.\"".contains(c)) {
        format!(
            "\"{}\" <{addr}>",
            name.replace('\\', "\\\\").replace('"', "\\\"")
        )
    } else {
        format!("{name} <{addr}>")
    }
}

/// Content-Type / Content-Disposition lines for a named part: plain `filename="…"` for
/// ASCII names, RFC 2231 `filename*=UTF-8''…` (plus an encoded-word `name=`, as Outlook
/// writes it) otherwise.
fn named_part_headers(content_type: &str, filename: &str, disposition: &str) -> String {
    if needs_encoding(filename) || filename.contains('"') {
        let mut pct = String::new();
        for b in filename.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                pct.push(b as char);
            } else {
                let _ = write!(pct, "%{b:02X}");
            }
        }
        format!(
            "Content-Type: {content_type};\r\n name=\"{}\"\r\nContent-Disposition: {disposition};\r\n filename*=UTF-8''{pct}\r\n",
            encoded_words(filename, HeaderEnc::Q).replace("\r\n ", "")
        )
    } else {
        format!(
            "Content-Type: {content_type};\r\n name=\"{filename}\"\r\nContent-Disposition: {disposition};\r\n filename=\"{filename}\"\r\n"
        )
    }
}

fn text_part(out: &mut Vec<u8>, subtype: &str, text: &str, charset: Charset, enc: BodyEnc) {
    let bytes = charset.encode(text);
    let ascii = bytes.iter().all(|b| b.is_ascii());
    let long_line = text.lines().any(|l| l.len() > 998);
    let enc = if enc == BodyEnc::EightBit && long_line {
        BodyEnc::QuotedPrintable
    } else {
        enc
    };
    let _ = write!(
        out,
        "Content-Type: text/{subtype}; charset=\"{}\"",
        charset.name()
    );
    out.extend_from_slice("\r\n".as_bytes());
    match enc {
        BodyEnc::QuotedPrintable => {
            out.extend_from_slice("Content-Transfer-Encoding: quoted-printable\r\n\r\n".as_bytes());
            out.extend_from_slice(quoted_printable(&bytes).as_bytes());
        }
        BodyEnc::Base64 => {
            out.extend_from_slice("Content-Transfer-Encoding: base64\r\n\r\n".as_bytes());
            base64_lines(&bytes, out);
        }
        BodyEnc::EightBit => {
            let cte = if ascii { "7bit" } else { "8bit" };
            let _ = write!(out, "Content-Transfer-Encoding: {cte}\r\n\r\n");
            let body = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
            for line in body.split(|&b| b == b'\n') {
                out.extend_from_slice(line.strip_suffix(b"\r").unwrap_or(line));
                out.extend_from_slice(b"\r\n");
            }
        }
    }
}

fn boundary(seed: u64, n: u32) -> String {
    format!("----=_Part_{n}_{seed:016x}")
}

fn body_parts(spec: &MailSpec, out: &mut Vec<u8>, n: &mut u32) {
    let has_alt = spec.text.is_some() && spec.html.is_some();
    if has_alt {
        *n += 1;
        let b = boundary(spec.boundary_seed, *n);
        let _ = write!(
            out,
            "Content-Type: multipart/alternative;\r\n boundary=\"{b}\"\r\n\r\n"
        );
        let _ = write!(out, "--{b}\r\n");
        text_part(
            out,
            "plain",
            spec.text.as_deref().unwrap_or(""),
            spec.charset,
            spec.body_enc,
        );
        let _ = write!(out, "\r\n--{b}\r\n");
        text_part(
            out,
            "html",
            spec.html.as_deref().unwrap_or(""),
            spec.charset,
            BodyEnc::QuotedPrintable,
        );
        let _ = write!(out, "\r\n--{b}--\r\n");
    } else if let Some(html) = &spec.html {
        text_part(out, "html", html, spec.charset, spec.body_enc);
    } else {
        text_part(
            out,
            "plain",
            spec.text.as_deref().unwrap_or(""),
            spec.charset,
            spec.body_enc,
        );
    }
}

/// Writes the complete message (CRLF line ends).
pub fn build(spec: &MailSpec) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        2048 + spec
            .attachments
            .iter()
            .map(|a| a.data.len() * 4 / 3 + 200)
            .sum::<usize>(),
    );
    let h = spec.header_enc;
    let _ = write!(out, "Date: {}\r\n", spec.date);
    let _ = write!(out, "From: {}\r\n", mailbox(&spec.from.0, &spec.from.1, h));
    let _ = write!(out, "To: {}\r\n", mailbox(&spec.to.0, &spec.to.1, h));
    if let Some((name, addr)) = &spec.cc {
        let _ = write!(out, "Cc: {}\r\n", mailbox(name, addr, h));
    }
    let _ = write!(out, "Message-ID: <{}>\r\n", spec.message_id);
    if let Some(irt) = &spec.in_reply_to {
        let _ = write!(out, "In-Reply-To: <{irt}>\r\n");
    }
    if !spec.references.is_empty() {
        let refs: Vec<String> = spec.references.iter().map(|r| format!("<{r}>")).collect();
        let _ = write!(out, "References: {}\r\n", refs.join("\r\n "));
    }
    let _ = write!(out, "Subject: {}\r\n", unstructured(&spec.subject, h));
    if let Some(ua) = &spec.user_agent {
        let _ = write!(out, "User-Agent: {ua}\r\n");
    }
    out.extend_from_slice("MIME-Version: 1.0\r\n".as_bytes());
    let mut n = 0;
    if spec.attachments.is_empty() {
        body_parts(spec, &mut out, &mut n);
    } else {
        n += 1;
        let b = boundary(spec.boundary_seed, n);
        let _ = write!(
            out,
            "Content-Type: multipart/mixed;\r\n boundary=\"{b}\"\r\n\r\nThis is a multi-part message in MIME format.\r\n\r\n--{b}\r\n"
        );
        body_parts(spec, &mut out, &mut n);
        for a in &spec.attachments {
            let _ = write!(out, "\r\n--{b}\r\n");
            if a.content_type.eq_ignore_ascii_case("message/rfc822") {
                out.extend_from_slice(
                    named_part_headers(&a.content_type, &a.filename, "inline").as_bytes(),
                );
                let eight = a.data.iter().any(|b| !b.is_ascii());
                let _ = write!(
                    out,
                    "Content-Transfer-Encoding: {}\r\n\r\n",
                    if eight { "8bit" } else { "7bit" }
                );
                out.extend_from_slice(&a.data);
                if !a.data.ends_with(b"\n") {
                    out.extend_from_slice("\r\n".as_bytes());
                }
            } else {
                out.extend_from_slice(
                    named_part_headers(&a.content_type, &a.filename, "attachment").as_bytes(),
                );
                out.extend_from_slice("Content-Transfer-Encoding: base64\r\n\r\n".as_bytes());
                base64_lines(&a.data, &mut out);
            }
        }
        let _ = write!(out, "\r\n--{b}--\r\n");
    }
    out
}

#[cfg(test)]
fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| B64.iter().position(|&x| x == c).map(|p| p as u32);
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for chunk in s.as_bytes().chunks(4) {
        let mut n = 0u32;
        let mut k: u32 = 0;
        for &c in chunk {
            if let Some(v) = val(c) {
                n = (n << 6) | v;
                k += 1;
            }
        }
        n <<= 6 * (4 - k);
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..k.saturating_sub(1) as usize]);
    }
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A small valid RGB PNG (stored/uncompressed deflate) filled by `pixel(x, y) -> [r, g, b]`.
pub fn tiny_png(width: u32, height: u32, pixel: impl Fn(u32, u32) -> [u8; 3]) -> Vec<u8> {
    let mut raw = Vec::with_capacity(((width * 3 + 1) * height) as usize);
    for y in 0..height {
        raw.push(0); // filter: none
        for x in 0..width {
            raw.extend_from_slice(&pixel(x, y));
        }
    }
    // zlib stream with stored blocks
    let mut z = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        z.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&(!len).to_le_bytes());
        z.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in &raw {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut c = kind.to_vec();
        c.extend_from_slice(data);
        png.extend_from_slice(&c);
        png.extend_from_slice(&crc32(&c).to_be_bytes());
    };
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &z);
    chunk(b"IEND", &[]);
    png
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_roundtrip_and_known_values() {
        assert_eq!(base64(b"Man"), "TWFu");
        assert_eq!(base64(b"Ma"), "TWE=");
        assert_eq!(base64(b"M"), "TQ==");
        let data: Vec<u8> = (0..=255).collect();
        assert_eq!(base64_decode(&base64(&data)), data);
    }

    #[test]
    fn qp_soft_breaks_and_escapes() {
        let long = "ä".repeat(60) + " = ende ";
        let qp = quoted_printable(long.as_bytes());
        assert!(qp.lines().all(|l| l.len() <= 76), "{qp}");
        assert!(qp.contains("=3D"));
        assert!(qp.trim_end().ends_with("=20"));
    }

    #[test]
    fn crc_of_iend() {
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
    }

    #[test]
    fn png_has_signature_and_size() {
        let p = tiny_png(8, 6, |x, y| [x as u8 * 30, y as u8 * 40, 128]);
        assert!(p.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert!(p.ends_with(&[0xAE, 0x42, 0x60, 0x82]));
    }
}
