//! The `aria-live` line that says the values of the date being read, and of a revised day, the
//! values its revisions replaced (`/v1/regions/{id}/revisions`, asked when the day is read).

use chrono::NaiveDate;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// A revised day read: its region, its date and the date the data is shown as of.
type Revised = (String, NaiveDate, Option<NaiveDate>);

#[component]
pub fn Readout() -> impl IntoView {
    let shown = super::shown();
    // The day read, when it is one region's revised day (compared regions' revisions are not
    // said).
    let revised = move || -> Option<Revised> {
        let as_of = shown.state.with(|s| s.as_of);
        shown.hover.get().and_then(|x| {
            shown.frame.with(|f| {
                (f.revisions(x) > 0).then(|| (f.data[0].id().to_string(), f.dates[x], as_of))
            })
        })
    };
    // Its earlier values, for the day they were asked for: they follow the sentence once they
    // arrive, and only while that day is read.
    let earlier = RwSignal::new(None::<(Revised, String)>);
    let text = move || {
        let state = shown.state.get();
        match shown.hover.get() {
            Some(x) => {
                let mut line = shown.frame.read().sentence(x, &state);
                if let Some((day, values)) = &*earlier.read() && Some(day) == revised().as_ref() {
                    line.push_str(values);
                }
                line
            }
            None => "Point at a chart, or focus the charts and use the arrow keys, to read the values of a day.".to_string(),
        }
    };
    let asked = StoredValue::new(None::<Revised>);
    Effect::new(move |_| {
        let day = revised();
        if asked.with_value(|a| *a == day) {
            return;
        }
        asked.set_value(day.clone());
        if let Some(day) = day {
            spawn_local(async move {
                let (id, date, as_of) = &day;
                let values = match crate::api::replaced(id, *date).await {
                    Ok(replaced) => crate::text::earlier(&replaced, *as_of),
                    Err(e) => format!("; its earlier values could not be read: {e}"),
                };
                earlier.set(Some((day, values)));
            });
        }
    });
    view! { <p id=crate::ids::READOUT class="readout" aria-live="polite">{text}</p> }
}
