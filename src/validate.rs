//! Input checks shared by REST and WebSocket: ids and text fields. Every failure is a
//! `bad_request` whose message starts with the field's name. Also the cleaning of the
//! identity strings a token brings (`name`, `email`), which are repaired, not refused.

use crate::error::ApiError;

pub const MAX_ID: usize = 128;
pub const MAX_TITLE: usize = 200;
pub const MAX_DESCRIPTION: usize = 10_000;
pub const MAX_COMMENT: usize = 10_000;
pub const MAX_NAME: usize = 100;
/// An email address longer than this (RFC 5321's limit, in bytes) is not kept.
pub const MAX_EMAIL: usize = 254;

/// A character allowed in an id.
fn id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '@')
}

/// Whether `value` obeys the id rule (what [`id`] checks); a token's `sub` must.
pub fn is_id(value: &str) -> bool {
    !value.is_empty() && value.len() <= MAX_ID && value.chars().all(id_char)
}

/// Characters that change how the text around them is shown without showing themselves:
/// bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C) and the
/// other invisible format characters of Unicode's `Cf` category (zero-width space, soft
/// hyphen, byte-order mark, invisible operators, tags, …). The zero-width joiner and
/// non-joiner (U+200C, U+200D) are not among them: emoji sequences and several scripts
/// need them.
pub fn is_invisible_format(c: char) -> bool {
    matches!(
        c as u32,
        0x00AD
            | 0x0600..=0x0605
            | 0x061C
            | 0x06DD
            | 0x070F
            | 0x0890..=0x0891
            | 0x08E2
            | 0x180E
            | 0x200B
            | 0x200E..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
    )
}

/// A character that has no place in a single line of text: control characters, the
/// Unicode line and paragraph separators (U+2028, U+2029), and [`is_invisible_format`].
pub fn breaks_a_line(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') || is_invisible_format(c)
}

/// Ids are opaque strings: 1 to 128 characters out of letters, digits and `-_.:@`.
pub fn id(field: &str, value: &str) -> Result<(), ApiError> {
    if value.is_empty() || value.len() > MAX_ID {
        return Err(ApiError::bad_field(
            field,
            &format!("must be 1 to {MAX_ID} characters"),
        ));
    }
    if !value.chars().all(id_char) {
        return Err(ApiError::bad_field(
            field,
            "may hold only letters, digits and - _ . : @",
        ));
    }
    Ok(())
}

/// A required single-line text: trimmed, not empty, at most `max` characters, no control
/// characters, line separators, bidirectional controls or other invisible format
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
    if trimmed.chars().any(breaks_a_line) {
        return Err(ApiError::bad_field(
            field,
            "must not contain bidirectional controls, line separators or invisible \
             format characters",
        ));
    }
    Ok(trimmed.to_string())
}

/// A display name from a token, repaired rather than refused (the token is the identity
/// provider's word): every character [`breaks_a_line`] removed, trimmed, cut to `max`
/// characters. May come out empty.
pub fn clean_name(value: &str, max: usize) -> String {
    let kept: String = value.chars().filter(|c| !breaks_a_line(*c)).collect();
    let cut: String = kept.trim().chars().take(max).collect();
    cut.trim_end().to_string()
}

/// An email address from a token: trimmed; dropped (`None`) when empty, longer than
/// [`MAX_EMAIL`] bytes, or holding whitespace, control or invisible format characters.
pub fn clean_email(value: &str) -> Option<String> {
    let trimmed = value.trim();
    let usable = !trimmed.is_empty()
        && trimmed.len() <= MAX_EMAIL
        && !trimmed
            .chars()
            .any(|c| c.is_whitespace() || breaks_a_line(c));
    usable.then(|| trimmed.to_string())
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

/// The `title` and optional `description` of a new plan or task.
pub fn title_and_description(
    title: &str,
    description: Option<&str>,
) -> Result<(String, Option<String>), ApiError> {
    Ok((
        self::title("title", title, MAX_TITLE)?,
        description.map(self::description).transpose()?,
    ))
}

/// The `title` and `description` of a plan's or task's PATCH: an absent field stays
/// absent, a `null` description clears it.
pub fn title_and_description_patch(
    title: Option<&str>,
    description: Option<Option<&str>>,
) -> Result<(Option<String>, Option<Option<String>>), ApiError> {
    Ok((
        title
            .map(|t| self::title("title", t, MAX_TITLE))
            .transpose()?,
        description
            .map(|d| d.map(self::description).transpose())
            .transpose()?,
    ))
}

fn description(value: &str) -> Result<String, ApiError> {
    text("description", value, MAX_DESCRIPTION)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patch_keeps_absent_fields_absent_and_a_null_description_clears() {
        assert!(matches!(
            title_and_description_patch(None, None),
            Ok((None, None))
        ));
        assert!(matches!(
            title_and_description_patch(Some(" New "), Some(None)),
            Ok((Some(t), Some(None))) if t == "New"
        ));
        match title_and_description_patch(None, Some(Some("a\u{0007}b"))) {
            Err(e) => assert!(e.to_string().starts_with("description:"), "{e}"),
            Ok(v) => panic!("accepted {v:?}"),
        }
    }

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

    #[test]
    fn bidi_overrides_and_invisible_characters_are_refused_in_titles_but_joiners_are_not() {
        for bad in [
            "a\u{202E}b",
            "a\u{2066}b",
            "a\u{200B}b",
            "a\u{2028}b",
            "a\u{E0041}",
        ] {
            assert!(title("title", bad, 50).is_err(), "{bad:?}");
        }
        assert!(title("title", "👩\u{200D}💻 dev", 50).is_ok());
    }

    #[test]
    fn token_names_are_cleaned_trimmed_and_cut() {
        assert_eq!(
            clean_name(" \u{202E}Ada\u{7} Lovelace\n ", 100),
            "Ada Lovelace"
        );
        assert_eq!(clean_name("Ada Lovelace", 4), "Ada");
        assert_eq!(clean_name("\u{200F}\t", 100), "");
    }

    #[test]
    fn emails_over_254_bytes_or_with_odd_characters_are_dropped() {
        let at = "@example.com";
        let longest = format!("{}{at}", "a".repeat(MAX_EMAIL - at.len()));
        assert_eq!(clean_email(&longest), Some(longest.clone()));
        assert_eq!(clean_email(&format!("a{longest}")), None);
        assert_eq!(
            clean_email(" ada@example.com "),
            Some("ada@example.com".into())
        );
        assert_eq!(clean_email("ada@exa\nmple.com"), None);
        assert_eq!(clean_email(""), None);
    }

    #[test]
    fn ids_follow_the_protocol_rule() {
        assert!(is_id("Az09-_.:@"));
        assert!(is_id(&"a".repeat(MAX_ID)));
        for bad in ["", "a b", "a\nb", "ünï", "a/b"] {
            assert!(!is_id(bad), "{bad:?}");
        }
        assert!(!is_id(&"a".repeat(MAX_ID + 1)));
    }
}
