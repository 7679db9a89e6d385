//! The validation error: what is wrong, located as precisely as the input allows (source,
//! line, column, value, date).

use std::fmt;

use chrono::NaiveDate;

use crate::source::Source;

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
    UnknownRegion,
    RegionMismatch,
    DuplicateRegion,
    MissingPopulation,
    OutOfOrder,
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
            InvalidKind::UnknownRegion => "unknown_region",
            InvalidKind::RegionMismatch => "region_mismatch",
            InvalidKind::DuplicateRegion => "duplicate_region",
            InvalidKind::MissingPopulation => "missing_population",
            InvalidKind::OutOfOrder => "out_of_order",
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
    pub(super) fn new(
        kind: InvalidKind,
        origin: Option<Source>,
        detail: impl Into<String>,
    ) -> Self {
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

    pub(super) fn at(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }

    pub(super) fn column(mut self, column: &str) -> Self {
        self.column = Some(column.to_string());
        self
    }

    pub(super) fn value(mut self, value: &[u8]) -> Self {
        self.value = Some(shorten(value));
        self
    }

    pub(super) fn date(mut self, date: Option<NaiveDate>) -> Self {
        self.date = date;
        self
    }
}

pub(super) fn shorten(value: &[u8]) -> String {
    const MAX: usize = 80;
    let text = String::from_utf8_lossy(value);
    if text.chars().count() <= MAX {
        text.into_owned()
    } else {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    }
}
