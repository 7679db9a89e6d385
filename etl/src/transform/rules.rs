//! The data rules: NYT authoritative for cases and deaths, JHU's US rows summed for recoveries,
//! only the dates in both, "recovered 0 after positive" as not reported, and the regression check.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use covid_model::Day;

use super::invalid::{InvalidKind, ValidationError};
use super::table::Table;
use crate::source::Source;

/// Builds the joined series from the bytes of both sources.
pub fn build_series(nyt: &[u8], jhu: &[u8]) -> Result<Vec<Day>, ValidationError> {
    build_national(nyt, jhu).map(|(days, _)| days)
}

/// The joined series and the run's vintage: NYT's newest day (its publication of day D carries
/// D as its newest day), which may be after the joined series' last day.
pub fn build_national(nyt: &[u8], jhu: &[u8]) -> Result<(Vec<Day>, NaiveDate), ValidationError> {
    let nyt = parse_nyt(nyt)?;
    let recovered = parse_jhu_us_recovered(jhu)?;
    let days = join(&nyt, &recovered)?;
    // The join has days, so NYT has rows.
    let vintage = nyt[nyt.len() - 1].date;
    Ok((days, vintage))
}

/// Refuses a run whose vintage is before `stored`, the vintage of the last stored run or of a
/// stored value the run would replace: an older publication of the sources, which would write
/// its values as newer than the ones they were replaced by.
pub fn check_vintage(vintage: NaiveDate, stored: Option<NaiveDate>) -> Result<(), ValidationError> {
    match stored {
        Some(stored) if vintage < stored => Err(ValidationError::new(
            InvalidKind::Regression,
            Some(Source::Nyt),
            format!(
                "the newest day is {vintage}, before {stored}, the vintage of the data already \
                 stored: an older publication of the source"
            ),
        )
        .date(Some(vintage))),
        _ => Ok(()),
    }
}

/// One row of NYT `us.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NytRow {
    pub date: NaiveDate,
    pub cases: u64,
    pub deaths: u64,
}

/// Parses and validates NYT `us.csv`: rows sorted by date, no duplicate date.
pub fn parse_nyt(bytes: &[u8]) -> Result<Vec<NytRow>, ValidationError> {
    const COLUMNS: [&str; 3] = ["date", "cases", "deaths"];
    let mut table = Table::open(Source::Nyt, bytes, &COLUMNS)?;
    let mut rows = Vec::with_capacity(1200);
    let mut lines: HashMap<NaiveDate, u64> = HashMap::with_capacity(1200);
    while let Some(row) = table.next_row()? {
        let date = row.date(0)?;
        let cases = row.count(1, Some(date))?;
        let deaths = row.count(2, Some(date))?;
        if let Some(first) = lines.insert(date, row.line) {
            return Err(row.date_given_twice(0, date, "", first));
        }
        rows.push(NytRow {
            date,
            cases,
            deaths,
        });
    }
    rows.sort_unstable_by_key(|r| r.date);
    Ok(rows)
}

/// Parses and validates the JHU combined file; returns the US recovered total per date
/// (`None` where no US row reported a value).
pub fn parse_jhu_us_recovered(
    bytes: &[u8],
) -> Result<BTreeMap<NaiveDate, Option<u64>>, ValidationError> {
    const COLUMNS: [&str; 3] = ["Date", "Country/Region", "Recovered"];
    let mut table = Table::open(Source::Jhu, bytes, &COLUMNS)?;
    let mut us: BTreeMap<NaiveDate, Option<u64>> = BTreeMap::new();
    while let Some(row) = table.next_row()? {
        let date = row.date(0)?;
        let recovered = row.optional_count(2, Some(date))?;
        if row.field(1).trim_ascii() == b"US" {
            let total = us.entry(date).or_insert(None);
            if let Some(r) = recovered {
                *total = Some(total.unwrap_or(0).checked_add(r).ok_or_else(|| {
                    row.error(InvalidKind::BadCount, "the US total overflows")
                        .column(COLUMNS[2])
                })?);
            }
        }
    }
    if us.is_empty() {
        return Err(ValidationError::new(
            InvalidKind::NoUsRows,
            Some(Source::Jhu),
            "no row has `Country/Region` = US",
        ));
    }
    Ok(us)
}

/// Joins NYT rows (sorted) with the JHU US recoveries: only dates present in both.
pub fn join(
    nyt: &[NytRow],
    recovered: &BTreeMap<NaiveDate, Option<u64>>,
) -> Result<Vec<Day>, ValidationError> {
    let mut days = Vec::with_capacity(nyt.len().min(recovered.len()));
    let mut reported_positive = false;
    for row in nyt {
        let Some(&jhu) = recovered.get(&row.date) else {
            continue;
        };
        let recovered = match jhu {
            Some(0) if reported_positive => None,
            Some(r) => {
                reported_positive |= r > 0;
                Some(r)
            }
            None => None,
        };
        days.push(Day {
            date: row.date,
            cases: row.cases,
            deaths: Some(row.deaths),
            recovered,
        });
    }
    if days.is_empty() {
        let span = |first: Option<&NaiveDate>, last: Option<&NaiveDate>| match (first, last) {
            (Some(a), Some(b)) => format!("{a}..{b}"),
            _ => "no dates".to_string(),
        };
        return Err(ValidationError::new(
            InvalidKind::EmptyJoin,
            None,
            format!(
                "no date is in both sources (NYT: {}, JHU US: {})",
                span(nyt.first().map(|r| &r.date), nyt.last().map(|r| &r.date)),
                span(recovered.keys().next(), recovered.keys().next_back()),
            ),
        ));
    }
    Ok(days)
}

/// Refuses a series that would move the stored one backwards: it ends before the stored last
/// day, or has fewer days than are stored. That is a truncated or partial source.
pub fn check_regression(
    series: &[Day],
    stored_last: NaiveDate,
    stored_count: u64,
) -> Result<(), ValidationError> {
    let last = series.last().map(|d| d.date);
    if last.is_none_or(|last| last < stored_last) {
        let ends = last.map_or("nothing".to_string(), |d| d.to_string());
        return Err(ValidationError::new(
            InvalidKind::Regression,
            None,
            format!(
                "the sources end at {ends}, before the stored last day {stored_last}: \
                 a truncated or partial source"
            ),
        )
        .date(last));
    }
    if (series.len() as u64) < stored_count {
        return Err(ValidationError::new(
            InvalidKind::Regression,
            None,
            format!(
                "the sources give {} days, fewer than the {stored_count} stored: \
                 a truncated or partial source",
                series.len()
            ),
        ));
    }
    Ok(())
}
