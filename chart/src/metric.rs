//! The three metrics a reader can show, and where each one's values are in a day.

use covid_model::{DailyPoint, Day};
use plotters::style::RGBColor;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Cases,
    Deaths,
    Recovered,
}

impl Metric {
    pub const ALL: [Metric; 3] = [Metric::Cases, Metric::Deaths, Metric::Recovered];

    /// The metric's name in the URL, in CSS classes and in form fields.
    pub fn code(self) -> &'static str {
        match self {
            Metric::Cases => "cases",
            Metric::Deaths => "deaths",
            Metric::Recovered => "recovered",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Metric::Cases => "Cases",
            Metric::Deaths => "Deaths",
            Metric::Recovered => "Recovered",
        }
    }

    /// Line colour; readable on light and dark backgrounds.
    pub fn color(self) -> RGBColor {
        match self {
            Metric::Cases => RGBColor(0x1f, 0x77, 0xd4),
            Metric::Deaths => RGBColor(0xd6, 0x3b, 0x2f),
            Metric::Recovered => RGBColor(0x2e, 0x9e, 0x4f),
        }
    }

    /// The cumulative count on `day`; `None` where it was not reported.
    pub fn total(self, day: &Day) -> Option<u64> {
        match self {
            Metric::Cases => Some(day.cases),
            Metric::Deaths => day.deaths,
            Metric::Recovered => day.recovered,
        }
    }

    /// The new count since the day before (negative for a downward revision).
    pub fn change(self, point: &DailyPoint) -> Option<i64> {
        match self {
            Metric::Cases => point.new_cases,
            Metric::Deaths => point.new_deaths,
            Metric::Recovered => point.new_recovered,
        }
    }

    /// The 7-day average of the new counts per 100,000 residents (none for recoveries).
    pub fn avg7_per_100k(self, point: &DailyPoint) -> Option<f64> {
        match self {
            Metric::Cases => point.avg7_cases_per_100k,
            Metric::Deaths => point.avg7_deaths_per_100k,
            Metric::Recovered => None,
        }
    }

    /// The 7-day average of the new counts.
    pub fn avg7(self, point: &DailyPoint) -> Option<f64> {
        match self {
            Metric::Cases => point.avg7_cases,
            Metric::Deaths => point.avg7_deaths,
            Metric::Recovered => point.avg7_recovered,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_metric_reads_its_own_fields() {
        let days = crate::fixtures::days();
        let daily = covid_model::daily(&days);
        let (day, point) = (&days[10], &daily[10]);
        assert_eq!(Metric::Cases.total(day), Some(day.cases));
        assert_eq!(Metric::Deaths.total(day), day.deaths);
        assert_eq!(Metric::Recovered.total(day), day.recovered);
        assert_eq!(Metric::Recovered.total(&days[40]), None, "after 2020-12-13");
        assert_eq!(Metric::Cases.change(point), point.new_cases);
        assert_eq!(Metric::Deaths.change(point), Some(1));
        assert_eq!(Metric::Recovered.change(point), Some(1));
        assert_eq!(Metric::Cases.avg7(point), point.avg7_cases);
        assert_eq!(Metric::Deaths.avg7(point), Some(1.0));
        assert_eq!(Metric::Recovered.avg7(point), Some(1.0));
        let keys: Vec<&str> = Metric::ALL.iter().map(|m| m.code()).collect();
        assert_eq!(keys, ["cases", "deaths", "recovered"]);
    }
}
