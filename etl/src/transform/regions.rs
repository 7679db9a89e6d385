//! The state series and the populations: NYT `us-states.csv` by jurisdiction, and each
//! region's population from JHU's UID lookup table (`reference.csv`).
//!
//! - a row's region is its FIPS code; the state name must be the one that code names;
//! - a (date, state) pair appears once; counts are whole and non-negative, as in `us.csv`;
//! - state days carry cases and deaths as NYT publishes them, no recoveries (JHU has none by
//!   state);
//! - `US` is the reference row with UID 840; a jurisdiction is its `Country_Region = US` row
//!   with an empty `Admin2`, matched by FIPS; every region NYT reports needs a positive one.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use covid_model::{Day, Region};

use super::invalid::{InvalidKind, ValidationError};
use super::table::Table;
use crate::source::Source;

/// Each jurisdiction's days, in date order.
pub type StateSeries = BTreeMap<Region, Vec<Day>>;

/// Parses and validates NYT `us-states.csv`.
pub fn parse_nyt_states(bytes: &[u8]) -> Result<StateSeries, ValidationError> {
    const COLUMNS: [&str; 5] = ["date", "state", "fips", "cases", "deaths"];
    let mut table = Table::open(Source::NytStates, bytes, &COLUMNS)?;
    let mut series: StateSeries = BTreeMap::new();
    let mut lines: HashMap<(Region, NaiveDate), u64> = HashMap::with_capacity(40_000);
    while let Some(row) = table.next_row()? {
        let date = row.date(0)?;
        let raw_fips = row.field(2).trim_ascii();
        let region = std::str::from_utf8(raw_fips)
            .ok()
            .and_then(|f| f.parse::<u8>().ok())
            .and_then(Region::by_fips)
            .ok_or_else(|| {
                row.error(
                    InvalidKind::UnknownRegion,
                    "not the FIPS code of a state or territory NYT reports",
                )
                .column(COLUMNS[2])
                .value(raw_fips)
                .date(Some(date))
            })?;
        let name = row.field(1).trim_ascii();
        if name != region.name.as_bytes() {
            return Err(row
                .error(
                    InvalidKind::RegionMismatch,
                    format!(
                        "FIPS {} is {} ({}), not this state",
                        region.fips, region.name, region.id
                    ),
                )
                .column(COLUMNS[1])
                .value(name)
                .date(Some(date)));
        }
        let cases = row.count(3, Some(date))?;
        let deaths = row.count(4, Some(date))?;
        if let Some(first) = lines.insert((region, date), row.line) {
            return Err(row.date_given_twice(0, date, region.name, first));
        }
        series.entry(region).or_default().push(Day {
            date,
            cases,
            deaths: Some(deaths),
            recovered: None,
        });
    }
    for days in series.values_mut() {
        days.sort_unstable_by_key(|d| d.date);
    }
    Ok(series)
}

/// Parses JHU `reference.csv` into the populations of `US` and of every region in `wanted`
/// (the ones NYT reports). A wanted region without a positive population is an error.
pub fn parse_populations(
    bytes: &[u8],
    wanted: impl IntoIterator<Item = Region>,
) -> Result<BTreeMap<Region, u64>, ValidationError> {
    const COLUMNS: [&str; 5] = ["UID", "FIPS", "Admin2", "Country_Region", "Population"];
    let mut table = Table::open(Source::Population, bytes, &COLUMNS)?;
    let mut found: BTreeMap<Region, (u64, u64)> = BTreeMap::new();
    while let Some(row) = table.next_row()? {
        let uid = row.field(0).trim_ascii();
        let region = if uid == b"840" {
            Some(covid_model::US)
        } else if row.field(3).trim_ascii() == b"US" && row.field(2).trim_ascii().is_empty() {
            std::str::from_utf8(row.field(1).trim_ascii())
                .ok()
                .and_then(|f| f.parse::<u8>().ok())
                .and_then(Region::by_fips)
        } else {
            None
        };
        let Some(region) = region else { continue };
        // An empty figure is none known: 0, refused below for a region NYT reports.
        let population = row.optional_count(4, None)?.unwrap_or(0);
        if let Some((first, _)) = found.insert(region, (row.line, population)) {
            return Err(row
                .error(
                    InvalidKind::DuplicateRegion,
                    format!("{} already given on line {first}", region.name),
                )
                .column(COLUMNS[0])
                .value(uid));
        }
    }
    let mut populations = BTreeMap::new();
    for region in std::iter::once(covid_model::US).chain(wanted) {
        match found.get(&region) {
            Some(&(_, population)) if population > 0 => {
                populations.insert(region, population);
            }
            Some(&(line, _)) => {
                return Err(ValidationError::new(
                    InvalidKind::MissingPopulation,
                    Some(Source::Population),
                    format!("{} ({}) has no positive population", region.name, region.id),
                )
                .at(line)
                .column(COLUMNS[4]));
            }
            None => {
                return Err(ValidationError::new(
                    InvalidKind::MissingPopulation,
                    Some(Source::Population),
                    format!(
                        "no row for {} ({}): UID 840, or Country_Region US with an empty Admin2 and FIPS {}",
                        region.name, region.id, region.fips
                    ),
                ));
            }
        }
    }
    Ok(populations)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    const HEADER: &str = "date,state,fips,cases,deaths\n";

    fn states(body: &str) -> Result<StateSeries, ValidationError> {
        parse_nyt_states(format!("{HEADER}{body}").as_bytes())
    }

    /// A file of the bundled snapshot (`data/snapshot/`), as bytes (gunzipped); the county
    /// tests use it too.
    pub(in crate::transform) fn snapshot(name: &str) -> Vec<u8> {
        testkit::file_bytes(&testkit::snapshot(name))
    }

    #[test]
    fn the_real_states_snapshot_has_55_jurisdictions() {
        let series = parse_nyt_states(&snapshot("nyt-us-states.csv")).unwrap();
        assert_eq!(series.len(), 55);
        let days: usize = series.values().map(Vec::len).sum();
        assert_eq!(days, 27_129, "every data row");
        let ny = &series[&Region::by_id("NY").unwrap()];
        assert_eq!(ny[0].date, "2020-03-01".parse().unwrap());
        let last = ny.last().unwrap();
        assert_eq!(last.date, "2021-07-08".parse().unwrap());
        assert!(ny.windows(2).all(|w| w[0].date < w[1].date));
        assert!(series.values().flatten().all(|d| d.recovered.is_none()));
        let wa = &series[&Region::by_id("WA").unwrap()];
        assert_eq!(
            wa[0].date,
            "2020-01-21".parse().unwrap(),
            "the first US case"
        );
    }

    #[test]
    fn the_real_reference_gives_every_population() {
        let series = parse_nyt_states(&snapshot("nyt-us-states.csv")).unwrap();
        let populations =
            parse_populations(&snapshot("jhu-reference.csv"), series.keys().copied()).unwrap();
        assert_eq!(populations.len(), 56);
        assert_eq!(populations[&covid_model::US], 329_466_283);
        assert_eq!(populations[&Region::by_id("NY").unwrap()], 19_453_561);
        assert_eq!(populations[&Region::by_id("GU").unwrap()], 164_229);
    }

    #[test]
    fn each_state_error_is_located() {
        let e = states("2020-03-01,New York,36,1,0\n2020-03-01,New York,99,1,0\n").unwrap_err();
        assert_eq!(e.kind, InvalidKind::UnknownRegion);
        assert_eq!((e.line, e.column.as_deref()), (Some(3), Some("fips")));
        assert_eq!(e.value.as_deref(), Some("99"));
        assert_eq!(e.date, Some("2020-03-01".parse().unwrap()));
        let e = states("2020-03-01,New Jersey,36,1,0\n").unwrap_err();
        assert_eq!(e.kind, InvalidKind::RegionMismatch);
        assert_eq!((e.line, e.column.as_deref()), (Some(2), Some("state")));
        assert!(e.to_string().contains("FIPS 36 is New York (NY)"), "{e}");
        let e = states("2020-03-01,New York,36,1,0\n2020-03-01,New York,36,2,0\n").unwrap_err();
        assert_eq!(e.kind, InvalidKind::DuplicateDate);
        assert!(e.to_string().contains("line 2"), "{e}");
        let e = states("2020-03-01,New York,36,-1,0\n").unwrap_err();
        assert_eq!(
            (e.kind, e.column.as_deref()),
            (InvalidKind::BadCount, Some("cases"))
        );
        let e = states("2020-03-01,New York,36,1,0.5\n").unwrap_err();
        assert_eq!(
            (e.kind, e.column.as_deref()),
            (InvalidKind::BadCount, Some("deaths"))
        );
        let e = states("2020-02-30,New York,36,1,0\n").unwrap_err();
        assert_eq!((e.kind, e.line), (InvalidKind::BadDate, Some(2)));
        assert_eq!(e.origin, Some(Source::NytStates));
        let e = states("2020-03-01,New York,,1,0\n").unwrap_err();
        assert_eq!(e.kind, InvalidKind::UnknownRegion, "an empty FIPS");
        let ok = states("2020-03-02,New York,36,2,0\n2020-03-01,New York,36,1,0\n").unwrap();
        let ny = &ok[&Region::by_id("NY").unwrap()];
        assert_eq!(ny[0].cases, 1, "sorted by date");
    }

    #[test]
    fn each_population_error_is_located() {
        const HEAD: &str = "UID,iso2,iso3,code3,FIPS,Admin2,Province_State,Country_Region,Lat,Long_,Combined_Key,Population\n";
        const US: &str = "840,US,USA,840,,,,US,40,-100,US,329466283\n";
        const NY: &str = "84000036,US,USA,840,36,,New York,US,42,-74,\"New York, US\",19453561\n";
        const COUNTY: &str = "84036061,US,USA,840,36061,New York,New York,US,40,-73,\"New York City, New York, US\",1628706\n";
        let ny = [Region::by_id("NY").unwrap()];
        let parse = |body: &str| parse_populations(format!("{HEAD}{body}").as_bytes(), ny);
        let ok = parse(&format!("{US}{COUNTY}{NY}")).unwrap();
        assert_eq!(ok[&ny[0]], 19_453_561, "the state row, not the county's");
        let e = parse(&format!("{US}{COUNTY}")).unwrap_err();
        assert_eq!(e.kind, InvalidKind::MissingPopulation);
        assert!(e.to_string().contains("New York (NY)"), "{e}");
        let e = parse(&format!("{US}{}", NY.replace(",19453561", ",0"))).unwrap_err();
        assert_eq!((e.kind, e.line), (InvalidKind::MissingPopulation, Some(3)));
        let e = parse(&format!("{US}{}", NY.replace(",19453561", ",many"))).unwrap_err();
        assert_eq!(
            (e.kind, e.column.as_deref()),
            (InvalidKind::BadCount, Some("Population"))
        );
        let e = parse(NY).unwrap_err();
        assert!(e.to_string().contains("United States (US)"), "{e}");
        let e = parse(&format!("{US}{NY}{NY}")).unwrap_err();
        assert_eq!((e.kind, e.line), (InvalidKind::DuplicateRegion, Some(4)));
    }
}
