//! The one error type of the ETL. Every message names where the problem is.

use covid_store::StoreError;

use crate::source::Source;
use crate::transform::ValidationError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("configuration: {0}")]
    Config(String),
    #[error("{origin}: {location}: {detail}")]
    Fetch {
        origin: Source,
        location: String,
        detail: String,
    },
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("DynamoDB: {0}")]
    Conflict(String),
    #[error("SNS publish to {topic}: {detail}")]
    Publish { topic: String, detail: String },
    #[error("event {event_id} is being processed by another invocation until {until}")]
    InProgress { event_id: String, until: String },
    #[error("Lambda runtime: {0}")]
    Lambda(lambda_runtime::Error),
}

impl Error {
    /// A short machine-readable kind, for logs and alerts.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Config(_) => "config",
            Error::Fetch { .. } => "fetch",
            Error::Invalid(e) => e.kind.as_str(),
            Error::Store(_) => "store",
            Error::Conflict(_) => "conflict",
            Error::Publish { .. } => "publish",
            Error::InProgress { .. } => "in_progress",
            Error::Lambda(_) => "lambda_runtime",
        }
    }

    /// Where the problem is, as `(label, value)` lines for an alert: source, line, column,
    /// value and date, as far as they are known.
    pub fn location(&self) -> Vec<(&'static str, String)> {
        let mut lines = Vec::new();
        match self {
            Error::Invalid(e) => {
                lines.push((
                    "Source",
                    e.origin
                        .map_or("the joined series".to_string(), |o| o.to_string()),
                ));
                if let Some(line) = e.line {
                    lines.push(("Line", line.to_string()));
                }
                if let Some(column) = &e.column {
                    lines.push(("Column", column.clone()));
                }
                if let Some(value) = &e.value {
                    lines.push(("Value", format!("{value:?}")));
                }
                if let Some(date) = e.date {
                    lines.push(("Date", date.to_string()));
                }
            }
            Error::Fetch {
                origin, location, ..
            } => {
                lines.push(("Source", format!("{origin} ({location})")));
            }
            Error::Store(_) | Error::Conflict(_) => lines.push(("Source", "DynamoDB".to_string())),
            Error::Publish { topic, .. } => lines.push(("Source", format!("SNS topic {topic}"))),
            Error::Config(_) | Error::InProgress { .. } | Error::Lambda(_) => {}
        }
        lines
    }
}
