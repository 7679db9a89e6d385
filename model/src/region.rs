//! The regions: the United States and the 55 jurisdictions NYT reports (50 states, DC, PR,
//! GU, VI, MP), identified by USPS code and FIPS code.

/// A region the system serves. `US` (the nation) has no FIPS code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region {
    /// The USPS code: `US`, `AL` … `WY`, `DC`, `PR`, `GU`, `VI`, `MP`.
    pub id: &'static str,
    /// The FIPS state code (`0` for the nation).
    pub fips: u8,
    /// As NYT names it.
    pub name: &'static str,
}

/// The nation: the national series (with recoveries).
pub const US: Region = Region {
    id: "US",
    fips: 0,
    name: "United States",
};

/// The 55 jurisdictions NYT reports, by name (as lists show them: no sort at run time).
pub const STATES: [Region; 55] = [
    Region {
        id: "AL",
        fips: 1,
        name: "Alabama",
    },
    Region {
        id: "AK",
        fips: 2,
        name: "Alaska",
    },
    Region {
        id: "AZ",
        fips: 4,
        name: "Arizona",
    },
    Region {
        id: "AR",
        fips: 5,
        name: "Arkansas",
    },
    Region {
        id: "CA",
        fips: 6,
        name: "California",
    },
    Region {
        id: "CO",
        fips: 8,
        name: "Colorado",
    },
    Region {
        id: "CT",
        fips: 9,
        name: "Connecticut",
    },
    Region {
        id: "DE",
        fips: 10,
        name: "Delaware",
    },
    Region {
        id: "DC",
        fips: 11,
        name: "District of Columbia",
    },
    Region {
        id: "FL",
        fips: 12,
        name: "Florida",
    },
    Region {
        id: "GA",
        fips: 13,
        name: "Georgia",
    },
    Region {
        id: "GU",
        fips: 66,
        name: "Guam",
    },
    Region {
        id: "HI",
        fips: 15,
        name: "Hawaii",
    },
    Region {
        id: "ID",
        fips: 16,
        name: "Idaho",
    },
    Region {
        id: "IL",
        fips: 17,
        name: "Illinois",
    },
    Region {
        id: "IN",
        fips: 18,
        name: "Indiana",
    },
    Region {
        id: "IA",
        fips: 19,
        name: "Iowa",
    },
    Region {
        id: "KS",
        fips: 20,
        name: "Kansas",
    },
    Region {
        id: "KY",
        fips: 21,
        name: "Kentucky",
    },
    Region {
        id: "LA",
        fips: 22,
        name: "Louisiana",
    },
    Region {
        id: "ME",
        fips: 23,
        name: "Maine",
    },
    Region {
        id: "MD",
        fips: 24,
        name: "Maryland",
    },
    Region {
        id: "MA",
        fips: 25,
        name: "Massachusetts",
    },
    Region {
        id: "MI",
        fips: 26,
        name: "Michigan",
    },
    Region {
        id: "MN",
        fips: 27,
        name: "Minnesota",
    },
    Region {
        id: "MS",
        fips: 28,
        name: "Mississippi",
    },
    Region {
        id: "MO",
        fips: 29,
        name: "Missouri",
    },
    Region {
        id: "MT",
        fips: 30,
        name: "Montana",
    },
    Region {
        id: "NE",
        fips: 31,
        name: "Nebraska",
    },
    Region {
        id: "NV",
        fips: 32,
        name: "Nevada",
    },
    Region {
        id: "NH",
        fips: 33,
        name: "New Hampshire",
    },
    Region {
        id: "NJ",
        fips: 34,
        name: "New Jersey",
    },
    Region {
        id: "NM",
        fips: 35,
        name: "New Mexico",
    },
    Region {
        id: "NY",
        fips: 36,
        name: "New York",
    },
    Region {
        id: "NC",
        fips: 37,
        name: "North Carolina",
    },
    Region {
        id: "ND",
        fips: 38,
        name: "North Dakota",
    },
    Region {
        id: "MP",
        fips: 69,
        name: "Northern Mariana Islands",
    },
    Region {
        id: "OH",
        fips: 39,
        name: "Ohio",
    },
    Region {
        id: "OK",
        fips: 40,
        name: "Oklahoma",
    },
    Region {
        id: "OR",
        fips: 41,
        name: "Oregon",
    },
    Region {
        id: "PA",
        fips: 42,
        name: "Pennsylvania",
    },
    Region {
        id: "PR",
        fips: 72,
        name: "Puerto Rico",
    },
    Region {
        id: "RI",
        fips: 44,
        name: "Rhode Island",
    },
    Region {
        id: "SC",
        fips: 45,
        name: "South Carolina",
    },
    Region {
        id: "SD",
        fips: 46,
        name: "South Dakota",
    },
    Region {
        id: "TN",
        fips: 47,
        name: "Tennessee",
    },
    Region {
        id: "TX",
        fips: 48,
        name: "Texas",
    },
    Region {
        id: "UT",
        fips: 49,
        name: "Utah",
    },
    Region {
        id: "VT",
        fips: 50,
        name: "Vermont",
    },
    Region {
        id: "VI",
        fips: 78,
        name: "Virgin Islands",
    },
    Region {
        id: "VA",
        fips: 51,
        name: "Virginia",
    },
    Region {
        id: "WA",
        fips: 53,
        name: "Washington",
    },
    Region {
        id: "WV",
        fips: 54,
        name: "West Virginia",
    },
    Region {
        id: "WI",
        fips: 55,
        name: "Wisconsin",
    },
    Region {
        id: "WY",
        fips: 56,
        name: "Wyoming",
    },
];

impl Region {
    /// Whether this is the nation.
    pub fn is_us(&self) -> bool {
        self.id == US.id
    }

    /// The region with this id, in any case (`ny`, `NY`); `None` for anything else.
    pub fn by_id(id: &str) -> Option<Region> {
        if id.eq_ignore_ascii_case(US.id) {
            return Some(US);
        }
        STATES
            .iter()
            .find(|r| r.id.eq_ignore_ascii_case(id))
            .copied()
    }

    /// The jurisdiction NYT names `name` (`New York`, `Puerto Rico`).
    pub fn by_name(name: &str) -> Option<Region> {
        STATES.iter().find(|r| r.name == name).copied()
    }

    /// The jurisdiction with this FIPS state code.
    pub fn by_fips(fips: u8) -> Option<Region> {
        STATES.iter().find(|r| r.fips == fips).copied()
    }

    /// `US` first, then the jurisdictions by name.
    pub fn all() -> Vec<Region> {
        std::iter::once(US).chain(STATES).collect()
    }

    /// Its place in [`Region::all`] (`US` 0), without making the list.
    pub fn index(&self) -> usize {
        if self.is_us() {
            return 0;
        }
        1 + STATES
            .iter()
            .position(|r| r == self)
            .expect("every region but US is a state")
    }
}

impl std::fmt::Display for Region {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_found_in_any_case() {
        let all = Region::all();
        assert_eq!(all.len(), 56);
        assert_eq!(all[0], US);
        assert_eq!(all[1].name, "Alabama");
        assert_eq!(all[55].name, "Wyoming");
        assert!(
            STATES.is_sorted_by_key(|r| r.name),
            "STATES is in name order"
        );
        let mut ids: Vec<&str> = all.iter().map(|r| r.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 56);
        for (i, region) in all.iter().enumerate() {
            assert_eq!(region.index(), i, "{}", region.id);
        }
        assert_eq!(Region::by_id("ny").map(|r| r.name), Some("New York"));
        assert_eq!(Region::by_id("us"), Some(US));
        for bad in ["", "ZZ", "N", "NYC", "../", "N\u{0}", "🇺🇸"] {
            assert_eq!(Region::by_id(bad), None, "{bad:?}");
        }
        assert_eq!(Region::by_fips(36).map(|r| r.id), Some("NY"));
        assert_eq!(
            Region::by_fips(60),
            None,
            "American Samoa: not reported by NYT"
        );
        assert_eq!(Region::by_fips(0), None, "the nation has no FIPS code");
    }
}
