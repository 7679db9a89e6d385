//! The values a chart draws for one metric: `None` marks a gap, never a zero.

use covid_model::{DailyPoint, Day};

use crate::metric::Metric;
use crate::state::{Scale, View, ViewState};

/// What a line or bar of a metric draws for a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// The cumulative count.
    Total,
    /// The new count since the day before.
    Change,
    /// The 7-day average of the new counts.
    Average,
    /// The 7-day average of the new counts per 100,000 residents.
    Per100k,
}

impl Measure {
    /// The measure's value of `metric` on a day; `None` where there is none.
    pub fn of(self, metric: Metric, day: &Day, point: &DailyPoint) -> Option<f64> {
        match self {
            Measure::Total => metric.total(day).map(|v| v as f64),
            Measure::Change => metric.change(point).map(|v| v as f64),
            Measure::Average => metric.avg7(point),
            Measure::Per100k => metric.avg7_per_100k(point),
        }
    }

    /// The line and the bars a view draws for each region (the bars only for one region).
    pub fn for_view(state: &ViewState) -> (Measure, Option<Measure>) {
        match state.view {
            _ if state.per_100k() => (Measure::Per100k, None),
            View::Cumulative => (Measure::Total, None),
            View::Daily if state.compare.is_empty() => (Measure::Average, Some(Measure::Change)),
            View::Daily => (Measure::Average, None),
        }
    }
}

/// A chart's title: the metric and what the view draws of it (`drawn`, its line and bars, from
/// [`Measure::for_view`]). The site's panel headings and the embeds' titles both say it.
///
/// ```
/// use covid_chart::{metric::Metric, series::{Measure, title}};
/// let daily = (Measure::Average, Some(Measure::Change));
/// assert_eq!(title(Metric::Cases, daily), "New cases a day and 7-day average");
/// assert_eq!(title(Metric::Deaths, (Measure::Total, None)), "Deaths, cumulative");
/// ```
pub fn title(metric: Metric, drawn: (Measure, Option<Measure>)) -> String {
    let name = metric.label();
    let lower = name.to_ascii_lowercase();
    match drawn {
        (Measure::Per100k, _) => format!("{name} per 100,000 residents, 7-day average"),
        (Measure::Total, _) => format!("{name}, cumulative"),
        (_, Some(_)) => format!("New {lower} a day and 7-day average"),
        _ => format!("New {lower}, 7-day average"),
    }
}

/// A value as drawn: its log on a log scale, where zero and negative values are gaps.
pub fn scaled(value: Option<f64>, scale: Scale) -> Option<f64> {
    match scale {
        Scale::Linear => value,
        Scale::Log => value.filter(|v| *v > 0.0).map(f64::log10),
    }
}

/// Runs of consecutive drawable points: a line is broken at every gap, never drawn to zero.
pub fn segments(values: &[Option<f64>], offset: usize) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current = Vec::new();
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => current.push(((offset + i) as f64, *v)),
            None if !current.is_empty() => out.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_scale_leaves_out_zeros_and_negatives() {
        assert_eq!(scaled(Some(100.0), Scale::Log), Some(2.0));
        assert_eq!(scaled(Some(0.0), Scale::Log), None);
        assert_eq!(scaled(Some(-10.0), Scale::Log), None, "a downward revision");
        assert_eq!(scaled(Some(-10.0), Scale::Linear), Some(-10.0));
        assert_eq!(scaled(None, Scale::Linear), None);
    }

    #[test]
    fn each_view_draws_its_measures() {
        let mut state = ViewState::default();
        assert_eq!(Measure::for_view(&state), (Measure::Total, None));
        state.view = View::Daily;
        assert_eq!(
            Measure::for_view(&state),
            (Measure::Average, Some(Measure::Change)),
            "bars of new counts under their 7-day average"
        );
        state.compare = vec!["NY".into(), "CA".into()];
        assert_eq!(Measure::for_view(&state), (Measure::Per100k, None));
        state.per_100k = Some(false);
        assert_eq!(
            Measure::for_view(&state),
            (Measure::Average, None),
            "no bars when compared"
        );
        let days = crate::fixtures::days();
        let daily = covid_model::daily(&days);
        let (day, point) = (&days[10], &daily[10]);
        assert_eq!(Measure::Total.of(Metric::Deaths, day, point), Some(20.0));
        assert_eq!(Measure::Change.of(Metric::Deaths, day, point), Some(1.0));
        assert_eq!(
            Measure::Per100k.of(Metric::Deaths, day, point),
            None,
            "no population"
        );
    }

    #[test]
    fn gaps_break_a_line() {
        let broken = segments(&[Some(1.0), None, Some(2.0), Some(3.0), None], 10);
        assert_eq!(
            broken,
            vec![vec![(10.0, 1.0)], vec![(12.0, 2.0), (13.0, 3.0)]]
        );
    }
}
