//! The dashboard's components. [`Dashboard`] provides one [`Shown`] by context; the controls,
//! the table, the chart and the readout each take what they need from it, as in the leptos
//! `counters` example.

mod chart;
mod controls;
mod readout;
mod subscribe;
mod table;

use std::ops::Range;

use chrono::NaiveDate;
use leptos::prelude::*;

use crate::api::Data;
use crate::format;
use crate::state::ViewState;

use chart::ChartFigure;
use controls::Controls;
use readout::Readout;
pub use subscribe::Subscribe;
use table::DataTable;

/// What the components share: the loaded series, the reader's choices, the shown days and
/// the day being read (by pointer or keyboard).
#[derive(Clone, Copy)]
pub struct Shown {
    pub data: StoredValue<Data>,
    pub state: RwSignal<ViewState>,
    /// The indexes of the shown days.
    pub range: Memo<Range<usize>>,
    pub hover: RwSignal<Option<usize>>,
}

impl Shown {
    /// The first and last shown dates; `None` when the range holds no day.
    pub fn dates(&self) -> Option<(NaiveDate, NaiveDate)> {
        let range = self.range.get();
        (!range.is_empty()).then(|| {
            self.data
                .with_value(|d| (d.days[range.start].date, d.days[range.end - 1].date))
        })
    }

    /// The first and last dates of the series.
    pub fn bounds(&self) -> (NaiveDate, NaiveDate) {
        self.data
            .with_value(|d| (d.days[0].date, d.days[d.days.len() - 1].date))
    }
}

pub fn shown() -> Shown {
    expect_context::<Shown>()
}

#[component]
pub fn Dashboard(data: Data, state: RwSignal<ViewState>) -> impl IntoView {
    let data = StoredValue::new(data);
    let range = Memo::new(move |_| data.with_value(|d| state.with(|s| s.range(&d.days))));
    let shown = Shown {
        data,
        state,
        range,
        hover: RwSignal::new(None),
    };
    provide_context(shown);
    let (source, last_changed) = data.with_value(|d| (d.source.clone(), d.last_changed.clone()));
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
