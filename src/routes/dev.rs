//! `POST /api/dev/token`: dev mode only (no key configured). Mints an HS256 token with the
//! stored dev secret. Not routed at all when a real key is configured.

use actix_web::HttpResponse;
use serde::Deserialize;
use serde_json::json;

use super::State;
use crate::error::ApiError;
use crate::json::JsonBody;
use crate::validate;

/// Dev tokens live a day.
const DEV_TOKEN_TTL_SECS: i64 = 24 * 3600;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DevTokenRequest {
    #[serde(default)]
    user_id: Option<String>,
    name: String,
    #[serde(default)]
    email: Option<String>,
}

pub async fn token(
    state: State,
    body: JsonBody<DevTokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let issuer = state
        .dev_issuer
        .as_ref()
        .ok_or_else(|| ApiError::NotFound("not found".into()))?;
    let request = body.0;
    let name = validate::title("name", &request.name, validate::MAX_NAME)?;
    let user_id = match request.user_id {
        Some(id) => {
            validate::id("userId", &id)?;
            id
        }
        None => format!("u-{}", uuid::Uuid::new_v4().simple()),
    };
    let token = issuer.mint(
        &user_id,
        &name,
        request.email.as_deref(),
        DEV_TOKEN_TTL_SECS,
    )?;
    Ok(HttpResponse::Ok().json(json!({
        "token": token,
        "user": { "id": user_id, "name": name },
    })))
}
