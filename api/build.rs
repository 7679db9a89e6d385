//! The security headers the deployment's CloudFront response headers policy sets, read from
//! `template.yaml` at build time, so that the local server sends exactly what production sends
//! (`src/security_headers.rs` serves them). One source: the template.
use std::fmt::Write as _;

use serde_yaml::Value;

fn main() {
    // Read when the script runs, not baked in when it is compiled: cargo reuses a compiled
    // build script across checkouts that share a target directory.
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let path = format!("{dir}/../template.yaml");
    println!("cargo:rerun-if-changed={path}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    let template: Value = serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let config = &template["Resources"]["SecurityHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]
        ["SecurityHeadersConfig"];
    let field = |section: &str, name: &str| -> Value {
        let value = config[section][name].clone();
        assert!(
            !value.is_null(),
            "{path}: SecurityHeadersConfig.{section}.{name} is missing"
        );
        value
    };
    let text = |section: &str, name: &str| match field(section, name) {
        Value::String(s) => s,
        other => panic!("{path}: SecurityHeadersConfig.{section}.{name} is not text: {other:?}"),
    };
    let flag = |section: &str, name: &str| config[section][name].as_bool() == Some(true);

    let mut hsts = format!(
        "max-age={}",
        field("StrictTransportSecurity", "AccessControlMaxAgeSec")
            .as_u64()
            .expect("AccessControlMaxAgeSec is a number")
    );
    if flag("StrictTransportSecurity", "IncludeSubdomains") {
        hsts.push_str("; includeSubDomains");
    }
    if flag("StrictTransportSecurity", "Preload") {
        hsts.push_str("; preload");
    }
    assert!(
        config["ContentTypeOptions"].is_mapping(),
        "{path}: SecurityHeadersConfig.ContentTypeOptions is missing"
    );
    let headers = [
        (
            "content-security-policy",
            text("ContentSecurityPolicy", "ContentSecurityPolicy"),
        ),
        ("strict-transport-security", hsts),
        ("x-content-type-options", "nosniff".to_string()),
        ("x-frame-options", text("FrameOptions", "FrameOption")),
        ("referrer-policy", text("ReferrerPolicy", "ReferrerPolicy")),
    ];
    let mut out = String::from(
        "/// The headers of template.yaml's `SecurityHeaders` policy, as CloudFront sends them.\n\
         pub const SECURITY_HEADERS: &[(&str, &str)] = &[\n",
    );
    for (name, value) in headers {
        writeln!(out, "    ({name:?}, {:?}),", value.trim()).unwrap();
    }
    out.push_str("];\n");
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("security_headers.rs");
    std::fs::write(dest, out).unwrap();
}
