//! How long CloudFront and browsers keep an answer of the data. The data changes only when the
//! ETL runs, daily at the time of its schedule: CloudFront keeps an answer until the next run is
//! due (`s-maxage`), briefly while a run may still be writing, and serves the answer it holds
//! while it fetches a newer one (`stale-while-revalidate`) or when the origin fails
//! (`stale-if-error`). Browsers keep it a few minutes and then revalidate with its entity tag.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use chrono::{DateTime, NaiveTime, TimeDelta, Utc};

use crate::App;

/// After a run is due, it or its retries may still change the data: Lambda retries a failed
/// scheduled run twice (after about 1 and 2 minutes), each up to the 2-minute timeout.
pub const RUN_WINDOW: TimeDelta = TimeDelta::minutes(10);
/// The shortest `s-maxage` (while a run may be writing) and the longest.
pub const MIN_SHARED_AGE: i64 = 60;
pub const MAX_SHARED_AGE: i64 = 86_400;
/// Browsers keep an answer this long at most, then revalidate.
pub const MAX_AGE: i64 = 300;
pub const STALE_WHILE_REVALIDATE: i64 = 3_600;
pub const STALE_IF_ERROR: i64 = 86_400;
/// Without a schedule (the local server): a short shared cache, then revalidation.
pub const UNSCHEDULED: &str = "public, max-age=300, stale-while-revalidate=3600";

/// When the ETL runs: daily at a UTC time, the template's `ScheduleExpression`
/// (`cron(M H * * ? *)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    at: NaiveTime,
}

impl Schedule {
    /// `cron(<minute> <hour> * * ? *)`, as EventBridge reads it.
    pub fn parse(expression: &str) -> Result<Self, String> {
        let refused = || {
            format!(
                "ETL_SCHEDULE {expression:?} is not a daily schedule `cron(<minute> <hour> * * ? *)`"
            )
        };
        let fields: Vec<&str> = expression
            .trim()
            .strip_prefix("cron(")
            .and_then(|e| e.strip_suffix(')'))
            .ok_or_else(refused)?
            .split(' ')
            .collect();
        let [minute, hour, "*", "*", "?", "*"] = fields[..] else {
            return Err(refused());
        };
        let number = |field: &str| {
            (!field.is_empty() && field.len() <= 2 && field.bytes().all(|b| b.is_ascii_digit()))
                .then(|| field.parse::<u32>().ok())
                .flatten()
        };
        number(hour)
            .zip(number(minute))
            .and_then(|(h, m)| NaiveTime::from_hms_opt(h, m, 0))
            .map(|at| Self { at })
            .ok_or_else(refused)
    }

    /// The last time a run was due, at or before `now`.
    fn last_due(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let today = now.date_naive().and_time(self.at).and_utc();
        if today <= now {
            today
        } else {
            today - TimeDelta::days(1)
        }
    }

    /// How long CloudFront may keep an answer made at `now`, in seconds: until the next run is
    /// due; [`MIN_SHARED_AGE`] while one may be writing.
    pub fn shared_age(&self, now: DateTime<Utc>) -> i64 {
        let last = self.last_due(now);
        if now - last < RUN_WINDOW {
            return MIN_SHARED_AGE;
        }
        let next = last + TimeDelta::days(1);
        (next - now)
            .num_seconds()
            .clamp(MIN_SHARED_AGE, MAX_SHARED_AGE)
    }

    /// The `Cache-Control` of an answer of the data made at `now`.
    pub fn cache_control(&self, now: DateTime<Utc>) -> String {
        let shared = self.shared_age(now);
        format!(
            "public, max-age={}, s-maxage={shared}, stale-while-revalidate={STALE_WHILE_REVALIDATE}, \
             stale-if-error={STALE_IF_ERROR}",
            shared.min(MAX_AGE)
        )
    }
}

/// Gives each answer of the data (a `200` or `304` without a `Cache-Control` of its own) the
/// schedule's.
pub async fn layer(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if matches!(response.status(), StatusCode::OK | StatusCode::NOT_MODIFIED)
        && !response.headers().contains_key(header::CACHE_CONTROL)
    {
        let value = match &app.schedule {
            Some(schedule) => {
                HeaderValue::from_str(&schedule.cache_control(Utc::now())).expect("ASCII")
            }
            None => HeaderValue::from_static(UNSCHEDULED),
        };
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn the_template_default_parses_and_others_are_refused_by_name() {
        let daily = Schedule::parse("cron(30 13 * * ? *)").unwrap();
        assert_eq!(daily.at, NaiveTime::from_hms_opt(13, 30, 0).unwrap());
        for refused in [
            "rate(1 day)",
            "cron(30 13 * * ? 2027)",
            "cron(*/5 13 * * ? *)",
            "cron(30 24 * * ? *)",
            "cron(60 1 * * ? *)",
            "cron(30 13 ? * MON *)",
            "cron(+1 13 * * ? *)",
            "",
        ] {
            let error = Schedule::parse(refused).unwrap_err();
            assert!(error.contains(&format!("{refused:?}")), "{error}");
        }
    }

    #[test]
    fn the_edge_keeps_an_answer_until_the_next_run_is_due() {
        let daily = Schedule::parse("cron(30 13 * * ? *)").unwrap();
        // Just after a run's window: nearly a day.
        assert_eq!(daily.shared_age(at("2026-12-05T13:40:00Z")), 86_400 - 600);
        // In the morning: until 13:30.
        assert_eq!(daily.shared_age(at("2026-12-05T09:30:00Z")), 4 * 3_600);
        // While a run may be writing, a minute at a time.
        for now in ["2026-12-05T13:30:00Z", "2026-12-05T13:39:59Z"] {
            assert_eq!(daily.shared_age(at(now)), MIN_SHARED_AGE, "{now}");
        }
        // A few seconds before it is due: at least the minimum.
        assert_eq!(daily.shared_age(at("2026-12-05T13:29:50Z")), MIN_SHARED_AGE);
        // Across midnight.
        let early = Schedule::parse("cron(5 0 * * ? *)").unwrap();
        assert_eq!(early.shared_age(at("2026-12-05T23:05:00Z")), 3_600);
        assert_eq!(
            daily.cache_control(at("2026-12-05T09:30:00Z")),
            "public, max-age=300, s-maxage=14400, stale-while-revalidate=3600, \
             stale-if-error=86400"
        );
        assert_eq!(
            daily.cache_control(at("2026-12-05T13:31:00Z")),
            "public, max-age=60, s-maxage=60, stale-while-revalidate=3600, \
             stale-if-error=86400"
        );
    }
}
