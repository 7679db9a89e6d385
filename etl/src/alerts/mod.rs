//! The alerts stage. What subscribers are told: the text of every alert, composed from what a
//! run did ([`announce`]: what an `updated` alert announces; [`level`]: each region's level and
//! the email of a change), and [`notify`]: who gets which email, sent through SNS and the
//! outbox. This file is pure: no SNS, no DynamoDB. Every message has an `event` (`AlertKind`,
//! the SNS message attribute the operator's filter policy matches): `updated`, `failed`,
//! `stale`, `unchanged` or `failed_detail`; an `updated` one also carries the level changes
//! of the same write.

pub mod announce;
pub mod level;
pub mod notify;

use std::collections::BTreeMap;
use std::hash::{BuildHasher, RandomState};

use chrono::{DateTime, NaiveDate, Utc};
use covid_model::{AlertKind, Day, thousands};
use covid_store::OutboxMessage;

use crate::alerts::announce::Announcement;
use crate::error::Error;

/// SNS subjects must be shorter than 100 characters, ASCII, on one line.
pub const SUBJECT_MAX: usize = 99;
/// Days listed per section before "and N more".
pub const LIST_MAX: usize = 10;

/// An alert before it is stored or sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub event: AlertKind,
    pub subject: String,
    pub body: String,
    /// Numeric message attributes.
    pub counts: BTreeMap<String, u64>,
    /// `updated` only: the regions that changed (`US` for the national series).
    pub regions: Vec<String>,
}

impl Alert {
    /// The stored form, with a unique id that sorts in creation order.
    pub fn into_message(self, now: DateTime<Utc>) -> OutboxMessage {
        let salt = RandomState::new().hash_one(now.timestamp_nanos_opt());
        OutboxMessage {
            id: format!(
                "{}-{}-{:08x}",
                now.format("%Y%m%dT%H%M%S%.6fZ"),
                self.event,
                salt as u32
            ),
            event: self.event,
            subject: self.subject,
            body: self.body,
            created_at: now,
            counts: self.counts,
            regions: self.regions,
            attempts: 0,
            levels: Vec::new(),
            sent: Vec::new(),
        }
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A count that may be unreported, as the alerts write it.
fn reported(r: Option<u64>) -> String {
    r.map_or("not reported".to_string(), thousands)
}

fn describe(day: &Day) -> String {
    format!(
        "{}: cases {}, deaths {}, recovered {}",
        day.date,
        thousands(day.cases),
        reported(day.deaths),
        reported(day.recovered)
    )
}

fn revision(old: &Day, new: &Day) -> String {
    let mut parts = Vec::new();
    let mut field = |name: &str, a: String, b: String| {
        if a != b {
            parts.push(format!("{name} {a} -> {b}"));
        }
    };
    field("cases", thousands(old.cases), thousands(new.cases));
    field("deaths", reported(old.deaths), reported(new.deaths));
    field(
        "recovered",
        reported(old.recovered),
        reported(new.recovered),
    );
    format!("{}: {}", new.date, parts.join(", "))
}

pub(crate) fn subject(text: String) -> String {
    let ascii: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect();
    if ascii.len() <= SUBJECT_MAX {
        ascii
    } else {
        format!("{}...", &ascii[..SUBJECT_MAX - 3])
    }
}

fn capped(lines: impl ExactSizeIterator<Item = String>) -> Vec<String> {
    let total = lines.len();
    let mut out: Vec<String> = lines.take(LIST_MAX).map(|l| format!("  {l}")).collect();
    if total > LIST_MAX {
        out.push(format!("  and {} more", total - LIST_MAX));
    }
    out
}

/// Changes not announced before: this run's, and those of earlier runs that failed before
/// announcing theirs. `series` is the stored series after this run (the new values);
/// `unchanged` how many days this run found equal. The message carries the Number attributes
/// `new_days`, `revised_days` (national), `changed_regions` (states whose series changed,
/// named in the body) and `county_days` (county days changed, counted per state in the body).
pub fn updated(announced: &Announcement, series: &[Day], unchanged: u64) -> Alert {
    let current = |date: &NaiveDate| {
        series
            .binary_search_by_key(date, |d| d.date)
            .ok()
            .map(|i| &series[i])
    };
    let (new_days, revised_days) = (announced.new_days(), announced.revised_days());
    let changed_regions = announced.regions.len() as u64;
    let county_days = announced.county_days();
    let mut counts = format!(
        "{}, {revised_days} revised",
        plural(new_days, "new day", "new days"),
    );
    if changed_regions > 0 {
        counts.push_str(&format!(
            "; {} changed",
            plural(changed_regions, "state", "states")
        ));
    }
    if county_days > 0 {
        let noun = if county_days == 1 { "day" } else { "days" };
        counts.push_str(&format!("; {} county {noun}", thousands(county_days)));
    }
    let mut body = vec![
        format!("The US COVID-19 series changed: {counts}, {unchanged} unchanged."),
        String::new(),
    ];
    if !announced.new.is_empty() {
        body.push(format!("New days ({new_days}):"));
        body.extend(capped(announced.new.iter().map(|date| {
            current(date).map_or_else(|| date.to_string(), describe)
        })));
        body.push(String::new());
    }
    if !announced.revised.is_empty() {
        body.push(format!("Revised days ({revised_days}), old -> new:"));
        body.extend(capped(announced.revised.values().map(|old| {
            current(&old.date).map_or_else(|| describe(old), |new| revision(old, new))
        })));
        body.push(String::new());
    }
    if changed_regions > 0 {
        // Every state is named: a subscriber looks for their own.
        let names: Vec<String> = announced
            .regions
            .iter()
            .map(|(region, writes)| {
                format!(
                    "{} ({})",
                    region.name,
                    plural(*writes, "day written", "days written")
                )
            })
            .collect();
        body.push(format!(
            "States and territories that changed ({changed_regions}):"
        ));
        body.push(format!("  {}", names.join(", ")));
        body.push(String::new());
    }
    if county_days > 0 {
        // Counted per state, never listed per county: at most 55 names whatever the number
        // of counties (about 3,250), so the message stays far below SNS's 256 KB.
        let names: Vec<String> = announced
            .counties
            .iter()
            .map(|(state, days)| format!("{} ({})", state.name, thousands(*days)))
            .collect();
        body.push(format!(
            "County days new, revised or withdrawn ({}), by state:",
            thousands(county_days)
        ));
        body.push(format!("  {}", names.join(", ")));
        body.push(String::new());
    }
    if let Some(newest) = series.last() {
        body.push(format!("Newest day: {}.", describe(newest)));
    }
    Alert {
        event: AlertKind::Updated,
        subject: subject(format!("US COVID-19 data: {counts}")),
        body: body.join("\n"),
        counts: BTreeMap::from([
            ("new_days".to_string(), new_days),
            ("revised_days".to_string(), revised_days),
            ("changed_regions".to_string(), changed_regions),
            ("county_days".to_string(), county_days),
        ]),
        regions: announced
            .national()
            .then_some(covid_model::US.id)
            .into_iter()
            .chain(announced.regions.keys().map(|r| r.id))
            .map(str::to_string)
            .collect(),
    }
}

/// A run that found nothing new (sent only when asked for).
pub fn unchanged(days: u64, newest: &Day) -> Alert {
    Alert {
        event: AlertKind::Unchanged,
        subject: subject("US COVID-19 data: nothing new".to_string()),
        body: format!(
            "The ETL ran and found nothing new: {} unchanged.\n\nNewest day: {}.",
            plural(days, "day", "days"),
            describe(newest)
        ),
        counts: BTreeMap::new(),
        regions: Vec::new(),
    }
}

/// What every failure alert says of the days written, and that the next run retries.
fn written_lines(written: u64) -> Vec<String> {
    let mut lines = Vec::new();
    if written == 0 {
        lines.push(
            "Nothing from this input was written: the stored series is unchanged.".to_string(),
        );
    } else {
        lines.push(format!(
            "{} written before the failure; the next successful run announces {}.",
            plural(written, "day was", "days were"),
            if written == 1 { "it" } else { "them" }
        ));
    }
    lines.push("The next run retries from the source.".to_string());
    lines
}

/// A failed run that had written `written` days before it failed, as anyone who chose
/// `failed` is told: the error's kind, its source, and for data errors the line, column, date
/// and a short escaped excerpt of the value. Nothing internal: no raw error, table, topic,
/// account, role or URL ([`failed_detail`] has them, for the operator).
pub fn failed(error: &Error, written: u64) -> Alert {
    let location = error.public_location();
    let mut body = vec!["The US COVID-19 ETL run failed.".to_string(), String::new()];
    body.push(format!("Error kind: {}", error.kind()));
    for (label, value) in &location {
        body.push(format!("{label}: {value}"));
    }
    body.push(String::new());
    body.extend(written_lines(written));
    let source = location
        .iter()
        .find(|(l, _)| *l == "Source")
        .map(|(_, v)| v);
    let subject_text = match source {
        Some(source) => format!("US COVID-19 ETL failed: {} in {source}", error.kind()),
        None => format!("US COVID-19 ETL failed: {}", error.kind()),
    };
    Alert {
        event: AlertKind::Failed,
        subject: subject(subject_text),
        body: body.join("\n"),
        counts: BTreeMap::from([("written".to_string(), written)]),
        regions: Vec::new(),
    }
}

/// The same failure in full, for the operator's subscription alone (`failed_detail`, which
/// no self-service choice matches): the source's location and the raw error as logged.
pub fn failed_detail(error: &Error, written: u64) -> Alert {
    let mut body = vec![
        "The US COVID-19 ETL run failed (operator's detail).".to_string(),
        String::new(),
    ];
    body.push(format!("Error kind: {}", error.kind()));
    for (label, value) in error.location() {
        body.push(format!("{label}: {value}"));
    }
    body.push(format!("Error: {error}"));
    body.push(String::new());
    body.extend(written_lines(written));
    Alert {
        event: AlertKind::FailedDetail,
        subject: subject(format!("US COVID-19 ETL failed (detail): {}", error.kind())),
        body: body.join("\n"),
        counts: BTreeMap::from([("written".to_string(), written)]),
        regions: Vec::new(),
    }
}

/// The sources have not moved for a while (sent once per newest day).
pub fn stale(newest: &Day, today: NaiveDate, after_days: u32) -> Alert {
    let age = (today - newest.date).num_days();
    Alert {
        event: AlertKind::Stale,
        subject: subject(format!(
            "US COVID-19 data is stale: newest day {}",
            newest.date
        )),
        body: format!(
            "The newest day in the sources is {}, {} before today ({today}); the threshold is {}.\n\
             Both sources (NYT and JHU) stopped updating in March 2023.\n\n\
             Newest day: {}.\n\n\
             This alert is sent once for this newest day; the next one comes only if the sources move.",
            newest.date,
            plural(age.max(0) as u64, "day", "days"),
            plural(u64::from(after_days), "day", "days"),
            describe(newest)
        ),
        counts: BTreeMap::new(),
        regions: Vec::new(),
    }
}

/// An `updated` alert's text with the level changes it carries, one line each (capped at
/// [`LIST_MAX`]): what the operator and the subscribers of every update read.
pub fn with_level_changes(body: &str, changes: &[covid_model::LevelChange]) -> String {
    if changes.is_empty() {
        return body.to_string();
    }
    let mut out = vec![
        body.to_string(),
        String::new(),
        format!(
            "Community transmission levels that changed ({}):",
            changes.len()
        ),
    ];
    out.extend(capped(changes.iter().map(|c| {
        let name = region_name(&c.region);
        format!(
            "{name}: {} -> {} ({:.1} new cases per 100,000 over the 7 days to {})",
            c.from.as_str(),
            c.to.as_str(),
            c.cases_per_100k_7d,
            c.date
        )
    })));
    out.join("\n")
}

/// A region's name for an email (`New York`); an id the model does not know, as it is.
pub(crate) fn region_name(id: &str) -> &str {
    covid_model::Region::by_id(id).map_or(id, |r| r.name)
}

/// The lines that link a region on the public site (`site`): its page, its chart and its level
/// day by day; none without a site.
pub(crate) fn region_links(name: &str, id: &str, site: Option<&str>) -> Vec<String> {
    let Some(site) = site else {
        return Vec::new();
    };
    vec![
        String::new(),
        format!("{name} on the site: {site}/?region={id}"),
        format!("Its chart: {site}/v1/regions/{id}/chart.svg"),
        format!("Its level day by day: {site}/v1/regions/{id}/levels"),
    ]
}

/// The `updated` email to the subscribers of one region's updates (`id`): the region and its
/// links first, then everything the run announced (`all`, the national alert's text).
pub fn region_updated(id: &str, all: &str, site: Option<&str>) -> (String, String) {
    let name = region_name(id);
    let mut body = vec![format!(
        "{name}'s COVID-19 series changed in the latest run."
    )];
    body.extend(region_links(name, id, site));
    body.extend([
        String::new(),
        "Everything the run changed:".to_string(),
        String::new(),
        all.to_string(),
        String::new(),
        "You get this email because you asked for updates of this place; the link below ends \
         them."
            .to_string(),
    ]);
    (
        subject(format!("{name}: COVID-19 data updated")),
        body.join("\n"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    use covid_model::testing::day;

    #[test]
    fn updated_names_every_state_that_changed() {
        let mut announced = Announcement::default();
        announced
            .regions
            .insert(covid_model::Region::by_id("NY").unwrap(), 99);
        announced
            .regions
            .insert(covid_model::Region::by_id("GU").unwrap(), 1);
        let alert = updated(&announced, &[], 420);
        assert_eq!(alert.counts["changed_regions"], 2);
        assert_eq!(alert.counts["new_days"], 0);
        assert!(
            alert.subject.ends_with("; 2 states changed"),
            "{}",
            alert.subject
        );
        assert!(
            alert
                .body
                .contains("Guam (1 day written), New York (99 days written)"),
            "{}",
            alert.body
        );
    }

    #[test]
    fn updated_lists_new_and_revised_days_and_caps_long_lists() {
        let mut series = vec![day("2020-06-01", 1_800_000, 104_000, Some(5))];
        series.extend((1..=12).map(|i| day(&format!("2021-03-{i:02}"), i, 0, None)));
        series.push(day("2021-03-16", 29_569_140, 536_491, None));
        let mut announced = Announcement::default();
        announced.revised.insert(
            "2020-06-01".parse().unwrap(),
            day("2020-06-01", 1_790_000, 104_000, Some(5)),
        );
        announced.new.extend(series[1..].iter().map(|d| d.date));
        let alert = updated(&announced, &series, 400);
        assert_eq!(alert.event, AlertKind::Updated);
        assert_eq!(alert.subject, "US COVID-19 data: 13 new days, 1 revised");
        assert_eq!(alert.counts["new_days"], 13);
        assert_eq!(alert.counts["revised_days"], 1);
        assert_eq!(alert.regions, ["US"]);
        assert!(
            alert.body.contains("13 new days, 1 revised, 400 unchanged"),
            "{}",
            alert.body
        );
        assert!(
            alert
                .body
                .contains("  2021-03-01: cases 1, deaths 0, recovered not reported")
        );
        assert!(alert.body.contains("  and 3 more"), "{}", alert.body);
        assert!(!alert.body.contains("2021-03-11:"), "capped at {LIST_MAX}");
        assert!(
            alert
                .body
                .contains("  2020-06-01: cases 1,790,000 -> 1,800,000\n"),
            "{}",
            alert.body
        );
        assert!(alert.body.ends_with(
            "Newest day: 2021-03-16: cases 29,569,140, deaths 536,491, recovered not reported."
        ));
        let mut one = Announcement::default();
        one.new.insert(series[1].date);
        assert_eq!(
            updated(&one, &series, 0).subject,
            "US COVID-19 data: 1 new day, 0 revised"
        );
    }

    #[test]
    fn failed_tells_how_many_days_were_written() {
        let error = Error::Conflict("meta refused".to_string());
        let none = failed(&error, 0);
        assert!(
            none.body.contains("Nothing from this input was written"),
            "{}",
            none.body
        );
        let some = failed(&error, 140);
        assert!(
            some.body
                .contains("140 days were written before the failure"),
            "{}",
            some.body
        );
        assert_eq!(some.counts["written"], 140);
    }

    #[test]
    fn a_failure_tells_subscribers_nothing_internal() {
        let store = Error::Store(covid_store::StoreError::Request {
            operation: "TransactWriteItems",
            table: "covid-us-Table-1ABC".to_string(),
            detail: "User: arn:aws:sts::123456789012:assumed-role/covid-us-EtlFunctionRole-X/etl \
                     is not authorized"
                .to_string(),
        });
        let public = failed(&store, 3);
        for secret in [
            "123456789012",
            "arn:",
            "Table-1ABC",
            "Role",
            "TransactWriteItems",
        ] {
            assert!(!public.body.contains(secret), "{secret} in {}", public.body);
            assert!(
                !public.subject.contains(secret),
                "{secret} in {}",
                public.subject
            );
        }
        assert!(
            public.body.contains("Error kind: store\nSource: DynamoDB"),
            "{}",
            public.body
        );
        assert!(
            public.body.contains("3 days were written"),
            "{}",
            public.body
        );
        let detail = failed_detail(&store, 3);
        assert_eq!(detail.event, AlertKind::FailedDetail);
        assert!(
            detail
                .body
                .contains("assumed-role/covid-us-EtlFunctionRole-X"),
            "{}",
            detail.body
        );

        let fetch = Error::Fetch {
            origin: crate::source::Source::Nyt,
            location: "https://mirror.internal.example/us.csv".to_string(),
            detail: "connection refused (10.0.0.7:443)".to_string(),
        };
        let public = failed(&fetch, 0);
        assert!(!public.body.contains("internal") && !public.body.contains("10.0.0.7"));
        assert_eq!(
            public.subject,
            "US COVID-19 ETL failed: fetch in NYT us.csv"
        );
    }

    #[test]
    fn hostile_source_text_is_quoted_short_and_escaped() {
        let invalid = crate::transform::ValidationError {
            kind: crate::transform::InvalidKind::BadCount,
            origin: Some(crate::source::Source::Jhu),
            line: Some(2),
            column: Some("Recovered".to_string()),
            value: Some(format!(
                "<a href=\"https://evil.example\">\n{}</a>",
                "x".repeat(80)
            )),
            date: None,
            detail: "a count cannot be negative".to_string(),
        };
        let public = failed(&Error::Invalid(invalid), 0);
        let value = public
            .body
            .lines()
            .find(|l| l.starts_with("Value: "))
            .expect("the value's excerpt");
        assert_eq!(
            value,
            r#"Value: "<a href=\"https://evil.example\">\nxxxxxxxx"… (116 characters)"#
        );
        assert!(
            public.body.contains("Line: 2\nColumn: Recovered\n"),
            "{}",
            public.body
        );
        assert!(!public.body.contains("</a>"));
    }

    #[test]
    fn subjects_stay_short_ascii_single_line() {
        let long = subject(format!("x{}\n→", "y".repeat(200)));
        assert_eq!(long.len(), SUBJECT_MAX);
        assert!(long.is_ascii() && !long.contains('\n'));
    }
}
