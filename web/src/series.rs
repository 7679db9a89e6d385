//! The values a chart draws for one metric: `None` marks a gap, never a zero.

use covid_model::{DailyPoint, Day};

use crate::metric::Metric;
use crate::state::{Scale, View};

/// The values of one metric: `None` where there is nothing to draw (not reported, or not
/// drawable on a log scale: zero or negative).
pub fn values(
    days: &[Day],
    daily: &[DailyPoint],
    view: View,
    metric: Metric,
    scale: Scale,
) -> Vec<Option<f64>> {
    let raw: Vec<Option<f64>> = match view {
        View::Cumulative => days
            .iter()
            .map(|d| metric.total(d).map(|v| v as f64))
            .collect(),
        View::Daily => daily
            .iter()
            .map(|d| metric.change(d).map(|v| v as f64))
            .collect(),
    };
    match scale {
        Scale::Linear => raw,
        Scale::Log => raw
            .into_iter()
            .map(|v| v.filter(|v| *v > 0.0).map(f64::log10))
            .collect(),
    }
}

/// 7-day averages of one metric (daily view), with the same gaps rule.
pub fn averages(daily: &[DailyPoint], metric: Metric, scale: Scale) -> Vec<Option<f64>> {
    daily
        .iter()
        .map(|d| metric.avg7(d))
        .map(|v| match scale {
            Scale::Linear => v,
            Scale::Log => v.filter(|v| *v > 0.0).map(f64::log10),
        })
        .collect()
}

/// 7-day averages of one metric per 100,000 residents, with the same gaps rule (none for
/// recoveries, or without a population).
pub fn per_capita(daily: &[DailyPoint], metric: Metric, scale: Scale) -> Vec<Option<f64>> {
    daily
        .iter()
        .map(|d| metric.avg7_per_100k(d))
        .map(|v| match scale {
            Scale::Linear => v,
            Scale::Log => v.filter(|v| *v > 0.0).map(f64::log10),
        })
        .collect()
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
    use crate::fixtures::days;

    #[test]
    fn log_scale_leaves_out_zeros_and_negatives() {
        let days = [
            Day {
                date: "2020-01-22".parse().unwrap(),
                cases: 0,
                deaths: 0,
                recovered: Some(0),
            },
            Day {
                date: "2020-01-23".parse().unwrap(),
                cases: 100,
                deaths: 0,
                recovered: Some(10),
            },
            Day {
                date: "2020-01-24".parse().unwrap(),
                cases: 90,
                deaths: 1,
                recovered: None,
            },
        ];
        let daily = covid_model::daily(&days);
        assert_eq!(
            values(&days, &daily, View::Cumulative, Metric::Cases, Scale::Log),
            [None, Some(2.0), Some(90f64.log10())]
        );
        assert_eq!(
            values(
                &days,
                &daily,
                View::Cumulative,
                Metric::Cases,
                Scale::Linear
            ),
            [Some(0.0), Some(100.0), Some(90.0)]
        );
        // A downward revision: -10 new cases is drawn on a linear scale, left out on a log one.
        assert_eq!(
            values(&days, &daily, View::Daily, Metric::Cases, Scale::Linear)[2],
            Some(-10.0)
        );
        assert_eq!(
            values(&days, &daily, View::Daily, Metric::Cases, Scale::Log)[2],
            None
        );
    }

    #[test]
    fn unreported_recoveries_are_a_gap_not_a_fall_to_zero() {
        let days = days();
        let daily = covid_model::daily(&days);
        let recovered = values(
            &days,
            &daily,
            View::Cumulative,
            Metric::Recovered,
            Scale::Linear,
        );
        let runs = segments(&recovered, 0);
        assert_eq!(runs.len(), 1, "one run, then nothing");
        assert_eq!(runs[0].len(), 24, "2020-11-20..2020-12-13");
        assert!(runs[0].iter().all(|(_, v)| *v >= 500.0));
        let broken = segments(&[Some(1.0), None, Some(2.0), Some(3.0), None], 10);
        assert_eq!(
            broken,
            vec![vec![(10.0, 1.0)], vec![(12.0, 2.0), (13.0, 3.0)]]
        );
    }
}
