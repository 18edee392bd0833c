//! The JSON body extractor: size limit (413 `too_large`) and errors that name the field
//! (400 `bad_request`, e.g. `status: unknown variant "doing"…`).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::error::ApiError;
use crate::state::AppState;

/// A JSON request body of type `T`.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map_or(256 * 1024, |s| s.settings.max_body_bytes);
        let declared_too_big = req
            .headers()
            .get(actix_web::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
            .is_some_and(|n| n > limit);
        // `web::Bytes` has its own cap (256 KiB unless a `PayloadConfig` says otherwise); ours
        // is the one that counts, so read the payload with exactly our limit.
        let body = web::Payload::from_request(req, payload).into_inner();
        Box::pin(async move {
            if declared_too_big {
                return Err(too_large(limit));
            }
            let mut body = body.map_err(|e| ApiError::BadRequest(format!("body: {e}")))?;
            let mut bytes = web::BytesMut::new();
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|e| match e {
                    PayloadError::Overflow => too_large(limit),
                    e => ApiError::BadRequest(format!("body: {e}")),
                })?;
                if bytes.len() + chunk.len() > limit {
                    return Err(too_large(limit));
                }
                bytes.extend_from_slice(&chunk);
            }
            parse(&bytes).map(JsonBody)
        })
    }
}

fn too_large(limit: usize) -> ApiError {
    ApiError::TooLarge(format!("body: larger than {limit} bytes"))
}

/// Parses a body, naming the field at fault in the error.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Every body of the API is an object; serde would otherwise accept a struct written as
    // a JSON array (`["title"]`), which no client means.
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => {}
        Some(b'[' | b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n') => {
            return Err(ApiError::BadRequest("body: expected a JSON object".into()))
        }
        Some(_) => {
            return Err(ApiError::BadRequest(
                "body: malformed JSON: expected a JSON object".into(),
            ))
        }
        None => return Err(ApiError::BadRequest("body: expected a JSON object".into())),
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            ApiError::BadRequest(format!("body: malformed JSON: {inner}"))
        } else if path == "." {
            ApiError::BadRequest(format!("body: {inner}"))
        } else {
            ApiError::BadRequest(format!("{path}: {inner}"))
        }
    })?;
    de.end()
        .map_err(|e| ApiError::BadRequest(format!("body: malformed JSON: {e}")))?;
    Ok(value)
}

/// For PATCH fields: absent → `None`, `null` → `Some(None)`, a value → `Some(Some(v))`.
pub fn double_option<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::tasks::TaskPatch;

    #[test]
    fn a_wrong_type_names_the_field() {
        let e = parse::<TaskPatch>(br#"{"status":"doing"}"#)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.starts_with("status:"), "{e}");
    }

    #[test]
    fn null_and_absent_are_told_apart() {
        let p = parse::<TaskPatch>(br#"{"assigneeId":null}"#)
            .ok()
            .unwrap_or_default();
        assert_eq!(p.assignee_id, Some(None));
        assert_eq!(p.due_at, None);
    }
}
