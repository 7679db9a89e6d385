//! Reading a CSV source: required columns found by header name (any order, extra columns
//! ignored, BOM and CRLF accepted), typed fields, and errors located by line and column.

use chrono::NaiveDate;

use super::invalid::{InvalidKind, ValidationError};
use crate::source::Source;

/// A CSV file whose required columns have been found by name.
pub(super) struct Table<'a> {
    origin: Source,
    reader: csv::Reader<&'a [u8]>,
    columns: &'a [&'a str],
    indexes: Vec<usize>,
    width: usize,
    record: csv::ByteRecord,
    rows: u64,
}

/// The current row of a [`Table`].
pub(super) struct Row<'t> {
    origin: Source,
    pub(super) line: u64,
    columns: &'t [&'t str],
    indexes: &'t [usize],
    record: &'t csv::ByteRecord,
}

impl<'a> Table<'a> {
    pub(super) fn open(
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
    pub(super) fn next_row(&mut self) -> Result<Option<Row<'_>>, ValidationError> {
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
    pub(super) fn field(&self, i: usize) -> &[u8] {
        self.record.get(self.indexes[i]).unwrap_or_default()
    }

    pub(super) fn error(&self, kind: InvalidKind, detail: impl Into<String>) -> ValidationError {
        ValidationError::new(kind, Some(self.origin), detail).at(self.line)
    }

    /// The error of a row whose `date` (column `i`) the row on line `first` already gave for
    /// `what` (empty: the file's one series).
    pub(super) fn date_given_twice(
        &self,
        i: usize,
        date: NaiveDate,
        what: &str,
        first: u64,
    ) -> ValidationError {
        let detail = match what {
            "" => format!("date already given on line {first}"),
            what => format!("{what} on this date already given on line {first}"),
        };
        self.error(InvalidKind::DuplicateDate, detail)
            .column(self.columns[i])
            .value(date.to_string().as_bytes())
            .date(Some(date))
    }

    pub(super) fn date(&self, i: usize) -> Result<NaiveDate, ValidationError> {
        let raw = self.field(i);
        parse_date(raw).ok_or_else(|| {
            self.error(InvalidKind::BadDate, "not a valid YYYY-MM-DD date")
                .column(self.columns[i])
                .value(raw)
        })
    }

    pub(super) fn optional_count(
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

    pub(super) fn count(&self, i: usize, date: Option<NaiveDate>) -> Result<u64, ValidationError> {
        self.optional_count(i, date)?.ok_or_else(|| {
            self.error(InvalidKind::BadCount, "the count is missing")
                .column(self.columns[i])
                .value(b"")
                .date(date)
        })
    }
}

/// `YYYY-MM-DD`, exactly, and a day that exists.
pub(super) fn parse_date(raw: &[u8]) -> Option<NaiveDate> {
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

pub(super) fn not_utf8(origin: Source, bytes: &[u8], offset: usize) -> ValidationError {
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

pub(super) fn csv_error(origin: Source, error: &csv::Error) -> ValidationError {
    let mut e = ValidationError::new(
        InvalidKind::FieldCount,
        Some(origin),
        format!("malformed CSV: {error}"),
    );
    e.line = error.position().map(|p| p.line());
    e
}
