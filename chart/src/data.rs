//! One region's series as a chart draws it, with the model crate's daily values ([`Data`]), and
//! a date as the API and the URL write it ([`parse_date`]). No I/O: the site makes these from
//! the API's answers, the API from what it holds.

use chrono::NaiveDate;
use covid_model::{DailyPoint, Day, Region};

/// One region's or county's series as the page shows it, with its daily values and 7-day
/// averages computed by the model crate, as the API computes them.
#[derive(Debug, Clone, PartialEq)]
pub struct Data {
    /// The region; a county's state.
    pub region: Region,
    /// A county's id and its name with its state's (`17031`, `Cook, Illinois`); `None`: the
    /// region's own series. (Not a `covid_model::Place`: the site's first load has no room for
    /// parsing county ids it does not show yet.)
    pub county: Option<(String, String)>,
    /// Residents, from `/v1/regions`; `None` when unknown (no per-capita figures).
    pub population: Option<u64>,
    pub days: Vec<Day>,
    pub daily: Vec<DailyPoint>,
    /// How many times each of `days` was revised after it was first published (the API's
    /// `revisions`); empty when not known.
    pub revisions: Vec<u32>,
}

impl Data {
    /// A region's series with its population (none without it): the daily values and 7-day
    /// averages computed by the model crate, as the API computes them.
    pub fn new(region: Region, days: Vec<Day>, population: Option<u64>) -> Self {
        Data {
            region,
            county: None,
            population,
            daily: covid_model::daily_per_100k(&days, population),
            days,
            revisions: Vec::new(),
        }
    }

    /// The id of the place charted: the region's, or the county's.
    pub fn id(&self) -> &str {
        self.county.as_ref().map_or(self.region.id, |(id, _)| id)
    }

    /// The name of the place charted: `New York`, `Cook, Illinois`.
    pub fn name(&self) -> &str {
        self.county
            .as_ref()
            .map_or(self.region.name, |(_, name)| name)
    }

    /// The same series, with how many times each day was revised.
    pub fn with_revisions(self, revisions: Vec<u32>) -> Self {
        Data { revisions, ..self }
    }
}

/// `YYYY-MM-DD`, as the API writes dates and the site's URL carries them.
/// ```
/// assert_eq!(covid_chart::data::parse_date("2021-03-07").unwrap().to_string(), "2021-03-07");
/// assert_eq!(covid_chart::data::parse_date("2021-3-7"), None);
/// ```
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        bytes[range].iter().try_fold(0u32, |n, b| {
            b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(number(0..4)? as i32, number(5..7)?, number(8..10)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_strict() {
        assert_eq!(
            parse_date("2021-03-07"),
            NaiveDate::from_ymd_opt(2021, 3, 7)
        );
        for bad in [
            "2021-3-07",
            "2021-02-30",
            "20210307xx",
            "2021/03/07",
            "",
            "２021-03-07",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }
}
