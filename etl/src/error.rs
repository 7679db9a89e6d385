//! The one error type of the ETL. Every message names where the problem is.

use std::fmt;

use covid_store::StoreError;

use crate::transform::ValidationError;

/// The two inputs of the ETL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    Nyt,
    Jhu,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::Nyt => "NYT us.csv",
            Source::Jhu => "JHU time-series-19-covid-combined.csv",
        })
    }
}

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
        }
    }
}
