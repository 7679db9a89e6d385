//! The data table of the shown days, newest first, behind its toggle: a column per shown
//! metric (and per region, when compared).

use leptos::prelude::*;

use crate::{format, html};

#[component]
pub fn DataTable() -> impl IntoView {
    let shown = super::shown();
    let state = shown.state;
    let caption = move || match shown.dates() {
        Some((a, b)) => format!(
            "{} COVID-19, {} to {}",
            {
                let f = &*shown.frame.read();
                {
                    let ids: Vec<&str> = f
                        .data
                        .iter()
                        .map(|d| if d.id() == "US" { "US" } else { d.name() })
                        .collect();
                    ids.join(", ")
                }
            },
            format::date(a),
            format::date(b)
        ),
        None => "No days in this range".to_string(),
    };
    // The caption, the header row and a row per shown day, newest first.
    let table = move || {
        let s = state.get();
        let range = shown.range.get();
        let mut out = String::new();
        html::element(&mut out, "caption", "", &caption());
        out.push_str("<thead><tr><th scope=\"col\">Date</th>");
        {
            let f = &*shown.frame.read();
            {
                for c in f.cells(range.start, &s) {
                    html::element(&mut out, "th", "scope=\"col\"", &c.label());
                }
                out.push_str("</tr></thead><tbody>");
                for x in range.rev() {
                    out.push_str("<tr>");
                    html::element(&mut out, "th", "scope=\"row\"", &f.dates[x].to_string());
                    for c in f.cells(x, &s) {
                        html::element(&mut out, "td", "", &c.text);
                    }
                    out.push_str("</tr>");
                }
            }
        };
        out.push_str("</tbody>");
        out
    };
    view! {
        {move || state.with(|s| s.table).then(|| view! {
            <div class="table-wrap" id=crate::ids::DATA_TABLE>
                <table inner_html=table></table>
            </div>
        })}
    }
}
