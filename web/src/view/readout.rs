//! The `aria-live` line that says the values of the date being read.

use leptos::prelude::*;

#[component]
pub fn Readout() -> impl IntoView {
    let shown = super::shown();
    let text = move || {
        let state = shown.state.get();
        match shown.hover.get() {
            Some(x) => { let f = &*shown.frame.read(); f.sentence(x, &state) },
            None => "Point at a chart, or focus the charts and use the arrow keys, to read the values of a day.".to_string(),
        }
    };
    view! { <p id=crate::ids::READOUT class="readout" aria-live="polite">{text}</p> }
}
