//! A state's counties as the cache holds them: every value each county day held, packed, from
//! the one read of the state's county partition; a county's series is made from them when it is
//! asked. Packed because a state's whole county history is large (Texas: 255 geographies by
//! 1,158 days): 32 bytes a county day held (`tests/county_memory.rs`), where every county's
//! series made at once would hold its histories and daily values too.

use std::collections::HashMap;

use chrono::NaiveDate;
use covid_model::{CountyCounts, CountyId, DayHistory, Place, Region, Version};
use covid_store::{CountyListing, StoredCountyDay};

use crate::cache::RegionSeries;

/// One value a county day held from the run of `vintage` on (`None`: withdrawn).
#[derive(Debug, Clone, Copy)]
struct Written {
    date: NaiveDate,
    vintage: NaiveDate,
    value: Option<CountyCounts>,
}

/// A county's name and residents, from the state's county listing.
#[derive(Debug)]
struct Named {
    name: String,
    population: Option<u64>,
}

/// Every county of one state, as stored.
#[derive(Debug)]
pub struct StateCounties {
    state: Region,
    /// Each county's values, by date, then in the order they were written.
    counties: HashMap<CountyId, Box<[Written]>>,
    named: HashMap<CountyId, Named>,
}

impl StateCounties {
    /// `state`'s stored county days (in date order) and its listing, packed.
    pub fn new(state: Region, days: &[StoredCountyDay], listing: Option<CountyListing>) -> Self {
        let mut counties: HashMap<CountyId, Vec<Written>> = HashMap::new();
        // Each id parsed once, not once a day.
        let mut parsed: HashMap<&str, Option<CountyId>> = HashMap::new();
        for day in days {
            for (id, versions) in day.county_versions() {
                let parse = || {
                    let county = CountyId::parse(id);
                    if county.is_none() {
                        tracing::warn!(id, state = %state, "a stored county id that is not one");
                    }
                    county
                };
                // The store holds only ids it validated; one it cannot name is not served.
                let Some(id) = *parsed.entry(id).or_insert_with(parse) else {
                    continue;
                };
                let written = versions.into_iter().map(|(vintage, value)| Written {
                    date: day.date,
                    vintage,
                    value,
                });
                counties.entry(id).or_default().extend(written);
            }
        }
        let named = listing
            .map(|l| l.counties)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|c| {
                let id = CountyId::parse(&c.id)?;
                let named = Named {
                    name: c.name,
                    population: c.population,
                };
                Some((id, named))
            })
            .collect();
        Self {
            state,
            counties: counties
                .into_iter()
                .map(|(id, written)| (id, written.into_boxed_slice()))
                .collect(),
            named,
        }
    }

    /// How many values it holds (for the log).
    pub fn values(&self) -> usize {
        self.counties.values().map(|w| w.len()).sum()
    }

    /// `county`'s series; `None`: none of its days is stored.
    pub fn series(&self, county: CountyId) -> Option<RegionSeries> {
        let written = self.counties.get(&county)?;
        let named = self.named.get(&county);
        // `Kings, New York`; a county the listing does not have yet goes by its id.
        let name = format!(
            "{}, {}",
            named.map_or(county.as_str(), |n| n.name.as_str()),
            self.state.name
        );
        let mut histories = Vec::new();
        for day in written.chunk_by(|a, b| a.date == b.date) {
            let mut versions: Vec<Version> = Vec::with_capacity(day.len());
            for w in day {
                let version = match (w.value, versions.last()) {
                    (Some(value), _) => Version::of(Some(w.vintage), value.day(w.date)),
                    // Withdrawn: the values withdrawn, marked so.
                    (None, Some(last)) => Version {
                        vintage: Some(w.vintage),
                        withdrawn: true,
                        ..*last
                    },
                    (None, None) => unreachable!("a county's first value is a value"),
                };
                versions.push(version);
            }
            let current = versions.pop().expect("a day has a value");
            histories.push(DayHistory::new(versions, current));
        }
        Some(RegionSeries::new(
            Place::County(county),
            name,
            histories,
            named.and_then(|n| n.population),
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use covid_model::CountySummary;

    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn counts(cases: u64, deaths: Option<u64>) -> CountyCounts {
        CountyCounts { cases, deaths }
    }

    #[test]
    fn a_countys_series_has_every_value_it_held_and_its_name() {
        let ny = Region::by_id("NY").unwrap();
        let kings = CountyId::parse("36047").unwrap();
        let unknown = CountyId::parse("36UNK").unwrap();
        let values = |entries: &[(&str, CountyCounts)]| -> BTreeMap<String, CountyCounts> {
            entries.iter().map(|(i, c)| (i.to_string(), *c)).collect()
        };
        let first = StoredCountyDay::first(
            day("2021-07-01"),
            values(&[("36047", counts(10, Some(1))), ("36UNK", counts(3, None))]),
            day("2021-07-01"),
        );
        // Kings revised, Unknown withdrawn.
        let first = first.revised(values(&[("36047", counts(12, Some(1)))]), day("2021-07-02"));
        let second = StoredCountyDay::first(
            day("2021-07-02"),
            values(&[("36047", counts(15, None))]),
            day("2021-07-02"),
        );
        let listing = CountyListing {
            vintage: day("2021-07-02"),
            rev: 1,
            counties: vec![CountySummary::of(
                "36047",
                "Kings",
                "NY",
                &[],
                Some(2_559_903),
            )],
        };
        let held = StateCounties::new(ny, &[first, second], Some(listing));
        assert_eq!(held.values(), 5);
        let series = held.series(kings).unwrap();
        assert_eq!(series.name, "Kings, New York");
        assert_eq!(series.population, Some(2_559_903));
        let shown: Vec<_> = series.days.iter().map(|d| (d.cases, d.deaths)).collect();
        assert_eq!(
            shown,
            [(12, Some(1)), (15, None)],
            "deaths not reported: null"
        );
        assert_eq!(&series.revisions[..], [1, 0]);
        // Unknown: withdrawn, so no current day, but its history stands.
        let unknown = held.series(unknown).unwrap();
        assert_eq!(
            unknown.name, "36UNK, New York",
            "not in the listing: its id"
        );
        assert!(unknown.days.is_empty());
        let as_of = covid_model::series_as_of(&unknown.history, day("2021-07-01"));
        assert_eq!(as_of.len(), 1);
        assert!(held.series(CountyId::parse("36081").unwrap()).is_none());
    }
}
