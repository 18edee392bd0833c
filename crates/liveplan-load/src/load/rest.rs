//! REST calls: one call, a call that waits out 429, and a printable body.

use std::cell::Cell;
use std::time::Duration;

use bytes::Bytes;

/// One answer of a REST call.
pub(crate) struct RestAnswer {
    pub status: u16,
    /// `X-Plan-Seq`.
    pub seq: Option<u64>,
    /// `Retry-After` in seconds.
    pub retry_after: Option<u64>,
    pub body: Bytes,
}

/// One REST call (no retries).
pub(crate) async fn rest_call(
    client: &awc::Client,
    method: awc::http::Method,
    url: &str,
    token: Option<&str>,
    body: Option<&serde_json::Value>,
) -> Result<RestAnswer, String> {
    let mut request = client.request(method.clone(), url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let sent = match body {
        Some(body) => request.send_json(body).await,
        None => request.send().await,
    };
    let mut response = sent.map_err(|e| format!("{method} {url}: {e}"))?;
    let header_u64 = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    let seq = header_u64("x-plan-seq");
    let retry_after = header_u64("retry-after");
    let status = response.status().as_u16();
    let body = response
        .body()
        .limit(16 << 20)
        .await
        .map_err(|e| format!("{method} {url}: reading the body: {e}"))?;
    Ok(RestAnswer {
        status,
        seq,
        retry_after,
        body,
    })
}

/// A REST call that waits out 429 (`Retry-After`, else 1 s) and tries again, up to 100
/// times; `waited` counts the 429s.
pub(crate) async fn rest_retrying(
    client: &awc::Client,
    method: awc::http::Method,
    url: &str,
    token: Option<&str>,
    body: Option<&serde_json::Value>,
    waited: &Cell<u64>,
) -> Result<RestAnswer, String> {
    for _ in 0..100 {
        let answer = rest_call(client, method.clone(), url, token, body).await?;
        if answer.status != 429 {
            return Ok(answer);
        }
        waited.set(waited.get() + 1);
        let secs = answer.retry_after.unwrap_or(1).clamp(1, 60);
        actix_rt::time::sleep(Duration::from_secs(secs)).await;
    }
    Err(format!("{method} {url}: still 429 after 100 tries"))
}

/// A short, printable version of a response body.
pub(crate) fn body_text(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    text.chars().take(200).collect()
}
