//! An embeddable chart: its query (`/v1/regions/{id}/chart.svg?metric=…&view=…&percap=1&days=90`,
//! with `as_of` the data as published on a date),
//! read strictly and written back in one canonical order, and the standalone SVG drawn for it.
//! The chart inside is [`draw::render`]'s, from the same [`Frame`] and [`ViewState`] as the site's
//! own panel of that view, byte for byte; around it go a title, the shown days with the newest
//! value, and the source.

use chrono::{Duration, NaiveDate};

use crate::data::Data;
use crate::draw::{self, ChartInput};
use crate::format;
use crate::frame::Frame;
use crate::markup::escaped;
use crate::metric::Metric;
use crate::series::Measure;
use crate::state::{Preset, Scale, View, ViewState};

mod query;
pub use query::{
    HEIGHTS, MAX_DAYS, METRICS, PARAMETERS, PER_100K, Parameter, SCALES, Takes, VIEWS, WIDTHS,
    parameters,
};

/// The pixels above the chart (the title and the line under it) and below it (the source).
const HEADER: u32 = 46;
const FOOTER: u32 = 22;

/// How many days an embed shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Days {
    /// The newest `n` days up to `to` (or the newest day).
    Last(u32),
    /// From `from` (or the first day) to `to` (or the newest day).
    Span,
}

/// What an embedded chart shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Embed {
    pub metric: Metric,
    pub view: View,
    pub per_100k: bool,
    pub scale: Scale,
    pub days: Days,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// The data as published on this date (the API's `as_of`); `None`: the current data.
    pub as_of: Option<NaiveDate>,
    pub width: u32,
    pub height: u32,
}

impl Default for Embed {
    fn default() -> Self {
        Embed {
            metric: Metric::Cases,
            view: View::Daily,
            per_100k: false,
            scale: Scale::Linear,
            days: Days::Last(90),
            from: None,
            to: None,
            as_of: None,
            width: 640,
            height: 360,
        }
    }
}

impl Embed {
    /// The embed of one panel of the site's view `state` over `dates` (its axis): the same
    /// metric, view, scale, shown days (all of them, or as many ending on the same day) and
    /// date the data is shown as of.
    pub fn of_view(state: &ViewState, metric: Metric, dates: &[NaiveDate]) -> Self {
        let range = state.range(dates);
        let last = range.end.checked_sub(1).and_then(|i| dates.get(i)).copied();
        let to = last.filter(|l| Some(l) != dates.last());
        let (days, to) = match state.preset {
            Preset::All => (Days::Span, None),
            _ => (
                Days::Last(
                    u32::try_from(range.len())
                        .unwrap_or(MAX_DAYS)
                        .clamp(1, MAX_DAYS),
                ),
                to,
            ),
        };
        Embed {
            metric,
            view: state.view,
            per_100k: state.per_100k(),
            scale: state.scale,
            days,
            from: None,
            to,
            as_of: state.as_of,
            ..Embed::default()
        }
    }

    /// The site's view state that draws this embed's chart for `region`.
    pub fn view_state(&self, region: &str, dates: &[NaiveDate]) -> ViewState {
        let newest = dates.last().copied();
        let to = self.to.or(newest);
        let from = match self.days {
            Days::Last(n) => to.map(|t| t - Duration::days(i64::from(n) - 1)),
            Days::Span => self.from,
        };
        ViewState {
            view: self.view,
            scale: self.scale,
            preset: Preset::Custom,
            from,
            to: self.to,
            metrics: vec![self.metric],
            table: false,
            per_100k: Some(self.per_100k),
            region: region.to_string(),
            compare: Vec::new(),
            map: Metric::Cases,
            as_of: self.as_of,
        }
    }

    /// Its path on the API: `/v1/regions/NY/chart.svg?metric=cases&view=daily&days=90`.
    pub fn path(&self, region: &str) -> String {
        format!("/v1/regions/{region}/chart.svg?{}", self.to_query())
    }

    /// The HTML that embeds it from `url` (its path on the API's origin), with its size and a
    /// text alternative.
    ///
    /// ```
    /// use covid_chart::embed::Embed;
    /// let ny = covid_model::Region::by_id("NY").unwrap();
    /// let url = format!("https://example.org{}", Embed::default().path(ny.id));
    /// assert_eq!(
    ///     Embed::default().snippet(&url, ny.id, ny.name),
    ///     "<img src=\"https://example.org/v1/regions/NY/chart.svg?metric=cases&amp;view=daily&amp;days=90\" \
    ///      width=\"640\" height=\"360\" alt=\"New York: new cases a day and 7-day average\" loading=\"lazy\">"
    /// );
    /// ```
    pub fn snippet(&self, url: &str, id: &str, name: &str) -> String {
        format!(
            "<img src=\"{}\" width=\"{}\" height=\"{}\" alt=\"{}\" loading=\"lazy\">",
            escaped(url),
            self.width,
            self.height,
            escaped(&self.title(id, name))
        )
    }

    /// What the chart of the place `id` named `name` shows, in words: `New York: new cases a
    /// day and 7-day average`, and `, as published on 2021-07-06` with `as_of`.
    pub fn title(&self, id: &str, name: &str) -> String {
        // The site's panel heading of the same view, after the place's name.
        let title = crate::series::title(self.metric, Measure::for_view(&self.view_state(id, &[])));
        let mut chars = title.chars();
        let what: String = chars
            .next()
            .map(|c| c.to_ascii_lowercase())
            .into_iter()
            .chain(chars)
            .collect();
        match self.as_of {
            Some(date) => format!("{name}: {what}, as published on {date}"),
            None => format!("{name}: {what}"),
        }
    }

    /// Draws the embed of `data` as one standalone SVG document, or says why it cannot be
    /// drawn (no population for a per-capita chart, no day in the asked range).
    pub fn draw(&self, data: &Data) -> Result<String, String> {
        if self.per_100k && data.population.is_none() {
            return Err(format!(
                "{} has no population in the data: a per-capita chart needs one; drop `percap`.",
                data.name()
            ));
        }
        let frame = Frame::new(vec![data.clone()], false);
        let state = self.view_state(data.id(), &frame.dates);
        let range = state.range(&frame.dates);
        let panels = frame.panels(&state);
        let (Some(panel), false) = (panels.first(), range.is_empty()) else {
            return Err(format!(
                "{} has no {} to draw in the asked days ({}).",
                data.name(),
                self.metric.label().to_ascii_lowercase(),
                match (frame.dates.first(), frame.dates.last()) {
                    (Some(first), Some(last)) => format!("the data spans {first} to {last}"),
                    _ => "there is no data yet".to_string(),
                }
            ));
        };
        let chart = draw::render(
            &ChartInput {
                panel,
                dates: &frame.dates,
                range: range.clone(),
                scale: state.scale,
                per_100k: state.per_100k(),
            },
            self.width,
            self.height - HEADER - FOOTER,
        );
        let (first, last) = (frame.dates[range.start], frame.dates[range.end - 1]);
        let newest = frame
            .day(0, range.end - 1)
            .map(|(day, point)| format::describe(self.metric, day, point, &state))
            .unwrap_or_else(|| "no data".to_string());
        let days = format!(
            "{} to {}. {}: {newest}",
            format::date(first),
            format::date(last),
            format::date(last)
        );
        let source = if self.per_100k {
            "Data: The New York Times (CC BY-NC 4.0); residents: Johns Hopkins University CSSE"
        } else {
            "Data: The New York Times (CC BY-NC 4.0)"
        };
        let source = if chart.below_zero {
            format!("{source}. {}", draw::BELOW_ZERO_NOTE)
        } else {
            source.to_string()
        };
        Ok(standalone(
            self.width,
            self.height,
            &self.title(data.id(), data.name()),
            &days,
            &source,
            &chart.svg,
        ))
    }
}

/// The standalone document: a white card with the title, the days line, the chart (as the
/// site draws it, nested below the header) and the source line.
fn standalone(
    width: u32,
    height: u32,
    title: &str,
    days: &str,
    source: &str,
    chart: &str,
) -> String {
    let (title, days, source) = (escaped(title), escaped(days), escaped(source));
    let text = "font-family=\"sans-serif\" fill=\"#1f2328\"";
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"t d\">\
         <title id=\"t\">{title}</title><desc id=\"d\">{days}. {source}.</desc>\
         <rect width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>\
         <text x=\"12\" y=\"20\" font-size=\"15\" font-weight=\"bold\" {text}>{title}</text>\
         <text x=\"12\" y=\"38\" font-size=\"12\" {text}>{days}</text>\
         <g transform=\"translate(0,{HEADER})\">{chart}</g>\
         <text x=\"12\" y=\"{}\" font-size=\"11\" fill=\"#59636e\" font-family=\"sans-serif\">{source}</text>\
         </svg>",
        height - 7
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::days;
    use covid_model::{Day, Region};

    fn data(id: &str, days: Vec<Day>, population: Option<u64>) -> Data {
        Data::new(Region::by_id(id).unwrap(), days, population)
    }

    fn parse(query: &str) -> Result<Embed, String> {
        query::parse_query(query)
    }

    #[test]
    fn the_chart_inside_is_the_site_s_panel_byte_for_byte() {
        let ny = data("NY", days(), Some(19_453_561));
        for query in [
            "",
            "metric=deaths&view=cumulative&scale=log&days=all",
            "percap=1&days=30&width=360&height=300",
            "from=2020-12-01&to=2020-12-20",
        ] {
            let embed = parse(query).unwrap();
            let svg = embed.draw(&ny).unwrap();
            // The site draws the same view from the same frame.
            let frame = Frame::new(vec![ny.clone()], false);
            let state = embed.view_state("NY", &frame.dates);
            let panels = frame.panels(&state);
            let site = draw::render(
                &ChartInput {
                    panel: &panels[0],
                    dates: &frame.dates,
                    range: state.range(&frame.dates),
                    scale: state.scale,
                    per_100k: state.per_100k(),
                },
                embed.width,
                embed.height - HEADER - FOOTER,
            );
            assert!(svg.contains(&site.svg), "{query}");
            assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        }
        let svg = parse("metric=deaths&view=cumulative")
            .unwrap()
            .draw(&ny)
            .unwrap();
        assert!(
            svg.contains(">New York: deaths, cumulative</text>"),
            "{svg}"
        );
        // The newest day (2021-01-18) and its value, 10 + 59 deaths.
        assert!(svg.contains("Jan 18, 2021: 69</text>"), "{svg}");
        // 90 days asked, 60 held: from the first.
        assert!(svg.contains(">Nov 20, 2020 to Jan 18, 2021. "), "{svg}");
    }

    #[test]
    fn what_cannot_be_drawn_is_said() {
        let guam = data("GU", days(), None);
        assert_eq!(
            parse("percap=1").unwrap().draw(&guam).unwrap_err(),
            "Guam has no population in the data: a per-capita chart needs one; drop `percap`."
        );
        assert_eq!(
            parse("from=2022-01-01").unwrap().draw(&guam).unwrap_err(),
            "Guam has no cases to draw in the asked days (the data spans 2020-11-20 to 2021-01-18)."
        );
    }

    #[test]
    fn an_embed_as_of_a_date_says_so() {
        let ny = Region::by_id("NY").unwrap();
        assert_eq!(
            parse("as_of=2021-07-06").unwrap().title(ny.id, ny.name),
            "New York: new cases a day and 7-day average, as published on 2021-07-06"
        );
        assert_eq!(
            parse("as_of=July").unwrap_err(),
            "`as_of` is \"July\": give a day of the calendar as YYYY-MM-DD."
        );
    }

    #[test]
    fn a_site_view_embeds_as_the_same_days() {
        let dates = Frame::new(vec![data("US", days(), None)], false).dates;
        for query in [
            "",
            "range=30d&view=daily",
            "range=custom&from=2020-12-01&to=2020-12-10",
            "range=custom&from=2020-12-01",
            "percap=1&scale=log",
            "as_of=2021-01-05",
        ] {
            let state = ViewState::from_query(query);
            let embed = Embed::of_view(&state, Metric::Deaths, &dates);
            let again = embed.view_state("US", &dates);
            assert_eq!(again.range(&dates), state.range(&dates), "{query}");
            assert_eq!(
                (again.view, again.scale, again.per_100k(), again.as_of),
                (state.view, state.scale, state.per_100k(), state.as_of)
            );
        }
    }

    #[test]
    fn three_years_of_daily_bars_stay_small() {
        let first: NaiveDate = "2020-01-21".parse().unwrap();
        let long: Vec<Day> = (0..1_160u64)
            .map(|i| Day {
                date: first + Duration::days(i as i64),
                cases: i * i * 90 + (i % 7) * 1_000,
                deaths: Some(i * i),
                recovered: None,
            })
            .collect();
        let us = data("US", long, Some(331_449_281));
        for query in [
            "days=all",
            "view=cumulative&days=all",
            "percap=1&days=all",
            "width=800&height=800&days=all",
            "width=800&height=800&days=all&scale=log",
            "width=800&height=800&days=all&view=cumulative",
            "",
        ] {
            let svg = parse(query).unwrap().draw(&us).unwrap();
            assert!(svg.len() <= 20_000, "{query}: {} bytes", svg.len());
        }
    }

    #[test]
    fn a_chart_with_a_value_below_0_says_the_source_revised_down() {
        // Cases fall by 452 on the last day: a revision down (as California's deaths on
        // 2021-07-02).
        let mut days = days();
        let last = days.len() - 1;
        days[last].cases = days[last - 1].cases - 452;
        let revised = data("CA", days.clone(), Some(39_512_223));
        let embed = parse("metric=cases&days=30").unwrap();
        let svg = embed.draw(&revised).unwrap();
        assert!(svg.contains(draw::BELOW_ZERO_NOTE), "{svg}");
        assert!(svg.contains(&format!("{}.</desc>", draw::BELOW_ZERO_NOTE)));
        // Cumulative, the same data has nothing below 0; nor has a chart of rising deaths.
        let cumulative = parse("metric=cases&view=cumulative&days=30").unwrap();
        assert!(
            !cumulative
                .draw(&revised)
                .unwrap()
                .contains(draw::BELOW_ZERO_NOTE)
        );
        let rising = data("CA", crate::fixtures::days(), Some(39_512_223));
        assert!(!embed.draw(&rising).unwrap().contains(draw::BELOW_ZERO_NOTE));
    }
}
