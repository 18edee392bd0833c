//! Input checks shared by REST and WebSocket: ids and text fields. Every failure is a
//! `bad_request` whose message starts with the field's name.

use crate::error::ApiError;

pub const MAX_ID: usize = 128;
pub const MAX_TITLE: usize = 200;
pub const MAX_DESCRIPTION: usize = 10_000;
pub const MAX_COMMENT: usize = 10_000;
pub const MAX_NAME: usize = 100;

/// Ids are opaque strings: 1 to 128 characters out of letters, digits and `-_.:@`.
pub fn id(field: &str, value: &str) -> Result<(), ApiError> {
    if value.is_empty() || value.len() > MAX_ID {
        return Err(ApiError::bad_field(
            field,
            &format!("must be 1 to {MAX_ID} characters"),
        ));
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '@'))
    {
        return Err(ApiError::bad_field(
            field,
            "may hold only letters, digits and - _ . : @",
        ));
    }
    Ok(())
}

/// A required single-line text: trimmed, not empty, at most `max` characters, no control
/// characters.
pub fn title(field: &str, value: &str, max: usize) -> Result<String, ApiError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(ApiError::bad_field(field, "must not be empty"));
    }
    if trimmed.chars().count() > max {
        return Err(ApiError::bad_field(
            field,
            &format!("must be at most {max} characters"),
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(ApiError::bad_field(
            field,
            "must not contain control characters",
        ));
    }
    Ok(trimmed.to_string())
}

/// A multi-line text: at most `max` characters; newlines and tabs allowed, other control
/// characters not.
pub fn text(field: &str, value: &str, max: usize) -> Result<String, ApiError> {
    if value.chars().count() > max {
        return Err(ApiError::bad_field(
            field,
            &format!("must be at most {max} characters"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(ApiError::bad_field(
            field,
            "must not contain control characters other than newlines and tabs",
        ));
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_refuse_slashes_and_empty_strings() {
        assert!(id("planId", "abc-123").is_ok());
        assert!(id("planId", "").is_err());
        assert!(id("planId", "../x").is_err());
        assert!(id("planId", &"a".repeat(129)).is_err());
    }

    #[test]
    fn titles_are_trimmed_and_named_in_errors() {
        assert_eq!(
            title("title", "  Ship it ", 10).ok().as_deref(),
            Some("Ship it")
        );
        let e = title("title", "   ", 10)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.starts_with("title:"), "{e}");
    }
}
