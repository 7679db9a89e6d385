//! The charts: one panel per metric, each on its own scale (small multiples), sharing the
//! date axis, the pointer and keyboard reading of a date, and the caption.

use leptos::ev;
use leptos::prelude::*;

use crate::draw::{self, ChartInput, Rendered};
use crate::frame::{PALETTE, Panel};
use crate::keys;
use crate::metric::Metric;
use crate::series::Measure;
use crate::state::Scale;
use crate::{format, html};

/// A panel's heading: the metric and what the view draws of it (its line, and bars or not).
fn title(metric: Metric, drawn: (Measure, Option<Measure>)) -> String {
    let name = metric.label();
    let lower = name.to_ascii_lowercase();
    match drawn {
        (Measure::PerCapita, _) => format!("{name} per 100,000 residents, 7-day average"),
        (Measure::Total, _) => format!("{name}, cumulative"),
        (_, Some(_)) => format!("New {lower} a day and 7-day average"),
        _ => format!("New {lower}, 7-day average"),
    }
}

/// The caption's sentence for what the view draws.
fn caption(drawn: (Measure, Option<Measure>)) -> &'static str {
    match drawn {
        (Measure::PerCapita, _) => " 7-day averages of new cases and deaths per 100,000 residents.",
        (Measure::Total, _) => " Cumulative totals.",
        (_, Some(_)) => " Bars: daily new; lines: 7-day averages.",
        _ => " Lines: 7-day averages of the daily new counts.",
    }
}

/// One metric's chart, `width` wide; the pointer over it reads the date under it.
#[component]
fn ChartPanel(panel: Panel, width: RwSignal<u32>, height_ratio: f64) -> impl IntoView {
    let shown = super::shown();
    let (frame, state, range, hover) = (shown.frame, shown.state, shown.range, shown.hover);
    let metric = panel.metric;
    let panel = StoredValue::new(panel);
    let rendered: Memo<Rendered> = Memo::new(move |_| {
        let s = state.get_untracked();
        let w = width.get().clamp(280, 1100);
        let h = (f64::from(w) * height_ratio).clamp(180.0, 440.0) as u32;
        frame.with_value(|f| {
            panel.with_value(|p| {
                draw::render(
                    &ChartInput {
                        panel: p,
                        dates: &f.dates,
                        range: range.get(),
                        scale: s.scale,
                        per_capita: s.per_capita(),
                    },
                    w,
                    h,
                )
            })
        })
    });
    let svg_box = NodeRef::<leptos::html::Div>::new();
    let pointer = move |ev: web_sys::MouseEvent| {
        let Some(el) = svg_box.get_untracked() else {
            return;
        };
        let rect = el.get_bounding_client_rect();
        if rect.width() <= 0.0 {
            return;
        }
        let index = rendered.with_untracked(|r| {
            let x = (f64::from(ev.client_x()) - rect.left()) * f64::from(r.width) / rect.width();
            r.index_at(x as i32)
        });
        hover.set(index);
    };
    let tooltip = move || {
        let x = hover.get()?;
        let left = rendered.with(|r| {
            r.x_of(x)
                .map(|px| 100.0 * f64::from(px) / f64::from(r.width))
        })?;
        let s = state.get();
        let (date, cells) = frame.with_value(|f| (f.dates[x], f.cells(x, &s)));
        let align = if left > 60.0 { "right" } else { "left" };
        let mut lines = String::new();
        html::element(&mut lines, "strong", "", &format::date(date));
        for c in cells.into_iter().filter(|c| c.metric == metric) {
            let name = c.region.unwrap_or(c.metric.label());
            let class = format!("class=\"metric {}\"", c.metric.key());
            html::element(&mut lines, "span", &class, &format!("{name}: {}", c.text));
        }
        Some(view! {
            <div class="marker" style=format!("left:{left:.3}%") aria-hidden="true"></div>
            <div class=format!("tooltip {align}") style=format!("left:{left:.3}%") aria-hidden="true"
                inner_html=lines></div>
        })
    };
    let s = state.get_untracked();
    let heading = title(metric, Measure::for_view(&s));
    view! {
        <h2 class=format!("panel-title metric {}", metric.key())>{heading}</h2>
        <div class="chart" data-metric=metric.key()
            data-days=move || range.get().len()
            data-first-index=move || range.get().start
            data-lines=panel.with_value(|p| p.lines.len())
            data-plot-left=move || rendered.with(|r| r.plot_x_range().map_or(0, |p| p.0))
            data-plot-right=move || rendered.with(|r| r.plot_x_range().map_or(0, |p| p.1))
            data-width=move || rendered.with(|r| r.width)
            data-scale=if s.scale == Scale::Log { "log" } else { "linear" }
            on:mousemove=pointer on:mouseleave=move |_| hover.set(None)>
            <div class="svg" node_ref=svg_box inner_html=move || rendered.with(|r| r.svg.clone())></div>
            {tooltip}
        </div>
    }
}

#[component]
pub fn ChartFigure() -> impl IntoView {
    let shown = super::shown();
    let (frame, state, range, hover) = (shown.frame, shown.state, shown.range, shown.hover);
    // The charts' width, from the viewport and style.css's box (body at most 72rem wide with
    // 1rem padding, 0.5rem at 480 px and below; the charts' 1 px border). Reading the box's
    // width instead would force a layout of the whole page before the first chart (about 25 ms
    // here); the SVG scales to its box anyway, so an estimate off by a few pixels only scales it.
    let viewport = || {
        let vw = window()
            .inner_width()
            .ok()
            .and_then(|w| w.as_f64())
            .unwrap_or(800.0);
        let padding = if vw <= 480.0 { 8.0 } else { 16.0 };
        (vw.min(1152.0) - 2.0 * padding - 2.0).max(280.0) as u32
    };
    let width = RwSignal::new(viewport());
    let resize = window_event_listener(ev::resize, move |_| width.set(viewport()));
    on_cleanup(move || resize.remove());

    let panels = Memo::new(move |_| {
        let s = state.get();
        frame.with_value(|f| f.panels(&s))
    });
    // Redrawn charts have moved their dates: the read date no longer points at the same pixel.
    Effect::new(move |_| {
        panels.track();
        range.track();
        hover.set(None);
    });
    let on_key = move |ev: web_sys::KeyboardEvent| {
        if let Some(next) = keys::step(&ev.key(), hover.get_untracked(), &range.get_untracked()) {
            ev.prevent_default();
            hover.set(next);
        }
    };
    let focus = move |_| {
        let range = range.get_untracked();
        if hover.get_untracked().is_none() && !range.is_empty() {
            hover.set(Some(range.end - 1));
        }
    };
    let gap_note = move || {
        let s = state.get();
        let text = frame.with_value(|f| {
            let recovered = s.metrics.contains(&Metric::Recovered);
            if s.per_capita() && f.data.iter().any(|d| d.population.is_none()) {
                Some("Per 100,000 residents needs each region's population, which /v1/regions did not give: turn off \"Per 100,000 residents\" to see counts.")
            } else if !recovered {
                None
            } else if s.per_capita() {
                Some("Recovered: there are no per-capita recoveries, so there is no chart for them.")
            } else if f.data.iter().any(|d| !d.region.is_us()) {
                Some("Recovered: JHU reports no recoveries by state, so there is no line for them.")
            } else {
                let gap = range
                    .get()
                    .any(|x| f.day(0, x).is_some_and(|(d, _)| d.recovered.is_none()));
                gap.then_some("Recovered: not reported from Dec 14, 2020 (JHU stopped reporting US recoveries), so the line ends there rather than falling to zero.")
            }
        });
        text.map(|t| view! { <p class="note">{t}</p> })
    };
    // The compared regions' colours and full names.
    let legend = move || {
        let mut out = String::new();
        frame.with_value(|f| {
            if f.compared {
                for (r, d) in f.data.iter().enumerate() {
                    let c = PALETTE[r % PALETTE.len()];
                    out.push_str("<span class=\"key region\">");
                    let swatch = format!(
                        "class=\"swatch\" style=\"background:rgb({},{},{})\"",
                        c.0, c.1, c.2
                    );
                    html::element(&mut out, "span", &swatch, "");
                    html::escape(&mut out, &format!("{} ({})", d.region.name, d.region.id));
                    out.push_str("</span>");
                }
            }
        });
        out
    };
    view! {
        <figure class="chart-figure">
            <div class="charts" tabindex="0" role="group"
                aria-label="Charts of the selected series. Use the left and right arrow keys to read each day."
                aria-describedby="readout" on:keydown=on_key on:focus=focus>
                {move || {
                    let list = panels.get();
                    let ratio = if list.len() > 1 { 0.3 } else { 0.5 };
                    list.into_iter().map(|p| view! { <ChartPanel panel=p width=width height_ratio=ratio/> }).collect_view()
                }}
                {move || range.get().is_empty().then(|| view! { <p class="status">"No days in this range."</p> })}
            </div>
            <figcaption>
                <span class="legend" inner_html=legend></span>
                {move || caption(state.with(Measure::for_view))}
                {move || if state.get().scale == Scale::Log { " Log scale: zero and negative values are not drawn." } else { "" }}
                " Each metric has its own scale."
                {gap_note}
            </figcaption>
        </figure>
    }
}
