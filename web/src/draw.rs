//! The SVG that plotters draws for a view, and the mapping between its pixels and the days.

use std::ops::Range;

use chrono::Datelike;
use covid_model::{DailyPoint, Day};
use plotters::coord::ReverseCoordTranslate;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::format::{compact, month};
use crate::metric::Metric;
use crate::series::{averages, per_capita, segments, values};
use crate::state::{Scale, View, ViewState};

/// A drawn chart and the mapping between its pixels and the data.
#[derive(Clone)]
pub struct Rendered {
    pub svg: String,
    pub width: u32,
    pub height: u32,
    /// The shown indexes of the series.
    pub range: Range<usize>,
    coords: Option<Cartesian2d<RangedCoordf64, RangedCoordf64>>,
}

impl PartialEq for Rendered {
    fn eq(&self, other: &Self) -> bool {
        self.svg == other.svg && self.range == other.range
    }
}

impl Rendered {
    /// The index of the day nearest to a pixel of the SVG (plotters' reverse transform).
    pub fn index_at(&self, x: i32, y: i32) -> Option<usize> {
        let coords = self.coords.as_ref()?;
        if self.range.is_empty() {
            return None;
        }
        // Pointers over the axes count as the nearest edge of the plotting area.
        let (left, right) = self.plot_x_range()?;
        let (x_range, y_range) = (coords.get_x_range(), coords.get_y_range());
        let (top, bottom) = (
            coords.translate(&(x_range.start, y_range.end)).1,
            coords.translate(&(x_range.start, y_range.start)).1,
        );
        let (data_x, _) =
            coords.reverse_translate((x.clamp(left, right - 1), y.clamp(top, bottom - 1)))?;
        let i = data_x
            .round()
            .clamp(self.range.start as f64, (self.range.end - 1) as f64);
        Some(i as usize)
    }

    /// The horizontal pixel of day `index` in the SVG.
    pub fn x_of(&self, index: usize) -> Option<i32> {
        let coords = self.coords.as_ref()?;
        let y = coords.get_y_range().start;
        Some(coords.translate(&(index as f64, y)).0)
    }

    /// The left and right pixels of the plotting area.
    pub fn plot_x_range(&self) -> Option<(i32, i32)> {
        let coords = self.coords.as_ref()?;
        let range = coords.get_x_range();
        let y = coords.get_y_range().start;
        Some((
            coords.translate(&(range.start, y)).0,
            coords.translate(&(range.end, y)).0,
        ))
    }
}

/// What the chart is drawn from.
pub struct ChartInput<'a> {
    pub days: &'a [Day],
    pub daily: &'a [DailyPoint],
    pub state: &'a ViewState,
}

/// Draws the chart as SVG, `width` x `height` pixels.
pub fn render(input: &ChartInput<'_>, width: u32, height: u32) -> Rendered {
    let range = input.state.range(input.days);
    let mut svg = String::new();
    let coords = draw(input, range.clone(), width, height, &mut svg)
        .ok()
        .flatten();
    Rendered {
        svg,
        width,
        height,
        range,
        coords,
    }
}

type DrawResult<T> =
    Result<T, DrawingAreaErrorKind<<SVGBackend<'static> as DrawingBackend>::ErrorType>>;

fn draw(
    input: &ChartInput<'_>,
    range: Range<usize>,
    width: u32,
    height: u32,
    svg: &mut String,
) -> DrawResult<Option<Cartesian2d<RangedCoordf64, RangedCoordf64>>> {
    let state = input.state;
    let root = SVGBackend::with_string(svg, (width, height)).into_drawing_area();
    if range.is_empty() || state.metrics.is_empty() {
        root.present()?;
        return Ok(None);
    }
    let days = &input.days[range.clone()];
    let daily = &input.daily[range.clone()];
    /// One metric's drawable values (and 7-day averages in the daily view).
    struct Line {
        metric: Metric,
        values: Vec<Option<f64>>,
        averages: Vec<Option<f64>>,
    }
    let lines: Vec<Line> = state
        .metrics
        .iter()
        .map(|&metric| Line {
            metric,
            values: if state.per100k {
                per_capita(daily, metric, state.scale)
            } else {
                values(days, daily, state.view, metric, state.scale)
            },
            averages: match state.view {
                View::Daily if !state.per100k => averages(daily, metric, state.scale),
                _ => Vec::new(),
            },
        })
        .collect();
    let all = lines
        .iter()
        .flat_map(|l| l.values.iter().chain(l.averages.iter()))
        .flatten()
        .copied();
    let (mut low, mut high) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
        (l.min(v), h.max(v))
    });
    if !low.is_finite() {
        (low, high) = (0.0, 1.0);
    }
    let (y0, y1) = match state.scale {
        Scale::Linear => (low.min(0.0), if high > 0.0 { high * 1.05 } else { 1.0 }),
        // Counts start at 1 (10^0); averages per 100k go below it (deaths often do).
        Scale::Log if state.per100k => (low.floor(), high.ceil().max(low.floor() + 1.0)),
        Scale::Log => (low.floor().max(0.0), high.ceil().max(low.floor() + 1.0)),
    };
    let x0 = range.start as f64 - 0.5;
    let x1 = (range.end - 1) as f64 + 0.5;
    let span = days.len();
    let label_days = |x: &f64| {
        let i = x.round() as isize - range.start as isize;
        match usize::try_from(i).ok().and_then(|i| days.get(i)) {
            Some(d) if span > 120 => format!("{} {}", month(d.date), d.date.year()),
            Some(d) => format!("{} {}", month(d.date), d.date.day()),
            None => String::new(),
        }
    };
    let log = state.scale == Scale::Log;
    let label_values = |y: &f64| {
        if log {
            if (y - y.round()).abs() < 1e-9 {
                compact(10f64.powi(y.round() as i32))
            } else {
                String::new()
            }
        } else {
            compact(*y)
        }
    };
    let narrow = width < 520;
    let mut chart = ChartBuilder::on(&root)
        .margin_top(12)
        .margin_right(16)
        .x_label_area_size(28)
        .y_label_area_size(if narrow { 44 } else { 56 })
        .build_cartesian_2d(x0..x1, y0..y1)?;
    let axis = RGBColor(0x76, 0x7b, 0x82);
    chart
        .configure_mesh()
        .x_labels(if narrow { 4 } else { 7 })
        .y_labels(if log {
            ((y1 - y0) as usize + 1).min(10)
        } else {
            6
        })
        .x_label_formatter(&label_days)
        .y_label_formatter(&label_values)
        .label_style(("sans-serif", 12).into_font().color(&axis))
        .axis_style(axis)
        .bold_line_style(axis.mix(0.25))
        .light_line_style(axis.mix(0.08))
        .disable_x_mesh()
        .draw()?;
    for Line {
        metric,
        values,
        averages,
    } in &lines
    {
        let color = metric.color();
        // Per 100k: one line of 7-day averages per metric.
        let view = if state.per100k {
            View::Cumulative
        } else {
            state.view
        };
        match view {
            View::Cumulative => {
                for segment in segments(values, range.start) {
                    chart.draw_series(LineSeries::new(segment, color.stroke_width(2)))?;
                }
            }
            View::Daily => {
                let base = if log { y0 } else { 0.0 };
                let bars = values.iter().enumerate().filter_map(|(i, v)| {
                    let x = (range.start + i) as f64;
                    v.map(|v| {
                        Rectangle::new([(x - 0.4, base), (x + 0.4, v)], color.mix(0.35).filled())
                    })
                });
                chart.draw_series(bars)?;
                for segment in segments(averages, range.start) {
                    chart.draw_series(LineSeries::new(segment, color.stroke_width(2)))?;
                }
            }
        }
    }
    let coords = chart.as_coord_spec().clone();
    root.present()?;
    Ok(Some(coords))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::days;
    use crate::state::Preset;

    fn input<'a>(days: &'a [Day], daily: &'a [DailyPoint], state: &'a ViewState) -> ChartInput<'a> {
        ChartInput { days, daily, state }
    }

    #[test]
    fn nearest_day_from_a_pixel_uses_the_chart_transform() {
        let days = days();
        let daily = covid_model::daily(&days);
        for state in [
            ViewState::default(),
            ViewState {
                scale: Scale::Log,
                view: View::Daily,
                ..ViewState::default()
            },
            ViewState {
                preset: Preset::Days30,
                ..ViewState::default()
            },
        ] {
            let chart = render(&input(&days, &daily, &state), 800, 400);
            assert!(chart.svg.starts_with("<svg"), "{}", &chart.svg[..40]);
            for i in [
                chart.range.start,
                chart.range.start + 7,
                chart.range.end - 1,
            ] {
                let x = chart.x_of(i).unwrap();
                assert_eq!(chart.index_at(x, 200), Some(i), "{state:?}");
                assert_eq!(
                    chart.index_at(x + 2, 200),
                    Some(i),
                    "a pixel off is the same day"
                );
            }
            let (left, right) = chart.plot_x_range().unwrap();
            assert_eq!(
                chart.index_at(left - 50, 200),
                Some(chart.range.start),
                "clamped"
            );
            assert_eq!(chart.index_at(right + 50, 200), Some(chart.range.end - 1));
        }
    }

    /// The texts of an SVG's `<text>` elements.
    fn labels(svg: &str) -> Vec<String> {
        svg.split("<text")
            .skip(1)
            .filter_map(|t| t.split_once('>'))
            .map(|(_, rest)| {
                rest.split("</text>")
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn log_axis_labels_are_powers_of_ten() {
        let days = days();
        let daily = covid_model::daily(&days);
        let linear = labels(&render(&input(&days, &daily, &ViewState::default()), 800, 400).svg);
        let log = labels(
            &render(
                &input(
                    &days,
                    &daily,
                    &ViewState {
                        scale: Scale::Log,
                        ..ViewState::default()
                    },
                ),
                800,
                400,
            )
            .svg,
        );
        let values = |l: &[String]| {
            l.iter()
                .filter(|t| !t.contains(' '))
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_eq!(values(&log), ["10", "100", "1k", "10k", "100k"]);
        assert_eq!(
            values(&linear)[0],
            "0",
            "a linear axis starts at zero: {linear:?}"
        );
        assert!(linear.contains(&"Dec 10".to_string()), "{linear:?}");
    }

    #[test]
    fn per_capita_on_a_log_scale_reaches_below_one() {
        let days = days();
        // 1,000 residents: deaths rise by 1 a day, 100 per 100k; a million: 0.1 per 100k.
        for (population, lowest) in [(1_000, "100"), (1_000_000, "0.1")] {
            let daily = covid_model::daily_per_capita(&days, Some(population));
            let state = ViewState {
                per100k: true,
                scale: Scale::Log,
                metrics: vec![Metric::Deaths],
                ..ViewState::default()
            };
            let chart = render(&input(&days, &daily, &state), 800, 400);
            let shown = labels(&chart.svg);
            assert!(shown.iter().any(|l| l == lowest), "{population}: {shown:?}");
            assert!(chart.svg.contains("<polyline"), "a line is drawn");
        }
    }
}
