//! The `aria-live` line that says the values of the day being read.

use leptos::prelude::*;

use crate::format;

#[component]
pub fn Readout() -> impl IntoView {
    let shown = super::shown();
    let text = move || {
        let state = shown.state.get();
        match shown.hover.get() {
            Some(i) => shown.data.with_value(|d| {
                let parts: Vec<String> = format::describe(&d.days[i], &d.daily[i], &state)
                    .into_iter()
                    .map(|(m, t)| format!("{} {t}", m.label().to_lowercase()))
                    .collect();
                format!("{}: {}", d.days[i].date, parts.join(", "))
            }),
            None => "Point at the chart, or focus it and use the arrow keys, to read the values of a day.".to_string(),
        }
    };
    view! { <p id="readout" class="readout" aria-live="polite">{text}</p> }
}
