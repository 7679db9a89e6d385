//! The county series (issue 36): NYT's county file (`us-counties-recent.csv`,
//! the last 30 days of every county, or a whole-history file of the same columns) by county,
//! and each county's population from JHU's `reference.csv`.
//!
//! - a row's county is its id (`covid_model::county_id`): its 5-digit FIPS code, which must
//!   be of the row's state, or for NYT's geographies without one (New York City, Kansas City,
//!   Joplin, each state's "Unknown") the state's code and three letters; another row without
//!   a code is an error;
//! - an id keeps its name and state from row to row; a (date, county) pair appears once;
//! - cases are whole and non-negative; empty deaths (Puerto Rico's municipios) are "not
//!   reported", never 0;
//! - a county's population is JHU's row of its FIPS code; New York City's is its five
//!   boroughs' sum, Kansas City's JHU's row of that name without a code; none known: `None`.
//!   JHU's Jackson, Clay, Cass and Platte include Kansas City, and Jasper and Newton include
//!   Joplin, while NYT's counts of them do not: their per-100k figures are low by that much.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use covid_model::{CountyCounts, Region, county_id};

use super::invalid::{InvalidKind, ValidationError};
use super::table::Table;
use crate::source::Source;

/// A county as NYT names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct County {
    /// `covid_model::county_id`.
    pub id: String,
    /// NYT's name (`Kings`, `New York City`, `Unknown`).
    pub name: String,
    pub state: Region,
    /// NYT's FIPS code; `None` where it gives none.
    pub fips: Option<String>,
}

/// One county day as NYT publishes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountyDay {
    pub date: NaiveDate,
    pub cases: u64,
    /// `None`: not reported (an empty field).
    pub deaths: Option<u64>,
}

/// Each county with its days in date order, by id.
pub type CountySeries = BTreeMap<String, (County, Vec<CountyDay>)>;

/// The FIPS codes of New York City's five boroughs (the Bronx, Brooklyn, Manhattan, Queens,
/// Staten Island), which NYT counts as one.
pub const NEW_YORK_CITY: [&str; 5] = ["36005", "36047", "36061", "36081", "36085"];

/// The columns of a NYT county file.
pub const COUNTY_COLUMNS: [&str; 6] = ["date", "county", "state", "fips", "cases", "deaths"];

/// Parses and validates a NYT county file.
pub fn parse_nyt_counties(bytes: &[u8]) -> Result<CountySeries, ValidationError> {
    parse_rows(bytes, &BTreeMap::new())
}

/// Parses and validates one block of a county file read in blocks (`archive`): `bytes` is the
/// file's header line and the block's rows, which start on line `first_line` of the file. A
/// county of `known` (the earlier blocks') keeps its name. Errors name the file's lines.
pub fn parse_county_block(
    bytes: &[u8],
    first_line: u64,
    known: &BTreeMap<String, County>,
) -> Result<CountySeries, ValidationError> {
    parse_rows(bytes, known).map_err(|mut e| {
        // Line 1 is the header; the block's rows are lines 2… of `bytes`.
        e.line = e.line.map(|line| {
            if line > 1 {
                line + first_line - 2
            } else {
                line
            }
        });
        e
    })
}

fn parse_rows(
    bytes: &[u8],
    known: &BTreeMap<String, County>,
) -> Result<CountySeries, ValidationError> {
    const COLUMNS: [&str; 6] = COUNTY_COLUMNS;
    let mut table = Table::open(Source::NytCounties, bytes, &COLUMNS)?;
    let mut series: CountySeries = BTreeMap::new();
    let mut lines: HashMap<(String, NaiveDate), u64> = HashMap::with_capacity(100_000);
    while let Some(row) = table.next_row()? {
        let date = row.date(0)?;
        let text = |i: usize| String::from_utf8_lossy(row.field(i).trim_ascii()).into_owned();
        let (name, state_name, fips) = (text(1), text(2), text(3));
        let state = Region::by_name(&state_name).ok_or_else(|| {
            row.error(
                InvalidKind::UnknownRegion,
                "not a state or territory NYT reports",
            )
            .column(COLUMNS[2])
            .value(state_name.as_bytes())
            .date(Some(date))
        })?;
        let id = county_id(state, &name, &fips).ok_or_else(|| {
            let (column, value, why) = if fips.is_empty() {
                (
                    COLUMNS[1],
                    &name,
                    "a county without a FIPS code that has no id here (New York City, Kansas \
                     City, Joplin and Unknown have)",
                )
            } else {
                (
                    COLUMNS[3],
                    &fips,
                    "not the 5-digit FIPS code of a county of this state",
                )
            };
            row.error(InvalidKind::UnknownRegion, why)
                .column(column)
                .value(value.as_bytes())
                .date(Some(date))
        })?;
        let cases = row.count(4, Some(date))?;
        let deaths = row.optional_count(5, Some(date))?;
        let (county, days) = series.entry(id.clone()).or_insert_with(|| {
            let county = known.get(&id).cloned().unwrap_or_else(|| County {
                id: id.clone(),
                name: name.clone(),
                state,
                fips: (!fips.is_empty()).then(|| fips.clone()),
            });
            (county, Vec::new())
        });
        if county.name != name {
            return Err(row
                .error(
                    InvalidKind::RegionMismatch,
                    format!("{id} is {} in this file's earlier rows", county.name),
                )
                .column(COLUMNS[1])
                .value(name.as_bytes())
                .date(Some(date)));
        }
        if let Some(first) = lines.insert((id.clone(), date), row.line) {
            let what = format!("{name}, {state_name}");
            return Err(row.date_given_twice(0, date, &what, first));
        }
        days.push(CountyDay {
            date,
            cases,
            deaths,
        });
    }
    for (_, days) in series.values_mut() {
        days.sort_unstable_by_key(|d| d.date);
    }
    Ok(series)
}

/// The most county days the table holds within a county file's dates that the file may leave
/// out: NYT really withdraws a row now and then (an "Unknown" day vanished twice in 131 daily
/// versions), and such a day is recorded as a revision to "withdrawn". A file that leaves out
/// more is truncated or broken, and refused like a shrunken national file.
pub const MAX_WITHDRAWN: u64 = 10;

/// Every county of each state on each day of a county file: the file regrouped as the table
/// keeps it (an item per state and day).
pub fn by_state_day(
    series: &CountySeries,
) -> BTreeMap<Region, BTreeMap<NaiveDate, BTreeMap<String, CountyCounts>>> {
    let mut out: BTreeMap<Region, BTreeMap<NaiveDate, BTreeMap<String, CountyCounts>>> =
        BTreeMap::new();
    for (id, (county, days)) in series {
        let state = out.entry(county.state).or_default();
        for day in days {
            let value = CountyCounts {
                cases: day.cases,
                deaths: day.deaths,
            };
            state.entry(day.date).or_default().insert(id.clone(), value);
        }
    }
    out
}

/// A county file without rows (the reader refuses one; a series given otherwise may be empty).
pub fn empty_county_file() -> ValidationError {
    ValidationError::new(
        InvalidKind::Empty,
        Some(Source::NytCounties),
        "the county file has no rows",
    )
}

/// A county file that ends before the one last loaded is refused: a truncated or stale file.
pub fn check_county_end(last: NaiveDate, stored_last: NaiveDate) -> Result<(), ValidationError> {
    if last < stored_last {
        return Err(ValidationError::new(
            InvalidKind::Regression,
            Some(Source::NytCounties),
            format!(
                "the county file ends at {last}, before the stored county file's last day \
                 {stored_last}: a truncated or stale file"
            ),
        )
        .date(Some(last)));
    }
    Ok(())
}

/// A county file that leaves out more than [`MAX_WITHDRAWN`] of the stored county days within
/// its dates is refused; `first` is one of them (county id and date), to name.
pub fn check_withdrawn(
    count: u64,
    first: Option<(&str, NaiveDate)>,
) -> Result<(), ValidationError> {
    if count <= MAX_WITHDRAWN {
        return Ok(());
    }
    let (id, date) = first.expect("a withdrawn day to name");
    Err(ValidationError::new(
        InvalidKind::Regression,
        Some(Source::NytCounties),
        format!(
            "the county file leaves out {count} county days the table holds within its dates \
             (more than the {MAX_WITHDRAWN} a file may withdraw), county {id} among them: a \
             truncated or partial file"
        ),
    )
    .value(id.as_bytes())
    .date(Some(date)))
}

/// A county file read in blocks (`archive`) names `date` first, as NYT's files do: each
/// line's date is read before the line is parsed.
pub fn check_archive_header(header: &[u8]) -> Result<(), ValidationError> {
    let first = header.split(|b| *b == b',').next().unwrap_or_default();
    let first = first.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(first);
    if first.trim_ascii() == b"date" {
        return Ok(());
    }
    Err(ValidationError::new(
        InvalidKind::MissingColumn,
        Some(Source::NytCounties),
        "a county history is read in date order: its first column must be `date`, as NYT's",
    )
    .at(1)
    .column("date")
    .value(header))
}

/// The date of line `line` of a county file read in blocks: its first field. The file is in
/// date order (a block holds every row of its dates), so the date is not before `after`, the
/// line before's; and no day is after the archive's `vintage`.
pub fn archive_line_date(
    line: u64,
    text: &[u8],
    after: Option<NaiveDate>,
    vintage: NaiveDate,
) -> Result<NaiveDate, ValidationError> {
    let raw = text.split(|b| *b == b',').next().unwrap_or_default();
    let located = |kind, detail: String| {
        ValidationError::new(kind, Some(Source::NytCounties), detail)
            .at(line)
            .column("date")
            .value(raw)
    };
    let date = super::table::parse_date(raw.trim_ascii())
        .ok_or_else(|| located(InvalidKind::BadDate, "not a valid YYYY-MM-DD date".into()))?;
    if let Some(after) = after.filter(|after| date < *after) {
        return Err(located(
            InvalidKind::OutOfOrder,
            format!("the file is not in date order: this row comes after one of {after}"),
        )
        .date(Some(date)));
    }
    if date > vintage {
        return Err(located(
            InvalidKind::BadDate,
            format!("after {vintage}, the vintage given for the history"),
        )
        .date(Some(date)));
    }
    Ok(date)
}

/// Each county's population from JHU `reference.csv`, by county id, for the counties of
/// `counties`: by FIPS code, New York City as its boroughs' sum, Kansas City from JHU's row of
/// that name. A county JHU has no positive figure for is left out (its per-100k is unknown).
pub fn parse_county_populations(
    bytes: &[u8],
    counties: &CountySeries,
) -> Result<BTreeMap<String, u64>, ValidationError> {
    const COLUMNS: [&str; 5] = [
        "FIPS",
        "Admin2",
        "Province_State",
        "Country_Region",
        "Population",
    ];
    let mut table = Table::open(Source::Population, bytes, &COLUMNS)?;
    let mut by_fips: HashMap<String, u64> = HashMap::with_capacity(4_000);
    let mut kansas_city = None;
    while let Some(row) = table.next_row()? {
        let field = |i: usize| row.field(i).trim_ascii();
        if field(3) != b"US" || field(1).is_empty() {
            continue; // another country, or a state's or the nation's row
        }
        // An empty figure is none known: 0, left out below.
        let population = row.optional_count(4, None)?.unwrap_or(0);
        let fips = std::str::from_utf8(field(0)).unwrap_or_default();
        if let Ok(code) = fips.parse::<u32>() {
            // JHU writes codes as numbers: 1001 is 01001.
            by_fips.insert(format!("{code:05}"), population);
        } else if field(1) == b"Kansas City" && field(2) == b"Missouri" {
            kansas_city = Some(population);
        }
    }
    let mut out = BTreeMap::new();
    for (id, (county, _)) in counties {
        let population = match (id.as_str(), &county.fips) {
            (_, Some(fips)) => by_fips.get(fips).copied(),
            ("36NYC", None) => NEW_YORK_CITY
                .iter()
                .map(|f| by_fips.get(*f).copied())
                .sum::<Option<u64>>(),
            ("29KSC", None) => kansas_city,
            _ => None,
        };
        if let Some(people) = population.filter(|p| *p > 0) {
            out.insert(id.clone(), people);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::regions::tests::snapshot;

    const HEADER: &str = "date,county,state,fips,cases,deaths\n";

    fn parse(rows: &str) -> Result<CountySeries, ValidationError> {
        parse_nyt_counties(format!("{HEADER}{rows}").as_bytes())
    }

    #[test]
    fn ids_names_and_deaths_not_reported() {
        let series = parse(
            "2021-07-08,Kings,New York,36047,280000,7000\n\
             2021-07-07,Kings,New York,36047,279990,7000\n\
             2021-07-08,New York City,New York,,950000,33000\n\
             2021-07-08,Adjuntas,Puerto Rico,72001,1200,\n\
             2021-07-08,Unknown,Puerto Rico,,10,0\n",
        )
        .unwrap();
        let ids: Vec<&str> = series.keys().map(String::as_str).collect();
        assert_eq!(ids, ["36047", "36NYC", "72001", "72UNK"]);
        let (kings, days) = &series["36047"];
        assert_eq!((kings.name.as_str(), kings.state.id), ("Kings", "NY"));
        assert_eq!(days[0].date.to_string(), "2021-07-07", "in date order");
        assert_eq!(series["36NYC"].0.fips, None);
        assert_eq!(series["72001"].1[0].deaths, None, "not reported, not 0");
        assert_eq!(series["72UNK"].1[0].deaths, Some(0));
    }

    #[test]
    fn a_bad_row_is_located_and_names_its_value() {
        for (rows, kind, line, column, value) in [
            (
                "2021-07-08,Kings,New York,17031,1,0\n",
                InvalidKind::UnknownRegion,
                2,
                "fips",
                "17031",
            ),
            (
                "2021-07-08,Springfield,Missouri,,1,0\n",
                InvalidKind::UnknownRegion,
                2,
                "county",
                "Springfield",
            ),
            (
                "2021-07-08,Kings,Nowhere,36047,1,0\n",
                InvalidKind::UnknownRegion,
                2,
                "state",
                "Nowhere",
            ),
            (
                "2021-07-08,Kings,New York,36047,1,0\n2021-07-08,Kings,New York,36047,2,0\n",
                InvalidKind::DuplicateDate,
                3,
                "date",
                "2021-07-08",
            ),
            (
                "2021-07-08,Kings,New York,36047,1,0\n2021-07-07,Queens,New York,36047,2,0\n",
                InvalidKind::RegionMismatch,
                3,
                "county",
                "Queens",
            ),
            (
                "2021-07-08,Kings,New York,36047,-1,0\n",
                InvalidKind::BadCount,
                2,
                "cases",
                "-1",
            ),
        ] {
            let e = parse(rows).unwrap_err();
            assert_eq!(e.kind, kind, "{e}");
            assert_eq!(e.line, Some(line), "{e}");
            assert_eq!(e.column.as_deref(), Some(column), "{e}");
            assert_eq!(e.value.as_deref(), Some(value), "{e}");
            assert_eq!(e.origin, Some(Source::NytCounties));
        }
    }

    /// NYT's 30-day county window of 2021-07-08 and JHU's reference table, both real.
    #[test]
    fn the_real_window_has_every_geography_and_most_populations() {
        let series = parse_nyt_counties(&snapshot("nyt-us-counties-recent.csv.gz")).unwrap();
        assert_eq!(series.len(), 3_250);
        let rows: usize = series.values().map(|(_, days)| days.len()).sum();
        // (shared/README.md says 97,392: the file has 97,393 rows, the last without a newline.)
        assert_eq!(rows, 97_393);
        let without_fips = series.values().filter(|(c, _)| c.fips.is_none()).count();
        assert_eq!(without_fips, 32);
        assert!(series.contains_key("02997") && series.contains_key("02998"));
        let not_reported = series
            .values()
            .filter(|(_, days)| days.iter().any(|d| d.deaths.is_none()))
            .filter(|(c, _)| c.state.id == "PR")
            .count();
        assert!(
            not_reported > 70,
            "Puerto Rico's municipios: {not_reported}"
        );

        let reference = snapshot("jhu-reference.csv");
        let people = parse_county_populations(&reference, &series).unwrap();
        let with_fips = series.values().filter(|(c, _)| c.fips.is_some()).count();
        let matched = series
            .values()
            .filter(|(c, _)| c.fips.is_some() && people.contains_key(&c.id))
            .count();
        assert_eq!((with_fips, matched), (3_218, 3_211));
        // New York City is its boroughs' sum: the five as counties of their own.
        let ny = Region::by_id("NY").unwrap();
        let boroughs: CountySeries = NEW_YORK_CITY
            .iter()
            .map(|f| {
                let county = County {
                    id: f.to_string(),
                    name: String::new(),
                    state: ny,
                    fips: Some(f.to_string()),
                };
                (f.to_string(), (county, Vec::new()))
            })
            .collect();
        let each = parse_county_populations(&reference, &boroughs).unwrap();
        assert_eq!(each.len(), 5);
        assert_eq!(people["36NYC"], each.values().sum::<u64>());
        assert_eq!(people["36NYC"], 8_336_817);
        assert_eq!(people["29KSC"], 488_943);
        assert!(!people.contains_key("29JOP") && !people.contains_key("36UNK"));
    }
}
