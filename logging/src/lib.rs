//! Structured logs with `tracing`: JSON on Lambda (CloudWatch), readable text locally.
//! Logs go to stderr, so stdout carries only the run summary.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Whether this process runs as a Lambda function: the one test, for the mains and the logs.
pub fn on_lambda() -> bool {
    std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some()
}

pub fn init() {
    let filter = EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::stderr().is_terminal());
    if on_lambda() {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .init();
    } else {
        builder.compact().init();
    }
}
