//! The daily ETL of the US COVID-19 series. Read in the order the data travels:
//! [`extract`] (bytes) -> [`transform`] (validated days) -> [`load`] (DynamoDB via `covid-store`),
//! wired together by [`pipeline`], which then sends the [`alerts`] through [`notify`].
//! [`lambda`] runs the same pipeline as the scheduled Lambda function, once per event.

pub mod alerts;
pub mod config;
pub mod error;
pub mod extract;
pub mod lambda;
pub mod load;
pub mod notify;
pub mod pipeline;
pub mod transform;

pub use error::{Error, Source};
pub use pipeline::{Etl, RunReport};

/// The last stdout line of `etl run`: the run summary plus how it was obtained.
pub fn summary_line(report: &RunReport) -> String {
    let mut value = serde_json::to_value(&report.summary).expect("a summary serialises");
    value["dynamodb_requests"] = report.dynamodb_requests.into();
    value["duration_ms"] = report.duration_ms.into();
    value["alerts_sent"] = report.alerts_sent.into();
    value.to_string()
}
