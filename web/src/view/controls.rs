//! The chart options: view, per capita, scale, range, metrics, the regions compared, the
//! table toggle, the CSV downloads and the link to this view.

use leptos::prelude::*;

use crate::metric::Metric;
use crate::state::{Preset, Scale, View};
use crate::{api, html};

use super::compare::CompareControl;
use super::share::CopyLink;

#[component]
pub fn Controls() -> impl IntoView {
    let shown = super::shown();
    let state = shown.state;
    let (first, last) = shown.bounds();
    let choose_preset = move |p: Preset| {
        state.update(|s| {
            s.preset = p;
            if p == Preset::Custom {
                s.from = s.from.or(Some(first));
                s.to = s.to.or(Some(last));
            } else {
                s.from = None;
                s.to = None;
            }
        })
    };
    // At least one metric stays shown; the shown ones keep the order of `Metric::ALL`.
    let toggle_metric = move |m: Metric| {
        state.update(|s| {
            if s.metrics.contains(&m) {
                if s.metrics.len() > 1 {
                    s.metrics.retain(|x| *x != m);
                }
            } else {
                s.metrics = Metric::ALL
                    .into_iter()
                    .filter(|x| *x == m || s.metrics.contains(x))
                    .collect();
            }
        })
    };
    let populations = shown
        .frame
        .with_value(|f| f.data.iter().all(|d| d.population.is_some()));
    // The CSV links of the shown days, one per region when compared.
    let downloads = move || {
        let dates = shown.dates();
        let mut out = String::new();
        shown.frame.with_value(|f| {
            for d in &f.data {
                out.push_str("<a class=\"download\" href=\"");
                html::escape(&mut out, &api::csv_url(d.region, dates));
                out.push_str("\" download=\"");
                html::escape(&mut out, &d.region.id.to_ascii_lowercase());
                out.push_str("-covid-19.csv\">");
                if f.compared {
                    out.push_str("CSV: ");
                    html::escape(&mut out, d.region.id);
                } else {
                    out.push_str("Download CSV");
                }
                out.push_str("</a>");
            }
        });
        out
    };
    view! {
        <section class="controls" aria-label="Chart options">
            <fieldset>
                <legend>"View"</legend>
                <label><input type="radio" name="view" prop:checked=move || state.get().view == View::Cumulative
                    on:change=move |_| state.update(|s| s.view = View::Cumulative)/>" Cumulative"</label>
                <label><input type="radio" name="view" prop:checked=move || state.get().view == View::Daily
                    on:change=move |_| state.update(|s| s.view = View::Daily)/>" Daily new"</label>
            </fieldset>
            <fieldset>
                <legend>"Per capita"</legend>
                <button type="button" id="percap-toggle" aria-pressed=move || state.get().per_capita().to_string()
                    prop:disabled=move || !populations && !state.get().per_capita()
                    on:click=move |_| state.update(|s| s.per100k = Some(!s.per_capita()))>
                    "Per 100,000 residents"
                </button>
            </fieldset>
            <fieldset>
                <legend>"Scale"</legend>
                <button type="button" id="log-toggle" aria-pressed=move || (state.get().scale == Scale::Log).to_string()
                    on:click=move |_| state.update(|s| s.scale = if s.scale == Scale::Log { Scale::Linear } else { Scale::Log })>
                    "Log scale"
                </button>
            </fieldset>
            <fieldset>
                <legend>"Range"</legend>
                {Preset::ALL.into_iter().map(|p| view! {
                    <button type="button" data-range=p.key() aria-pressed=move || (state.get().preset == p).to_string()
                        on:click=move |_| choose_preset(p)>{p.label()}</button>
                }).collect_view()}
                // Drawn again in place when the state changes: a date being typed keeps its focus.
                {move || (state.get().preset == Preset::Custom).then(|| view! {
                    <label>"From "<input type="date" id="from" min=first.to_string() max=last.to_string()
                        prop:value=move || state.get().from.map(|d| d.to_string()).unwrap_or_default()
                        on:change=move |ev| { let v = event_target_value(&ev); state.update(|s| s.from = crate::decode::parse_date(&v)) }/></label>
                    <label>"To "<input type="date" id="to" min=first.to_string() max=last.to_string()
                        prop:value=move || state.get().to.map(|d| d.to_string()).unwrap_or_default()
                        on:change=move |ev| { let v = event_target_value(&ev); state.update(|s| s.to = crate::decode::parse_date(&v)) }/></label>
                })}
            </fieldset>
            <fieldset>
                <legend>"Show"</legend>
                {Metric::ALL.into_iter().map(|m| view! {
                    <label class=format!("metric {}", m.key())>
                        <input type="checkbox" name=m.key() prop:checked=move || state.get().metrics.contains(&m)
                            on:change=move |_| toggle_metric(m)/>
                        {format!(" {}", m.label())}
                    </label>
                }).collect_view()}
            </fieldset>
            <CompareControl/>
            <div class="actions">
                <button type="button" id="table-toggle" aria-expanded=move || state.get().table.to_string() aria-controls="data-table"
                    on:click=move |_| state.update(|s| s.table = !s.table)>
                    {move || if state.get().table { "Hide the data table" } else { "Show the data table" }}
                </button>
                <span class="downloads" inner_html=downloads></span>
                <CopyLink/>
            </div>
        </section>
    }
}
