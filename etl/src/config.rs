//! Configuration from environment variables. AWS endpoint, region and credentials are not here:
//! they come from the environment too (`covid_store::sdk_config`: `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
//! `AWS_ENDPOINT_URL_DYNAMODB`, ...).

use std::time::Duration;

use crate::error::Error;

pub const DEFAULT_NYT_URL: &str =
    "https://raw.githubusercontent.com/nytimes/covid-19-data/master/us.csv";
pub const DEFAULT_JHU_URL: &str = "https://raw.githubusercontent.com/datasets/covid-19/main/data/time-series-19-covid-combined.csv";
pub const DEFAULT_NYT_STATES_URL: &str =
    "https://raw.githubusercontent.com/nytimes/covid-19-data/master/us-states.csv";
pub const DEFAULT_NYT_COUNTIES_URL: &str =
    "https://raw.githubusercontent.com/nytimes/covid-19-data/master/us-counties-recent.csv";
pub const DEFAULT_POPULATION_URL: &str =
    "https://raw.githubusercontent.com/datasets/covid-19/main/data/reference.csv";
/// Bodies larger than this (after decoding) are refused while streaming.
pub const MAX_BODY_BYTES: u64 = 64 * 1024 * 1024;
/// A county file larger than this (after decoding) is refused: NYT's daily 30-day window is
/// about 4.4 MB (97,393 rows on 2021-07-08), and a run holds every county day of its file in
/// memory. With every source at its cap (a county file of 395,651 rows) a run peaked at
/// 224.5 MiB of the function's 512 MB (`etl/tests/memory.rs`); a 64 MiB county file (1.58
/// million rows) alone peaked at 455 MiB. A whole history (NYT's yearly files, 36-51 MB each)
/// is the backfill's.
pub const MAX_COUNTY_BODY_BYTES: u64 = 16 * 1024 * 1024;
/// Every source of a run is fetched within this, retries included: inside the function's
/// timeout (120 s) with room for the load and the alerts.
pub const DEFAULT_FETCH_DEADLINE: Duration = Duration::from_secs(75);

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// `TABLE_NAME` (required).
    pub table_name: String,
    /// `NYT_URL`: an http(s) URL or a local path (plain or `.gz`).
    pub nyt_url: String,
    /// `JHU_URL`: an http(s) URL or a local path (plain or `.gz`).
    pub jhu_url: String,
    /// `NYT_STATES_URL`: the state series; set to empty for the national series alone.
    pub nyt_states_url: Option<String>,
    /// `NYT_COUNTIES_URL`: the county series (NYT's last 30 days of every county, or a whole
    /// history of the same columns); set to empty for no counties.
    pub nyt_counties_url: Option<String>,
    /// `POPULATION_URL`: populations (JHU `reference.csv`); set to empty for none.
    pub population_url: Option<String>,
    /// `HTTP_TIMEOUT_SECS` (default 30; fractions allowed).
    pub http_timeout: Duration,
    /// `FETCH_DEADLINE_SECS` (default 75): every source of a run is fetched within it.
    pub fetch_deadline: Duration,
    /// `TOPIC_ARN`: the operator's SNS topic; no alerts when unset.
    pub topic_arn: Option<String>,
    /// `TOPIC_PREFIX`: the name prefix of the subscribers' topics (`<stack>-alert`: one topic
    /// per audience, `covid_model::Audience`), in `TOPIC_ARN`'s region and account; unset:
    /// the operator's topic alone.
    pub topic_prefix: Option<String>,
    /// `SITE_URL`: the public site (`https://…`), linked from level alerts; unset: no links.
    pub site_url: Option<String>,
    /// `NOTIFY_UNCHANGED=true`: also send an alert when a run finds nothing new.
    pub notify_unchanged: bool,
    /// `STALE_AFTER_DAYS` (default 3): alert once when the newest source day is older than this.
    pub stale_after_days: u32,
}

impl Config {
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The configuration from any variable lookup (testable without touching the environment).
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        // Unset: the default source; set to empty: none.
        let optional_source = |name: &str, default: &str| match var(name) {
            None => Some(default.to_string()),
            Some(v) if v.trim().is_empty() => None,
            Some(v) => Some(v),
        };
        let nyt_states_url = optional_source("NYT_STATES_URL", DEFAULT_NYT_STATES_URL);
        let population_url = optional_source("POPULATION_URL", DEFAULT_POPULATION_URL);
        let nyt_counties_url = optional_source("NYT_COUNTIES_URL", DEFAULT_NYT_COUNTIES_URL);
        let var = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let table_name =
            covid_store::table_name(var("TABLE_NAME").as_deref()).map_err(Error::Config)?;
        let seconds = |name: &str, default: Duration| match var(name) {
            None => Ok(default),
            Some(raw) => raw
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s > 0.0 && *s <= 900.0)
                .map(Duration::from_secs_f64)
                .ok_or_else(|| {
                    Error::Config(format!(
                        "{name} {raw:?} is not a number of seconds in (0, 900]"
                    ))
                }),
        };
        let http_timeout = seconds("HTTP_TIMEOUT_SECS", Duration::from_secs(30))?;
        let fetch_deadline = seconds("FETCH_DEADLINE_SECS", DEFAULT_FETCH_DEADLINE)?;
        let notify_unchanged = match var("NOTIFY_UNCHANGED").as_deref().map(str::trim) {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(other) => {
                return Err(Error::Config(format!(
                    "NOTIFY_UNCHANGED {other:?} is not true or false"
                )));
            }
        };
        let stale_after_days = covid_model::stale_after_days(var("STALE_AFTER_DAYS").as_deref())
            .map_err(Error::Config)?;
        Ok(Self {
            topic_arn: var("TOPIC_ARN"),
            topic_prefix: var("TOPIC_PREFIX"),
            site_url: var("SITE_URL").map(|url| url.trim_end_matches('/').to_string()),
            notify_unchanged,
            stale_after_days,
            table_name,
            nyt_url: var("NYT_URL").unwrap_or_else(|| DEFAULT_NYT_URL.to_string()),
            jhu_url: var("JHU_URL").unwrap_or_else(|| DEFAULT_JHU_URL.to_string()),
            nyt_states_url,
            nyt_counties_url,
            population_url,
            http_timeout,
            fetch_deadline,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, Error> {
        Config::from_lookup(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn defaults_apply() {
        let c = config(&[("TABLE_NAME", "covid")]).unwrap();
        assert_eq!(c.nyt_url, DEFAULT_NYT_URL);
        assert_eq!(c.jhu_url, DEFAULT_JHU_URL);
        assert_eq!(c.nyt_states_url.as_deref(), Some(DEFAULT_NYT_STATES_URL));
        assert_eq!(c.population_url.as_deref(), Some(DEFAULT_POPULATION_URL));
        assert_eq!(
            c.nyt_counties_url.as_deref(),
            Some(DEFAULT_NYT_COUNTIES_URL)
        );
        let national = config(&[
            ("TABLE_NAME", "covid"),
            ("NYT_STATES_URL", ""),
            ("POPULATION_URL", " "),
            ("NYT_COUNTIES_URL", ""),
        ])
        .unwrap();
        assert_eq!(
            (
                national.nyt_states_url,
                national.population_url,
                national.nyt_counties_url
            ),
            (None, None, None)
        );
        assert_eq!(c.http_timeout, Duration::from_secs(30));
        assert_eq!(
            (c.topic_arn, c.notify_unchanged, c.stale_after_days),
            (None, false, 3)
        );
    }

    #[test]
    fn bad_values_are_named() {
        let e = config(&[]).unwrap_err().to_string();
        assert!(e.contains("TABLE_NAME"), "{e}");
        let e = config(&[("TABLE_NAME", "ab")]).unwrap_err().to_string();
        assert!(e.contains("\"ab\""), "{e}");
        let e = config(&[("TABLE_NAME", "abc"), ("HTTP_TIMEOUT_SECS", "-1")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("HTTP_TIMEOUT_SECS \"-1\""), "{e}");
        let c = config(&[("TABLE_NAME", "abc"), ("HTTP_TIMEOUT_SECS", "0.5")]).unwrap();
        assert_eq!(c.http_timeout, Duration::from_millis(500));
        let e = config(&[("TABLE_NAME", "abc"), ("NOTIFY_UNCHANGED", "yes")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("NOTIFY_UNCHANGED \"yes\""), "{e}");
        let e = config(&[("TABLE_NAME", "abc"), ("STALE_AFTER_DAYS", "3.5")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("STALE_AFTER_DAYS \"3.5\""), "{e}");
    }
}
