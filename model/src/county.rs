//! County ids (issue 36): every county NYT publishes, as an id that is stable across its
//! files. Pure.
//!
//! - A county NYT gives a FIPS code is that 5-digit code (`36061`, New York County), NYT's own
//!   Alaskan `02997` and `02998` included.
//! - NYT's geographies without one are the state's 2-digit FIPS code and three letters:
//!   New York City `36NYC` (NYT's five boroughs together), Kansas City `29KSC` and Joplin
//!   `29JOP` (cities NYT counts apart from their counties), and each state's "Unknown"
//!   (`<ss>UNK`, e.g. `53UNK`: cases NYT could not place in a county).
//!
//! So every county id is 5 characters, and its first two digits are its state's FIPS code.

use serde::{Deserialize, Serialize};

use crate::Region;

/// One county's cumulative counts on one day, as NYT publishes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountyCounts {
    /// Cumulative confirmed cases.
    pub cases: u64,
    /// Cumulative deaths; `null`: not reported (Puerto Rico's municipios), never 0.
    pub deaths: Option<u64>,
}

impl CountyCounts {
    /// These counts as the day `date` of a series.
    pub fn day(self, date: chrono::NaiveDate) -> crate::Day {
        crate::Day {
            date,
            cases: self.cases,
            deaths: self.deaths,
            recovered: None,
        }
    }
}

/// NYT's geographies without a FIPS code that have an id: (state FIPS, NYT's name, letters).
/// "Unknown" is in every state, so it is matched apart.
pub const WITHOUT_FIPS: [(u8, &str, &str); 3] = [
    (36, "New York City", "NYC"),
    (29, "Kansas City", "KSC"),
    (29, "Joplin", "JOP"),
];

/// The letters of a state's "Unknown".
pub const UNKNOWN: &str = "UNK";

/// The id of NYT's county row: `county` in `state`, with its `fips` field (empty: none).
/// `None`: a FIPS code that is not 5 digits of this state, or a geography without one that
/// has no id here.
///
/// ```
/// use covid_model::{Region, county_id};
/// let ny = Region::by_id("NY").unwrap();
/// assert_eq!(county_id(ny, "New York", "36061").as_deref(), Some("36061"));
/// assert_eq!(county_id(ny, "New York City", "").as_deref(), Some("36NYC"));
/// assert_eq!(county_id(ny, "Unknown", "").as_deref(), Some("36UNK"));
/// assert_eq!(county_id(ny, "Cook", "17031"), None);
/// ```
pub fn county_id(state: Region, county: &str, fips: &str) -> Option<String> {
    if !fips.is_empty() {
        let digits = fips.len() == 5 && fips.bytes().all(|b| b.is_ascii_digit());
        let of_state = fips.get(..2).and_then(|s| s.parse::<u8>().ok()) == Some(state.fips);
        return (digits && of_state).then(|| fips.to_string());
    }
    let letters = if county == "Unknown" {
        UNKNOWN
    } else {
        WITHOUT_FIPS
            .iter()
            .find(|(s, name, _)| *s == state.fips && *name == county)
            .map(|(_, _, letters)| *letters)?
    };
    Some(format!("{:02}{letters}", state.fips))
}

/// The state of a county id; `None` for what is not a county id.
///
/// ```
/// use covid_model::county_state;
/// assert_eq!(county_state("36NYC").map(|r| r.id), Some("NY"));
/// assert_eq!(county_state("NY"), None);
/// ```
pub fn county_state(id: &str) -> Option<Region> {
    if id.len() != 5 || !id.is_ascii() {
        return None;
    }
    let (state, rest) = id.split_at(2);
    let fips = state
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| state.parse::<u8>().ok())??;
    let region = Region::by_fips(fips)?;
    let known = rest.bytes().all(|b| b.is_ascii_digit())
        || rest == UNKNOWN
        || WITHOUT_FIPS
            .iter()
            .any(|(s, _, l)| *s == fips && *l == rest);
    known.then_some(region)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_fips_or_the_state_and_three_letters() {
        let mo = Region::by_id("MO").unwrap();
        let ak = Region::by_id("AK").unwrap();
        assert_eq!(county_id(mo, "Kansas City", "").as_deref(), Some("29KSC"));
        assert_eq!(county_id(mo, "Joplin", "").as_deref(), Some("29JOP"));
        assert_eq!(county_id(ak, "Unknown", "").as_deref(), Some("02UNK"));
        assert_eq!(
            county_id(ak, "Bethel Census Area", "02997").as_deref(),
            Some("02997"),
            "NYT's own Alaskan codes"
        );
        // Another state's code, a short code, letters, a city of another state: none.
        for (county, fips) in [("Jackson", "20091"), ("X", "2901"), ("X", "29ab1")] {
            assert_eq!(county_id(mo, county, fips), None, "{fips}");
        }
        assert_eq!(county_id(ak, "Kansas City", ""), None);
        assert_eq!(county_id(mo, "Springfield", ""), None);
        for id in ["29KSC", "29095", "02UNK", "36NYC"] {
            assert!(county_state(id).is_some(), "{id}");
        }
        for id in ["36KSC", "99001", "US", "3606", "360610", "3606a"] {
            assert_eq!(county_state(id), None, "{id}");
        }
    }
}
