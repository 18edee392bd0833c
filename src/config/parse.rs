//! Reading one setting: the three ways a missing value is treated (`default`, `unset`,
//! `verbatim`, named after the table's keys, see [`super::table::settings_table!`]), and
//! the parsers the rows name. A parser answers the problem in words; the reader puts the
//! variable in front, so every error names the variable, not only the flag.

use std::net::SocketAddr;
use std::time::Duration;

use super::secret::DatabaseUrl;
use super::Algorithm;

/// A configuration problem, naming the variable at fault.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl ConfigError {
    pub(super) fn new(variable: &'static str, problem: impl Into<String>) -> Self {
        ConfigError {
            variable,
            problem: problem.into(),
        }
    }
}

/// A value given and not blank, trimmed.
fn given(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn read<T>(
    text: &str,
    variable: &'static str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<T, ConfigError> {
    parse(text).map_err(|problem| ConfigError::new(variable, problem))
}

/// The value, or `default_text` when none is given, parsed alike.
pub(super) fn default<T>(
    raw: &Option<String>,
    variable: &'static str,
    default_text: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<T, ConfigError> {
    read(given(raw).unwrap_or(default_text), variable, parse)
}

/// The value, or `None` when none is given (`_absent` only documents what that means).
pub(super) fn unset<T>(
    raw: &Option<String>,
    variable: &'static str,
    _absent: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<T>, ConfigError> {
    optional(given(raw), variable, parse)
}

/// Like [`unset`], but the value exactly as given, blank included.
pub(super) fn verbatim<T>(
    raw: &Option<String>,
    variable: &'static str,
    _absent: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<T>, ConfigError> {
    optional(raw.as_deref(), variable, parse)
}

fn optional<T>(
    text: Option<&str>,
    variable: &'static str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<T>, ConfigError> {
    text.map(|text| read(text, variable, parse)).transpose()
}

/// A whole number in `MIN..=MAX`, as `T` (which the range must fit).
pub(super) fn int<T: TryFrom<u64>, const MIN: u64, const MAX: u64>(
    text: &str,
) -> Result<T, String> {
    let n: u64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a whole number"))?;
    if !(MIN..=MAX).contains(&n) {
        return Err(format!("{n} is outside {MIN}..={MAX}"));
    }
    T::try_from(n).map_err(|_| format!("{n} is too large"))
}

/// Milliseconds in `MIN..=MAX`.
pub(super) fn millis<const MIN: u64, const MAX: u64>(text: &str) -> Result<Duration, String> {
    int::<u64, MIN, MAX>(text).map(Duration::from_millis)
}

/// `90s`, `15m`, `12h`, `7d` (see [`parse_duration`]).
pub(super) fn duration(text: &str) -> Result<Duration, String> {
    parse_duration(text)
        .ok_or_else(|| format!("{text:?} is not a duration such as 90s, 15m, 1h or 7d"))
}

pub(super) fn socket_addr(text: &str) -> Result<SocketAddr, String> {
    text.parse()
        .map_err(|_| format!("{text:?} is not an IP:port address"))
}

pub(super) fn text(text: &str) -> Result<String, String> {
    Ok(text.to_string())
}

pub(super) fn database_url(text: &str) -> Result<DatabaseUrl, String> {
    Ok(DatabaseUrl::new(text))
}

/// `HS256`, `RS256` or `ES256`, in any case.
pub(super) fn algorithm(text: &str) -> Result<Algorithm, String> {
    match text.to_ascii_uppercase().as_str() {
        "HS256" => Ok(Algorithm::Hs256),
        "RS256" => Ok(Algorithm::Rs256),
        "ES256" => Ok(Algorithm::Es256),
        other => Err(format!("{other:?} is not one of HS256, RS256, ES256")),
    }
}

/// `https://a.example, http://localhost:3000` → exact origins (scheme, host, optional
/// port; no path, no trailing slash), compared byte for byte with the `Origin` header.
pub(super) fn origins(text: &str) -> Result<Vec<String>, String> {
    let mut origins = Vec::new();
    for origin in text.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        let rest = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"));
        let valid = rest.is_some_and(|host| {
            !host.is_empty()
                && !host.contains('/')
                && !host.contains('*')
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        });
        if !valid {
            return Err(format!(
                "{origin:?} is not an origin such as https://app.example.com or \
                 http://localhost:3000 (scheme and host, no path, no wildcard)"
            ));
        }
        origins.push(origin.to_ascii_lowercase());
    }
    if origins.is_empty() {
        return Err("lists no origin".into());
    }
    Ok(origins)
}

/// Parses a lifetime such as `90s`, `15m`, `1h`, `7d` (a bare number is seconds).
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let n: u64 = digits.parse().ok()?;
    let secs = match unit {
        "s" => n,
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        "d" => n.checked_mul(86_400)?,
        _ => return None,
    };
    Some(Duration::from_secs(secs))
}
