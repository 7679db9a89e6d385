//! What a reader has chosen (view, scale, range, metrics, table, per capita, the region or the
//! regions compared), how each choice changes it, its URL query, and the days it shows.

use std::ops::Range;

use chrono::{Duration, NaiveDate};

use crate::metric::Metric;

/// Cumulative totals, or daily new values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Cumulative,
    Daily,
}

impl View {
    pub const ALL: [View; 2] = [View::Cumulative, View::Daily];

    /// Its name in the URL and in the page's controls.
    pub fn code(self) -> &'static str {
        match self {
            View::Cumulative => "cumulative",
            View::Daily => "daily",
        }
    }

    /// The view a key names; any other key is the default, cumulative.
    pub fn from_code(code: &str) -> Self {
        if code == View::Daily.code() {
            View::Daily
        } else {
            View::Cumulative
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    Linear,
    Log,
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

    /// The preset a key names, if any.
    pub fn from_code(code: &str) -> Option<Self> {
        Preset::ALL.into_iter().find(|p| p.code() == code)
    }

    pub fn code(self) -> &'static str {
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
    /// 7-day averages per 100,000 residents instead of counts, as chosen; `None`: the
    /// default of the mode (see [`ViewState::per_100k`]).
    pub per_100k: Option<bool>,
    /// The region shown, as the URL gives it (upper case; `US` by default). An id that is not
    /// a region is kept, so that the page can say so.
    pub region: String,
    /// The regions compared on one chart (at most [`MAX_COMPARED`], as the URL gives them);
    /// empty: one region, `region`.
    pub compare: Vec<String>,
    /// The map's metric: cases (the default) or deaths (`?map=deaths`).
    pub map: Metric,
    /// The data as published on this date (`?as_of=`: the API's `as_of`); `None`: the current.
    pub as_of: Option<NaiveDate>,
}

/// The most regions one chart compares: more lines than this cannot be told apart.
pub const MAX_COMPARED: usize = 6;

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
            per_100k: None,
            region: covid_model::US.id.to_string(),
            compare: Vec::new(),
            map: Metric::Cases,
            as_of: None,
        }
    }
}

/// A region id as the URL gives it: at most 20 characters, upper case.
fn id(value: &str) -> String {
    value
        .chars()
        .take(20)
        .collect::<String>()
        .to_ascii_uppercase()
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
                "view" => state.view = View::from_code(value),
                "scale" => {
                    state.scale = if value == "log" {
                        Scale::Log
                    } else {
                        Scale::Linear
                    }
                }
                "range" => state.preset = Preset::from_code(value).unwrap_or(Preset::All),
                "from" => state.from = crate::data::parse_date(value),
                "to" => state.to = crate::data::parse_date(value),
                "as_of" => state.as_of = crate::data::parse_date(value),
                "metrics" => {
                    let metrics: Vec<Metric> = Metric::ALL
                        .into_iter()
                        .filter(|m| value.split(',').any(|v| v == m.code()))
                        .collect();
                    if !metrics.is_empty() {
                        state.metrics = metrics;
                    }
                }
                "table" => state.table = value == "1",
                "map" if value == Metric::Deaths.code() => state.map = Metric::Deaths,
                "percap" => state.per_100k = Some(value == "1"),
                "region" if !value.is_empty() => state.region = id(value),
                "compare" => {
                    for one in value.split(',').filter(|v| !v.is_empty()) {
                        state.add_compared(id(one));
                    }
                }
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
        if self.view != default.view {
            parts.push(format!("view={}", self.view.code()));
        }
        if self.scale == Scale::Log {
            parts.push("scale=log".to_string());
        }
        if self.preset != default.preset {
            parts.push(format!("range={}", self.preset.code()));
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
            let keys: Vec<&str> = self.metrics.iter().map(|m| m.code()).collect();
            parts.push(format!("metrics={}", keys.join(",")));
        }
        if self.table {
            parts.push("table=1".to_string());
        }
        if self.map == Metric::Deaths {
            parts.push("map=deaths".to_string());
        }
        if let Some(as_of) = self.as_of {
            parts.push(format!("as_of={as_of}"));
        }
        if let Some(on) = self.per_100k.filter(|on| *on != self.per_100k_by_default()) {
            parts.push(format!("percap={}", u8::from(on)));
        }
        let clean =
            |id: &String| -> String { id.chars().filter(char::is_ascii_alphanumeric).collect() };
        if self.compare.is_empty() && self.region != default.region {
            parts.push(format!("region={}", clean(&self.region)));
        }
        if !self.compare.is_empty() {
            let ids: Vec<String> = self.compare.iter().map(clean).collect();
            parts.push(format!("compare={}", ids.join(",")));
        }
        parts.join("&")
    }

    /// Adds a region to the comparison, once, while fewer than [`MAX_COMPARED`] are compared.
    pub fn add_compared(&mut self, id: String) {
        if !self.compare.contains(&id) && self.compare.len() < MAX_COMPARED {
            self.compare.push(id);
        }
    }

    /// Chooses a range preset; a custom range starts from the axis' bounds, `first` to `last`.
    pub fn choose_preset(&mut self, preset: Preset, first: NaiveDate, last: NaiveDate) {
        self.preset = preset;
        if preset == Preset::Custom {
            self.from = self.from.or(Some(first));
            self.to = self.to.or(Some(last));
        } else {
            self.from = None;
            self.to = None;
        }
    }

    /// Shows or hides a metric. At least one stays shown, and the shown ones keep the order of
    /// [`Metric::ALL`].
    pub fn toggle_metric(&mut self, metric: Metric) {
        if self.metrics.contains(&metric) {
            if self.metrics.len() > 1 {
                self.metrics.retain(|m| *m != metric);
            }
        } else {
            self.metrics = Metric::ALL
                .into_iter()
                .filter(|m| *m == metric || self.metrics.contains(m))
                .collect();
        }
    }

    /// Shows one region alone: choosing a region leaves a comparison.
    pub fn choose_region(&mut self, id: String) {
        self.region = id;
        self.compare.clear();
    }

    /// Adds a region to compare: the first one compares the shown region with it.
    pub fn compare_with(&mut self, id: String) {
        if self.compare.is_empty() {
            self.compare.push(self.region.clone());
        }
        self.add_compared(id);
    }

    /// A county beside its state and the nation (per capita, as comparisons are): nothing for
    /// a region.
    pub fn compare_with_state_and_nation(&mut self) {
        if let Some(county) = covid_model::CountyId::parse(&self.region) {
            self.compare.clear();
            self.compare_with(county.state().id.to_string());
            self.compare_with(covid_model::US.id.to_string());
        }
    }

    /// Removes a region from the comparison. One region left is no comparison: it is shown
    /// alone.
    pub fn remove_compared(&mut self, id: &str) {
        self.compare.retain(|c| c != id);
        if self.compare.len() == 1 {
            self.region = self.compare.remove(0);
        }
    }

    /// Stops comparing: the first compared region is shown alone.
    pub fn stop_comparing(&mut self) {
        if let Some(first) = self.compare.first() {
            self.region = first.clone();
        }
        self.compare.clear();
    }

    /// Compared regions are per capita unless the reader chose counts; one region is in counts
    /// unless the reader chose per capita.
    fn per_100k_by_default(&self) -> bool {
        !self.compare.is_empty()
    }

    /// Whether the charts show 7-day averages per 100,000 residents.
    pub fn per_100k(&self) -> bool {
        self.per_100k.unwrap_or_else(|| self.per_100k_by_default())
    }

    /// The regions the page shows, as the URL gives them: the compared ones, or the one.
    pub fn shown_regions(&self) -> Vec<String> {
        if self.compare.is_empty() {
            vec![self.region.clone()]
        } else {
            self.compare.clone()
        }
    }

    /// The indexes of `dates` (sorted) that are shown.
    pub fn range(&self, dates: &[NaiveDate]) -> Range<usize> {
        let Some(&last) = dates.last() else {
            return 0..0;
        };
        let (from, to) = match self.preset {
            Preset::Days30 => (Some(last - Duration::days(29)), None),
            Preset::Days90 => (Some(last - Duration::days(89)), None),
            Preset::Year => (Some(last - Duration::days(364)), None),
            Preset::All => (None, None),
            Preset::Custom => (self.from, self.to),
        };
        let start = from.map_or(0, |f| dates.partition_point(|d| *d < f));
        let end = to.map_or(dates.len(), |t| dates.partition_point(|d| *d <= t));
        start..end.max(start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::days;

    #[test]
    fn presets_and_custom_ranges() {
        let days: Vec<NaiveDate> = days().iter().map(|d| d.date).collect();
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
            per_100k: Some(true),
            region: "NY".to_string(),
            compare: Vec::new(),
            map: Metric::Deaths,
            as_of: Some("2021-01-15".parse().unwrap()),
        };
        let query = state.to_query();
        assert_eq!(
            query,
            "view=daily&scale=log&range=custom&from=2020-12-01&to=2020-12-31&metrics=cases,recovered&table=1&map=deaths&as_of=2021-01-15&percap=1&region=NY"
        );
        assert_eq!(ViewState::from_query(&format!("?{query}")), state);
        assert_eq!(ViewState::default().to_query(), "");
        assert_eq!(ViewState::from_query("region=ny").region, "NY", "any case");
        assert_eq!(
            ViewState::from_query("region=US").to_query(),
            "",
            "the default"
        );
        assert_eq!(
            ViewState::from_query("view=bogus&range=9y&metrics=none&from=x"),
            ViewState::default()
        );
    }

    #[test]
    fn presets_metrics_and_comparisons_change_as_chosen() {
        let (first, last) = ("2020-03-01".parse().unwrap(), "2021-03-07".parse().unwrap());
        let mut state = ViewState::default();
        state.choose_preset(Preset::Custom, first, last);
        assert_eq!((state.from, state.to), (Some(first), Some(last)));
        state.to = Some("2020-06-01".parse().unwrap());
        state.choose_preset(Preset::Custom, first, last);
        assert_eq!(
            state.to,
            Some("2020-06-01".parse().unwrap()),
            "a chosen end stays"
        );
        state.choose_preset(Preset::Days30, first, last);
        assert_eq!(
            (state.preset, state.from, state.to),
            (Preset::Days30, None, None)
        );

        state.toggle_metric(Metric::Cases);
        assert_eq!(state.metrics, [Metric::Deaths, Metric::Recovered]);
        state.toggle_metric(Metric::Recovered);
        state.toggle_metric(Metric::Deaths);
        assert_eq!(state.metrics, [Metric::Deaths], "one metric stays shown");
        state.toggle_metric(Metric::Cases);
        assert_eq!(
            state.metrics,
            [Metric::Cases, Metric::Deaths],
            "in ALL's order"
        );

        state.region = "NY".to_string();
        state.compare_with("CA".to_string());
        state.compare_with("TX".to_string());
        state.compare_with("CA".to_string());
        assert_eq!(
            state.compare,
            ["NY", "CA", "TX"],
            "the shown region first, each once"
        );
        state.remove_compared("NY");
        assert_eq!(state.compare, ["CA", "TX"]);
        state.remove_compared("CA");
        assert_eq!(
            (state.region.as_str(), state.compare.len()),
            ("TX", 0),
            "one left: alone"
        );
        state.compare_with("AL".to_string());
        state.stop_comparing();
        assert_eq!((state.region.as_str(), state.compare.len()), ("TX", 0));
        state.compare_with("AL".to_string());
        state.choose_region("CA".to_string());
        assert_eq!((state.region.as_str(), state.compare.len()), ("CA", 0));
    }

    #[test]
    fn compared_regions_are_per_100k_by_default() {
        let state = ViewState::from_query("compare=ny,CA,tx,NY,,al,ak,az,ar");
        assert_eq!(
            state.compare,
            ["NY", "CA", "TX", "AL", "AK", "AZ"],
            "6 at most, once each"
        );
        assert_eq!(state.shown_regions(), state.compare);
        assert!(state.per_100k());
        assert_eq!(state.to_query(), "compare=NY,CA,TX,AL,AK,AZ");
        let counts = ViewState::from_query("compare=NY,CA&percap=0");
        assert!(!counts.per_100k());
        assert_eq!(counts.to_query(), "percap=0&compare=NY,CA");
        let one = ViewState::from_query("region=NY&percap=0");
        assert!(!one.per_100k());
        assert_eq!(one.to_query(), "region=NY", "counts: one region's default");
        assert_eq!(one.shown_regions(), ["NY"]);
        assert_eq!(
            ViewState::from_query("region=NY&compare=CA,TX").to_query(),
            "compare=CA,TX",
            "comparing names its regions; region= is left out"
        );
    }
}
