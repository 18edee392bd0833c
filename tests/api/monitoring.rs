//! The operator's routes: `/healthz`, `/readyz` and the Prometheus `/metrics`.

use std::time::Duration;

use serde_json::json;

use crate::helpers::*;

#[actix_web::test]
async fn health_and_readiness_answer_200() {
    let app = spawn_app().await;
    let health = app.request("GET", "/healthz", None, None, &[]).await;
    assert_eq!(health.status, 200);
    assert_eq!(health.body, json!({ "status": "ok" }));
    let ready = app.request("GET", "/readyz", None, None, &[]).await;
    assert_eq!(ready.status, 200, "{}", ready.body);
}

#[actix_web::test]
async fn metrics_are_served_in_prometheus_text_format_and_count_what_happens() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Measured").await;
    app.add_member(&plan, "ada", "bob", "viewer").await;
    let mut bob = app.ws("bob").await;
    bob.join(&plan, None).await;
    bob.send(json!({ "type": "ping" })).await;
    bob.expect_type("pong").await;
    bob.send(json!({ "type": "nonsense" })).await;
    bob.expect_type("error").await;
    app.create_task(&plan, "ada", "t").await;
    bob.expect_type("task-created").await;
    bob.expect_type("progress-updated").await;

    let mut resp = awc::Client::default()
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .expect("request sent");
    assert_eq!(resp.status().as_u16(), 200);
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let body = String::from_utf8(resp.body().await.unwrap().to_vec()).unwrap();
    let value = |line_start: &str| -> f64 {
        body.lines()
            .find(|l| l.starts_with(line_start))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no `{line_start}` in:\n{body}"))
    };
    assert_eq!(value("liveplan_connections "), 1.0);
    assert_eq!(value("liveplan_rooms "), 1.0);
    assert_eq!(value("liveplan_participants "), 1.0);
    // member-added, task-created, progress-updated
    assert_eq!(value("liveplan_events_committed_total "), 3.0);
    assert!(value("liveplan_frames_delivered_total ") >= 2.0);
    assert_eq!(value("liveplan_frames_dropped_total "), 0.0);
    assert_eq!(value("liveplan_client_messages_total{type=\"ping\"}"), 1.0);
    assert_eq!(
        value("liveplan_client_messages_total{type=\"invalid\"}"),
        1.0
    );
    assert_eq!(
        value("liveplan_client_messages_total{type=\"join-plan\"}"),
        1.0
    );
    assert!(value("liveplan_commit_to_enqueue_seconds_count ") >= 2.0);
    assert_eq!(value("liveplan_largest_outbound_queue_bytes "), 0.0);
    assert!(
        value(
            "liveplan_http_request_duration_seconds_count{method=\"POST\",route=\"/api/plans/{planId}/tasks\",status=\"201\"}"
        ) == 1.0
    );
    bob.send_raw(awc::ws::Message::Close(Some(
        awc::ws::CloseCode::Normal.into(),
    )))
    .await;
    let (code, _) = bob.expect_close().await;
    assert_eq!(code, Some(1000));
    actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    let body = String::from_utf8(
        awc::Client::default()
            .get(format!("{}/metrics", app.base))
            .send()
            .await
            .unwrap()
            .body()
            .await
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    assert!(
        body.contains("liveplan_connections_closed_total{code=\"1000\"} 1"),
        "{body}"
    );
}
