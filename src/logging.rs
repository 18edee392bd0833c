//! Logging through env_logger, with tokens taken out of every line and every line kept one
//! line.
//!
//! Handlers never log a token on purpose, but a line can carry one by accident: a library's
//! debug output of a request, an error that quotes its input. So the redaction sits in the
//! logger itself, under every line: `token=…` query parameters, `Bearer …` credentials and
//! anything shaped like a JWT (`eyJ….….…`) become `[redacted]` before the line is written.
//!
//! Likewise a value a client chose (an id, a header, a database error quoting input) could
//! carry a newline and write a forged line after it. Call sites print such values with
//! `{:?}`, and, under every line, the logger escapes what is left: control characters
//! (`\n`, `\r`, `\t`, `\u{1b}`, …), the Unicode line separators and the bidirectional and
//! invisible format characters of [`crate::validate::breaks_a_line`] become `\u{…}` text.

use log::{Log, Metadata, Record};

const REDACTED: &str = "[redacted]";
/// Shorter values are not taken for credentials (a JWT is far longer).
const MIN_SECRET_LEN: usize = 8;

/// The log filter when `RUST_LOG` is not set.
pub const DEFAULT_FILTER: &str = "info,actix_server=warn";

/// Installs the redacting logger (`RUST_LOG` filter, default [`DEFAULT_FILTER`]).
pub fn init() {
    let inner =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(DEFAULT_FILTER))
            .build();
    let max_level = inner.filter();
    if log::set_boxed_logger(Box::new(RedactingLogger { inner })).is_ok() {
        log::set_max_level(max_level);
    }
}

struct RedactingLogger {
    inner: env_logger::Logger,
}

impl Log for RedactingLogger {
    fn enabled(&self, metadata: &Metadata) -> bool {
        self.inner.enabled(metadata)
    }

    fn log(&self, record: &Record) {
        if !self.inner.enabled(record.metadata()) {
            return;
        }
        let text = record.args().to_string();
        let clean = escape(&redact(&text));
        self.inner.log(
            &Record::builder()
                .args(format_args!("{clean}"))
                .metadata(record.metadata().clone())
                .module_path(record.module_path())
                .file(record.file())
                .line(record.line())
                .build(),
        );
    }

    fn flush(&self) {
        self.inner.flush();
    }
}

/// A byte that can be part of a token value (base64url, JWT dots, percent-encoding).
fn token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'%' | b'+' | b'/' | b'=' | b'~')
}

/// The text with every credential replaced by `[redacted]`.
pub fn redact(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        let skip = credential_start(bytes, i);
        if let Some(value_start) = skip {
            let mut end = value_start;
            while end < bytes.len() && token_byte(bytes[end]) {
                end += 1;
            }
            // `token=Token(3)` in a library's trace is not a credential; ours are long.
            if end - value_start >= MIN_SECRET_LEN {
                out.push_str(&text[copied..value_start]);
                out.push_str(REDACTED);
                copied = end;
                i = end;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&text[copied..]);
    out
}

/// The text with every character that could end or visually rewrite the line escaped:
/// `\n`, `\r`, `\t` as such, any other [`crate::validate::breaks_a_line`] character as
/// `\u{…}`.
pub fn escape(text: &str) -> String {
    if !text.chars().any(crate::validate::breaks_a_line) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if crate::validate::breaks_a_line(c) => {
                out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out
}

/// If a credential begins at `i`, where its value starts.
fn credential_start(bytes: &[u8], i: usize) -> Option<usize> {
    let rest = &bytes[i..];
    let at_word_start = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
    if at_word_start && starts_with_ignore_case(rest, b"token=") {
        return Some(i + b"token=".len());
    }
    if at_word_start && starts_with_ignore_case(rest, b"bearer ") {
        return Some(i + b"bearer ".len());
    }
    // A bare JWT: its header is base64url JSON, so it starts with `eyJ`.
    if at_word_start && rest.starts_with(b"eyJ") {
        return Some(i);
    }
    None
}

fn starts_with_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.len() >= needle.len() && haystack[..needle.len()].eq_ignore_ascii_case(needle)
}

#[cfg(test)]
mod tests {
    use super::{escape, redact};

    #[test]
    fn newlines_controls_and_bidi_characters_are_escaped_so_a_line_stays_one_line() {
        assert_eq!(
            escape("user ada\n[2030-01-01T00:00:00Z INFO liveplan] forged"),
            "user ada\\n[2030-01-01T00:00:00Z INFO liveplan] forged"
        );
        assert_eq!(
            escape("a\r\tb\u{1b}[31m\u{85}\u{2028}\u{202E}c"),
            "a\\r\\tb\\u{1b}[31m\\u{85}\\u{2028}\\u{202e}c"
        );
        assert_eq!(
            escape("Ünïcode and 👩\u{200D}💻 stay"),
            "Ünïcode and 👩\u{200D}💻 stay"
        );
    }

    #[test]
    fn query_tokens_bearer_credentials_and_bare_jwts_are_redacted() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl";
        assert_eq!(
            redact(&format!("GET /ws?token={jwt}&x=1 101")),
            "GET /ws?token=[redacted]&x=1 101"
        );
        assert_eq!(
            redact(&format!("authorization: Bearer {jwt}\"")),
            "authorization: Bearer [redacted]\""
        );
        assert_eq!(
            redact(&format!("bad token {jwt}!")),
            "bad token [redacted]!"
        );
        assert_eq!(redact("nothing here, tokens=3"), "nothing here, tokens=3");
        assert_eq!(redact("poller: token=Token(1)"), "poller: token=Token(1)");
        assert_eq!(redact("Ünïcode stays"), "Ünïcode stays");
    }
}
