//! The SVG that plotters draws for a view, and the mapping between its pixels and the days.

use std::ops::Range;

use chrono::{Datelike, NaiveDate};
use plotters::coord::ReverseCoordTranslate;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::format::{compact, month};
use crate::frame::Panel;
use crate::series::segments;
use crate::state::Scale;

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

/// What one chart panel is drawn from.
pub struct ChartInput<'a> {
    pub panel: &'a Panel,
    /// The axis' dates, and the shown ones.
    pub dates: &'a [NaiveDate],
    pub range: Range<usize>,
    pub scale: Scale,
    /// Per capita: on a log scale the axis goes below 1.
    pub per_capita: bool,
}

/// Draws a panel as SVG, `width` x `height` pixels.
pub fn render(input: &ChartInput<'_>, width: u32, height: u32) -> Rendered {
    let mut svg = String::new();
    let coords = draw(input, width, height, &mut svg).ok().flatten();
    Rendered {
        svg,
        width,
        height,
        range: input.range.clone(),
        coords,
    }
}

/// The least distance between two line-end labels, in pixels (12 px text).
const LABEL_GAP: i32 = 14;

type Coords = Cartesian2d<RangedCoordf64, RangedCoordf64>;

type DrawResult<T> =
    Result<T, DrawingAreaErrorKind<<SVGBackend<'static> as DrawingBackend>::ErrorType>>;

/// The lowest and highest drawn values in `range`; 0..1 when there is none.
fn extent(panel: &Panel, range: &Range<usize>) -> (f64, f64) {
    let all = panel.lines.iter().flat_map(|l| {
        l.values[range.clone()]
            .iter()
            .chain(l.bars.iter().flat_map(|b| b[range.clone()].iter()))
    });
    let (low, high) = all
        .flatten()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(*v), h.max(*v))
        });
    if low.is_finite() {
        (low, high)
    } else {
        (0.0, 1.0)
    }
}

/// The y values that get a grid line and a label: whole powers of ten on a log scale (every
/// other one when there are many), plotters' round key points on a linear one.
fn y_ticks(coords: &Coords, log: bool, height: u32) -> Vec<f64> {
    let range = coords.get_y_range();
    if log {
        let (low, high) = (range.start.ceil() as i32, range.end.floor() as i32);
        let most = if height < 300 { 6 } else { 10 };
        let step = ((high - low) as usize / most + 1).max(1);
        (low..=high).step_by(step).map(f64::from).collect()
    } else {
        coords.y_spec().key_points(if height < 300 { 4 } else { 6 })
    }
}

/// The axes, the horizontal grid and the tick labels. Drawn here, not by plotters' mesh: on
/// wasm, the mesh measures every label by adding it to the page and reading its size back (a
/// forced layout each), which took most of the time between the data's arrival and the chart.
#[allow(clippy::too_many_arguments)]
fn draw_axes(
    root: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    coords: &Coords,
    label_x: &dyn Fn(&f64) -> String,
    label_y: &dyn Fn(&f64) -> String,
    log: bool,
    narrow: bool,
    height: u32,
    axis: RGBColor,
) -> DrawResult<()> {
    let (x_range, y_range) = (coords.get_x_range(), coords.get_y_range());
    let (left, bottom) = coords.translate(&(x_range.start, y_range.start));
    let (right, top) = coords.translate(&(x_range.end, y_range.end));
    let font = ("sans-serif", 12).into_font().color(&axis);
    for y in y_ticks(coords, log, height) {
        let py = coords.translate(&(x_range.start, y)).1;
        root.draw(&PathElement::new(
            vec![(left, py), (right, py)],
            axis.mix(0.25),
        ))?;
        root.draw(&Text::new(
            label_y(&y),
            (left - 6, py),
            font.clone().pos(Pos::new(HPos::Right, VPos::Center)),
        ))?;
    }
    for x in coords.x_spec().key_points(if narrow { 4 } else { 7 }) {
        let px = coords.translate(&(x, y_range.start)).0;
        root.draw(&PathElement::new(
            vec![(px, bottom), (px, bottom + 5)],
            axis,
        ))?;
        root.draw(&Text::new(
            label_x(&x),
            (px, bottom + 8),
            font.clone().pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
    }
    root.draw(&PathElement::new(
        vec![(left, top), (left, bottom), (right, bottom)],
        axis,
    ))?;
    Ok(())
}

fn draw(
    input: &ChartInput<'_>,
    width: u32,
    height: u32,
    svg: &mut String,
) -> DrawResult<Option<Cartesian2d<RangedCoordf64, RangedCoordf64>>> {
    let range = input.range.clone();
    let root = SVGBackend::with_string(svg, (width, height)).into_drawing_area();
    if range.is_empty() || input.panel.lines.is_empty() {
        root.present()?;
        return Ok(None);
    }
    let (low, high) = extent(input.panel, &range);
    let log = input.scale == Scale::Log;
    let (y0, y1) = match input.scale {
        Scale::Linear => (low.min(0.0), if high > 0.0 { high * 1.05 } else { 1.0 }),
        // Counts start at 1 (10^0); averages per 100k go below it (deaths often do).
        Scale::Log if input.per_capita => (low.floor(), high.ceil().max(low.floor() + 1.0)),
        Scale::Log => (low.floor().max(0.0), high.ceil().max(low.floor() + 1.0)),
    };
    let x0 = range.start as f64 - 0.5;
    let x1 = (range.end - 1) as f64 + 0.5;
    let dates = input.dates;
    let span = range.len();
    let label_days = |x: &f64| match usize::try_from(x.round() as isize)
        .ok()
        .and_then(|i| dates.get(i))
    {
        Some(d) if span > 120 => format!("{} {}", month(*d), d.year()),
        Some(d) => format!("{} {}", month(*d), d.day()),
        None => String::new(),
    };
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
    let labelled = input.panel.lines.iter().any(|l| l.label.is_some());
    let mut chart = ChartBuilder::on(&root)
        .margin_top(12)
        .margin_right(if labelled { 44 } else { 16 })
        .x_label_area_size(28)
        .y_label_area_size(if narrow { 44 } else { 56 })
        .build_cartesian_2d(x0..x1, y0..y1)?;
    let axis = RGBColor(0x76, 0x7b, 0x82);
    draw_axes(
        &root,
        chart.as_coord_spec(),
        &label_days,
        &label_values,
        log,
        narrow,
        height,
        axis,
    )?;
    let mut ends = Vec::new();
    for line in &input.panel.lines {
        let color = line.color;
        if let Some(bars) = &line.bars {
            let base = if log { y0 } else { 0.0 };
            let bars = range.clone().filter_map(|x| {
                let at = x as f64;
                bars[x].map(|v| {
                    Rectangle::new([(at - 0.4, base), (at + 0.4, v)], color.mix(0.35).filled())
                })
            });
            chart.draw_series(bars)?;
        }
        for segment in segments(&line.values[range.clone()], range.start) {
            chart.draw_series(LineSeries::new(segment, color.stroke_width(2)))?;
        }
        let last = range
            .clone()
            .rev()
            .find_map(|x| line.values[x].map(|v| (x as f64, v)));
        if let (Some(label), Some(point)) = (line.label, last) {
            chart.draw_series(std::iter::once(Circle::new(point, 3, color.filled())))?;
            ends.push((chart.as_coord_spec().translate(&point).1, label, color));
        }
    }
    // Each compared line ends in its region's label; labels that would overlap are pushed apart.
    // At most six: an insertion sort, rather than one more instance of the slice sort.
    for i in 1..ends.len() {
        let mut j = i;
        while j > 0 && ends[j - 1].0 > ends[j].0 {
            ends.swap(j - 1, j);
            j -= 1;
        }
    }
    let (plot_right, plot_bottom) = chart.as_coord_spec().translate(&(x1, y0));
    let mut floor = i32::MIN;
    for end in &mut ends {
        end.0 = end.0.max(floor);
        floor = end.0 + LABEL_GAP;
    }
    // Pushed below the plotting area, the stack moves up as a whole.
    let over = ends.last().map_or(0, |e| e.0 - plot_bottom).max(0);
    for (y, label, color) in ends {
        let y = y - over;
        root.draw(&Rectangle::new(
            [(plot_right + 5, y - 4), (plot_right + 13, y + 4)],
            color.filled(),
        ))?;
        root.draw(&Text::new(
            label.to_string(),
            (plot_right + 16, y),
            ("sans-serif", 12)
                .into_font()
                .color(&axis)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    let coords = chart.as_coord_spec().clone();
    root.present()?;
    Ok(Some(coords))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Data;
    use crate::fixtures::days;
    use crate::frame::Frame;
    use crate::metric::Metric;
    use crate::state::{Preset, View, ViewState};
    use covid_model::Region;

    fn frame(ids: &[&str], population: Option<u64>) -> Frame {
        let data = ids
            .iter()
            .map(|id| {
                let days = days();
                Data {
                    region: Region::by_id(id).unwrap(),
                    population,
                    daily: covid_model::daily_per_capita(&days, population),
                    days,
                    source: String::new(),
                    last_changed: None,
                }
            })
            .collect();
        Frame::new(data, ids.len() > 1)
    }

    /// The first panel of `state`, drawn 800 x 400.
    fn chart(frame: &Frame, state: &ViewState, metric: Metric) -> Rendered {
        let panels = frame.panels(state);
        let panel = panels.iter().find(|p| p.metric == metric).unwrap();
        render(
            &ChartInput {
                panel,
                dates: &frame.dates,
                range: state.range(&frame.dates),
                scale: state.scale,
                per_capita: state.per_capita(),
            },
            800,
            400,
        )
    }

    #[test]
    fn nearest_day_from_a_pixel_uses_the_chart_transform() {
        let us = frame(&["US"], None);
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
            let chart = chart(&us, &state, Metric::Cases);
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
    fn each_metric_has_its_own_scale() {
        let us = frame(&["US"], None);
        let state = ViewState::default();
        let values = |l: Vec<String>| {
            l.into_iter()
                .filter(|t| !t.contains(' '))
                .collect::<Vec<_>>()
        };
        let cases = values(labels(&chart(&us, &state, Metric::Cases).svg));
        let deaths = values(labels(&chart(&us, &state, Metric::Deaths).svg));
        // Cases reach 35,810, deaths 69: each axis spans its own values.
        assert_eq!(cases.last().map(String::as_str), Some("30k"), "{cases:?}");
        assert!(deaths.iter().all(|l| !l.ends_with('k')), "{deaths:?}");
        assert_eq!(deaths[0], "0", "a linear axis starts at zero: {deaths:?}");
    }

    #[test]
    fn log_axis_labels_are_powers_of_ten() {
        let us = frame(&["US"], None);
        let linear = labels(&chart(&us, &ViewState::default(), Metric::Cases).svg);
        let state = ViewState {
            scale: Scale::Log,
            ..ViewState::default()
        };
        let log = labels(&chart(&us, &state, Metric::Cases).svg);
        let values = |l: &[String]| {
            l.iter()
                .filter(|t| !t.contains(' '))
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_eq!(values(&log), ["1k", "10k", "100k"]);
        assert_eq!(values(&linear)[0], "0", "{linear:?}");
        assert!(linear.contains(&"Dec 10".to_string()), "{linear:?}");
    }

    #[test]
    fn per_capita_on_a_log_scale_reaches_below_one() {
        // 1,000 residents: deaths rise by 1 a day, 100 per 100k; a million: 0.1 per 100k.
        for (population, lowest) in [(1_000, "100"), (1_000_000, "0.1")] {
            let state = ViewState {
                per100k: Some(true),
                scale: Scale::Log,
                metrics: vec![Metric::Deaths],
                ..ViewState::default()
            };
            let chart = chart(&frame(&["US"], Some(population)), &state, Metric::Deaths);
            let shown = labels(&chart.svg);
            assert!(shown.iter().any(|l| l == lowest), "{population}: {shown:?}");
            assert!(chart.svg.contains("<polyline"), "a line is drawn");
        }
    }

    #[test]
    fn compared_lines_end_in_their_labels() {
        let three = frame(&["NY", "CA", "TX"], Some(1_000));
        let state = ViewState::from_query("compare=NY,CA,TX");
        let drawn = chart(&three, &state, Metric::Deaths);
        let shown = labels(&drawn.svg);
        for id in ["NY", "CA", "TX"] {
            assert!(shown.iter().any(|l| l == id), "{id} in {shown:?}");
        }
        let lines = drawn.svg.matches("<polyline").count();
        assert!(lines >= 3, "{lines} polylines");
        for color in ["#0072B2", "#D55E00", "#009E73"] {
            assert!(drawn.svg.to_uppercase().contains(color), "{color}");
        }
        // Their labels stack 14 px apart, above the x axis.
        // Deaths stop rising 20 days before the end: every line ends at 0, the axis' bottom.
        let flat: Vec<covid_model::Day> = days()
            .into_iter()
            .enumerate()
            .map(|(i, d)| covid_model::Day {
                deaths: 10 + i.min(40) as u64,
                ..d
            })
            .collect();
        let six = Frame::new(
            ["NY", "CA", "TX", "FL", "IL", "PA"]
                .iter()
                .map(|id| Data {
                    region: Region::by_id(id).unwrap(),
                    population: Some(1_000),
                    daily: covid_model::daily_per_capita(&flat, Some(1_000)),
                    days: flat.clone(),
                    source: String::new(),
                    last_changed: None,
                })
                .collect(),
            true,
        );
        let state = ViewState::from_query("compare=NY,CA,TX,FL,IL,PA&range=30d");
        let svg = chart(&six, &state, Metric::Deaths).svg;
        let y_of = |id: &str| -> i32 {
            let at = svg
                .find(&format!(">{id}<"))
                .or_else(|| svg.find(&format!(">\n{id}")))
                .unwrap();
            let tag = &svg[svg[..at].rfind("<text").unwrap()..at];
            let y = tag
                .split(" y=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            y.parse().unwrap()
        };
        let mut ys: Vec<i32> = ["NY", "CA", "TX", "FL", "IL", "PA"]
            .iter()
            .map(|id| y_of(id))
            .collect();
        ys.sort();
        assert!(ys.windows(2).all(|w| w[1] - w[0] >= LABEL_GAP), "{ys:?}");
        assert!(
            *ys.last().unwrap() <= 400 - 28,
            "above the x axis labels: {ys:?}"
        );
    }
}
