//! The data table of the shown days, newest first, behind its toggle.

use leptos::prelude::*;

use crate::format;

#[component]
pub fn DataTable() -> impl IntoView {
    let shown = super::shown();
    let state = shown.state;
    view! {
        <Show when=move || state.get().table>
            <div class="table-wrap" id="data-table">
                <table>
                    <caption>{move || match shown.dates() {
                        Some((a, b)) => format!(
                            "{} COVID-19, {} to {}",
                            shown.data.with_value(|d| if d.region.is_us() { "US" } else { d.region.name }),
                            format::date(a),
                            format::date(b)
                        ),
                        None => "No days in this range".to_string(),
                    }}</caption>
                    <thead><tr>
                        <th scope="col">"Date"</th>
                        {move || state.get().metrics.into_iter().map(|m| view! { <th scope="col">{m.label()}</th> }).collect_view()}
                    </tr></thead>
                    <tbody>
                        {move || {
                            let s = state.get();
                            shown.data.with_value(|d| shown.range.get().rev().map(|i| view! {
                                <tr>
                                    <th scope="row">{d.days[i].date.to_string()}</th>
                                    {format::describe(&d.days[i], &d.daily[i], &s).into_iter().map(|(_, t)| view! { <td>{t}</td> }).collect_view()}
                                </tr>
                            }).collect_view())
                        }}
                    </tbody>
                </table>
            </div>
        </Show>
    }
}
