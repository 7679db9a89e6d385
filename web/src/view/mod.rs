//! The dashboard's components. [`Dashboard`] provides one [`Shown`] by context; the controls,
//! the table, the charts and the readout each take what they need from it, as in the leptos
//! `counters` example. The ranking and the subscription form stand apart from it.

mod chart;
mod controls;
mod dom;
mod rank;
mod readout;
mod subscribe;
mod table;

use std::ops::Range;

use chrono::NaiveDate;
use leptos::prelude::*;

use crate::format;
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
    pub frame: StoredValue<Frame>,
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
                .with_value(|f| (f.dates[range.start], f.dates[range.end - 1]))
        })
    }

    /// The first and last dates of the axis.
    pub fn bounds(&self) -> (NaiveDate, NaiveDate) {
        self.frame
            .with_value(|f| (f.dates[0], f.dates[f.dates.len() - 1]))
    }
}

pub fn shown() -> Shown {
    expect_context::<Shown>()
}

#[component]
pub fn Dashboard(frame: Frame, state: RwSignal<ViewState>) -> impl IntoView {
    let frame = StoredValue::new(frame);
    let range = Memo::new(move |_| frame.with_value(|f| state.with(|s| s.range(&f.dates))));
    let shown = Shown {
        frame,
        state,
        range,
        hover: RwSignal::new(None),
    };
    provide_context(shown);
    let (source, last_changed) = frame.with_value(|f| {
        let d = &f.data[0];
        (d.source.clone(), d.last_changed.clone())
    });
    let last = shown.bounds().1;
    view! {
        <p class="freshness">
            "Newest day: "<strong>{format::date(last)}</strong>". Data last updated: "
            {last_changed.map(|t| t.chars().take(10).collect::<String>()).unwrap_or_else(|| "unknown".to_string())}
            ". Sources froze in March 2023."
        </p>
        <Controls/>
        <DataTable/>
        <ChartFigure/>
        <Readout/>
        <p class="source">{source}</p>
    }
}
