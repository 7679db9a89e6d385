//! Bytes of the two sources -> the validated, joined US series.
//!
//! This module knows nothing of HTTP, files or DynamoDB: it takes the bytes of each file and
//! returns days or the first thing wrong with them. Every rule about the data lives here:
//!
//! - whole-file validation: one bad row fails the run, and the error names the source, line,
//!   column, value and (when it has one) the row's date;
//! - columns are found by header name (any order, extra columns ignored, BOM and CRLF accepted);
//! - NYT is authoritative for cases and deaths; JHU recovered for a date is the sum of every row
//!   whose `Country/Region` is `US` (older files list the US by state);
//! - only dates present in both sources are kept;
//! - once recoveries have been positive, a later 0 means "not reported" and becomes `None`;
//! - cumulative counts that go down are revisions by the source, not errors;
//! - a joined series that ends before, or is shorter than, what is stored is refused.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use chrono::NaiveDate;
use covid_model::Day;

use crate::error::Source;

/// What is wrong with the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidKind {
    Empty,
    NotUtf8,
    Html,
    MissingColumn,
    Truncated,
    FieldCount,
    BadDate,
    BadCount,
    DuplicateDate,
    NoUsRows,
    EmptyJoin,
    Regression,
}

impl InvalidKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InvalidKind::Empty => "empty_file",
            InvalidKind::NotUtf8 => "not_utf8",
            InvalidKind::Html => "html_not_csv",
            InvalidKind::MissingColumn => "missing_column",
            InvalidKind::Truncated => "truncated_line",
            InvalidKind::FieldCount => "wrong_field_count",
            InvalidKind::BadDate => "bad_date",
            InvalidKind::BadCount => "bad_count",
            InvalidKind::DuplicateDate => "duplicate_date",
            InvalidKind::NoUsRows => "no_us_rows",
            InvalidKind::EmptyJoin => "empty_join",
            InvalidKind::Regression => "regression",
        }
    }
}

/// A validation failure, located as precisely as the input allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    pub kind: InvalidKind,
    /// `None` for a problem of the joined series.
    pub origin: Option<Source>,
    /// 1-based line in the file.
    pub line: Option<u64>,
    pub column: Option<String>,
    /// The offending value, as found (shortened when long).
    pub value: Option<String>,
    /// The row's date, when the row has a valid one.
    pub date: Option<NaiveDate>,
    pub detail: String,
}

impl std::error::Error for ValidationError {}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.origin {
            Some(origin) => write!(f, "{origin}")?,
            None => f.write_str("joined series")?,
        }
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column `{column}`")?;
        }
        if let Some(date) = self.date {
            write!(f, " (date {date})")?;
        }
        write!(f, ": {}", self.detail)?;
        if let Some(value) = &self.value {
            write!(f, ": {value:?}")?;
        }
        write!(f, " [{}]", self.kind.as_str())
    }
}

impl ValidationError {
    fn new(kind: InvalidKind, origin: Option<Source>, detail: impl Into<String>) -> Self {
        Self {
            kind,
            origin,
            line: None,
            column: None,
            value: None,
            date: None,
            detail: detail.into(),
        }
    }

    fn at(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }

    fn column(mut self, column: &str) -> Self {
        self.column = Some(column.to_string());
        self
    }

    fn value(mut self, value: &[u8]) -> Self {
        self.value = Some(shorten(value));
        self
    }

    fn date(mut self, date: Option<NaiveDate>) -> Self {
        self.date = date;
        self
    }
}

fn shorten(value: &[u8]) -> String {
    const MAX: usize = 80;
    let text = String::from_utf8_lossy(value);
    if text.chars().count() <= MAX {
        text.into_owned()
    } else {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    }
}

/// Builds the joined series from the bytes of both sources.
pub fn build_series(nyt: &[u8], jhu: &[u8]) -> Result<Vec<Day>, ValidationError> {
    let nyt = parse_nyt(nyt)?;
    let recovered = parse_jhu_us_recovered(jhu)?;
    join(&nyt, &recovered)
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
            return Err(row
                .error(
                    InvalidKind::DuplicateDate,
                    format!("date already given on line {first}"),
                )
                .column(COLUMNS[0])
                .value(date.to_string().as_bytes())
                .date(Some(date)));
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
            deaths: row.deaths,
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

/// A CSV file whose required columns have been found by name.
struct Table<'a> {
    origin: Source,
    reader: csv::Reader<&'a [u8]>,
    columns: &'a [&'a str],
    indexes: Vec<usize>,
    width: usize,
    record: csv::ByteRecord,
    rows: u64,
}

/// The current row of a [`Table`].
struct Row<'t> {
    origin: Source,
    line: u64,
    columns: &'t [&'t str],
    indexes: &'t [usize],
    record: &'t csv::ByteRecord,
}

impl<'a> Table<'a> {
    fn open(
        origin: Source,
        bytes: &'a [u8],
        columns: &'a [&'a str],
    ) -> Result<Self, ValidationError> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        if let Err(e) = std::str::from_utf8(bytes) {
            return Err(not_utf8(origin, bytes, e.valid_up_to()));
        }
        let trimmed = bytes.trim_ascii_start();
        if trimmed.is_empty() {
            return Err(ValidationError::new(
                InvalidKind::Empty,
                Some(origin),
                "the file is empty",
            ));
        }
        if trimmed.starts_with(b"<") {
            let first_line = trimmed.split(|&b| b == b'\n').next().unwrap_or_default();
            return Err(ValidationError::new(
                InvalidKind::Html,
                Some(origin),
                "got an HTML page, not CSV",
            )
            .at(1)
            .value(first_line.trim_ascii()));
        }
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
        let header = reader
            .byte_headers()
            .map_err(|e| csv_error(origin, &e))?
            .clone();
        let names: Vec<&[u8]> = header.iter().map(|h| h.trim_ascii()).collect();
        let mut indexes = Vec::with_capacity(columns.len());
        for column in columns {
            match names.iter().position(|n| *n == column.as_bytes()) {
                Some(i) => indexes.push(i),
                None => {
                    return Err(ValidationError::new(
                        InvalidKind::MissingColumn,
                        Some(origin),
                        format!("required column `{column}` is missing from the header"),
                    )
                    .at(1)
                    .column(column)
                    .value(&header.iter().collect::<Vec<_>>().join(&b',')));
                }
            }
        }
        Ok(Self {
            origin,
            reader,
            columns,
            indexes,
            width: header.len(),
            record: csv::ByteRecord::new(),
            rows: 0,
        })
    }

    /// The next data row, checked for its width; `None` at the end of the file.
    fn next_row(&mut self) -> Result<Option<Row<'_>>, ValidationError> {
        let more = self
            .reader
            .read_byte_record(&mut self.record)
            .map_err(|e| csv_error(self.origin, &e))?;
        if !more {
            if self.rows == 0 {
                return Err(ValidationError::new(
                    InvalidKind::Empty,
                    Some(self.origin),
                    "the file has a header but no data rows",
                ));
            }
            return Ok(None);
        }
        self.rows += 1;
        let line = self.record.position().map_or(0, |p| p.line());
        if self.record.len() != self.width {
            let found = self.record.len();
            let value = self.record.iter().collect::<Vec<_>>().join(&b',');
            let mut next = csv::ByteRecord::new();
            let is_last = !self
                .reader
                .read_byte_record(&mut next)
                .map_err(|e| csv_error(self.origin, &e))?;
            let (kind, detail) = if is_last && found < self.width {
                (
                    InvalidKind::Truncated,
                    format!(
                        "the last line is cut short: {found} of {} fields",
                        self.width
                    ),
                )
            } else {
                (
                    InvalidKind::FieldCount,
                    format!("the row has {found} fields, the header {}", self.width),
                )
            };
            return Err(ValidationError::new(kind, Some(self.origin), detail)
                .at(line)
                .value(&value));
        }
        Ok(Some(Row {
            origin: self.origin,
            line,
            columns: self.columns,
            indexes: &self.indexes,
            record: &self.record,
        }))
    }
}

impl Row<'_> {
    fn field(&self, i: usize) -> &[u8] {
        self.record.get(self.indexes[i]).unwrap_or_default()
    }

    fn error(&self, kind: InvalidKind, detail: impl Into<String>) -> ValidationError {
        ValidationError::new(kind, Some(self.origin), detail).at(self.line)
    }

    fn date(&self, i: usize) -> Result<NaiveDate, ValidationError> {
        let raw = self.field(i);
        parse_date(raw).ok_or_else(|| {
            self.error(InvalidKind::BadDate, "not a valid YYYY-MM-DD date")
                .column(self.columns[i])
                .value(raw)
        })
    }

    fn optional_count(
        &self,
        i: usize,
        date: Option<NaiveDate>,
    ) -> Result<Option<u64>, ValidationError> {
        let raw = self.field(i).trim_ascii();
        if raw.is_empty() {
            return Ok(None);
        }
        parse_count(raw).map(Some).map_err(|problem| {
            self.error(InvalidKind::BadCount, problem)
                .column(self.columns[i])
                .value(raw)
                .date(date)
        })
    }

    fn count(&self, i: usize, date: Option<NaiveDate>) -> Result<u64, ValidationError> {
        self.optional_count(i, date)?.ok_or_else(|| {
            self.error(InvalidKind::BadCount, "the count is missing")
                .column(self.columns[i])
                .value(b"")
                .date(date)
        })
    }
}

/// `YYYY-MM-DD`, exactly, and a day that exists.
fn parse_date(raw: &[u8]) -> Option<NaiveDate> {
    let raw = raw.trim_ascii();
    if raw.len() != 10 || raw[4] != b'-' || raw[7] != b'-' {
        return None;
    }
    let number = |digits: &[u8]| {
        digits.iter().try_fold(0u32, |acc, &b| {
            b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
        })
    };
    let year = i32::try_from(number(&raw[0..4])?).ok()?;
    NaiveDate::from_ymd_opt(year, number(&raw[5..7])?, number(&raw[8..10])?)
}

/// The largest plausible count: far above any real one (about 10^8 US cases), far below where
/// daily changes, 7-day sums or the API's per-capita figures could overflow.
pub const MAX_COUNT: u64 = 10_000_000_000;

/// A non-negative integer count up to [`MAX_COUNT`], or why it is not one.
fn parse_count(raw: &[u8]) -> Result<u64, &'static str> {
    if !raw.is_empty() && raw.iter().all(u8::is_ascii_digit) {
        return match std::str::from_utf8(raw)
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
        {
            Some(n) if n <= MAX_COUNT => Ok(n),
            _ => Err("the count is above 10,000,000,000, which no real count reaches"),
        };
    }
    let number = std::str::from_utf8(raw)
        .ok()
        .and_then(|s| s.parse::<f64>().ok());
    match number {
        Some(n) if n < 0.0 => Err("a count cannot be negative"),
        Some(_) => Err("a count must be a whole number"),
        None => Err("not a number"),
    }
}

fn not_utf8(origin: Source, bytes: &[u8], offset: usize) -> ValidationError {
    let line_start = bytes[..offset]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    let line_end = bytes[offset..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| offset + p);
    // The column is the header name of the field holding the bad byte, when the header is valid.
    let field_index = bytes[line_start..offset]
        .iter()
        .filter(|&&b| b == b',')
        .count();
    let header = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let column = std::str::from_utf8(header)
        .ok()
        .and_then(|h| h.trim_end_matches('\r').split(',').nth(field_index))
        .map(|c| c.trim().to_string())
        .unwrap_or_else(|| format!("#{}", field_index + 1));
    let mut error = ValidationError::new(
        InvalidKind::NotUtf8,
        Some(origin),
        format!(
            "bytes that are not UTF-8 at byte {}",
            offset - line_start + 1
        ),
    )
    .at(line)
    .value(bytes[line_start..line_end].trim_ascii_end());
    error.column = Some(column);
    error
}

fn csv_error(origin: Source, error: &csv::Error) -> ValidationError {
    let mut e = ValidationError::new(
        InvalidKind::FieldCount,
        Some(origin),
        format!("malformed CSV: {error}"),
    );
    e.line = error.position().map(|p| p.line());
    e
}
