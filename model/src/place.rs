//! What a `/v1/regions/{id}/…` path names: the nation, a state (a [`Region`]), or one of NYT's
//! counties by its id (`county.rs`). Pure and `Copy`, so a path is parsed once and passed by
//! value.

use std::fmt;

use crate::{Region, county_state};

/// A county's id (`36061`, `36NYC`, `53UNK`: `county.rs`), known to name a state's county.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CountyId([u8; 5]);

impl CountyId {
    /// `id` in any case (`36nyc`); `None`: not a county id.
    ///
    /// ```
    /// use covid_model::CountyId;
    /// assert_eq!(CountyId::parse("36nyc").unwrap().as_str(), "36NYC");
    /// assert_eq!(CountyId::parse("36061").unwrap().state().id, "NY");
    /// assert!(CountyId::parse("99001").is_none());
    /// ```
    pub fn parse(id: &str) -> Option<Self> {
        let upper = id.to_ascii_uppercase();
        county_state(&upper)?;
        Some(Self(upper.as_bytes().try_into().ok()?))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("parsed from ASCII")
    }

    /// Its state: the first two digits are the state's FIPS code.
    pub fn state(&self) -> Region {
        county_state(self.as_str()).expect("parsed as a county id")
    }
}

impl fmt::Debug for CountyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CountyId({})", self.as_str())
    }
}

impl fmt::Display for CountyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The nation, a state, or a county: what a `/v1/regions/{id}/…` path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Place {
    Region(Region),
    County(CountyId),
}

impl Place {
    /// `US`, a state's USPS code or a county id, in any case; `None`: none of them.
    ///
    /// ```
    /// use covid_model::Place;
    /// assert_eq!(Place::by_id("ny").unwrap().id(), "NY");
    /// assert_eq!(Place::by_id("36047").unwrap().id(), "36047");
    /// assert!(Place::by_id("NYC").is_none());
    /// ```
    pub fn by_id(id: &str) -> Option<Self> {
        Region::by_id(id)
            .map(Place::Region)
            .or_else(|| CountyId::parse(id).map(Place::County))
    }

    pub fn id(&self) -> &str {
        match self {
            Place::Region(region) => region.id,
            Place::County(county) => county.as_str(),
        }
    }

    /// The region itself, or a county's state.
    pub fn region(&self) -> Region {
        match self {
            Place::Region(region) => *region,
            Place::County(county) => county.state(),
        }
    }

    pub fn is_us(&self) -> bool {
        matches!(self, Place::Region(region) if region.is_us())
    }

    /// The ids [`Place::by_id`] takes, as a regular expression (ECMA-262, as JSON Schema's
    /// `pattern`; any case): the 56 region ids, and a county id as a pattern (a state's FIPS
    /// code, then three digits or NYT's letters), not a list of 3,300.
    pub fn id_pattern() -> String {
        // `ny` -> `[Nn][Yy]`: the pattern language has no case-insensitive flag.
        let any_case = |id: &str| -> String {
            id.chars()
                .map(|c| match c.is_ascii_alphabetic() {
                    true => format!("[{}{}]", c.to_ascii_uppercase(), c.to_ascii_lowercase()),
                    false => c.to_string(),
                })
                .collect()
        };
        let regions: Vec<String> = Region::all().iter().map(|r| any_case(r.id)).collect();
        let states: Vec<String> = crate::STATES
            .iter()
            .map(|r| format!("{:02}", r.fips))
            .collect();
        let cities: Vec<String> = crate::county::WITHOUT_FIPS
            .iter()
            .map(|(fips, _, letters)| format!("{fips:02}{}", any_case(letters)))
            .collect();
        format!(
            "^({}|({})([0-9]{{3}}|{})|{})$",
            regions.join("|"),
            states.join("|"),
            any_case(crate::county::UNKNOWN),
            cities.join("|")
        )
    }
}

impl From<Region> for Place {
    fn from(region: Region) -> Self {
        Place::Region(region)
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_place_is_named_by_one_id() {
        for id in [
            "US", "NY", "PR", "36061", "36NYC", "29KSC", "29JOP", "02UNK", "02997",
        ] {
            assert_eq!(Place::by_id(id).unwrap().id(), id);
            assert_eq!(Place::by_id(&id.to_lowercase()).unwrap().id(), id);
        }
        let kings = Place::by_id("36047").unwrap();
        assert_eq!((kings.region().id, kings.is_us()), ("NY", false));
        assert!(Place::by_id("us").unwrap().is_us());
        // A code of no state, a city of another state, a neighbour's letters, junk.
        for id in ["99001", "36KSC", "36NYK", "3604", "360470", "", "é3604"] {
            assert_eq!(Place::by_id(id), None, "{id}");
        }
    }
}
