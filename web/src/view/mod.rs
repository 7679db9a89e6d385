//! The dashboard's components. [`Dashboard`] provides one [`Shown`] by context; the controls,
//! the table, the charts and the readout each take what they need from it, as in the leptos
//! `counters` example. The ranking and the subscription form stand apart from it.

mod chart;
mod controls;
pub(crate) mod dom;
mod embed;
mod map;
mod rank;
mod readout;
pub(crate) mod search;
mod subscribe;
mod table;

use std::ops::Range;

use chrono::NaiveDate;
use leptos::prelude::*;

use crate::frame::Frame;
use crate::state::ViewState;

use chart::ChartFigure;
use controls::Controls;
pub use rank::Ranking;
use readout::Readout;
pub use subscribe::Subscribe;
use table::DataTable;

/// What the components share: the loaded regions on one date axis, the reader's choices, the
/// shown dates and the date being read (by pointer or keyboard).
#[derive(Clone, Copy)]
pub struct Shown {
    /// The data shown, made anew for each answer: whatever reads it follows it.
    pub frame: RwSignal<Frame>,
    pub state: RwSignal<ViewState>,
    /// The indexes of the shown dates.
    pub range: Memo<Range<usize>>,
    pub hover: RwSignal<Option<usize>>,
}

impl Shown {
    /// The first and last shown dates; `None` when the range holds no day.
    pub fn dates(&self) -> Option<(NaiveDate, NaiveDate)> {
        let range = self.range.get();
        (!range.is_empty()).then(|| {
            self.frame
                .with(|f| (f.dates[range.start], f.dates[range.end - 1]))
        })
    }

    /// The first and last dates of the axis.
    pub fn bounds(&self) -> (NaiveDate, NaiveDate) {
        self.frame
            .with(|f| (f.dates[0], f.dates[f.dates.len() - 1]))
    }
}

pub fn shown() -> Shown {
    expect_context::<Shown>()
}

/// The dashboard of the loaded data: mounted once, it follows each new answer (`frame`, which
/// [`crate::app`] replaces while the answers load; a failure replaces the dashboard instead).
#[component]
pub fn Dashboard(frame: RwSignal<Frame>, state: RwSignal<ViewState>) -> impl IntoView {
    let range = Memo::new(move |_| {
        let f = &*frame.read();
        state.with(|s| s.range(&f.dates))
    });
    let shown = Shown {
        frame,
        state,
        range,
        hover: RwSignal::new(None),
    };
    provide_context(shown);
    // The sources are credited once, in the footer (index.html), with their links and licences.
    view! {
        <Controls/>
        <DataTable/>
        <ChartFigure/>
        <Readout/>
    }
}

/// The ranking's sortable columns' keys, for the native test of the ids.
#[cfg(test)]
pub(crate) const SORT_KEYS: [&str; 3] = rank::COLUMN_KEYS;

/// The map's metric keys, for the native test of the ids.
#[cfg(test)]
pub(crate) const MAP_KEYS: [&str; 2] = ["cases", "deaths"];

/// Every piece of markup the charts' page writes as text, for the native test of the ids.
#[cfg(test)]
pub(crate) fn markup_for_tests() -> String {
    [controls::markup(), rank::markup(None, "")].concat()
}

/// The markup the alerts page writes, for the same test.
#[cfg(test)]
pub(crate) fn alerts_markup_for_tests() -> String {
    subscribe::markup()
}
