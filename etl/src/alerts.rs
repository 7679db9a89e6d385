//! What subscribers are told: the text of every alert, composed from what a run did.
//! Pure: no SNS, no DynamoDB. Every message has an `event` (the SNS message attribute that
//! filter policies match): `updated`, `failed`, `stale` or `unchanged`.

use std::hash::{BuildHasher, RandomState};

use chrono::{DateTime, NaiveDate, Utc};
use covid_model::{Day, thousands};
use covid_store::OutboxMessage;

use crate::error::Error;
use crate::load::{Change, LoadOutcome};

/// SNS subjects must be shorter than 100 characters, ASCII, on one line.
pub const SUBJECT_MAX: usize = 99;
/// Days listed per section before "and N more".
pub const LIST_MAX: usize = 10;

/// An alert before it is stored or sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub event: &'static str,
    pub subject: String,
    pub body: String,
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
            event: self.event.to_string(),
            subject: self.subject,
            body: self.body,
            created_at: now,
        }
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn recovered(r: Option<u64>) -> String {
    r.map_or("not reported".to_string(), thousands)
}

fn describe(day: &Day) -> String {
    format!(
        "{}: cases {}, deaths {}, recovered {}",
        day.date,
        thousands(day.cases),
        thousands(day.deaths),
        recovered(day.recovered)
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
    field("deaths", thousands(old.deaths), thousands(new.deaths));
    field(
        "recovered",
        recovered(old.recovered),
        recovered(new.recovered),
    );
    format!("{}: {}", new.date, parts.join(", "))
}

fn subject(text: String) -> String {
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

/// A run that changed data.
pub fn updated(outcome: &LoadOutcome, newest: &Day) -> Alert {
    let counts = format!(
        "{}, {} revised",
        plural(outcome.inserted, "new day", "new days"),
        outcome.updated
    );
    let mut body = vec![
        format!(
            "The US COVID-19 series changed: {counts}, {} unchanged.",
            outcome.unchanged
        ),
        String::new(),
    ];
    let new: Vec<&Day> = outcome
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::Inserted(d) => Some(d),
            Change::Revised { .. } => None,
        })
        .collect();
    if !new.is_empty() {
        body.push(format!("New days ({}):", new.len()));
        body.extend(capped(new.iter().map(|d| describe(d))));
        body.push(String::new());
    }
    let revised: Vec<String> = outcome
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::Revised { old, new } => Some(revision(old, new)),
            Change::Inserted(_) => None,
        })
        .collect();
    if !revised.is_empty() {
        body.push(format!("Revised days ({}), old -> new:", revised.len()));
        body.extend(capped(revised.into_iter()));
        body.push(String::new());
    }
    body.push(format!("Newest day: {}.", describe(newest)));
    Alert {
        event: "updated",
        subject: subject(format!("US COVID-19 data: {counts}")),
        body: body.join("\n"),
    }
}

/// A run that found nothing new (sent only when asked for).
pub fn unchanged(days: u64, newest: &Day) -> Alert {
    Alert {
        event: "unchanged",
        subject: subject("US COVID-19 data: nothing new".to_string()),
        body: format!(
            "The ETL ran and found nothing new: {} unchanged.\n\nNewest day: {}.",
            plural(days, "day", "days"),
            describe(newest)
        ),
    }
}

/// A failed run.
pub fn failed(error: &Error) -> Alert {
    let mut body = vec!["The US COVID-19 ETL run failed.".to_string(), String::new()];
    body.push(format!("Error kind: {}", error.kind()));
    for (label, value) in error.location() {
        body.push(format!("{label}: {value}"));
    }
    body.push(format!("Error: {error}"));
    body.push(String::new());
    body.push("Nothing from this input was written: the stored series is unchanged.".to_string());
    body.push("The next run retries from the source.".to_string());
    let source = error
        .location()
        .into_iter()
        .find(|(l, _)| *l == "Source")
        .map(|(_, v)| v);
    let subject_text = match source {
        Some(source) => format!("US COVID-19 ETL failed: {} in {source}", error.kind()),
        None => format!("US COVID-19 ETL failed: {}", error.kind()),
    };
    Alert {
        event: "failed",
        subject: subject(subject_text),
        body: body.join("\n"),
    }
}

/// The sources have not moved for a while (sent once per newest day).
pub fn stale(newest: &Day, today: NaiveDate, after_days: u32) -> Alert {
    let age = (today - newest.date).num_days();
    Alert {
        event: "stale",
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(date: &str, cases: u64, deaths: u64, recovered: Option<u64>) -> Day {
        Day {
            date: date.parse().unwrap(),
            cases,
            deaths,
            recovered,
        }
    }

    #[test]
    fn updated_lists_new_and_revised_days_and_caps_long_lists() {
        let newest = day("2021-03-16", 29_569_140, 536_491, None);
        let mut changes = vec![Change::Revised {
            old: day("2020-06-01", 1_790_000, 104_000, Some(5)),
            new: day("2020-06-01", 1_800_000, 104_000, Some(5)),
        }];
        changes.extend(
            (1..=12).map(|i| Change::Inserted(day(&format!("2021-03-{i:02}"), i, 0, None))),
        );
        let outcome = LoadOutcome {
            inserted: 12,
            updated: 1,
            unchanged: 400,
            changes,
            alert: None,
        };
        let alert = updated(&outcome, &newest);
        assert_eq!(alert.event, "updated");
        assert_eq!(alert.subject, "US COVID-19 data: 12 new days, 1 revised");
        assert!(
            alert.body.contains("12 new days, 1 revised, 400 unchanged"),
            "{}",
            alert.body
        );
        assert!(
            alert
                .body
                .contains("  2021-03-01: cases 1, deaths 0, recovered not reported")
        );
        assert!(alert.body.contains("  and 2 more"), "{}", alert.body);
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
        let one = LoadOutcome {
            inserted: 1,
            updated: 3,
            unchanged: 0,
            changes: vec![],
            alert: None,
        };
        assert_eq!(
            updated(&one, &newest).subject,
            "US COVID-19 data: 1 new day, 3 revised"
        );
    }

    #[test]
    fn subjects_stay_short_ascii_single_line() {
        let long = subject(format!("x{}\n→", "y".repeat(200)));
        assert_eq!(long.len(), SUBJECT_MAX);
        assert!(long.is_ascii() && !long.contains('\n'));
    }
}
