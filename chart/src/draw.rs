//! The SVG that plotters draws for a view, and the mapping between its pixels and the days.
//!
//! The charts are drawn on plotters' SVG backend through its drawing primitives (lines,
//! paths, rectangles, circles, text), with the plotting area's mapping and the axis ticks
//! worked out here. Plotters' chart builder, coordinate types and series elements added about
//! 15 KB of gzipped wasm for the same SVG (the site's first-load budget).

use std::ops::Range;

use chrono::{Datelike, NaiveDate};
use plotters::prelude::{DrawingBackend, SVGBackend};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, RGBColor, ShapeStyle};
use plotters_backend::{BackendColor, BackendTextStyle, DrawingErrorKind, FontFamily};

use crate::format::{compact, month};
use crate::frame::Panel;
use crate::metric::Metric;
use crate::series::segments;
use crate::state::Scale;
use covid_model::Level;

/// The plotting area: its pixels and the data ranges they show (days on x; values as drawn,
/// their logs on a log scale, on y).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Plot {
    left: i32,
    right: i32,
    top: i32,
    bottom: i32,
    x: (f64, f64),
    y: (f64, f64),
}

impl Plot {
    fn px(&self, x: f64) -> i32 {
        let share = (x - self.x.0) / (self.x.1 - self.x.0);
        self.left + (share * f64::from(self.right - self.left)).round() as i32
    }

    fn py(&self, y: f64) -> i32 {
        let share = (y - self.y.0) / (self.y.1 - self.y.0);
        self.bottom - (share * f64::from(self.bottom - self.top)).round() as i32
    }

    fn point(&self, (x, y): (f64, f64)) -> (i32, i32) {
        (self.px(x), self.py(y))
    }

    /// The day at pixel column `px`.
    fn x_at(&self, px: i32) -> f64 {
        let share = f64::from(px - self.left) / f64::from(self.right - self.left);
        self.x.0 + share * (self.x.1 - self.x.0)
    }
}

/// A drawn chart and the mapping between its pixels and the data.
#[derive(Clone)]
pub struct Rendered {
    pub svg: String,
    pub width: u32,
    /// The shown indexes of the series.
    pub range: Range<usize>,
    /// A value drawn is below 0 (on a linear scale): the source revised its total down.
    pub below_zero: bool,
    plot: Option<Plot>,
}

impl PartialEq for Rendered {
    fn eq(&self, other: &Self) -> bool {
        self.svg == other.svg && self.range == other.range
    }
}

impl Rendered {
    /// The index of the day nearest to a pixel column of the SVG; pointers over the axes count
    /// as the nearest edge of the plotting area.
    pub fn index_at(&self, x: i32) -> Option<usize> {
        let plot = self.plot.as_ref()?;
        if self.range.is_empty() {
            return None;
        }
        let day = plot.x_at(x.clamp(plot.left, plot.right));
        let i = day
            .round()
            .clamp(self.range.start as f64, (self.range.end - 1) as f64);
        Some(i as usize)
    }

    /// The horizontal pixel of day `index` in the SVG.
    pub fn x_of(&self, index: usize) -> Option<i32> {
        Some(self.plot.as_ref()?.px(index as f64))
    }

    /// The left and right pixels of the plotting area.
    pub fn plot_x_range(&self) -> Option<(i32, i32)> {
        let plot = self.plot.as_ref()?;
        Some((plot.left, plot.right))
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
    pub per_100k: bool,
}

/// Draws a panel as SVG, `width` x `height` pixels.
pub fn render(input: &ChartInput<'_>, width: u32, height: u32) -> Rendered {
    let mut svg = String::new();
    let plot = draw(input, width, height, &mut svg).ok().flatten();
    // On a linear scale the value axis starts below 0 exactly when a drawn value does.
    let below_zero = input.scale == Scale::Linear && plot.as_ref().is_some_and(|p| p.y.0 < 0.0);
    Rendered {
        svg,
        width,
        range: input.range.clone(),
        below_zero,
        plot,
    }
}

/// What a chart with a value below 0 says of it (a sentence without its full stop).
pub const BELOW_ZERO_NOTE: &str = "Below 0: the source revised its total down";

/// The colour of the marks of revised days (4.5:1 on white).
pub const REVISED: RGBColor = RGBColor(0x76, 0x76, 0x76);

/// The least distance between two line-end labels, in pixels (12 px text).
const LABEL_GAP: i32 = 14;

/// The narrowest bar drawn as its own rectangle, in pixels; narrower bars are drawn together
/// as one area ([`dense_bars`]).
const MIN_BAR: i32 = 2;

/// Bars too narrow to tell apart, as the outline of one area: per pixel column, the bar that
/// reaches farthest from the base (a gap is the base). The area looks as the bars would, in
/// one element whose size grows with the width, not with the days (a daily chart of every day
/// is ~10 KB, not ~100 KB).
fn dense_bars(
    plot: &Plot,
    bars: &[Option<f64>],
    range: &Range<usize>,
    base: i32,
) -> Vec<(i32, i32)> {
    let mut columns: Vec<(i32, i32)> = Vec::with_capacity(range.len() + 2);
    for x in range.clone() {
        let (px, py) = (plot.px(x as f64), bars[x].map_or(base, |v| plot.py(v)));
        match columns.last_mut() {
            Some(last) if last.0 == px => {
                if (py - base).abs() > (last.1 - base).abs() {
                    last.1 = py;
                }
            }
            _ => columns.push((px, py)),
        }
    }
    let (Some(&(first, _)), Some(&(last, _))) = (columns.first(), columns.last()) else {
        return Vec::new();
    };
    let mut outline = Vec::with_capacity(columns.len() + 2);
    outline.push((first, base));
    outline.extend(columns);
    outline.push((last, base));
    outline
}

/// The axes' and labels' grey.
const AXIS: RGBColor = RGBColor(0x76, 0x7b, 0x82);

type DrawResult<T> = Result<T, DrawingErrorKind<std::io::Error>>;

/// The labels' text: 12 px sans-serif in the axes' grey, placed by `anchor`. The SVG backend
/// writes it as a `<text>` element and never measures it.
struct Label(Pos);

impl BackendTextStyle for Label {
    type FontError = std::fmt::Error;

    fn color(&self) -> BackendColor {
        AXIS.to_backend_color()
    }

    fn size(&self) -> f64 {
        12.0
    }

    fn anchor(&self) -> Pos {
        self.0
    }

    fn family(&self) -> FontFamily<'_> {
        FontFamily::SansSerif
    }

    fn layout_box(&self, _text: &str) -> Result<((i32, i32), (i32, i32)), Self::FontError> {
        Err(std::fmt::Error)
    }

    fn draw<E, F: FnMut(i32, i32, BackendColor) -> Result<(), E>>(
        &self,
        _text: &str,
        _pos: (i32, i32),
        _draw: F,
    ) -> Result<Result<(), E>, Self::FontError> {
        Err(std::fmt::Error)
    }
}

fn stroke(color: RGBColor, alpha: f64, width: u32) -> ShapeStyle {
    ShapeStyle {
        color: color.mix(alpha),
        filled: false,
        stroke_width: width,
    }
}

/// The value axis for values from `low` to `high`: from 0 (or below it, with the same 5%
/// room as above, so a negative bar, a revision down, ends inside the plot, not on its edge).
fn value_range(low: f64, high: f64, scale: Scale, per_100k: bool) -> (f64, f64) {
    match scale {
        Scale::Linear => (
            if low < 0.0 { low * 1.05 } else { 0.0 },
            if high > 0.0 { high * 1.05 } else { 1.0 },
        ),
        // Counts start at 1 (10^0); averages per 100k go below it (deaths often do).
        Scale::Log if per_100k => (low.floor(), high.ceil().max(low.floor() + 1.0)),
        Scale::Log => (low.floor().max(0.0), high.ceil().max(low.floor() + 1.0)),
    }
}

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

/// At most `most` round values (multiples of 1, 2 or 5 times a power of ten) in `low..=high`,
/// as few steps as that allows.
pub(crate) fn round_ticks(low: f64, high: f64, most: usize) -> Vec<f64> {
    if !low.is_finite() || !high.is_finite() || high <= low || most == 0 {
        return Vec::new();
    }
    // Steps of m * 10^e; below 1, divided by 10^-e, so that 3 * 0.2 is 0.6, not 0.6000000000000001.
    let mut e = (high - low).log10().floor() as i32 - 1;
    loop {
        let (scale, below_one) = (10f64.powi(e.abs()), e < 0);
        for m in [1.0, 2.0, 5.0] {
            let step = if below_one { m / scale } else { m * scale };
            let (first, last) = ((low / step).ceil(), (high / step).floor());
            if last - first + 1.0 <= most as f64 {
                return (first as i64..=last as i64)
                    .map(|k| {
                        let k = k as f64 * m;
                        if below_one { k / scale } else { k * scale }
                    })
                    .collect();
            }
        }
        e += 1;
    }
}

/// The days that get a tick on the date axis, at most `most`: the first days of every month,
/// or of every 2nd, 3rd, 6th or 12th month, over more than 120 days; every few days back from
/// the newest over fewer.
fn date_ticks(dates: &[NaiveDate], range: &Range<usize>, most: usize) -> Vec<f64> {
    if range.len() <= 120 {
        // Every 1, 2, 5, 7, 14 or 28 days back from the newest shown day, which is always
        // labelled.
        let every = [1, 2, 5, 7, 14, 28]
            .into_iter()
            .find(|every| range.len().div_ceil(*every) <= most)
            .unwrap_or(range.len());
        let mut ticks: Vec<f64> = range
            .clone()
            .rev()
            .step_by(every)
            .map(|i| i as f64)
            .collect();
        ticks.reverse();
        return ticks;
    }
    for every in [1, 2, 3, 6, 12] {
        let ticks: Vec<f64> = range
            .clone()
            .filter(|&i| dates[i].day() == 1 && dates[i].month0().is_multiple_of(every))
            .map(|i| i as f64)
            .collect();
        if ticks.len() <= most {
            return ticks;
        }
    }
    Vec::new()
}

/// The y values that get a grid line and a label: whole powers of ten on a log scale (every
/// other one when there are many), round values on a linear one.
fn y_ticks(plot: &Plot, log: bool, height: u32) -> Vec<f64> {
    let (low, high) = plot.y;
    if log {
        let (low, high) = (low.ceil() as i32, high.floor() as i32);
        let most = if height < 300 { 6 } else { 10 };
        let step = ((high - low) as usize / most + 1).max(1);
        (low..=high).step_by(step).map(f64::from).collect()
    } else {
        round_ticks(low, high, if height < 300 { 4 } else { 6 })
    }
}

/// The axes, the horizontal grid and the tick labels.
fn draw_axes(
    svg: &mut SVGBackend<'_>,
    plot: &Plot,
    label_x: &dyn Fn(f64) -> String,
    label_y: &dyn Fn(f64) -> String,
    x_ticks: Vec<f64>,
    log: bool,
    height: u32,
) -> DrawResult<()> {
    let (left, right, top, bottom) = (plot.left, plot.right, plot.top, plot.bottom);
    let grid = stroke(AXIS, 0.25, 1);
    let right_middle = Label(Pos::new(HPos::Right, VPos::Center));
    for y in y_ticks(plot, log, height) {
        let py = plot.py(y);
        svg.draw_line((left, py), (right, py), &grid)?;
        svg.draw_text(&label_y(y), &right_middle, (left - 6, py))?;
    }
    let axis = stroke(AXIS, 1.0, 1);
    let centre_top = Label(Pos::new(HPos::Center, VPos::Top));
    for x in x_ticks {
        let px = plot.px(x);
        svg.draw_line((px, bottom), (px, bottom + 5), &axis)?;
        svg.draw_text(&label_x(x), &centre_top, (px, bottom + 8))?;
    }
    svg.draw_path([(left, top), (left, bottom), (right, bottom)], &axis)
}

fn draw(
    input: &ChartInput<'_>,
    width: u32,
    height: u32,
    out: &mut String,
) -> DrawResult<Option<Plot>> {
    let range = input.range.clone();
    let mut svg = SVGBackend::with_string(out, (width, height));
    if range.is_empty() || input.panel.lines.is_empty() {
        svg.present()?;
        return Ok(None);
    }
    let (low, high) = extent(input.panel, &range);
    let log = input.scale == Scale::Log;
    let y = value_range(low, high, input.scale, input.per_100k);
    let narrow = width < 520;
    let labelled = input.panel.lines.iter().any(|l| l.label.is_some());
    // Room for the value labels on the left, the dates below and the line-end labels right.
    let plot = Plot {
        left: if narrow { 44 } else { 56 },
        right: width as i32 - if labelled { 44 } else { 16 },
        top: 12,
        bottom: height as i32 - 28,
        x: (range.start as f64 - 0.5, (range.end - 1) as f64 + 0.5),
        y,
    };
    let dates = input.dates;
    let span = range.len();
    let label_days = |x: f64| match usize::try_from(x.round() as isize)
        .ok()
        .and_then(|i| dates.get(i))
    {
        Some(d) if span > 120 => format!("{} {}", month(*d), d.year()),
        Some(d) => format!("{} {}", month(*d), d.day()),
        None => String::new(),
    };
    let label_values = |y: f64| {
        if log {
            if (y - y.round()).abs() < 1e-9 {
                compact(10f64.powi(y.round() as i32))
            } else {
                String::new()
            }
        } else {
            compact(y)
        }
    };
    let x_ticks = date_ticks(dates, &range, if narrow { 4 } else { 7 });
    draw_axes(
        &mut svg,
        &plot,
        &label_days,
        &label_values,
        x_ticks,
        log,
        height,
    )?;
    // CDC's community transmission levels over cases per 100k (the daily average of 7 days'
    // total): a faint line where each band starts, named above it.
    if input.per_100k && input.panel.metric == Metric::Cases {
        let above = Label(Pos::new(HPos::Left, VPos::Bottom));
        for (level, low) in &Level::BANDS[1..] {
            let v = if log { (low / 7.0).log10() } else { low / 7.0 };
            if v > y.0 && v < y.1 {
                let at = plot.py(v);
                svg.draw_line((plot.left, at), (plot.right, at), &stroke(AXIS, 0.5, 1))?;
                svg.draw_text(level.as_str(), &above, (plot.left + 4, at - 2))?;
            }
        }
    }
    let mut ends = Vec::new();
    for line in &input.panel.lines {
        let color = line.color;
        if let Some(bars) = &line.bars {
            let base = plot.py(if log { y.0 } else { 0.0 });
            let fill = color.mix(0.35);
            let (left, right) = (plot.px(-0.4), plot.px(0.4));
            if right - left >= MIN_BAR {
                for x in range.clone() {
                    if let Some(v) = bars[x] {
                        let (left, right) = (plot.px(x as f64 - 0.4), plot.px(x as f64 + 0.4));
                        let top = plot.py(v);
                        svg.draw_rect((left, top.min(base)), (right, top.max(base)), &fill, true)?;
                    }
                }
            } else {
                svg.fill_polygon(dense_bars(&plot, bars, &range, base), &fill)?;
            }
        }
        let line_style = stroke(color, 1.0, 2);
        for segment in segments(&line.values[range.clone()], range.start) {
            svg.draw_path(segment.into_iter().map(|p| plot.point(p)), &line_style)?;
        }
        let last = range
            .clone()
            .rev()
            .find_map(|x| line.values[x].map(|v| (x as f64, v)));
        if let (Some(label), Some(point)) = (line.label.as_deref(), last) {
            let at = plot.point(point);
            svg.draw_circle(at, 3, &color, true)?;
            ends.push((at.1, label, color));
        }
    }
    // Days revised after they were first published: a band above the plotting area over each
    // run of them.
    for &(first, last) in &input.panel.revised {
        let (first, last) = (first.max(range.start), last.min(range.end - 1));
        if first <= last {
            let (left, right) = (plot.px(first as f64 - 0.5), plot.px(last as f64 + 0.5));
            svg.draw_rect((left, 4), (right.max(left + 1), 8), &REVISED, true)?;
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
    let mut floor = i32::MIN;
    for end in &mut ends {
        end.0 = end.0.max(floor);
        floor = end.0 + LABEL_GAP;
    }
    // Pushed below the plotting area, the stack moves up as a whole.
    let over = ends.last().map_or(0, |e| e.0 - plot.bottom).max(0);
    let left_middle = Label(Pos::new(HPos::Left, VPos::Center));
    for (y, label, color) in ends {
        let y = y - over;
        let x = plot.right;
        svg.draw_rect((x + 5, y - 4), (x + 13, y + 4), &color, true)?;
        svg.draw_text(label, &left_middle, (x + 16, y))?;
    }
    svg.present()?;
    Ok(Some(plot))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Data;
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
                Data::new(Region::by_id(id).unwrap(), days, population)
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
                per_100k: state.per_100k(),
            },
            800,
            400,
        )
    }

    #[test]
    fn nearest_day_from_a_pixel_uses_the_plotting_area() {
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
                assert_eq!(chart.index_at(x), Some(i), "{state:?}");
                assert_eq!(
                    chart.index_at(x + 2),
                    Some(i),
                    "a pixel off is the same day"
                );
            }
            let (left, right) = chart.plot_x_range().unwrap();
            assert_eq!(
                chart.index_at(left - 50),
                Some(chart.range.start),
                "clamped"
            );
            assert_eq!(chart.index_at(right + 50), Some(chart.range.end - 1));
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
    fn revised_days_are_one_band_per_run_and_said_by_the_readout() {
        let days = days();
        let mut revisions = vec![0; days.len()];
        revisions[10..13].fill(2);
        revisions[40] = 1;
        let one = Data::new(Region::by_id("NY").unwrap(), days.clone(), None)
            .with_revisions(revisions.clone());
        let frame = Frame::new(vec![one], false);
        let state = ViewState::default();
        let band = |svg: &str| svg.matches(r##"fill="#767676""##).count();
        assert_eq!(
            band(&chart(&frame, &state, Metric::Cases).svg),
            2,
            "two runs"
        );
        assert!(
            frame
                .sentence(11, &state)
                .ends_with("; revised 2 times since first published")
        );
        assert!(
            frame
                .sentence(40, &state)
                .ends_with("; revised once since first published")
        );
        assert!(!frame.sentence(39, &state).contains("revised"));
        // Compared regions: no band, no revisions said (which region's would they be?).
        let ny =
            Data::new(Region::by_id("NY").unwrap(), days.clone(), None).with_revisions(revisions);
        let ca = Data::new(Region::by_id("CA").unwrap(), days, None);
        let compared = Frame::new(vec![ny, ca], true);
        assert_eq!(band(&chart(&compared, &state, Metric::Cases).svg), 0);
        assert!(!compared.sentence(11, &state).contains("revised"));
    }

    #[test]
    fn a_negative_value_ends_inside_the_plot() {
        // California's deaths, 2021-06-20..07-08: -452 on 2021-07-02, 62 at most otherwise.
        let (low, high) = value_range(-452.0, 62.0, Scale::Linear, false);
        assert!((-452.0 * 1.05 - 1e-9..-452.0).contains(&low), "{low}");
        assert!((high - 62.0 * 1.05).abs() < 1e-9);
        assert_eq!(value_range(3.0, 62.0, Scale::Linear, false).0, 0.0);
    }

    #[test]
    fn bars_too_narrow_to_tell_apart_are_one_area() {
        let first = crate::data::parse_date("2020-01-21").unwrap();
        let long: Vec<covid_model::Day> = (0..1_000u64)
            .map(|i| covid_model::Day {
                date: first + chrono::Duration::days(i as i64),
                cases: i * i,
                deaths: Some(i),
                recovered: None,
            })
            .collect();
        let us = Frame::new(
            vec![Data::new(Region::by_id("US").unwrap(), long, None)],
            false,
        );
        let daily = |query: &str| chart(&us, &ViewState::from_query(query), Metric::Cases).svg;
        let all = daily("view=daily");
        assert_eq!(all.matches("<rect").count(), 0);
        assert_eq!(all.matches("<polygon").count(), 1);
        // One point per pixel column of the plotting area (800 - 56 - 16 = 728 px), and the
        // two on the base.
        let points = all
            .split("points=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert!(points.split_whitespace().count() <= 731, "{points}");
        let month = daily("view=daily&range=30d");
        assert_eq!(
            month.matches("<rect").count(),
            30,
            "wide bars are each a rectangle"
        );
        assert_eq!(month.matches("<polygon").count(), 0);
    }

    #[test]
    fn round_ticks_take_the_fewest_round_steps() {
        assert_eq!(
            round_ticks(0.0, 37_600.0, 6),
            [0.0, 10_000.0, 20_000.0, 30_000.0]
        );
        assert_eq!(round_ticks(-0.5, 49.5, 7), [0.0, 10.0, 20.0, 30.0, 40.0]);
        assert_eq!(
            round_ticks(-0.5, 49.5, 11),
            [0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 35.0, 40.0, 45.0]
        );
        assert_eq!(round_ticks(-120.0, 950.0, 4), [0.0, 500.0]);
        assert_eq!(round_ticks(0.0, 0.72, 4), [0.0, 0.2, 0.4, 0.6]);
        assert!(round_ticks(1.0, 1.0, 4).is_empty());
        assert!(round_ticks(0.0, f64::INFINITY, 4).is_empty());
    }

    #[test]
    fn long_ranges_tick_the_first_days_of_months() {
        let first = crate::data::parse_date("2020-01-22").unwrap();
        let dates: Vec<NaiveDate> = (0..420)
            .map(|i| first + chrono::Duration::days(i))
            .collect();
        let months = |most| -> Vec<String> {
            date_ticks(&dates, &(0..420), most)
                .into_iter()
                .map(|x| dates[x as usize].to_string())
                .collect()
        };
        assert_eq!(
            months(7),
            [
                "2020-03-01",
                "2020-05-01",
                "2020-07-01",
                "2020-09-01",
                "2020-11-01",
                "2021-01-01",
                "2021-03-01"
            ]
        );
        assert_eq!(
            months(4),
            ["2020-04-01", "2020-07-01", "2020-10-01", "2021-01-01"]
        );
        // 90 days: every 4 weeks back from the newest day; 30 days: every 5 days.
        assert_eq!(
            date_ticks(&dates, &(300..390), 4),
            [305.0, 333.0, 361.0, 389.0]
        );
        assert_eq!(
            date_ticks(&dates, &(390..420), 7),
            [394.0, 399.0, 404.0, 409.0, 414.0, 419.0]
        );
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
        assert!(
            linear.contains(&"Jan 18".to_string()),
            "the newest day is labelled: {linear:?}"
        );
    }

    #[test]
    fn per_100k_on_a_log_scale_reaches_below_one() {
        // 1,000 residents: deaths rise by 1 a day, 100 per 100k; a million: 0.1 per 100k.
        for (population, lowest) in [(1_000, "100"), (1_000_000, "0.1")] {
            let state = ViewState {
                per_100k: Some(true),
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
                deaths: Some(10 + i.min(40) as u64),
                ..d
            })
            .collect();
        let six = Frame::new(
            ["NY", "CA", "TX", "FL", "IL", "PA"]
                .iter()
                .map(|id| Data::new(Region::by_id(id).unwrap(), flat.clone(), Some(1_000)))
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

    #[test]
    fn per_100k_cases_show_where_cdc_s_levels_start() {
        // 5 million residents: up to about 23 new cases a day per 100k, past all three bands'
        // starts (10, 50 and 100 over 7 days: 1.4, 7.1 and 14.3 a day).
        let per_100k = |scale: Scale| ViewState {
            per_100k: Some(true),
            scale,
            ..ViewState::default()
        };
        let data = frame(&["US"], Some(5_000_000));
        for scale in [Scale::Linear, Scale::Log] {
            let cases = chart(&data, &per_100k(scale), Metric::Cases);
            let shown = labels(&cases.svg);
            for level in ["moderate", "substantial", "high"] {
                assert!(shown.iter().any(|l| l == level), "{scale:?}: {shown:?}");
            }
            let deaths = chart(&data, &per_100k(scale), Metric::Deaths);
            assert!(
                !labels(&deaths.svg).iter().any(|l| l == "high"),
                "cases only"
            );
        }
        let counts = chart(&data, &ViewState::default(), Metric::Cases);
        assert!(
            !labels(&counts.svg).iter().any(|l| l == "moderate"),
            "per 100k only"
        );
    }
}
