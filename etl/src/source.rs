//! The sources of the ETL, as errors and alerts name them. Where each is fetched from is
//! configuration (`config.rs`); what is read from it, `transform/`.

use std::fmt;

/// The inputs of the ETL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    Nyt,
    Jhu,
    /// NYT `us-states.csv`: the state series.
    NytStates,
    /// JHU `reference.csv`: populations.
    Population,
    /// NYT `us-counties-recent.csv` (or a yearly county file): the county series.
    NytCounties,
}

impl Source {
    /// The most bytes (decoded) a run takes of this source, when it is below the cap of
    /// every source ([`MAX_BODY_BYTES`](crate::config::MAX_BODY_BYTES)).
    pub fn max_bytes(self) -> Option<u64> {
        match self {
            Source::NytCounties => Some(crate::config::MAX_COUNTY_BODY_BYTES),
            _ => None,
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::Nyt => "NYT us.csv",
            Source::Jhu => "JHU time-series-19-covid-combined.csv",
            Source::NytStates => "NYT us-states.csv",
            Source::Population => "JHU reference.csv",
            Source::NytCounties => "NYT us-counties.csv",
        })
    }
}
