//! The data table of the shown days, newest first, behind its toggle: a column per shown
//! metric (and per region, when compared).

use leptos::prelude::*;

use crate::format;

#[component]
pub fn DataTable() -> impl IntoView {
    let shown = super::shown();
    let state = shown.state;
    let caption = move || match shown.dates() {
        Some((a, b)) => format!(
            "{} COVID-19, {} to {}",
            shown.frame.with_value(|f| {
                let ids: Vec<&str> = f
                    .data
                    .iter()
                    .map(|d| {
                        if d.region.is_us() {
                            "US"
                        } else {
                            d.region.name
                        }
                    })
                    .collect();
                ids.join(", ")
            }),
            format::date(a),
            format::date(b)
        ),
        None => "No days in this range".to_string(),
    };
    view! {
        {move || state.with(|s| s.table).then(|| view! {
            <div class="table-wrap" id="data-table">
                <table>
                    <caption>{caption}</caption>
                    {move || {
                        let s = state.get();
                        shown.frame.with_value(|f| {
                            let range = shown.range.get();
                            let headers = f.cells(range.start, &s);
                            view! {
                                <thead><tr>
                                    <th scope="col">"Date"</th>
                                    {headers.into_iter().map(|c| view! { <th scope="col">{c.label()}</th> }).collect_view()}
                                </tr></thead>
                                <tbody>
                                    {range.rev().map(|x| view! {
                                        <tr>
                                            <th scope="row">{f.dates[x].to_string()}</th>
                                            {f.cells(x, &s).into_iter().map(|c| view! { <td>{c.text}</td> }).collect_view()}
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            }
                        })
                    }}
                </table>
            </div>
        })}
    }
}
