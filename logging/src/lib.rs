//! Structured logs with `tracing`: JSON on Lambda (CloudWatch), readable text locally.
//! Logs go to stderr, so stdout carries only the run summary.

use std::io::IsTerminal;

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Whether this process runs as a Lambda function: the one test, for the mains and the logs.
pub fn on_lambda() -> bool {
    std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some()
}

/// The filter of `RUST_LOG`: a level (`info`, the default), or directives such as
/// `warn,etl=debug` (a default level, then a level per target). One that does not parse is
/// `info`, said once the logs are up.
pub fn filter(raw: Option<&str>) -> (Targets, Option<String>) {
    let default = Targets::new().with_default(LevelFilter::INFO);
    match raw.map(str::trim).filter(|v| !v.is_empty()) {
        None => (default, None),
        Some(text) => match text.parse::<Targets>() {
            Ok(targets) => (targets, None),
            Err(e) => (
                default,
                Some(format!(
                    "RUST_LOG {text:?} is not a filter ({e}); using info"
                )),
            ),
        },
    }
}

pub fn init() {
    let (filter, problem) = filter(std::env::var("RUST_LOG").ok().as_deref());
    let format = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::stderr().is_terminal());
    if on_lambda() {
        tracing_subscriber::registry()
            .with(filter)
            .with(format.json().flatten_event(true).with_current_span(false))
            .init();
    } else {
        tracing_subscriber::registry()
            .with(filter)
            .with(format.compact())
            .init();
    }
    if let Some(problem) = problem {
        tracing::warn!("{problem}");
    }
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::filter::LevelFilter;

    use super::filter;

    #[test]
    fn rust_log_is_a_level_or_directives() {
        assert_eq!(filter(None).0.default_level(), Some(LevelFilter::INFO));
        assert_eq!(
            filter(Some("warn")).0.default_level(),
            Some(LevelFilter::WARN)
        );
        let (targets, problem) = filter(Some("warn,etl=debug"));
        assert!(problem.is_none());
        assert!(targets.would_enable("etl::load", &tracing::Level::DEBUG));
        assert!(!targets.would_enable("aws_smithy_runtime", &tracing::Level::INFO));
        let (targets, problem) = filter(Some("loud=="));
        assert!(problem.is_some());
        assert_eq!(targets.default_level(), Some(LevelFilter::INFO));
    }
}
