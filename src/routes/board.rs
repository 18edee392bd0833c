//! The board page at `/`: the React app built from `client/board/` (Vite) into
//! `client/board/dist/`, embedded in the binary, so a machine without Node serves it.
//!
//! - `GET /` answers `index.html`, never cached (it names the current hashed assets), with a
//!   Content-Security-Policy that allows only this origin (and its WebSocket);
//! - `GET /assets/{file}` answers a built asset, cached for a year (its name holds its
//!   hash, so a new build has new names).
//!
//! The board's own routes live in the URL's fragment (`/#/plans/{id}`), so the server has
//! one page to serve and no fallback to guess.

use std::borrow::Cow;

use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::HttpResponse;
use rust_embed::Embed;

/// The built board page. Empty when `client/board/dist/` did not exist at build time.
#[derive(Embed)]
#[folder = "client/board/dist/"]
#[allow_missing = true]
pub struct BoardAssets;

/// What the page may load and talk to: this origin only (scripts, styles, the API and the
/// WebSocket); inline style attributes are allowed, inline scripts are not.
const PAGE_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws: wss:; \
     font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// `GET /`.
pub async fn page() -> HttpResponse {
    index::<BoardAssets>()
}

/// `GET /assets/{file}`.
pub async fn asset(file: web::Path<String>) -> HttpResponse {
    built_asset::<BoardAssets>(&file)
}

fn index<E: Embed>() -> HttpResponse {
    match E::get("index.html") {
        Some(file) => HttpResponse::Ok()
            .content_type(content_type("index.html"))
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .insert_header((header::CONTENT_SECURITY_POLICY, PAGE_POLICY))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .insert_header((header::REFERRER_POLICY, "no-referrer"))
            .body(bytes(file.data)),
        None => HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body(
                "The board page is not built into this binary. Build it with \
                 `npm ci && npm run build` in client/board, then build liveplan again.\n",
            ),
    }
}

fn built_asset<E: Embed>(name: &str) -> HttpResponse {
    let safe = !name.is_empty()
        && name
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
        && !name.contains('\\');
    let file = if safe {
        E::get(&format!("assets/{name}"))
    } else {
        None
    };
    match file {
        Some(file) => HttpResponse::Ok()
            .content_type(content_type(name))
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .body(bytes(file.data)),
        None => HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("no such asset\n"),
    }
}

fn bytes(data: Cow<'static, [u8]>) -> Bytes {
    match data {
        Cow::Borrowed(data) => Bytes::from_static(data),
        Cow::Owned(data) => Bytes::from(data),
    }
}

/// The media type of a built file, by its extension (what Vite emits).
fn content_type(name: &str) -> &'static str {
    let extension = name.rsplit_once('.').map_or("", |(_, ext)| ext);
    match extension {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;

    /// A built board in miniature (`tests/fixtures/board/`).
    #[derive(Embed)]
    #[folder = "tests/fixtures/board/"]
    struct Fixture;

    /// Nothing built at all.
    #[derive(Embed)]
    #[folder = "tests/fixtures/no-board/"]
    #[allow_missing = true]
    struct Missing;

    async fn body(response: HttpResponse) -> String {
        let bytes = to_bytes(response.into_body()).await.unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    fn header_of(response: &HttpResponse, name: header::HeaderName) -> String {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }

    #[actix_web::test]
    async fn the_page_is_index_html_never_cached_and_locked_to_this_origin() {
        let response = index::<Fixture>();
        assert_eq!(response.status(), 200);
        assert_eq!(
            header_of(&response, header::CONTENT_TYPE),
            "text/html; charset=utf-8"
        );
        assert_eq!(header_of(&response, header::CACHE_CONTROL), "no-cache");
        let policy = header_of(&response, header::CONTENT_SECURITY_POLICY);
        assert!(policy.contains("script-src 'self'"), "{policy}");
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
        assert!(body(response).await.contains("fixture board"));
    }

    #[actix_web::test]
    async fn assets_have_their_type_and_are_cached_for_a_year() {
        let response = built_asset::<Fixture>("app-1a2b3c.js");
        assert_eq!(response.status(), 200);
        assert_eq!(
            header_of(&response, header::CONTENT_TYPE),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            header_of(&response, header::CACHE_CONTROL),
            "public, max-age=31536000, immutable"
        );
        assert!(body(response).await.contains("fixture"));
        let css = built_asset::<Fixture>("app-1a2b3c.css");
        assert_eq!(
            header_of(&css, header::CONTENT_TYPE),
            "text/css; charset=utf-8"
        );
    }

    #[actix_web::test]
    async fn paths_that_climb_or_name_nothing_are_404() {
        for name in [
            "",
            "../index.html",
            "./app-1a2b3c.js",
            "a//b.js",
            "..\\index.html",
            "missing.js",
        ] {
            assert_eq!(built_asset::<Fixture>(name).status(), 404, "{name:?}");
        }
    }

    #[actix_web::test]
    async fn a_binary_built_without_the_board_says_how_to_build_it() {
        let response = index::<Missing>();
        assert_eq!(response.status(), 404);
        assert!(body(response).await.contains("npm run build"));
    }
}
