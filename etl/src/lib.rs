//! The daily ETL of the US COVID-19 series. Read in the order the data travels:
//! [`extract`] (bytes) -> [`transform`] (validated days) -> [`load`] (DynamoDB via `covid-store`),
//! wired together by [`pipeline`].

pub mod config;
pub mod error;
pub mod extract;
pub mod load;
pub mod pipeline;
pub mod telemetry;
pub mod transform;

pub use error::{Error, Source};
pub use pipeline::{Etl, RunReport};

/// The last stdout line of `etl run`: the run summary plus how it was obtained.
pub fn summary_line(report: &RunReport) -> String {
    let mut value = serde_json::to_value(&report.summary).expect("a summary serialises");
    value["dynamodb_requests"] = report.dynamodb_requests.into();
    value["duration_ms"] = report.duration_ms.into();
    value.to_string()
}
