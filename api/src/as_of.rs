//! A region's data as it stood on a date (`as_of`): each day's last value whose vintage is on or
//! before it, from the histories the cache holds, so an `as_of` answer costs no read beyond the
//! region's one.

use std::borrow::Cow;

use axum::http::StatusCode;
use chrono::NaiveDate;
use covid_model::{DailyPoint, Day, Place, SeriesDay, daily_per_100k};

use crate::cache::RegionSeries;
use crate::extract::AsOf;
use crate::problem::Problem;

/// The data an answer is made from: the current series, or the series as of a date.
pub struct SeriesAsOf<'a> {
    pub days: Cow<'a, [Day]>,
    pub daily: Cow<'a, [DailyPoint]>,
    /// How many times each day had been revised (as of `as_of`).
    pub revisions: Cow<'a, [u32]>,
    pub as_of: Option<NaiveDate>,
    /// The vintage of the data served.
    pub vintage: Option<NaiveDate>,
    /// The series' place, as answers name it, and its residents.
    pub place: Place,
    pub name: &'a str,
    pub population: Option<u64>,
}

impl<'a> SeriesAsOf<'a> {
    /// `series` as of `as_of` (the current data without one). A date before the region's first
    /// vintage is a 404 problem that names it.
    pub fn of(series: &'a RegionSeries, as_of: AsOf) -> Result<Self, Problem> {
        let Some(date) = as_of.as_of else {
            return Ok(Self::current(series));
        };
        let Some(first) = covid_model::first_vintage(&series.history) else {
            return Err(Problem::new(
                StatusCode::NOT_FOUND,
                "No history",
                format!(
                    "{} ({}) has no recorded vintage yet, so it cannot be given as of {date}: \
                     leave out `as_of` for the current data.",
                    series.name,
                    series.place.id()
                ),
            ));
        };
        if date < first {
            return Err(Problem::new(
                StatusCode::NOT_FOUND,
                "Before the first vintage",
                format!(
                    "`as_of` is {date}, before {first}, the first vintage of {} ({}): give \
                     {first} or later.",
                    series.name,
                    series.place.id()
                ),
            ));
        }
        let (days, revisions): (Vec<Day>, Vec<u32>) =
            covid_model::series_as_of(&series.history, date)
                .into_iter()
                .unzip();
        Ok(Self {
            daily: Cow::Owned(daily_per_100k(&days, series.population)),
            days: Cow::Owned(days),
            revisions: Cow::Owned(revisions),
            as_of: Some(date),
            vintage: covid_model::vintage_as_of(&series.history, date),
            place: series.place,
            name: &series.name,
            population: series.population,
        })
    }

    /// `series`' current data, as held.
    pub fn current(series: &'a RegionSeries) -> Self {
        Self {
            days: Cow::Borrowed(&series.days),
            daily: Cow::Borrowed(&series.daily),
            revisions: Cow::Borrowed(&series.revisions),
            as_of: None,
            vintage: series.vintage,
            place: series.place,
            name: &series.name,
            population: series.population,
        }
    }

    /// Index range of the days with `from <= date <= to`.
    pub fn range(&self, from: Option<NaiveDate>, to: Option<NaiveDate>) -> std::ops::Range<usize> {
        let start = from.map_or(0, |f| self.days.partition_point(|d| d.date < f));
        let end = to.map_or(self.days.len(), |t| {
            self.days.partition_point(|d| d.date <= t)
        });
        start..end.max(start)
    }

    /// The days of `span` with their revision counts, as a series answer carries them.
    pub fn series_days(&self, span: std::ops::Range<usize>) -> Vec<SeriesDay> {
        self.days[span.clone()]
            .iter()
            .zip(&self.revisions[span])
            .map(|(day, revisions)| SeriesDay::of(*day, *revisions))
            .collect()
    }
}
