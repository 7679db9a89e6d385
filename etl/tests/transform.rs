//! The transform on the real snapshot and on every kind of bad input.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use covid_model::Day;
use etl::Source;
use etl::transform::{
    InvalidKind, ValidationError, build_series, check_regression, parse_jhu_us_recovered, parse_nyt,
};

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn snapshot() -> (Vec<u8>, Vec<u8>) {
    testkit::snapshot_sources()
}

const JHU_HEADER: &str = "Date,Country/Region,Province/State,Confirmed,Recovered,Deaths\n";

fn jhu(rows: &[&str]) -> Vec<u8> {
    let mut s = JHU_HEADER.to_string();
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s.into_bytes()
}

fn nyt_err(input: &str) -> ValidationError {
    parse_nyt(input.as_bytes()).expect_err("input must be refused")
}

fn jhu_err(input: &[u8]) -> ValidationError {
    parse_jhu_us_recovered(input).expect_err("input must be refused")
}

#[test]
fn real_snapshot_joins_to_420_days() {
    let (nyt, jhu) = snapshot();
    let days = build_series(&nyt, &jhu).unwrap();
    assert_eq!(days.len(), 420);
    assert_eq!(days[0].date, date("2020-01-22"));
    assert_eq!(days[419].date, date("2021-03-16"));
    // NYT is authoritative for cases and deaths.
    assert_eq!(
        days[419],
        Day {
            date: date("2021-03-16"),
            cases: 29_569_140,
            deaths: Some(536_491),
            recovered: None
        }
    );
    assert_eq!(
        days[0],
        Day {
            date: date("2020-01-22"),
            cases: 1,
            deaths: Some(0),
            recovered: Some(0)
        }
    );
    // Dates are consecutive: one per day, in order.
    assert!(
        days.windows(2)
            .all(|w| w[1].date == w[0].date.succ_opt().unwrap())
    );
    // Recovered: reported (JHU US total) up to 2020-12-13, not reported from 2020-12-14.
    let on = |d: &str| days.iter().find(|x| x.date == date(d)).unwrap();
    assert_eq!(on("2020-12-13").recovered, Some(6_298_082));
    assert_eq!(on("2020-12-13").cases, 16_368_898);
    assert_eq!(on("2020-02-09").recovered, Some(3));
    for day in &days {
        assert_eq!(
            day.recovered.is_none(),
            day.date >= date("2020-12-14"),
            "{day:?}"
        );
    }
}

#[test]
fn nyt_snapshot_keeps_downward_revisions() {
    let (nyt, _) = snapshot();
    let rows = parse_nyt(&nyt).unwrap();
    assert_eq!(rows.len(), 535);
    let on = |d: &str| rows.iter().find(|r| r.date == date(d)).unwrap().cases;
    // NYT revised cumulative cases down in June 2021: a real revision, not an error.
    assert!(on("2021-06-04") < on("2021-06-03"));
}

#[test]
fn bom_crlf_reordered_and_extra_columns() {
    let nyt = "\u{feff}deaths,extra,date,cases\r\n0,x,2020-01-22,1\r\n1,y,2020-01-23,5\r\n";
    let jhu = "\u{feff}Recovered,Date,Country/Region\r\n0,2020-01-22,US\r\n2,2020-01-23,US\r\n";
    let days = build_series(nyt.as_bytes(), jhu.as_bytes()).unwrap();
    assert_eq!(
        days,
        vec![
            Day {
                date: date("2020-01-22"),
                cases: 1,
                deaths: Some(0),
                recovered: Some(0)
            },
            Day {
                date: date("2020-01-23"),
                cases: 5,
                deaths: Some(1),
                recovered: Some(2)
            },
        ]
    );
}

#[test]
fn jhu_us_by_state_is_summed_and_quoted_names_parse() {
    let input = jhu(&[
        "2020-04-01,US,New York,10,5,1",
        "2020-04-01,US,Washington,10,7,1",
        "2020-04-01,US,Guam,1,,0",
        "2020-04-01,\"Korea, South\",,9,100,1",
        "2020-04-01,Canada,Alberta,3,,0",
        "2020-04-02,US,New York,10,,1",
    ]);
    let us = parse_jhu_us_recovered(&input).unwrap();
    assert_eq!(
        us,
        BTreeMap::from([(date("2020-04-01"), Some(12)), (date("2020-04-02"), None)])
    );
}

#[test]
fn recovered_zero_after_positive_means_not_reported() {
    let nyt = "date,cases,deaths\n2020-01-22,1,0\n2020-01-23,2,0\n2020-01-24,3,0\n2020-01-25,4,0\n";
    let jhu = jhu(&[
        "2020-01-22,US,,1,0,0",
        "2020-01-23,US,,2,3,0",
        "2020-01-24,US,,3,0,0",
        "2020-01-25,US,,4,0,0",
    ]);
    let recovered: Vec<_> = build_series(nyt.as_bytes(), &jhu)
        .unwrap()
        .iter()
        .map(|d| d.recovered)
        .collect();
    assert_eq!(recovered, vec![Some(0), Some(3), None, None]);
}

#[test]
fn only_days_in_both_sources_are_kept() {
    let nyt = "date,cases,deaths\n2020-01-21,1,0\n2020-01-22,1,0\n2020-01-23,2,0\n";
    let jhu = jhu(&[
        "2020-01-22,US,,1,0,0",
        "2020-01-23,US,,1,0,0",
        "2020-01-24,US,,1,0,0",
    ]);
    let days = build_series(nyt.as_bytes(), &jhu).unwrap();
    let dates: Vec<_> = days.iter().map(|d| d.date.to_string()).collect();
    assert_eq!(dates, ["2020-01-22", "2020-01-23"]);
}

#[test]
fn empty_and_header_only_files() {
    for input in ["", "  \n\n", "\u{feff}"] {
        let e = nyt_err(input);
        assert_eq!(e.kind, InvalidKind::Empty, "{input:?}");
        assert_eq!(e.origin, Some(Source::Nyt));
    }
    let e = nyt_err("date,cases,deaths\n");
    assert_eq!(e.kind, InvalidKind::Empty);
    assert!(e.to_string().contains("no data rows"), "{e}");
    assert_eq!(jhu_err(JHU_HEADER.as_bytes()).kind, InvalidKind::Empty);
}

#[test]
fn missing_column_is_named() {
    let e = nyt_err("date,cases,death\n2020-01-22,1,0\n");
    assert_eq!(e.kind, InvalidKind::MissingColumn);
    assert_eq!(e.column.as_deref(), Some("deaths"));
    assert_eq!(e.value.as_deref(), Some("date,cases,death"));
    let e = jhu_err(b"Date,Country,Recovered\n2020-01-22,US,1\n");
    assert_eq!(e.column.as_deref(), Some("Country/Region"));
    assert!(
        e.to_string()
            .starts_with("JHU time-series-19-covid-combined.csv line 1"),
        "{e}"
    );
}

#[test]
fn non_utf8_bytes_are_located() {
    let mut input = b"date,cases,deaths\n2020-01-22,1,0\n2020-01-23,".to_vec();
    input.extend_from_slice(&[0xff, b'2']);
    input.extend_from_slice(b",0\n");
    let e = parse_nyt(&input).unwrap_err();
    assert_eq!(e.kind, InvalidKind::NotUtf8);
    assert_eq!(e.line, Some(3));
    assert_eq!(e.column.as_deref(), Some("cases"));
    assert_eq!(e.value.as_deref(), Some("2020-01-23,\u{fffd}2,0"));
}

#[test]
fn html_instead_of_csv() {
    let e = nyt_err("\n  <!DOCTYPE html>\n<html><body>Rate limited</body></html>");
    assert_eq!(e.kind, InvalidKind::Html);
    assert_eq!(e.value.as_deref(), Some("<!DOCTYPE html>"));
}

#[test]
fn bad_and_impossible_dates() {
    for (bad, line) in [
        ("2020-02-30", 3),
        ("2020-13-01", 3),
        ("20200101", 3),
        ("2020/01/23", 3),
        ("", 3),
    ] {
        let e = nyt_err(&format!("date,cases,deaths\n2020-01-22,1,0\n{bad},1,0\n"));
        assert_eq!(e.kind, InvalidKind::BadDate, "{bad}");
        assert_eq!(e.line, Some(line));
        assert_eq!(e.column.as_deref(), Some("date"));
        assert_eq!(e.value.as_deref(), Some(bad));
    }
    // Every JHU row is validated, not only the US ones.
    let e = jhu_err(&jhu(&["2020-01-22,US,,1,0,0", "2020-02-31,France,,1,0,0"]));
    assert_eq!(
        (e.kind, e.line, e.column.as_deref()),
        (InvalidKind::BadDate, Some(3), Some("Date"))
    );
}

#[test]
fn bad_counts_name_line_column_value_and_date() {
    for (bad, why) in [
        ("-5", "negative"),
        ("1.5", "whole number"),
        ("12a", "not a number"),
        ("", "missing"),
        // Implausible counts are located errors, not wrapped daily changes or panics.
        ("10000000001", "above 10,000,000,000"),
        ("18446744073709551616", "above 10,000,000,000"),
    ] {
        let e = nyt_err(&format!(
            "date,cases,deaths\n2020-01-22,1,0\n2020-01-23,{bad},0\n"
        ));
        assert_eq!(e.kind, InvalidKind::BadCount, "{bad}");
        assert_eq!(e.line, Some(3));
        assert_eq!(e.column.as_deref(), Some("cases"));
        assert_eq!(e.date, Some(date("2020-01-23")));
        assert_eq!(e.value.as_deref(), Some(bad));
        assert!(e.detail.contains(why), "{bad}: {e}");
    }
    let e = jhu_err(&jhu(&["2020-01-22,US,,1,99999999999,0"]));
    assert_eq!(
        (e.kind, e.line, e.column.as_deref()),
        (InvalidKind::BadCount, Some(2), Some("Recovered"))
    );
    assert_eq!(etl::transform::MAX_COUNT, 10_000_000_000);
    let e = jhu_err(&jhu(&["2020-01-22,Italy,,1,-1,0"]));
    assert_eq!(
        e.to_string(),
        "JHU time-series-19-covid-combined.csv line 2, column `Recovered` (date 2020-01-22): \
         a count cannot be negative: \"-1\" [bad_count]"
    );
}

#[test]
fn duplicate_nyt_date() {
    let e = nyt_err("date,cases,deaths\n2020-01-22,1,0\n2020-01-23,2,0\n2020-01-22,3,0\n");
    assert_eq!(e.kind, InvalidKind::DuplicateDate);
    assert_eq!(e.line, Some(4));
    assert!(e.detail.contains("line 2"), "{e}");
}

#[test]
fn truncated_last_line_and_short_rows() {
    let e = nyt_err("date,cases,deaths\n2020-01-22,1,0\n2020-01-23,2");
    assert_eq!(e.kind, InvalidKind::Truncated);
    assert_eq!(e.line, Some(3));
    assert_eq!(e.value.as_deref(), Some("2020-01-23,2"));
    let e = nyt_err("date,cases,deaths\n2020-01-22,1\n2020-01-23,2,0\n");
    assert_eq!((e.kind, e.line), (InvalidKind::FieldCount, Some(2)));
}

#[test]
fn no_us_rows_in_jhu() {
    let e = jhu_err(&jhu(&[
        "2020-01-22,Italy,,1,0,0",
        "2020-01-22,\"Korea, South\",,1,0,0",
    ]));
    assert_eq!(e.kind, InvalidKind::NoUsRows);
}

#[test]
fn empty_join() {
    let nyt = "date,cases,deaths\n2021-01-01,1,0\n";
    let e = build_series(nyt.as_bytes(), &jhu(&["2020-01-22,US,,1,0,0"])).unwrap_err();
    assert_eq!(e.kind, InvalidKind::EmptyJoin);
    assert!(
        e.to_string()
            .contains("NYT: 2021-01-01..2021-01-01, JHU US: 2020-01-22..2020-01-22"),
        "{e}"
    );
}

#[test]
fn regression_against_the_stored_series() {
    let (nyt, jhu) = snapshot();
    let days = build_series(&nyt, &jhu).unwrap();
    assert!(check_regression(&days, date("2021-03-16"), 420).is_ok());
    assert!(check_regression(&days, date("2021-03-01"), 400).is_ok());
    let e = check_regression(&days[..400], date("2021-03-16"), 420).unwrap_err();
    assert_eq!(e.kind, InvalidKind::Regression);
    assert!(
        e.to_string()
            .contains("before the stored last day 2021-03-16"),
        "{e}"
    );
    let e = check_regression(&days[1..], date("2021-03-16"), 420).unwrap_err();
    assert!(
        e.to_string()
            .contains("419 days, fewer than the 420 stored"),
        "{e}"
    );
}
