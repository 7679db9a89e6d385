//! The chart figure: the drawn SVG sized to its box, the pointer and keyboard reading of a
//! day with its tooltip, and the caption.

use leptos::ev;
use leptos::prelude::*;

use crate::draw::{self, ChartInput};
use crate::format;
use crate::keys;
use crate::metric::Metric;
use crate::state::{Scale, View};

#[component]
pub fn ChartFigure() -> impl IntoView {
    let shown = super::shown();
    let (data, state, range, hover) = (shown.data, shown.state, shown.range, shown.hover);
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
            draw::render(
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
    // A redrawn chart has moved its days: the read day no longer points at the same pixel.
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
    let tooltip = move || {
        let i = hover.get()?;
        let left =
            rendered.with(|r| r.x_of(i).map(|x| 100.0 * f64::from(x) / f64::from(r.width)))?;
        let s = state.get();
        let (date, lines) = data.with_value(|d| {
            (
                d.days[i].date,
                format::describe(&d.days[i], &d.daily[i], &s),
            )
        });
        let align = if left > 60.0 { "right" } else { "left" };
        Some(view! {
            <div class="marker" style=format!("left:{left:.3}%") aria-hidden="true"></div>
            <div class=format!("tooltip {align}") style=format!("left:{left:.3}%") aria-hidden="true">
                <strong>{format::date(date)}</strong>
                {lines.into_iter().map(|(m, t)| view! { <span class=format!("metric {}", m.key())>{format!("{}: {t}", m.label())}</span> }).collect_view()}
            </div>
        })
    };
    let gap_note = move || {
        let gap = state.get().metrics.contains(&Metric::Recovered)
            && data.with_value(|d| {
                d.days[range.get()]
                    .iter()
                    .any(|day| day.recovered.is_none())
            });
        let text = if data.with_value(|d| d.region.is_us()) {
            "Recovered: not reported from Dec 14, 2020 (JHU stopped reporting US recoveries), so the line ends there rather than falling to zero."
        } else {
            "Recovered: JHU reports no recoveries by state, so there is no line for them."
        };
        gap.then_some(view! { <p class="note">{text}</p> })
    };

    view! {
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
                on:mousemove=pointer on:mouseleave=move |_| hover.set(None) on:keydown=on_key on:focus=focus>
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
                {move || {
                    let s = state.get();
                    if s.per100k {
                        " 7-day averages of new cases and deaths per 100,000 residents."
                    } else if s.view == View::Daily {
                        " Bars: daily new; lines: 7-day averages."
                    } else {
                        " Cumulative totals."
                    }
                }}
                {move || if state.get().scale == Scale::Log { " Log scale: zero and negative values are not drawn." } else { "" }}
                {gap_note}
            </figcaption>
        </figure>
    }
}
