//! Bytes of the sources -> the validated, joined US series, the state series and the
//! populations.
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
//!
//! `rules.rs` holds the data rules (the join, not-reported recoveries, the regression check),
//! `regions.rs` the state series and populations, `counties.rs` the county series, its populations and the checks of a county file against the
//! stored one, `table.rs` the CSV reading (columns by name, typed fields), `invalid.rs` the located
//! validation error.

mod counties;
mod invalid;
mod regions;
mod rules;
mod table;

pub use counties::{
    COUNTY_COLUMNS, County, CountyDay, CountySeries, MAX_WITHDRAWN, NEW_YORK_CITY,
    archive_line_date, by_state_day, check_archive_header, check_county_end, check_withdrawn,
    empty_county_file, parse_county_block, parse_county_populations, parse_nyt_counties,
};
pub use invalid::{InvalidKind, ValidationError};
pub use regions::{StateSeries, parse_nyt_states, parse_populations};
pub use rules::{
    NytRow, build_national, build_series, check_regression, check_vintage, join,
    parse_jhu_us_recovered, parse_nyt,
};
pub use table::MAX_COUNT;
