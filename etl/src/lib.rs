//! The daily ETL of the US COVID-19 series. The folders are the run's stages, in the order the
//! data travels: [`fetch`] (bytes) -> [`transform`] (validated days) -> [`load`] (the writes, in
//! the order of [`load::run`]: the states, each a series load or a first bulk load, then the
//! nation's, into DynamoDB via `covid-store`) -> [`alerts`] (their texts, and their sending
//! through SNS). [`pipeline`] wires the stages together; [`lambda`] runs the same pipeline as the
//! scheduled Lambda function, once per event; [`backfill`] replays the sources' past
//! publications through the same stages; [`archive`] loads the counties' archive (every day since 2020) as it is
//! read, in blocks, through the same county writes.

pub mod alerts;
pub mod archive;
pub mod backfill;
pub mod config;
pub mod error;
pub mod fetch;
pub mod lambda;
pub mod load;
pub mod pipeline;
pub mod source;
pub mod transform;

pub use error::Error;
pub use pipeline::{Etl, RunFailure, RunReport};
pub use source::Source;

/// The last stdout line of a successful `etl run`.
#[derive(serde::Serialize)]
struct SummaryLine<'a> {
    #[serde(flatten)]
    summary: &'a covid_model::RunSummary,
    dynamodb_requests: u64,
    duration_ms: u64,
    alerts_sent: usize,
}

/// The last stdout line of a failed `etl run`: what failed, and how many days it had written.
#[derive(serde::Serialize)]
struct FailureLine {
    status: covid_model::RunStatus,
    kind: &'static str,
    written: u64,
    error: String,
}

/// The last stdout line of `etl run`: the run summary plus how it was obtained.
pub fn summary_line(report: &RunReport) -> String {
    serde_json::to_string(&SummaryLine {
        summary: &report.summary,
        dynamodb_requests: report.dynamodb_requests,
        duration_ms: report.duration_ms,
        alerts_sent: report.alerts_sent,
    })
    .expect("a summary serialises")
}

/// The last stdout line of a failed `etl run`: `{"status":"failed","kind","written","error"}`.
pub fn failure_line(failure: &RunFailure) -> String {
    serde_json::to_string(&FailureLine {
        status: covid_model::RunStatus::Failed,
        kind: failure.error.kind(),
        written: failure.written,
        error: failure.error.to_string(),
    })
    .expect("a failure serialises")
}
