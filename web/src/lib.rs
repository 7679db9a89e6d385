//! The public chart site: Leptos components over the chart model in [`chart`].
//! Data comes from the API (`/v1/series`, same origin unless `<meta name="api-base">` says
//! otherwise); daily values and 7-day averages use the shared model crate, as the API does.

pub mod chart;

use chrono::NaiveDate;
use covid_model::{DailyPoint, Day, SeriesResponse, thousands};
use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::chart::{ChartInput, Metric, Preset, Scale, View, ViewState};

/// The series as loaded once per page.
#[derive(Debug, Clone, PartialEq)]
pub struct Data {
    pub days: Vec<Day>,
    pub daily: Vec<DailyPoint>,
    pub source: String,
    pub last_changed: Option<String>,
}

/// The API's base URL: `<meta name="api-base" content="...">`, empty for the same origin.
fn api_base() -> String {
    document()
        .query_selector("meta[name=api-base]")
        .ok()
        .flatten()
        .and_then(|m| m.get_attribute("content"))
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_string()
}

async fn load() -> Result<Data, String> {
    use wasm_bindgen_futures::JsFuture;
    let url = format!("{}/v1/series", api_base());
    let js = |e: wasm_bindgen::JsValue| e.as_string().unwrap_or_else(|| format!("{e:?}"));
    let response = JsFuture::from(window().fetch_with_str(&url))
        .await
        .map_err(js)?;
    let response: web_sys::Response = response.dyn_into().map_err(js)?;
    let text = JsFuture::from(response.text().map_err(js)?)
        .await
        .map_err(js)?
        .as_string()
        .unwrap_or_default();
    if !response.ok() {
        // The API answers errors as problem details; show their detail.
        let detail = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["detail"].as_str().map(str::to_string))
            .unwrap_or(text);
        return Err(format!("{url} answered {}: {detail}", response.status()));
    }
    let series: SeriesResponse =
        serde_json::from_str(&text).map_err(|e| format!("{url}: unexpected answer: {e}"))?;
    if series.data.is_empty() {
        return Err("The API has no days yet: the ETL has not loaded any data.".to_string());
    }
    Ok(Data {
        daily: covid_model::daily(&series.data),
        days: series.data,
        source: series.meta.source,
        last_changed: series.meta.last_changed,
    })
}

/// Keeps the view state in the URL, so that a link reproduces the view.
fn replace_url(query: &str) {
    let location = window().location();
    let path = location.pathname().unwrap_or_else(|_| "/".to_string());
    let url = if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    };
    if let Ok(history) = window().history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

#[component]
pub fn App() -> impl IntoView {
    let state = RwSignal::new(ViewState::from_query(
        &window().location().search().unwrap_or_default(),
    ));
    Effect::new(move |_| replace_url(&state.get().to_query()));
    let data = LocalResource::new(load);
    view! {
        <header class="top">
            <h1>"US COVID-19: cases, deaths and recoveries"</h1>
            <p class="lede">"Daily cumulative counts for the United States, January 2020 to March 2021, with daily new values and 7-day averages."</p>
        </header>
        <main id="main">
            {move || match data.get() {
                None => view! { <p class="status" role="status">"Loading the series…"</p> }.into_any(),
                Some(Err(error)) => view! {
                    <p class="status error" role="alert">{format!("The data could not be loaded. {error}")}</p>
                }.into_any(),
                Some(Ok(data)) => view! { <Dashboard data=data state=state/> }.into_any(),
            }}
        </main>
        <footer class="credits">
            <p>
                "Cases and deaths: "<a href="https://github.com/nytimes/covid-19-data">"The New York Times"</a>
                " (CC BY-NC 4.0). Recoveries: "<a href="https://github.com/CSSEGISandData/COVID-19">"Johns Hopkins University CSSE"</a>
                " (CC BY 4.0), via "<a href="https://github.com/datasets/covid-19">"datasets/covid-19"</a>". "
                "JHU stopped reporting US recoveries on 2020-12-14. Data: "<a href="/v1/openapi.json">"JSON API"</a>"."
            </p>
        </footer>
    }
}

fn format_date(date: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{} {}, {}", chart::month(date), date.day(), date.year())
}

fn count(v: Option<u64>) -> String {
    v.map_or_else(|| "not reported".to_string(), thousands)
}

fn signed(v: Option<i64>) -> String {
    match v {
        None => "not reported".to_string(),
        Some(v) if v < 0 => format!("-{}", thousands(v.unsigned_abs())),
        Some(v) => thousands(v as u64),
    }
}

fn average(v: Option<f64>) -> String {
    v.map_or_else(
        || "n/a".to_string(),
        |v| thousands(v.round().max(0.0) as u64),
    )
}

/// One line per metric for day `i`, as the tooltip, the readout and the table say it.
fn describe(data: &Data, state: &ViewState, i: usize) -> Vec<(Metric, String)> {
    let (day, daily) = (&data.days[i], &data.daily[i]);
    state
        .metrics
        .iter()
        .map(|&m| {
            let text = match (state.view, m) {
                (View::Cumulative, Metric::Cases) => thousands(day.cases),
                (View::Cumulative, Metric::Deaths) => thousands(day.deaths),
                (View::Cumulative, Metric::Recovered) => count(day.recovered),
                (View::Daily, Metric::Cases) => format!(
                    "{} (7-day avg {})",
                    signed(daily.new_cases),
                    average(daily.avg7_cases)
                ),
                (View::Daily, Metric::Deaths) => format!(
                    "{} (7-day avg {})",
                    signed(daily.new_deaths),
                    average(daily.avg7_deaths)
                ),
                (View::Daily, Metric::Recovered) => {
                    format!(
                        "{} (7-day avg {})",
                        signed(daily.new_recovered),
                        average(daily.avg7_recovered)
                    )
                }
            };
            (m, text)
        })
        .collect()
}

#[component]
fn Dashboard(data: Data, state: RwSignal<ViewState>) -> impl IntoView {
    let data = StoredValue::new(data);
    let (first, last) = data.with_value(|d| (d.days[0].date, d.days[d.days.len() - 1].date));
    let width = RwSignal::new(800u32);
    let svg_box = NodeRef::<leptos::html::Div>::new();
    let measure = move || {
        if let Some(el) = svg_box.get_untracked() {
            let w = el.client_width();
            if w > 0 {
                width.set(w as u32);
            }
        }
    };
    Effect::new(move |_| {
        if svg_box.get().is_some() {
            measure();
        }
    });
    let resize = window_event_listener(ev::resize, move |_| measure());
    on_cleanup(move || resize.remove());

    let rendered = Memo::new(move |_| {
        let s = state.get();
        let w = width.get().clamp(280, 1100);
        let h = (f64::from(w) * 0.5).clamp(240.0, 440.0) as u32;
        data.with_value(|d| {
            chart::render(
                &ChartInput {
                    days: &d.days,
                    daily: &d.daily,
                    state: &s,
                },
                w,
                h,
            )
        })
    });
    // The shown indexes, without cloning the drawn chart.
    let range = Memo::new(move |_| rendered.with(|r| r.range.clone()));
    let hover = RwSignal::new(None::<usize>);
    Effect::new(move |_| {
        rendered.track();
        hover.set(None);
    });

    let pointer = move |ev: web_sys::MouseEvent| {
        let Some(el) = svg_box.get_untracked() else {
            return;
        };
        let rect = el.get_bounding_client_rect();
        if rect.width() <= 0.0 || rect.height() <= 0.0 {
            return;
        }
        let index = rendered.with_untracked(|r| {
            let x = (f64::from(ev.client_x()) - rect.left()) * f64::from(r.width) / rect.width();
            let y = (f64::from(ev.client_y()) - rect.top()) * f64::from(r.height) / rect.height();
            r.index_at(x as i32, y as i32)
        });
        hover.set(index);
    };
    let keys = move |ev: web_sys::KeyboardEvent| {
        let range = range.get_untracked();
        if range.is_empty() {
            return;
        }
        let (lo, hi) = (range.start, range.end - 1);
        let current = hover.get_untracked().unwrap_or(hi);
        let next = match ev.key().as_str() {
            "ArrowLeft" => current.saturating_sub(1).max(lo),
            "ArrowRight" => (current + 1).min(hi),
            "PageUp" => current.saturating_sub(7).max(lo),
            "PageDown" => (current + 7).min(hi),
            "Home" => lo,
            "End" => hi,
            "Escape" => {
                hover.set(None);
                return;
            }
            _ => return,
        };
        ev.prevent_default();
        hover.set(Some(next));
    };
    let focus = move |_| {
        let range = range.get_untracked();
        if hover.get_untracked().is_none() && !range.is_empty() {
            hover.set(Some(range.end - 1));
        }
    };

    let readout = move || {
        let s = state.get();
        match hover.get() {
            Some(i) => data.with_value(|d| {
                let parts: Vec<String> = describe(d, &s, i).into_iter().map(|(m, t)| format!("{} {t}", m.label().to_lowercase())).collect();
                format!("{}: {}", d.days[i].date, parts.join(", "))
            }),
            None => "Point at the chart, or focus it and use the arrow keys, to read the values of a day.".to_string(),
        }
    };
    let tooltip = move || {
        let i = hover.get()?;
        let left =
            rendered.with(|r| r.x_of(i).map(|x| 100.0 * f64::from(x) / f64::from(r.width)))?;
        let s = state.get();
        let lines = data.with_value(|d| describe(d, &s, i));
        let date = data.with_value(|d| d.days[i].date);
        let align = if left > 60.0 { "right" } else { "left" };
        Some(view! {
            <div class="marker" style=format!("left:{left:.3}%") aria-hidden="true"></div>
            <div class=format!("tooltip {align}") style=format!("left:{left:.3}%") aria-hidden="true">
                <strong>{format_date(date)}</strong>
                {lines.into_iter().map(|(m, t)| view! { <span class=format!("metric {}", m.key())>{format!("{}: {t}", m.label())}</span> }).collect_view()}
            </div>
        })
    };

    let shown = move || {
        let range = range.get();
        data.with_value(|d| {
            if range.is_empty() {
                None
            } else {
                Some((d.days[range.start].date, d.days[range.end - 1].date))
            }
        })
    };
    let csv_href = move || match shown() {
        Some((from, to)) => format!("{}/v1/series.csv?from={from}&to={to}", api_base()),
        None => format!("{}/v1/series.csv", api_base()),
    };
    let gap_note = move || {
        let s = state.get();
        let range = range.get();
        let gap = s.metrics.contains(&Metric::Recovered)
            && data.with_value(|d| d.days[range].iter().any(|day| day.recovered.is_none()));
        gap.then_some(view! {
            <p class="note">"Recovered: not reported from Dec 14, 2020 (JHU stopped reporting US recoveries), so the line ends there rather than falling to zero."</p>
        })
    };
    let (source, last_changed) = data.with_value(|d| (d.source.clone(), d.last_changed.clone()));

    view! {
        <p class="freshness">
            "Newest day: "<strong>{format_date(last)}</strong>". Data last updated: "
            {last_changed.map(|t| t.chars().take(10).collect::<String>()).unwrap_or_else(|| "unknown".to_string())}
            ". Sources froze in March 2023."
        </p>
        <section class="controls" aria-label="Chart options">
            <fieldset>
                <legend>"View"</legend>
                <label><input type="radio" name="view" prop:checked=move || state.get().view == View::Cumulative
                    on:change=move |_| state.update(|s| s.view = View::Cumulative)/>" Cumulative"</label>
                <label><input type="radio" name="view" prop:checked=move || state.get().view == View::Daily
                    on:change=move |_| state.update(|s| s.view = View::Daily)/>" Daily new"</label>
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
                        on:click=move |_| state.update(|s| {
                            s.preset = p;
                            if p == Preset::Custom {
                                s.from = s.from.or(Some(first));
                                s.to = s.to.or(Some(last));
                            } else {
                                s.from = None;
                                s.to = None;
                            }
                        })>{p.label()}</button>
                }).collect_view()}
                <Show when=move || state.get().preset == Preset::Custom>
                    <label>"From "<input type="date" id="from" min=first.to_string() max=last.to_string()
                        prop:value=move || state.get().from.map(|d| d.to_string()).unwrap_or_default()
                        on:change=move |ev| { let v = event_target_value(&ev); state.update(|s| s.from = v.parse().ok()) }/></label>
                    <label>"To "<input type="date" id="to" min=first.to_string() max=last.to_string()
                        prop:value=move || state.get().to.map(|d| d.to_string()).unwrap_or_default()
                        on:change=move |ev| { let v = event_target_value(&ev); state.update(|s| s.to = v.parse().ok()) }/></label>
                </Show>
            </fieldset>
            <fieldset>
                <legend>"Show"</legend>
                {Metric::ALL.into_iter().map(|m| view! {
                    <label class=format!("metric {}", m.key())>
                        <input type="checkbox" name=m.key() prop:checked=move || state.get().metrics.contains(&m)
                            on:change=move |_| state.update(|s| {
                                if s.metrics.contains(&m) {
                                    if s.metrics.len() > 1 { s.metrics.retain(|x| *x != m); }
                                } else {
                                    s.metrics.push(m);
                                    s.metrics.sort_by_key(|x| Metric::ALL.iter().position(|y| y == x));
                                }
                            })/>
                        {format!(" {}", m.label())}
                    </label>
                }).collect_view()}
            </fieldset>
            <div class="actions">
                <button type="button" id="table-toggle" aria-expanded=move || state.get().table.to_string() aria-controls="data-table"
                    on:click=move |_| state.update(|s| s.table = !s.table)>
                    {move || if state.get().table { "Hide the data table" } else { "Show the data table" }}
                </button>
                <a class="download" href=csv_href download="us-covid-19.csv">"Download CSV"</a>
            </div>
        </section>
        <Show when=move || state.get().table>
            <div class="table-wrap" id="data-table">
                <table>
                    <caption>{move || match shown() {
                        Some((a, b)) => format!("US COVID-19, {} to {}", format_date(a), format_date(b)),
                        None => "No days in this range".to_string(),
                    }}</caption>
                    <thead><tr>
                        <th scope="col">"Date"</th>
                        {move || state.get().metrics.into_iter().map(|m| view! { <th scope="col">{m.label()}</th> }).collect_view()}
                    </tr></thead>
                    <tbody>
                        {move || {
                            let s = state.get();
                            data.with_value(|d| range.get().rev().map(|i| view! {
                                <tr>
                                    <th scope="row">{d.days[i].date.to_string()}</th>
                                    {describe(d, &s, i).into_iter().map(|(_, t)| view! { <td>{t}</td> }).collect_view()}
                                </tr>
                            }).collect_view())
                        }}
                    </tbody>
                </table>
            </div>
        </Show>
        <figure class="chart-figure">
            <div class="chart" tabindex="0" role="group"
                aria-label="Chart of the selected series. Use the left and right arrow keys to read each day."
                aria-describedby="readout"
                data-days=move || range.get().len()
                data-first-index=move || range.get().start
                data-plot-left=move || rendered.with(|r| r.plot_x_range().map_or(0, |p| p.0))
                data-plot-right=move || rendered.with(|r| r.plot_x_range().map_or(0, |p| p.1))
                data-width=move || rendered.with(|r| r.width)
                data-scale=move || if state.get().scale == Scale::Log { "log" } else { "linear" }
                on:mousemove=pointer on:mouseleave=move |_| hover.set(None) on:keydown=keys on:focus=focus>
                <div class="svg" node_ref=svg_box inner_html=move || rendered.with(|r| r.svg.clone())></div>
                {tooltip}
                <Show when=move || range.get().is_empty()>
                    <p class="status">"No days in this range."</p>
                </Show>
            </div>
            <figcaption>
                <span class="legend">
                    {move || state.get().metrics.into_iter().map(|m| view! { <span class=format!("key {}", m.key())>{m.label()}</span> }).collect_view()}
                </span>
                {move || if state.get().view == View::Daily { " Bars: daily new; lines: 7-day averages." } else { " Cumulative totals." }}
                {move || if state.get().scale == Scale::Log { " Log scale: zero and negative values are not drawn." } else { "" }}
                {gap_note}
            </figcaption>
        </figure>
        <p id="readout" class="readout" aria-live="polite">{readout}</p>
        <p class="source">{source}</p>
    }
}
