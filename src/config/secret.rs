//! Secrets in the configuration never print: [`DatabaseUrl`] shows its URL with the
//! password as `***`, and the raw arguments' `Debug` shows the JWT secret as `[redacted]`
//! (the `redact:` functions of the rows in `config/args.rs`). Key material is kept in
//! `KeySource`, whose `Debug` names only the kind of key.

use std::fmt;
use std::ops::Range;

/// A database URL, which may carry a password (`postgres://user:pass@host/db`, or
/// `?password=…`). Only [`DatabaseUrl::expose`] gives it whole, to open connections;
/// `Debug` and `Display` (and so the settings' `Debug` and the start-up log) show `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn new(url: impl Into<String>) -> DatabaseUrl {
        DatabaseUrl(url.into())
    }

    /// The URL as given, password included: for connecting, nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` (say, a driver's error message) with the password, if it appears, as `***`.
    pub fn scrub(&self, text: &str) -> String {
        password_ranges(&self.0)
            .into_iter()
            .fold(text.to_string(), |text, range| {
                text.replace(&self.0[range], "***")
            })
    }

    /// A `clap` value parser (`liveplan token --database-url`).
    pub fn parse_arg(text: &str) -> Result<DatabaseUrl, std::convert::Infallible> {
        Ok(DatabaseUrl::new(text))
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = 0;
        for range in password_ranges(&self.0) {
            f.write_str(&self.0[shown..range.start])?;
            f.write_str("***")?;
            shown = range.end;
        }
        f.write_str(&self.0[shown..])
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({:?})", self.to_string())
    }
}

/// Where passwords stand in `url`, in order, none empty: the userinfo's (after the first
/// `:` before the last `@` of the part before the query; a path with an `@` hides more,
/// never less) and every `password=` query parameter's.
fn password_ranges(url: &str) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let query = url.find('?');
    if let Some(scheme_end) = url.find("://") {
        let start = scheme_end + 3;
        let before_query = &url[start..query.unwrap_or(url.len())];
        if let Some(at) = before_query.rfind('@') {
            if let Some(colon) = before_query[..at].find(':') {
                ranges.push(start + colon + 1..start + at);
            }
        }
    }
    if let Some(query) = query {
        let mut at = query + 1;
        for pair in url[at..].split('&') {
            if pair.starts_with("password=") {
                ranges.push(at + "password=".len()..at + pair.len());
            }
            at += pair.len() + 1;
        }
    }
    ranges.retain(|range| !range.is_empty());
    ranges
}

/// `redact:` for a secret: `[redacted]` when set.
pub(super) fn hidden(value: &Option<String>) -> Option<&'static str> {
    value.as_ref().map(|_| "[redacted]")
}

/// `redact:` for a database URL: shown without its password.
pub(super) fn url_password(value: &Option<String>) -> Option<DatabaseUrl> {
    value.as_deref().map(DatabaseUrl::new)
}

#[cfg(test)]
mod tests {
    use super::DatabaseUrl;

    #[test]
    fn passwords_in_the_userinfo_and_the_query_show_as_stars() {
        let shown = |url: &str| DatabaseUrl::new(url).to_string();
        assert_eq!(
            shown("postgres://ada:pa:ss@db.example:5432/lp"),
            "postgres://ada:***@db.example:5432/lp"
        );
        assert_eq!(
            shown("postgres://ada:p@ss/x@db/lp?sslmode=require&password=two"),
            "postgres://ada:***@db/lp?sslmode=require&password=***"
        );
        assert_eq!(
            shown("postgres://ada@db/lp?password="),
            "postgres://ada@db/lp?password="
        );
        assert_eq!(shown("sqlite://liveplan.db"), "sqlite://liveplan.db");
    }

    #[test]
    fn a_message_quoting_the_password_is_scrubbed() {
        let url = DatabaseUrl::new("postgres://ada:hunter22@db/lp");
        assert_eq!(
            url.scrub("auth failed for ada with hunter22"),
            "auth failed for ada with ***"
        );
        assert!(!format!("{url:?}").contains("hunter22"));
    }
}
