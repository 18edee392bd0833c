//! The board page: the build committed in `client/board/dist/` is embedded in the binary and
//! served at `/`, with every asset its `index.html` names.

use crate::helpers::*;

/// The `/assets/...` paths that `index.html` names in `src="…"` and `href="…"`.
fn asset_paths(html: &str) -> Vec<String> {
    html.split(['"', '\''])
        .filter(|part| part.starts_with("/assets/"))
        .map(str::to_owned)
        .collect()
}

#[actix_web::test]
async fn the_board_page_and_every_asset_it_names_are_served_from_the_binary() {
    let app = spawn_app().await;
    let client = awc::Client::default();
    let mut page = client
        .get(format!("{}/", app.base))
        .send()
        .await
        .expect("request sent");
    assert_eq!(
        page.status().as_u16(),
        200,
        "the board page is not built into the binary"
    );
    let html = String::from_utf8(page.body().await.expect("body").to_vec()).expect("utf-8");
    assert!(html.contains("<div id=\"root\">"), "{html}");
    let assets = asset_paths(&html);
    assert!(
        assets.iter().any(|a| a.ends_with(".js")) && assets.iter().any(|a| a.ends_with(".css")),
        "index.html names no script or no stylesheet: {html}"
    );
    for asset in assets {
        let mut resp = client
            .get(format!("{}{asset}", app.base))
            .send()
            .await
            .expect("request sent");
        assert_eq!(resp.status().as_u16(), 200, "{asset}");
        let kind = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let want = if asset.ends_with(".js") {
            "javascript"
        } else {
            "css"
        };
        assert!(kind.contains(want), "{asset} is served as {kind}");
        let body = resp.body().limit(10 << 20).await.expect("body");
        assert!(body.len() > 1000, "{asset} is {} bytes", body.len());
    }
}
