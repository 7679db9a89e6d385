//! The chart model: what is shown (view state, range, series with their gaps) and the SVG that
//! plotters draws for it. No DOM here, so all of it is tested on native.

use std::ops::Range;

use chrono::{Datelike, Duration, NaiveDate};
use covid_model::{DailyPoint, Day};
use plotters::coord::ReverseCoordTranslate;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

/// Cumulative totals, or daily new values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Cumulative,
    Daily,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    Linear,
    Log,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Cases,
    Deaths,
    Recovered,
}

impl Metric {
    pub const ALL: [Metric; 3] = [Metric::Cases, Metric::Deaths, Metric::Recovered];

    pub fn key(self) -> &'static str {
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
}

/// The date range presets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    Days30,
    Days90,
    Year,
    All,
    Custom,
}

impl Preset {
    pub const ALL: [Preset; 5] = [
        Preset::Days30,
        Preset::Days90,
        Preset::Year,
        Preset::All,
        Preset::Custom,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Preset::Days30 => "30d",
            Preset::Days90 => "90d",
            Preset::Year => "1y",
            Preset::All => "all",
            Preset::Custom => "custom",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Preset::Days30 => "30 days",
            Preset::Days90 => "90 days",
            Preset::Year => "1 year",
            Preset::All => "All",
            Preset::Custom => "Custom",
        }
    }
}

/// Everything a reader can set; it round-trips through the URL query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewState {
    pub view: View,
    pub scale: Scale,
    pub preset: Preset,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub metrics: Vec<Metric>,
    pub table: bool,
}

impl Default for ViewState {
    fn default() -> Self {
        Self {
            view: View::Cumulative,
            scale: Scale::Linear,
            preset: Preset::All,
            from: None,
            to: None,
            metrics: Metric::ALL.to_vec(),
            table: false,
        }
    }
}

impl ViewState {
    /// From a query string (with or without `?`); unknown or bad values fall back to defaults.
    pub fn from_query(query: &str) -> Self {
        let mut state = Self::default();
        for pair in query
            .trim_start_matches('?')
            .split('&')
            .filter(|p| !p.is_empty())
        {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "view" => {
                    state.view = if value == "daily" {
                        View::Daily
                    } else {
                        View::Cumulative
                    }
                }
                "scale" => {
                    state.scale = if value == "log" {
                        Scale::Log
                    } else {
                        Scale::Linear
                    }
                }
                "range" => {
                    state.preset = Preset::ALL
                        .into_iter()
                        .find(|p| p.key() == value)
                        .unwrap_or(Preset::All)
                }
                "from" => state.from = value.parse().ok(),
                "to" => state.to = value.parse().ok(),
                "metrics" => {
                    let metrics: Vec<Metric> = Metric::ALL
                        .into_iter()
                        .filter(|m| value.split(',').any(|v| v == m.key()))
                        .collect();
                    if !metrics.is_empty() {
                        state.metrics = metrics;
                    }
                }
                "table" => state.table = value == "1",
                _ => {}
            }
        }
        if state.preset != Preset::Custom {
            state.from = None;
            state.to = None;
        }
        state
    }

    /// The query string (without `?`) that reproduces this state; defaults are left out.
    pub fn to_query(&self) -> String {
        let default = Self::default();
        let mut parts = Vec::new();
        if self.view == View::Daily {
            parts.push("view=daily".to_string());
        }
        if self.scale == Scale::Log {
            parts.push("scale=log".to_string());
        }
        if self.preset != default.preset {
            parts.push(format!("range={}", self.preset.key()));
        }
        if self.preset == Preset::Custom {
            if let Some(from) = self.from {
                parts.push(format!("from={from}"));
            }
            if let Some(to) = self.to {
                parts.push(format!("to={to}"));
            }
        }
        if self.metrics != default.metrics {
            let keys: Vec<&str> = self.metrics.iter().map(|m| m.key()).collect();
            parts.push(format!("metrics={}", keys.join(",")));
        }
        if self.table {
            parts.push("table=1".to_string());
        }
        parts.join("&")
    }

    /// The indexes of `days` (sorted by date) that are shown.
    pub fn range(&self, days: &[Day]) -> Range<usize> {
        let Some(last) = days.last().map(|d| d.date) else {
            return 0..0;
        };
        let (from, to) = match self.preset {
            Preset::Days30 => (Some(last - Duration::days(29)), None),
            Preset::Days90 => (Some(last - Duration::days(89)), None),
            Preset::Year => (Some(last - Duration::days(364)), None),
            Preset::All => (None, None),
            Preset::Custom => (self.from, self.to),
        };
        let start = from.map_or(0, |f| days.partition_point(|d| d.date < f));
        let end = to.map_or(days.len(), |t| days.partition_point(|d| d.date <= t));
        start..end.max(start)
    }
}

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
            .map(|d| match metric {
                Metric::Cases => Some(d.cases as f64),
                Metric::Deaths => Some(d.deaths as f64),
                Metric::Recovered => d.recovered.map(|r| r as f64),
            })
            .collect(),
        View::Daily => daily
            .iter()
            .map(|d| match metric {
                Metric::Cases => d.new_cases,
                Metric::Deaths => d.new_deaths,
                Metric::Recovered => d.new_recovered,
            })
            .map(|v| v.map(|v| v as f64))
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
        .map(|d| match metric {
            Metric::Cases => d.avg7_cases,
            Metric::Deaths => d.avg7_deaths,
            Metric::Recovered => d.avg7_recovered,
        })
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

/// The month's short English name (without chrono's strftime machinery, which costs wasm size).
pub fn month(date: NaiveDate) -> &'static str {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    MONTHS[date.month0() as usize]
}

/// `1234567` -> `1.2M`, for axis labels.
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
            values: values(days, daily, state.view, metric, state.scale),
            averages: match state.view {
                View::Daily => averages(daily, metric, state.scale),
                View::Cumulative => Vec::new(),
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
        match state.view {
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

    /// 60 days from 2020-11-20: recoveries reported until 2020-12-13, then not.
    fn days() -> Vec<Day> {
        let start: NaiveDate = "2020-11-20".parse().unwrap();
        (0..60u64)
            .map(|i| {
                let date = start + Duration::days(i as i64);
                Day {
                    date,
                    cases: 1000 + i * i * 10,
                    deaths: 10 + i,
                    recovered: (date < "2020-12-14".parse().unwrap()).then_some(500 + i),
                }
            })
            .collect()
    }

    fn input<'a>(days: &'a [Day], daily: &'a [DailyPoint], state: &'a ViewState) -> ChartInput<'a> {
        ChartInput { days, daily, state }
    }

    #[test]
    fn presets_and_custom_ranges() {
        let days = days();
        let mut state = ViewState::default();
        assert_eq!(state.range(&days), 0..60);
        state.preset = Preset::Days30;
        assert_eq!(state.range(&days), 30..60);
        state.preset = Preset::Year;
        assert_eq!(state.range(&days), 0..60);
        state.preset = Preset::Custom;
        state.from = Some("2020-12-01".parse().unwrap());
        state.to = Some("2020-12-10".parse().unwrap());
        assert_eq!(state.range(&days), 11..21);
        state.from = Some("2021-06-01".parse().unwrap());
        assert!(state.range(&days).is_empty(), "from after the data");
        assert!(ViewState::default().range(&[]).is_empty());
    }

    #[test]
    fn view_state_round_trips_through_the_query() {
        let state = ViewState {
            view: View::Daily,
            scale: Scale::Log,
            preset: Preset::Custom,
            from: Some("2020-12-01".parse().unwrap()),
            to: Some("2020-12-31".parse().unwrap()),
            metrics: vec![Metric::Cases, Metric::Recovered],
            table: true,
        };
        let query = state.to_query();
        assert_eq!(
            query,
            "view=daily&scale=log&range=custom&from=2020-12-01&to=2020-12-31&metrics=cases,recovered&table=1"
        );
        assert_eq!(ViewState::from_query(&format!("?{query}")), state);
        assert_eq!(ViewState::default().to_query(), "");
        assert_eq!(
            ViewState::from_query("view=bogus&range=9y&metrics=none&from=x"),
            ViewState::default()
        );
    }

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
}
