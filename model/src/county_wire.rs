//! The county answers of the API (issue 36): `/v1/regions/{state}/counties`, each county shaped
//! like a `/v1/regions` entry, with its state, and deaths that may be "not reported".

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{CountyCounts, Day, RegionLatest, daily_per_100k};

/// `/v1/regions/{state}/counties`: a state's counties, as NYT lists them (by id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountiesResponse {
    /// The state's id (`NY`).
    pub state: String,
    pub counties: Vec<CountySummary>,
}

/// One county: a `/v1/regions` entry with its state, its deaths `null` where not reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountySummary {
    /// The 5-digit FIPS code, or for NYT's geographies without one the state's FIPS code and
    /// three letters: `36NYC` (New York City), `29KSC` (Kansas City), `29JOP` (Joplin),
    /// `<ss>UNK` (each state's "Unknown").
    pub id: String,
    /// As NYT names it (`Kings`, `New York City`, `Unknown`).
    pub name: String,
    /// The state's id (`NY`).
    pub state: String,
    /// The 5-digit FIPS code; `null` where NYT gives none.
    pub fips: Option<String>,
    /// Residents (JHU reference table); `null` when unknown.
    pub population: Option<u64>,
    /// What to know of this county's figures, when anything: why there is no population, or
    /// whose residents JHU's population counts that NYT's cases do not.
    pub note: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub first_date: Option<NaiveDate>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub last_date: Option<NaiveDate>,
    /// Days stored.
    pub count: usize,
    /// The newest day with its 7-day averages; `null` without days.
    pub latest: Option<RegionLatest>,
}

/// The counties of Missouri whose JHU population includes a city NYT counts apart.
const WITH_A_CITY: [(&str, &str); 6] = [
    ("29037", "Kansas City"),
    ("29047", "Kansas City"),
    ("29095", "Kansas City"),
    ("29165", "Kansas City"),
    ("29097", "Joplin"),
    ("29145", "Joplin"),
];

/// What a reader should know of a county's figures (`CountySummary::note`).
pub fn county_note(id: &str, population: Option<u64>) -> Option<String> {
    if let Some((_, city)) = WITH_A_CITY.iter().find(|(fips, _)| *fips == id) {
        return Some(format!(
            "JHU's population includes {city}, whose cases NYT counts apart: the per-100k \
             figures are low by that much"
        ));
    }
    match id.get(2..) {
        Some("NYC") => Some("NYT's five boroughs together; the population is their sum".into()),
        Some("UNK") => Some(
            "cases NYT could not place in a county: no population, so no per-100k figures".into(),
        ),
        _ if population.is_none() => Some(
            "JHU's reference table gives no population for this geography: no per-100k figures"
                .into(),
        ),
        _ => None,
    }
}

impl CountySummary {
    /// The entry of a county whose stored days are `days` (in date order).
    pub fn of(
        id: &str,
        name: &str,
        state: &str,
        days: &[(NaiveDate, CountyCounts)],
        population: Option<u64>,
    ) -> Self {
        // The newest day's 7-day averages need its week and the day before it.
        let tail: Vec<Day> = days[days.len().saturating_sub(8)..]
            .iter()
            .map(|(date, c)| c.day(*date))
            .collect();
        let latest = tail
            .last()
            .zip(daily_per_100k(&tail, population).last())
            .map(|(day, point)| RegionLatest::of(day, point));
        Self {
            id: id.to_string(),
            name: name.to_string(),
            state: state.to_string(),
            fips: id
                .bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| id.to_string()),
            population,
            note: county_note(id, population),
            first_date: days.first().map(|(d, _)| *d),
            last_date: days.last().map(|(d, _)| *d),
            count: days.len(),
            latest,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(deaths: impl Fn(u64) -> Option<u64>) -> Vec<(NaiveDate, CountyCounts)> {
        let first: NaiveDate = "2021-07-01".parse().unwrap();
        (0..8)
            .map(|i| {
                let counts = CountyCounts {
                    cases: 100 + 7 * i,
                    deaths: deaths(i),
                };
                (first + chrono::Days::new(i), counts)
            })
            .collect()
    }

    #[test]
    fn deaths_not_reported_stay_null_and_cases_still_average() {
        let entry = CountySummary::of("72001", "Adjuntas", "PR", &days(|_| None), Some(17_363));
        let latest = entry.latest.unwrap();
        assert_eq!((latest.cases, latest.deaths), (149, None));
        assert_eq!(latest.avg7_cases, Some(7.0));
        assert_eq!(
            (latest.avg7_deaths, latest.avg7_deaths_per_100k),
            (None, None)
        );
        assert!(latest.avg7_cases_per_100k.unwrap() > 40.0);
        assert_eq!((entry.count, entry.fips.as_deref()), (8, Some("72001")));
        // One day of the week without deaths: no deaths average.
        let gap = CountySummary::of(
            "36047",
            "Kings",
            "NY",
            &days(|i| (i != 3).then_some(i)),
            None,
        );
        assert_eq!(gap.latest.unwrap().avg7_deaths, None);
        let full = CountySummary::of("36047", "Kings", "NY", &days(Some), None);
        assert_eq!(full.latest.unwrap().avg7_deaths, Some(1.0));
    }

    #[test]
    fn notes_say_why_and_whose_residents() {
        let unknown = CountySummary::of("36UNK", "Unknown", "NY", &[], None);
        assert_eq!((unknown.fips, unknown.latest), (None, None));
        assert!(unknown.note.unwrap().contains("could not place"));
        assert!(
            county_note("29095", Some(700_000))
                .unwrap()
                .contains("Kansas City")
        );
        assert!(
            county_note("29097", Some(120_000))
                .unwrap()
                .contains("Joplin")
        );
        assert!(
            county_note("02997", None)
                .unwrap()
                .contains("no population")
        );
        assert!(
            county_note("36NYC", Some(8_336_817))
                .unwrap()
                .contains("boroughs")
        );
        assert_eq!(county_note("36047", Some(2_559_903)), None);
    }
}
