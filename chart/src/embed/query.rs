//! An embed's query: its parameters and what each takes (one table, [`parameters`], from which
//! the API's OpenAPI document describes them), read strictly by [`Embed::parse`] and written
//! back in one canonical order by [`Embed::to_query`].

use super::{Days, Embed};
use crate::data::parse_date;
use crate::metric::Metric;
use crate::state::{Scale, View};

/// The bounds of `width`, `height` and `days`.
pub const WIDTHS: (u32, u32) = (320, 800);
pub const HEIGHTS: (u32, u32) = (240, 800);
pub const MAX_DAYS: u32 = 3660;

/// The query's parameters: every one changes the drawing (the edge's cache key holds them all).
pub const PARAMETERS: [&str; 10] = [
    "metric", "view", "percap", "scale", "days", "from", "to", "as_of", "width", "height",
];

/// The codes of the parameters that name a choice, and what each chooses.
pub const METRICS: [(&str, Metric); 2] = [("cases", Metric::Cases), ("deaths", Metric::Deaths)];
pub const VIEWS: [(&str, View); 2] = [("daily", View::Daily), ("cumulative", View::Cumulative)];
pub const PER_100K: [(&str, bool); 2] = [("0", false), ("1", true)];
pub const SCALES: [(&str, Scale); 2] = [("linear", Scale::Linear), ("log", Scale::Log)];

/// What a parameter takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Takes {
    /// One of these codes.
    OneOf(Vec<&'static str>),
    /// A whole number from the first to the second, inclusive.
    Whole(u32, u32),
    /// A whole number from the first to the second, or `all`.
    WholeOrAll(u32, u32),
    /// A day of the calendar, `YYYY-MM-DD`.
    Date,
}

/// One parameter of the query, as a reader of the API is told of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameter {
    pub name: &'static str,
    pub takes: Takes,
    /// Its value when it is left out (as the query writes it); `None`: no value.
    pub default: Option<String>,
    pub about: &'static str,
}

fn codes<T>(choices: &[(&'static str, T)]) -> Takes {
    Takes::OneOf(choices.iter().map(|(code, _)| *code).collect())
}

/// Every parameter of [`PARAMETERS`], in its order: what it takes, its default (from
/// [`Embed::default`]) and what it does.
pub fn parameters() -> [Parameter; 10] {
    let default = Embed::default();
    let code = |choices: &[(&'static str, bool)], v: bool| {
        choices
            .iter()
            .find(|(_, c)| *c == v)
            .map(|(code, _)| code.to_string())
    };
    let days = match default.days {
        Days::Last(n) => n.to_string(),
        Days::Span => "all".to_string(),
    };
    let parameter = |name, takes, default: Option<String>, about| Parameter {
        name,
        takes,
        default,
        about,
    };
    [
        parameter(
            "metric",
            codes(&METRICS),
            Some(default.metric.code().to_string()),
            "What is charted: new cases or new deaths.",
        ),
        parameter(
            "view",
            codes(&VIEWS),
            Some(default.view.code().to_string()),
            "`daily`: new values as bars, with the 7-day average; `cumulative`: the totals.",
        ),
        parameter(
            "percap",
            codes(&PER_100K),
            code(&PER_100K, default.per_100k),
            "`1`: 7-day averages per 100,000 residents; `0`: counts.",
        ),
        parameter(
            "scale",
            codes(&SCALES),
            SCALES
                .iter()
                .find(|(_, s)| *s == default.scale)
                .map(|(c, _)| c.to_string()),
            "The value axis: `linear` or `log`.",
        ),
        parameter(
            "days",
            Takes::WholeOrAll(1, MAX_DAYS),
            Some(days),
            "The newest days shown, counted back from `to` (not with `from`).",
        ),
        parameter(
            "from",
            Takes::Date,
            None,
            "First day shown, inclusive; not with `days`.",
        ),
        parameter(
            "to",
            Takes::Date,
            None,
            "Last day shown, inclusive (left out: the newest).",
        ),
        parameter(
            "as_of",
            Takes::Date,
            None,
            "The data as published on this date (left out: the current data), as the series' `as_of`. Before the region's first vintage, a 404 problem names it.",
        ),
        parameter(
            "width",
            Takes::Whole(WIDTHS.0, WIDTHS.1),
            Some(default.width.to_string()),
            "The image's width, in pixels",
        ),
        parameter(
            "height",
            Takes::Whole(HEIGHTS.0, HEIGHTS.1),
            Some(default.height.to_string()),
            "The image's height, in pixels",
        ),
    ]
}

/// A whole number in `low..=high`, or why not.
fn bounded(name: &str, value: &str, (low, high): (u32, u32)) -> Result<u32, String> {
    match value.parse::<u32>() {
        Ok(n) if (low..=high).contains(&n) && !value.starts_with('+') => Ok(n),
        _ => Err(format!(
            "`{name}` is {:?}: give a whole number from {low} to {high}.",
            shown(value)
        )),
    }
}

/// A value as an error message quotes it: at most 20 characters.
fn shown(value: &str) -> String {
    value.chars().take(20).collect()
}

/// One of `choices` (by its code), or why not.
fn choice<T: Copy>(name: &str, value: &str, choices: &[(&str, T)]) -> Result<T, String> {
    choices
        .iter()
        .find(|(code, _)| *code == value)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let codes: Vec<&str> = choices.iter().map(|(c, _)| *c).collect();
            format!(
                "`{name}` is {:?}: give {}.",
                shown(value),
                codes.join(" or ")
            )
        })
}

impl Embed {
    /// Reads a query string (without `?`; percent-decoded pairs), strictly: a bad value, a
    /// parameter given twice, or `days` with `from` is an error that names the parameter and
    /// the value. Other names are skipped here: the API refuses them before (its query guard).
    ///
    /// ```
    /// use covid_chart::embed::{Days, Embed};
    /// let embed = Embed::parse([("metric", "deaths"), ("days", "30")]).unwrap();
    /// assert_eq!(embed.days, Days::Last(30));
    /// assert_eq!(embed.to_query(), "metric=deaths&view=daily&days=30");
    /// assert!(Embed::parse([("width", "99999")]).is_err());
    /// ```
    pub fn parse<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, String> {
        let mut embed = Embed::default();
        let mut seen: Vec<&str> = Vec::new();
        for (name, value) in pairs {
            let Some(name) = PARAMETERS.into_iter().find(|n| *n == name) else {
                continue;
            };
            if seen.contains(&name) {
                return Err(format!("`{name}` is given twice: give it once."));
            }
            seen.push(name);
            let date = |value: &str| {
                parse_date(value).ok_or_else(|| {
                    format!(
                        "`{name}` is {:?}: give a day of the calendar as YYYY-MM-DD.",
                        shown(value)
                    )
                })
            };
            match name {
                "metric" => embed.metric = choice(name, value, &METRICS)?,
                "view" => embed.view = choice(name, value, &VIEWS)?,
                "percap" => embed.per_100k = choice(name, value, &PER_100K)?,
                "scale" => embed.scale = choice(name, value, &SCALES)?,
                "days" if value == "all" => embed.days = Days::Span,
                "days" => embed.days = Days::Last(bounded(name, value, (1, MAX_DAYS))?),
                "from" => embed.from = Some(date(value)?),
                "to" => embed.to = Some(date(value)?),
                "as_of" => embed.as_of = Some(date(value)?),
                "width" => embed.width = bounded(name, value, WIDTHS)?,
                "height" => embed.height = bounded(name, value, HEIGHTS)?,
                _ => unreachable!("every name is matched"),
            }
        }
        if embed.from.is_some() {
            if seen.contains(&"days") {
                return Err(
                    "`days` and `from` are both given: give `days` (counted back from `to` or \
                     the newest day) or `from`."
                        .to_string(),
                );
            }
            embed.days = Days::Span;
        }
        if let (Some(from), Some(to)) = (embed.from, embed.to)
            && from > to
        {
            return Err(format!(
                "`from` ({from}) is after `to` ({to}): swap them, or drop one."
            ));
        }
        Ok(embed)
    }

    /// The query that gives this embed, in one order, defaults of `width` and `height` left out
    /// (the site's "Embed" links, and the answer's entity tag).
    pub fn to_query(&self) -> String {
        let default = Embed::default();
        let mut query = format!("metric={}&view={}", self.metric.code(), self.view.code());
        if self.per_100k {
            query.push_str("&percap=1");
        }
        if self.scale == Scale::Log {
            query.push_str("&scale=log");
        }
        match (self.days, self.from) {
            (Days::Last(n), _) => query.push_str(&format!("&days={n}")),
            (Days::Span, None) => query.push_str("&days=all"),
            (Days::Span, Some(from)) => query.push_str(&format!("&from={from}")),
        }
        if let Some(to) = self.to {
            query.push_str(&format!("&to={to}"));
        }
        if let Some(as_of) = self.as_of {
            query.push_str(&format!("&as_of={as_of}"));
        }
        if self.width != default.width {
            query.push_str(&format!("&width={}", self.width));
        }
        if self.height != default.height {
            query.push_str(&format!("&height={}", self.height));
        }
        query
    }
}

/// A query string (`a=1&b=2`, not percent-encoded) read by [`Embed::parse`], for tests.
#[cfg(test)]
pub(crate) fn parse_query(query: &str) -> Result<Embed, String> {
    let pairs: Vec<(&str, &str)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .collect();
    Embed::parse(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> Result<Embed, String> {
        parse_query(query)
    }

    #[test]
    fn the_query_is_read_strictly_and_written_back_the_same() {
        assert_eq!(parse("").unwrap(), Embed::default());
        for query in [
            "metric=cases&view=daily&days=90",
            "metric=deaths&view=cumulative&percap=1&scale=log&days=all",
            "metric=cases&view=daily&from=2020-12-01&to=2020-12-31&width=800&height=240",
            "metric=deaths&view=daily&days=7&to=2021-01-01",
            "metric=cases&view=cumulative&days=30&as_of=2021-01-05",
        ] {
            let embed = parse(query).unwrap();
            assert_eq!(embed.to_query(), query);
            assert_eq!(parse(&embed.to_query()).unwrap(), embed);
        }
        assert_eq!(parse("unknown=1&percap=0").unwrap(), Embed::default());
        for (query, error) in [
            (
                "metric=recovered",
                "`metric` is \"recovered\": give cases or deaths.",
            ),
            (
                "view=weekly",
                "`view` is \"weekly\": give daily or cumulative.",
            ),
            ("percap=yes", "`percap` is \"yes\": give 0 or 1."),
            ("scale=LOG", "`scale` is \"LOG\": give linear or log."),
            (
                "days=0",
                "`days` is \"0\": give a whole number from 1 to 3660.",
            ),
            (
                "days=+5",
                "`days` is \"+5\": give a whole number from 1 to 3660.",
            ),
            (
                "width=99999",
                "`width` is \"99999\": give a whole number from 320 to 800.",
            ),
            (
                "height=12",
                "`height` is \"12\": give a whole number from 240 to 800.",
            ),
            (
                "from=2021-02-30",
                "`from` is \"2021-02-30\": give a day of the calendar as YYYY-MM-DD.",
            ),
            (
                "to=x&to=y",
                "`to` is \"x\": give a day of the calendar as YYYY-MM-DD.",
            ),
            ("days=1&days=2", "`days` is given twice: give it once."),
            (
                "from=2021-01-02&to=2021-01-01",
                "`from` (2021-01-02) is after `to` (2021-01-01): swap them, or drop one.",
            ),
        ] {
            assert_eq!(parse(query).unwrap_err(), error, "{query}");
        }
        assert!(
            parse("days=7&from=2020-12-01")
                .unwrap_err()
                .contains("both given")
        );
    }

    #[test]
    fn the_table_names_every_parameter_in_order_with_its_default() {
        let table = parameters();
        let names: Vec<&str> = table.iter().map(|p| p.name).collect();
        assert_eq!(names, PARAMETERS);
        // Each default, given, is the default embed.
        let given: Vec<String> = table
            .iter()
            .filter_map(|p| p.default.as_ref().map(|d| format!("{}={d}", p.name)))
            .collect();
        assert_eq!(parse(&given.join("&")).unwrap(), Embed::default());
        assert_eq!(table[0].takes, Takes::OneOf(vec!["cases", "deaths"]));
        assert_eq!(table[4].takes, Takes::WholeOrAll(1, 3660));
        assert_eq!(table[8].takes, Takes::Whole(320, 800));
    }
}
