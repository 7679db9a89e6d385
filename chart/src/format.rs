//! Numbers and dates as the chart's axes, tooltip, readout and table say them (without
//! chrono's strftime machinery, which costs wasm size).

use chrono::{Datelike, NaiveDate};
use covid_model::{DailyPoint, Day, thousands};

use crate::metric::Metric;
use crate::state::{View, ViewState};

/// The month's short English name.
pub fn month(date: NaiveDate) -> &'static str {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    MONTHS[date.month0() as usize]
}

/// `March 2023`: a month as the page's date ranges say it.
///
/// ```
/// let day = covid_chart::data::parse_date("2023-03-23").unwrap();
/// assert_eq!(covid_chart::format::month_year(day), "March 2023");
/// ```
pub fn month_year(date: NaiveDate) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    format!("{} {}", MONTHS[date.month0() as usize], date.year())
}

/// `1234567` -> `1.2M`, for axis labels.
///
/// ```
/// assert_eq!(covid_chart::format::compact(1_234_567.0), "1.2M");
/// ```
pub fn compact(v: f64) -> String {
    let a = v.abs();
    let (n, unit) = if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let text = if n.fract().abs() < 0.05 || n.abs() >= 100.0 {
        format!("{n:.0}")
    } else {
        format!("{n:.1}")
    };
    format!("{text}{unit}")
}

/// `Mar 7, 2021`.
///
/// ```
/// let day = covid_chart::data::parse_date("2021-03-07").unwrap();
/// assert_eq!(covid_chart::format::date(day), "Mar 7, 2021");
/// ```
pub fn date(date: NaiveDate) -> String {
    format!("{} {}, {}", month(date), date.day(), date.year())
}

/// A cumulative count, with thousands separators.
pub fn count(v: Option<u64>) -> String {
    v.map_or_else(|| "not reported".to_string(), thousands)
}

/// A daily change, which is negative when the source revised down.
///
/// ```
/// assert_eq!(covid_chart::format::signed(Some(-1200)), "-1,200");
/// assert_eq!(covid_chart::format::signed(None), "not reported");
/// ```
pub fn signed(v: Option<i64>) -> String {
    match v {
        None => "not reported".to_string(),
        Some(v) if v < 0 => format!("-{}", thousands(v.unsigned_abs())),
        Some(v) => thousands(v as u64),
    }
}

/// A 7-day average, rounded to a whole count; negative, as the daily changes are, when the
/// source revised its total down over the week.
///
/// ```
/// assert_eq!(covid_chart::format::average(Some(-35.7)), "-36");
/// assert_eq!(covid_chart::format::average(Some(-0.4)), "0");
/// ```
pub fn average(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_string(), |v| signed(Some(v.round() as i64)))
}

/// A 7-day average per 100,000 residents, to one decimal.
///
/// ```
/// assert_eq!(covid_chart::format::per_100k(Some(31.24)), "31.2");
/// assert_eq!(covid_chart::format::per_100k(None), "n/a");
/// ```
pub fn per_100k(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_string(), |v| format!("{v:.1}"))
}

/// What a metric says for a day in the chosen view, as the tooltip, the readout and the
/// table say it.
pub fn describe(metric: Metric, day: &Day, point: &DailyPoint, state: &ViewState) -> String {
    match state.view {
        _ if state.per_100k() => match metric.avg7_per_100k(point) {
            None => per_100k(None),
            v => format!("{} per 100k (7-day avg)", per_100k(v)),
        },
        View::Cumulative => count(metric.total(day)),
        View::Daily => format!(
            "{} (7-day avg {})",
            signed(metric.change(point)),
            average(metric.avg7(point))
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_names() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(month(d("2020-01-22")), "Jan");
        assert_eq!(month(d("2021-12-31")), "Dec");
    }

    #[test]
    fn compact_labels() {
        assert_eq!(compact(0.0), "0");
        assert_eq!(compact(950.0), "950");
        assert_eq!(compact(1500.0), "1.5k");
        assert_eq!(compact(29_569_140.0), "29.6M");
        assert_eq!(compact(-12_000.0), "-12k");
    }

    #[test]
    fn day_texts() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(date(d("2021-03-07")), "Mar 7, 2021");
        assert_eq!(count(Some(29_569_140)), "29,569,140");
        assert_eq!(count(None), "not reported");
        assert_eq!(signed(Some(-1_234)), "-1,234");
        assert_eq!(signed(Some(0)), "0");
        assert_eq!(average(Some(1_499.5)), "1,500");
        assert_eq!(average(None), "n/a");
        // California's deaths, 2021-06-04: NYT removed deaths, and the average is told so.
        assert_eq!(average(Some(-35.7)), "-36");
        assert_eq!(average(Some(-1_234.4)), "-1,234");
    }

    #[test]
    fn a_day_is_described_in_the_chosen_view() {
        let days = crate::fixtures::days();
        let daily = covid_model::daily(&days);
        let mut state = ViewState::default();
        let texts = |state: &ViewState, i: usize, metrics: &[Metric]| -> Vec<String> {
            metrics
                .iter()
                .map(|m| describe(*m, &days[i], &daily[i], state))
                .collect()
        };
        assert_eq!(
            texts(&state, 40, &Metric::ALL),
            ["17,000", "50", "not reported"]
        );
        state.view = View::Daily;
        let two = [Metric::Deaths, Metric::Recovered];
        assert_eq!(
            texts(&state, 10, &two),
            ["1 (7-day avg 1)", "1 (7-day avg 1)"]
        );
        assert_eq!(texts(&state, 0, &two), ["not reported (7-day avg n/a)"; 2]);
        // Per 100k: the model's unrounded averages, said to one decimal.
        let daily = covid_model::daily_per_100k(&days, Some(1_000));
        state.per_100k = Some(true);
        let texts: Vec<String> = two
            .iter()
            .map(|m| describe(*m, &days[10], &daily[10], &state))
            .collect();
        assert_eq!(texts, ["100.0 per 100k (7-day avg)", "n/a"]);
    }
}
