//! The regions shown, on one axis of consecutive dates: what each chart panel draws, and what
//! the tooltip, the readout and the table say for a date. One region draws one panel per
//! metric; compared regions draw one line each in every panel.

use chrono::{Duration, NaiveDate};
use covid_model::{DailyPoint, Day};
use plotters::style::RGBColor;

use crate::data::Data;
use crate::format;
use crate::metric::Metric;
use crate::series::{Measure, scaled};
use crate::state::ViewState;

/// The compared regions' colours, in order: Okabe and Ito's palette, told apart with the
/// common colour-vision deficiencies. Each line also ends in its region's label.
pub const PALETTE: [RGBColor; 6] = [
    RGBColor(0x00, 0x72, 0xb2),
    RGBColor(0xd5, 0x5e, 0x00),
    RGBColor(0x00, 0x9e, 0x73),
    RGBColor(0xcc, 0x79, 0xa7),
    RGBColor(0xe6, 0x9f, 0x00),
    RGBColor(0x56, 0xb4, 0xe9),
];

/// One line of a panel, over the whole axis (`None`: a gap), as drawn (log on a log scale).
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The region's id, written at the line's end (compared regions only).
    pub label: Option<String>,
    pub color: RGBColor,
    pub values: Vec<Option<f64>>,
    /// Bars under the line: the daily new counts of one region.
    pub bars: Option<Vec<Option<f64>>>,
}

/// One chart: one metric, on its own scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub metric: Metric,
    pub lines: Vec<Line>,
    /// One region's revised days, as runs of consecutive axis indexes (first, last): marked
    /// above the chart. Empty when regions are compared.
    pub revised: Vec<(usize, usize)>,
}

/// What the tooltip, the readout and the table say of one region's metric on a date.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub metric: Metric,
    /// The place's id when places are compared (a county's own, not its state's).
    pub region: Option<String>,
    pub text: String,
}

impl Cell {
    /// The cell's name: `Cases`, or `NY cases` when compared.
    pub fn label(&self) -> String {
        match &self.region {
            Some(id) => format!("{id} {}", self.metric.label().to_ascii_lowercase()),
            None => self.metric.label().to_string(),
        }
    }
}

/// The loaded regions on one axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub data: Vec<Data>,
    /// Every date from the earliest first day to the latest last day of the regions.
    pub dates: Vec<NaiveDate>,
    /// Per region, the index of its day at each date of the axis.
    slots: Vec<Vec<Option<usize>>>,
    /// Regions are compared (one line each), rather than one region shown.
    pub compared: bool,
}

impl Frame {
    /// The axis of `data` (each sorted by date); `compared` as the view state says.
    pub fn new(data: Vec<Data>, compared: bool) -> Self {
        let first = data
            .iter()
            .filter_map(|d| d.days.first())
            .map(|d| d.date)
            .min();
        let last = data
            .iter()
            .filter_map(|d| d.days.last())
            .map(|d| d.date)
            .max();
        let dates: Vec<NaiveDate> = match (first, last) {
            (Some(first), Some(last)) => (0..=(last - first).num_days())
                .map(|i| first + Duration::days(i))
                .collect(),
            _ => Vec::new(),
        };
        let slots = data
            .iter()
            .map(|d| {
                let mut slot = vec![None; dates.len()];
                if let Some(first) = first {
                    for (i, day) in d.days.iter().enumerate() {
                        slot[(day.date - first).num_days() as usize] = Some(i);
                    }
                }
                slot
            })
            .collect();
        Self {
            data,
            dates,
            slots,
            compared,
        }
    }

    /// Region `r`'s day at axis index `x`, if it has one.
    pub fn day(&self, r: usize, x: usize) -> Option<(&Day, &DailyPoint)> {
        let i = (*self.slots.get(r)?.get(x)?)?;
        Some((&self.data[r].days[i], &self.data[r].daily[i]))
    }

    /// How many times the one region shown's day at axis index `x` was revised: 0 when not
    /// known, and when regions are compared (whose revisions would they be?).
    pub fn revisions(&self, x: usize) -> u32 {
        if self.compared {
            return 0;
        }
        self.slots
            .first()
            .and_then(|s| s.get(x).copied().flatten())
            .and_then(|i| self.data[0].revisions.get(i).copied())
            .unwrap_or(0)
    }

    /// The runs of consecutive axis indexes whose day of the one region shown was revised.
    fn revised(&self) -> Vec<(usize, usize)> {
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for x in (0..self.dates.len()).filter(|&x| self.revisions(x) > 0) {
            match runs.last_mut() {
                Some(run) if run.1 + 1 == x => run.1 = x,
                _ => runs.push((x, x)),
            }
        }
        runs
    }

    /// Whether any shown region has a recovery count (JHU has none by state).
    pub fn has_recoveries(&self) -> bool {
        self.data
            .iter()
            .any(|d| d.days.iter().any(|day| day.recovered.is_some()))
    }

    /// The chosen metrics that have something to show in this view: recoveries have none per
    /// capita, nor for a region without recovery counts.
    pub fn metrics(&self, state: &ViewState) -> Vec<Metric> {
        let recoveries = !state.per_100k() && self.has_recoveries();
        state
            .metrics
            .iter()
            .copied()
            .filter(|m| recoveries || *m != Metric::Recovered)
            .collect()
    }

    /// Region `r`'s values of `measure` over the whole axis, as drawn.
    fn values(
        &self,
        r: usize,
        metric: Metric,
        measure: Measure,
        state: &ViewState,
    ) -> Vec<Option<f64>> {
        (0..self.dates.len())
            .map(|x| {
                let value = self.day(r, x).and_then(|(d, p)| measure.of(metric, d, p));
                scaled(value, state.scale)
            })
            .collect()
    }

    /// One panel per shown metric that has any value to draw.
    pub fn panels(&self, state: &ViewState) -> Vec<Panel> {
        let (line, bars) = Measure::for_view(state);
        let revised = self.revised();
        self.metrics(state)
            .into_iter()
            .map(|metric| Panel {
                metric,
                revised: revised.clone(),
                lines: (0..self.data.len())
                    .map(|r| Line {
                        label: self.compared.then(|| self.data[r].id().to_string()),
                        color: if self.compared {
                            PALETTE[r % PALETTE.len()]
                        } else {
                            metric.color()
                        },
                        values: self.values(r, metric, line, state),
                        bars: bars.map(|b| self.values(r, metric, b, state)),
                    })
                    .collect(),
            })
            .filter(|p| {
                p.lines.iter().any(|l| {
                    l.values
                        .iter()
                        .chain(l.bars.iter().flatten())
                        .any(Option::is_some)
                })
            })
            .collect()
    }

    /// What each region's shown metrics say on axis index `x`.
    pub fn cells(&self, x: usize, state: &ViewState) -> Vec<Cell> {
        self.metrics(state)
            .into_iter()
            .flat_map(|metric| {
                (0..self.data.len()).map(move |r| Cell {
                    metric,
                    region: self.compared.then(|| self.data[r].id().to_string()),
                    text: match self.day(r, x) {
                        Some((day, point)) => format::describe(metric, day, point, state),
                        None => "no data".to_string(),
                    },
                })
            })
            .collect()
    }

    /// The readout's sentence for axis index `x`.
    pub fn sentence(&self, x: usize, state: &ViewState) -> String {
        let parts: Vec<String> = self
            .cells(x, state)
            .into_iter()
            .map(|c| {
                // A compared region's cell is named as in the table; one region's, by metric.
                let label = match c.region {
                    Some(_) => c.label(),
                    None => c.metric.label().to_ascii_lowercase(),
                };
                format!("{label} {}", c.text)
            })
            .collect();
        let revised = match self.revisions(x) {
            0 => String::new(),
            1 => "; revised once since first published".to_string(),
            n => format!("; revised {n} times since first published"),
        };
        format!("{}: {}{revised}", self.dates[x], parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use covid_model::Region;

    fn data(id: &str, days: Vec<Day>, population: Option<u64>) -> Data {
        Data::new(Region::by_id(id).unwrap(), days, population)
    }

    #[test]
    fn regions_of_different_spans_share_one_axis() {
        let days = crate::fixtures::days();
        // New York from the 11th day, a gap on the 20th; California all 60.
        let mut ny: Vec<Day> = days[10..].to_vec();
        ny.remove(10);
        let frame = Frame::new(
            vec![
                data("NY", ny, Some(1_000)),
                data("CA", days.clone(), Some(2_000)),
            ],
            true,
        );
        assert_eq!(frame.dates.len(), 60);
        assert_eq!(frame.dates[0], days[0].date);
        assert_eq!(frame.day(0, 9), None, "before New York's first day");
        assert_eq!(frame.day(0, 10).unwrap().0.date, days[10].date);
        assert_eq!(frame.day(0, 20), None, "New York's missing day");
        assert_eq!(frame.day(0, 21).unwrap().0.date, days[21].date);
        assert_eq!(frame.day(1, 59).unwrap().0.date, days[59].date);

        let state = ViewState {
            compare: vec!["NY".into(), "CA".into()],
            ..ViewState::default()
        };
        let panels = frame.panels(&state);
        let metrics: Vec<Metric> = panels.iter().map(|p| p.metric).collect();
        assert_eq!(
            metrics,
            [Metric::Cases, Metric::Deaths],
            "no recoveries per capita"
        );
        let deaths = &panels[1];
        assert_eq!(deaths.lines[0].label.as_deref(), Some("NY"));
        assert_eq!(deaths.lines[1].color, PALETTE[1]);
        // Deaths rise by 1 a day: 100 per 100k of 1,000 residents, 50 of 2,000.
        assert_eq!(deaths.lines[0].values[59], Some(100.0));
        assert_eq!(deaths.lines[1].values[59], Some(50.0));
        assert_eq!(
            deaths.lines[0].values[15], None,
            "a 7-day average needs 7 days"
        );
        assert!(deaths.lines.iter().all(|l| l.bars.is_none()));
        assert_eq!(
            frame.sentence(59, &state),
            format!(
                "{}: NY cases {}, CA cases {}, NY deaths 100.0 per 100k (7-day avg), CA deaths 50.0 per 100k (7-day avg)",
                days[59].date,
                frame.cells(59, &state)[0].text,
                frame.cells(59, &state)[1].text
            )
        );
        assert_eq!(frame.cells(5, &state)[0].text, "no data");
        assert_eq!(frame.cells(5, &state)[0].label(), "NY cases");
    }

    #[test]
    fn one_region_draws_a_panel_per_metric_with_anything_to_draw() {
        let days = crate::fixtures::days();
        let mut state = ViewState::default();
        let us = Frame::new(vec![data("US", days.clone(), None)], false);
        let panels = us.panels(&state);
        assert_eq!(panels.len(), 3);
        assert_eq!(panels[2].lines[0].color, Metric::Recovered.color());
        assert_eq!(panels[2].lines[0].label, None);
        let no_recoveries: Vec<Day> = days
            .iter()
            .map(|d| Day {
                recovered: None,
                ..*d
            })
            .collect();
        let ny = Frame::new(vec![data("NY", no_recoveries, Some(1_000))], false);
        assert_eq!(ny.panels(&state).len(), 2, "a state reports no recoveries");
        // Nor has the table or the readout a column of "not reported" for them.
        assert!(!ny.has_recoveries() && us.has_recoveries());
        assert_eq!(ny.metrics(&state), [Metric::Cases, Metric::Deaths]);
        assert_eq!(ny.cells(59, &state).len(), 2);
        assert_eq!(us.cells(59, &state).len(), 3);
        state.view = crate::state::View::Daily;
        let cases = &us.panels(&state)[0];
        assert_eq!(cases.lines[0].bars.as_ref().unwrap()[1], Some(10.0));
        assert_eq!(
            us.sentence(59, &state).split(", ").count(),
            3,
            "{}",
            us.sentence(59, &state)
        );
    }
}
