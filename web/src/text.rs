//! The page's own words that depend on the data: the heading, the line under it and the
//! title for the places shown (regions or counties), with the span of days they hold, and the
//! footer's line on how fresh each shown place's data is. No date is written into the markup or
//! the code: every one comes from the loaded series or from `/v1/status`.

use chrono::{Datelike, NaiveDate};

use crate::decode::{Freshness, Replaced};
use crate::format::{date, month_year};
use crate::frame::Frame;

/// The heading, the line under it and the document's title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    pub heading: String,
    pub lede: String,
    pub title: String,
}

/// What the heading is about: the first and newest days held. (The end of JHU's recoveries is
/// said by the recoveries chart's note: a longer line here moved the page when it arrived.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub days: Option<(NaiveDate, NaiveDate)>,
}

impl Span {
    /// The span of the shown regions' axis.
    pub fn of(frame: &Frame) -> Self {
        Span {
            days: frame
                .dates
                .first()
                .zip(frame.dates.last())
                .map(|(a, b)| (*a, *b)),
        }
    }
}

/// `, January 2020 to March 2023`, or nothing without data.
fn range(span: &Span) -> String {
    span.days.map_or_else(String::new, |(first, last)| {
        format!(", {} to {}", month_year(first), month_year(last))
    })
}

/// `, 2020–2023` (`, 2021` within one year), or nothing without data.
fn years(span: &Span) -> String {
    match span.days {
        Some((first, last)) if first.year() == last.year() => format!(", {}", first.year()),
        Some((first, last)) => format!(", {}–{}", first.year(), last.year()),
        None => String::new(),
    }
}

/// The readout's earlier values of a revised day: what each revision published on or before
/// `as_of` (`None`: every one) replaced, oldest first, with the vintage that replaced it
/// (`YYYY-MM-DD`, as the readout's date and "As published on" say dates); nothing when there
/// is none.
pub fn earlier(replaced: &[Replaced], as_of: Option<NaiveDate>) -> String {
    let values: Vec<String> = replaced
        .iter()
        .filter(|r| as_of.is_none_or(|d| r.vintage <= d))
        .map(|r| {
            format!(
                "{} cases and {} deaths (replaced {})",
                covid_model::thousands(r.cases),
                crate::format::count(r.deaths),
                r.vintage
            )
        })
        .collect();
    if values.is_empty() {
        String::new()
    } else {
        format!("; earlier {}", values.join(", then "))
    }
}

/// The page's heading for one place (`name`: a state's, `Kings, New York`), for compared places
/// (`compared`, their names), or for the United States (no `name`).
pub fn heading(name: Option<&str>, compared: Option<&str>, span: &Span) -> Heading {
    let (range, years) = (range(span), years(span));
    match (compared, name) {
        (Some(names), _) => Heading {
            heading: format!("Compared: {names}"),
            lede: format!(
                "Side by side, each line one region (The New York Times; residents: Johns \
                 Hopkins University){range}."
            ),
            title: format!("COVID-19 compared: {names}{years}"),
        },
        (None, Some(name)) => Heading {
            heading: format!("{name} COVID-19: cases and deaths"),
            lede: format!(
                "Daily cumulative counts for {name} (The New York Times){range}, with daily new \
                 values and 7-day averages."
            ),
            title: format!("{name} COVID-19: cases and deaths{years}"),
        },
        (None, _) => Heading {
            heading: "US COVID-19: cases, deaths and recoveries".to_string(),
            lede: format!(
                "Daily cumulative counts for the United States{range}, with daily new values and \
                 7-day averages."
            ),
            title: format!("US COVID-19: cases, deaths and recoveries{years}"),
        },
    }
}

/// What the page says beside "As published on" when the data as published on `asked` could not
/// be loaded (`failure`, as the API request told it), and the current data is shown instead:
/// in words, without the request's path or the problem's code quotes.
///
/// ```
/// let asked = "2021-01-01".parse().unwrap();
/// let failure = "/v1/series?as_of=2021-01-01 answered 404: `as_of` is 2021-01-01, before \
///     2021-07-08, the first vintage of United States (US): give 2021-07-08 or later.";
/// assert_eq!(
///     web::text::as_of_note(asked, failure),
///     "Nothing held here was published by Jan 1, 2021: the first publication is Jul 8, 2021. \
///      Shown: the current data."
/// );
/// assert_eq!(
///     web::text::as_of_note(asked, "/v1/series?as_of=2021-01-01 could not be reached"),
///     "The data as published on Jan 1, 2021 could not be loaded. Shown: the current data."
/// );
/// ```
pub fn as_of_note(asked: NaiveDate, failure: &str) -> String {
    // The API's 404 ends "give <the first vintage> or later."
    let first = failure
        .split("give ")
        .nth(1)
        .and_then(|t| t.get(..10))
        .and_then(crate::data::parse_date);
    match first {
        Some(first) => format!(
            "Nothing held here was published by {}: the first publication is {}. Shown: the \
             current data.",
            date(asked),
            date(first)
        ),
        None => format!(
            "The data as published on {} could not be loaded. Shown: the current data.",
            date(asked)
        ),
    }
}

/// Why the nation's series ends before the states' (`states`: their newest day): it is NYT's
/// national counts joined with Johns Hopkins' recoveries, which end first. Said under the
/// ranking and, when the nation is shown, in the footer.
pub fn nation_ends(nation: NaiveDate, states: NaiveDate) -> String {
    format!(
        "The United States' series ends on {}, the last day of Johns Hopkins' recoveries, which \
         it joins; the states' go on to {}.",
        date(nation),
        date(states)
    )
}

/// The footer's line on the data's freshness: each shown place's own newest day (`shown`: its
/// name and its series' newest day), why the nation's is earlier than the states' newest
/// (`states`, from `/v1/regions`), whether the sources stopped publishing, and when this site's
/// copy last changed and was last checked, from `/v1/status`.
pub fn freshness(
    status: &Freshness,
    shown: &[(&str, NaiveDate)],
    states: Option<NaiveDate>,
) -> String {
    let day = |rfc3339: &Option<String>| {
        rfc3339
            .as_deref()
            .and_then(|t| t.get(..10))
            .and_then(crate::data::parse_date)
            .map(date)
    };
    if status.newest_day.is_none() {
        return "No data has been loaded yet.".to_string();
    }
    let days: Vec<String> = shown
        .iter()
        .map(|(name, newest)| format!("{name}: newest day {}", date(*newest)))
        .collect();
    let mut out = format!("{}.", days.join("; "));
    if let Some((_, nation)) = shown.iter().find(|(n, _)| *n == covid_model::US.name)
        && let Some(states) = states.filter(|s| s > nation)
    {
        out = format!("{out} {}", nation_ends(*nation, states));
    }
    if status.stale {
        out.push_str(" The sources stopped publishing.");
    }
    if let Some(changed) = day(&status.last_changed) {
        out.push_str(&format!(" This site's copy last changed on {changed}"));
        match day(&status.last_run_at) {
            Some(run) => out.push_str(&format!("; it last checked the sources on {run}.")),
            None => out.push('.'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_earlier_values_are_those_replaced_by_the_date_shown() {
        let replaced = [
            Replaced {
                vintage: d("2021-03-02"),
                cases: 1_000,
                deaths: Some(10),
            },
            Replaced {
                vintage: d("2021-03-05"),
                cases: 1_050,
                deaths: Some(11),
            },
        ];
        assert_eq!(
            earlier(&replaced, None),
            "; earlier 1,000 cases and 10 deaths (replaced 2021-03-02), then 1,050 cases and 11 \
             deaths (replaced 2021-03-05)"
        );
        assert_eq!(
            earlier(&replaced, Some(d("2021-03-04"))),
            "; earlier 1,000 cases and 10 deaths (replaced 2021-03-02)"
        );
        assert_eq!(earlier(&replaced, Some(d("2021-03-01"))), "");
        assert_eq!(earlier(&[], None), "");
    }

    #[test]
    fn the_heading_says_the_span_the_data_holds() {
        let span = Span {
            days: Some((d("2020-01-21"), d("2023-03-23"))),
        };
        let us = heading(None, None, &span);
        assert_eq!(
            us.lede,
            "Daily cumulative counts for the United States, January 2020 to March 2023, with daily \
             new values and 7-day averages."
        );
        assert_eq!(
            us.title,
            "US COVID-19: cases, deaths and recoveries, 2020–2023"
        );
        let ny = heading(Some("New York"), None, &span);
        assert_eq!(ny.title, "New York COVID-19: cases and deaths, 2020–2023");
        assert!(
            ny.lede.contains("January 2020 to March 2023"),
            "{}",
            ny.lede
        );
        let compared = heading(Some("New York"), Some("New York, Texas"), &span);
        let county = heading(Some("Kings, New York"), None, &span);
        assert_eq!(county.heading, "Kings, New York COVID-19: cases and deaths");
        assert_eq!(compared.heading, "Compared: New York, Texas");
        assert!(compared.lede.ends_with("January 2020 to March 2023."));
    }

    #[test]
    fn the_span_is_the_loaded_data_s() {
        let days = crate::fixtures::days();
        let data = |id: &str| {
            crate::data::Data::new(covid_model::Region::by_id(id).unwrap(), days.clone(), None)
        };
        let us = Span::of(&Frame::new(vec![data("US")], false));
        assert_eq!(us.days, Some((d("2020-11-20"), d("2021-01-18"))));
        assert_eq!(Span::of(&Frame::new(vec![], false)), Span::default());
    }

    #[test]
    fn without_data_the_heading_names_no_date() {
        let none = heading(None, None, &Span::default());
        assert_eq!(none.title, "US COVID-19: cases, deaths and recoveries");
        assert!(!none.lede.contains("20"), "{}", none.lede);
        let one_year = Span {
            days: Some((d("2021-01-01"), d("2021-07-01"))),
        };
        assert!(heading(None, None, &one_year).title.ends_with(", 2021"));
    }

    #[test]
    fn the_footer_says_each_regions_newest_day_and_when_the_sources_stopped() {
        let mut status = Freshness {
            newest_day: Some(d("2021-03-16")),
            stale: true,
            last_changed: Some("2026-12-07T06:12:00+00:00".to_string()),
            last_run_at: Some("2026-12-08T06:00:03+00:00".to_string()),
        };
        let ny = "New York";
        let states = Some(d("2021-07-08"));
        assert_eq!(
            freshness(&status, &[(ny, d("2021-07-08"))], states),
            "New York: newest day Jul 8, 2021. The sources stopped publishing. This site's copy \
             last changed on Dec 7, 2026; it last checked the sources on Dec 8, 2026."
        );
        // The nation's earlier end is said where the nation is shown.
        let us = (covid_model::US.name, d("2021-03-16"));
        assert_eq!(
            freshness(&status, &[(ny, d("2021-07-08")), us], states),
            "New York: newest day Jul 8, 2021; United States: newest day Mar 16, 2021. The \
             United States' series ends on Mar 16, 2021, the last day of Johns Hopkins' \
             recoveries, which it joins; the states' go on to Jul 8, 2021. The sources stopped \
             publishing. This site's copy last changed on Dec 7, 2026; it last checked the \
             sources on Dec 8, 2026."
        );
        status.stale = false;
        status.last_run_at = None;
        assert_eq!(
            freshness(&status, &[us], Some(d("2021-03-16"))),
            "United States: newest day Mar 16, 2021. This site's copy last changed on Dec 7, 2026."
        );
        status.newest_day = None;
        assert_eq!(
            freshness(&status, &[], None),
            "No data has been loaded yet."
        );
    }

    /// Every file of the site's code and markup, with its text up to its tests.
    fn sources(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs" || e == "html") {
                let text = std::fs::read_to_string(&path).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                out.push((path.display().to_string(), code.to_string()));
            }
        }
    }

    #[test]
    fn no_date_is_written_into_the_code_or_the_markup() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        sources(&root.join("src"), &mut files);
        // The charts' crate draws for the site too.
        sources(&root.join("../chart/src"), &mut files);
        files.push((
            "index.html".to_string(),
            std::fs::read_to_string(root.join("index.html")).unwrap(),
        ));
        let months = [
            "January",
            "February",
            "March",
            "April",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        for (path, code) in files {
            if path.ends_with("fixtures.rs") {
                continue;
            }
            for (n, line) in code.lines().enumerate() {
                // Doc examples are tests: they run as doctests.
                let trimmed = line.trim_start();
                if trimmed.starts_with("///") || trimmed.starts_with("//!") {
                    continue;
                }
                let year = line.as_bytes().windows(4).any(|w| {
                    (w.starts_with(b"201") || w.starts_with(b"202"))
                        && w.iter().all(u8::is_ascii_digit)
                });
                let month = months.iter().any(|m| line.contains(&format!("{m} 20")));
                assert!(
                    !year && !month,
                    "{path}:{}: a date in the code: {line}",
                    n + 1
                );
            }
        }
    }
}
