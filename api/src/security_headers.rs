//! The security headers of the deployment (CSP, HSTS, nosniff, frame options, referrer policy),
//! as `template.yaml`'s CloudFront response headers policy sets them; `build.rs` reads them from
//! the template. Every answer carries them, so the local server, the browser test and
//! Lighthouse see what production serves, and fail where production would.

use axum::http::{HeaderName, HeaderValue};
use tower_http::set_header::SetResponseHeaderLayer;

include!(concat!(env!("OUT_DIR"), "/security_headers.rs"));

/// One layer per header, overriding whatever a handler set (as CloudFront's `Override: true`).
pub fn layers() -> Vec<SetResponseHeaderLayer<HeaderValue>> {
    SECURITY_HEADERS
        .iter()
        .map(|(name, value)| {
            SetResponseHeaderLayer::overriding(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_policy_is_read_whole() {
        let names: Vec<&str> = SECURITY_HEADERS.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            [
                "content-security-policy",
                "strict-transport-security",
                "x-content-type-options",
                "x-frame-options",
                "referrer-policy"
            ]
        );
        let csp = SECURITY_HEADERS[0].1;
        assert!(
            csp.starts_with("default-src 'self'; script-src 'self' 'wasm-unsafe-eval';"),
            "{csp}"
        );
        let script_src = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        assert!(
            !csp.contains('\n') && !script_src.contains("unsafe-inline"),
            "{csp}"
        );
        assert_eq!(layers().len(), SECURITY_HEADERS.len());
    }
}
