//! The charts: one panel per metric, each on its own scale (small multiples), sharing the
//! date axis, the pointer and keyboard reading of a date, and the caption.
//!
//! The panels are one piece of markup (each title, and each chart box with plotters' SVG), set
//! when they are drawn again; the date read is written into each box's overlay by one effect,
//! and the pointer is heard once, on the panels' container. One markup function and one effect
//! cost less wasm than a component per panel (the first-load budget).

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::draw::{self, ChartInput, Rendered};
use crate::frame::{Cell, PALETTE};
use crate::keyboard;
use crate::metric::Metric;
use crate::series::{Measure, title};
use crate::state::Scale;
use crate::{format, html};

/// The caption's sentence for what the view draws.
fn caption(drawn: (Measure, Option<Measure>)) -> &'static str {
    match drawn {
        (Measure::Per100k, _) => " 7-day averages of new cases and deaths per 100,000 residents.",
        (Measure::Total, _) => " Cumulative totals.",
        (_, Some(_)) => " Bars: daily new; lines: 7-day averages.",
        _ => " Lines: 7-day averages of the daily new counts.",
    }
}

/// One panel as drawn: its metric, title and SVG, and what the page and its tests read of it.
#[derive(Clone, PartialEq)]
struct Drawn {
    metric: Metric,
    title: String,
    lines: usize,
    scale: Scale,
    rendered: Rendered,
}

/// The panels as markup: each title, then the chart box with its data attributes, its SVG and
/// an empty overlay for the marker and tooltip of the date read.
fn panels_markup(drawn: &[Drawn]) -> String {
    let mut out = String::new();
    for d in drawn {
        let key = d.metric.code();
        let class = format!("panel-title metric {key}");
        html::element_with(&mut out, "h2", "", &[("class", &class)], &d.title);
        let r = &d.rendered;
        let (left, right) = r.plot_x_range().unwrap_or((0, 0));
        let scale = if d.scale == Scale::Log {
            "log"
        } else {
            "linear"
        };
        out.push_str(&format!(
            "<div class=\"chart\" data-metric=\"{key}\" data-days=\"{}\" data-first-index=\"{}\" \
             data-lines=\"{}\" data-plot-left=\"{left}\" data-plot-right=\"{right}\" data-width=\"{}\" \
             data-scale=\"{scale}\"><div class=\"svg\">",
            r.range.len(),
            r.range.start,
            d.lines,
            r.width,
        ));
        // plotters' SVG: its texts are escaped by plotters-svg.
        out.push_str(&r.svg);
        out.push_str("</div><div class=\"overlay\"></div></div>");
    }
    out
}

/// The marker and tooltip of day `x` on a panel, at `left` percent of its width.
fn overlay_markup(left: f64, date: &str, cells: &[Cell]) -> String {
    let align = if left > 60.0 { "right" } else { "left" };
    let mut out = format!(
        "<div class=\"marker\" style=\"left:{left:.3}%\" aria-hidden=\"true\"></div>\
         <div class=\"tooltip {align}\" style=\"left:{left:.3}%\" aria-hidden=\"true\">"
    );
    html::element(&mut out, "strong", "", date);
    for c in cells {
        let name = c.region.as_deref().unwrap_or(c.metric.label());
        let class = format!("metric {}", c.metric.code());
        html::element_with(
            &mut out,
            "span",
            "",
            &[("class", &class)],
            &format!("{name}: {}", c.text),
        );
    }
    out.push_str("</div>");
    out
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
        {
            let f = &*frame.read();
            f.panels(&s)
        }
    });
    // Every panel drawn, `width` wide; redrawn when the panels, the width or the range change.
    let drawn = Memo::new(move |_| {
        let list = panels.get();
        let w = width.get().clamp(280, 1100);
        let ratio = if list.len() > 1 { 0.3 } else { 0.5 };
        let h = (f64::from(w) * ratio).clamp(180.0, 440.0) as u32;
        let range = range.get();
        let s = state.get_untracked();
        let measure = Measure::for_view(&s);
        {
            let f = &*frame.read();
            {
                list.iter()
                    .map(|p| Drawn {
                        metric: p.metric,
                        title: title(p.metric, measure),
                        lines: p.lines.len(),
                        scale: s.scale,
                        rendered: draw::render(
                            &ChartInput {
                                panel: p,
                                dates: &f.dates,
                                range: range.clone(),
                                scale: s.scale,
                                per_100k: s.per_100k(),
                            },
                            w,
                            h,
                        ),
                    })
                    .collect::<Vec<_>>()
            }
        }
    });
    // Redrawn charts have moved their dates: the read date no longer points at the same pixel.
    Effect::new(move |_| {
        drawn.track();
        hover.set(None);
    });
    // The date read, shown on every panel: each overlay written anew. Panels drawn anew come
    // with empty overlays, and the effect above then clears the date read.
    let charts = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        let x = hover.get();
        let s = state.get();
        let Some(el) = charts.get() else {
            return;
        };
        let overlays = el.get_elements_by_class_name("overlay");
        drawn.with(|list| {
            let f = &*frame.read();
            {
                let cells = x.map(|x| f.cells(x, &s)).unwrap_or_default();
                for (i, d) in list.iter().enumerate() {
                    let Some(overlay) = overlays.item(i as u32) else {
                        continue;
                    };
                    let r = &d.rendered;
                    let markup = x
                        .and_then(|x| Some((x, r.x_of(x)?)))
                        .map(|(x, px)| {
                            let left = 100.0 * f64::from(px) / f64::from(r.width);
                            let mine: Vec<Cell> = cells
                                .iter()
                                .filter(|c| c.metric == d.metric)
                                .cloned()
                                .collect();
                            overlay_markup(left, &format::date(f.dates[x]), &mine)
                        })
                        .unwrap_or_default();
                    overlay.set_inner_html(&markup);
                }
            }
        });
    });
    // The pointer over a panel reads the date under it; elsewhere (the titles) nothing.
    let pointer = move |ev: web_sys::MouseEvent| {
        let chart = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest(".chart").ok().flatten());
        let index = chart.and_then(|chart| {
            let rect = chart.get_bounding_client_rect();
            let metric = chart.get_attribute("data-metric")?;
            drawn.with_untracked(|list| {
                let r = &list.iter().find(|d| d.metric.code() == metric)?.rendered;
                if rect.width() <= 0.0 {
                    return None;
                }
                let x =
                    (f64::from(ev.client_x()) - rect.left()) * f64::from(r.width) / rect.width();
                r.index_at(x as i32)
            })
        });
        hover.set(index);
    };
    let on_key = move |ev: web_sys::KeyboardEvent| {
        if let Some(next) =
            keyboard::step(&ev.code(), hover.get_untracked(), &range.get_untracked())
        {
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
        let text = {
            let f = &*frame.read();
            {
                let recovered = s.metrics.contains(&Metric::Recovered);
                if s.per_100k() && f.data.iter().any(|d| d.population.is_none()) {
                    Some(
                        "Per 100,000 residents needs each place's population, which its series did not give: turn off \"Per 100,000 residents\" to see counts.".to_string(),
                    )
                } else if !recovered {
                    None
                } else if s.per_100k() {
                    Some(
                        "Recovered: there are no per-capita recoveries, so there is no chart for them.".to_string(),
                    )
                } else if f.data.iter().any(|d| !d.region.is_us()) {
                    Some(
                        "Recovered: JHU reports no recoveries by state, so there is no line for them.".to_string(),
                    )
                } else {
                    let gap = range
                        .get()
                        .any(|x| f.day(0, x).is_some_and(|(d, _)| d.recovered.is_none()));
                    // The first day JHU no longer reported, from the data.
                    let stopped = f.data[0]
                        .days
                        .iter()
                        .rev()
                        .find(|d| d.recovered.is_some())
                        .and_then(|d| d.date.succ_opt())
                        .map_or_else(
                            || "in these days".to_string(),
                            |day| format!("from {}", format::date(day)),
                        );
                    gap.then(|| format!("Recovered: not reported {stopped} (JHU stopped reporting US recoveries), so the line ends there rather than falling to zero."))
                }
            }
        };
        text.map(|t| view! { <p class="note">{t}</p> })
    };
    // The compared regions' colours and full names.
    let legend = move || {
        let mut out = String::new();
        {
            let f = &*frame.read();
            {
                if f.compared {
                    for (r, d) in f.data.iter().enumerate() {
                        let c = PALETTE[r % PALETTE.len()];
                        out.push_str("<span class=\"key region\">");
                        let color = format!("background:rgb({},{},{})", c.0, c.1, c.2);
                        html::element_with(
                            &mut out,
                            "span",
                            "class=\"swatch\"",
                            &[("style", &color)],
                            "",
                        );
                        html::escape(&mut out, &format!("{} ({})", d.name(), d.id()));
                        out.push_str("</span>");
                    }
                }
            }
        };
        out
    };
    view! {
        <figure class="chart-figure">
            <div class="charts" tabindex="0" role="group" node_ref=charts
                aria-label="Charts of the selected series. Use the left and right arrow keys to read each day."
                aria-describedby=crate::ids::READOUT on:keydown=on_key on:focus=focus
                on:mousemove=pointer on:mouseleave=move |_| hover.set(None)
                inner_html=move || {
                    let mut out = drawn.with(|list| panels_markup(list));
                    if range.get().is_empty() {
                        out.push_str("<p class=\"status\">No days in this range.</p>");
                    }
                    out
                }>
            </div>
            <figcaption>
                <span class="legend" inner_html=legend></span>
                {move || caption(state.with(Measure::for_view))}
                {move || if state.get().scale == Scale::Log { " Log scale: zero and negative values are not drawn." } else { "" }}
                {move || if drawn.with(|list| list.iter().any(|d| d.rendered.below_zero)) {
                    format!(" {}.", crate::draw::BELOW_ZERO_NOTE)
                } else {
                    String::new()
                }}
                " Each metric has its own scale."
                {gap_note}
            </figcaption>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{Line, Panel};

    fn drawn(title: &str) -> Drawn {
        let panel = Panel {
            metric: Metric::Deaths,
            lines: vec![Line {
                label: None,
                color: Metric::Deaths.color(),
                values: vec![Some(1.0), Some(4.0), None, Some(9.0)],
                bars: None,
            }],
            revised: Vec::new(),
        };
        let dates: Vec<_> = ["2021-03-01", "2021-03-02", "2021-03-03", "2021-03-04"]
            .iter()
            .map(|d| crate::data::parse_date(d).unwrap())
            .collect();
        let input = ChartInput {
            panel: &panel,
            dates: &dates,
            range: 1..4,
            scale: Scale::Log,
            per_100k: false,
        };
        Drawn {
            metric: panel.metric,
            title: title.to_string(),
            lines: panel.lines.len(),
            scale: Scale::Log,
            rendered: draw::render(&input, 400, 200),
        }
    }

    #[test]
    fn panels_are_written_with_what_the_page_reads_of_them() {
        let d = drawn("Deaths & more");
        let (left, right) = d.rendered.plot_x_range().unwrap();
        assert!(0 < left && left < right && right <= 400, "{left}..{right}");
        let markup = panels_markup(&[d.clone(), d.clone()]);
        assert!(
            markup.starts_with("<h2 class=\"panel-title metric deaths\">Deaths &amp; more</h2>")
        );
        let chart = format!(
            "<div class=\"chart\" data-metric=\"deaths\" data-days=\"3\" data-first-index=\"1\" \
             data-lines=\"1\" data-plot-left=\"{left}\" data-plot-right=\"{right}\" \
             data-width=\"400\" data-scale=\"log\"><div class=\"svg\"><svg"
        );
        assert_eq!(markup.matches(&chart).count(), 2, "{markup}");
        assert_eq!(markup.matches("</svg>").count(), 2);
        assert!(markup.ends_with("</div><div class=\"overlay\"></div></div>"));
    }

    #[test]
    fn overlays_say_the_date_read_on_the_side_with_room() {
        let cells = [Cell {
            metric: Metric::Deaths,
            region: Some("NY".to_string()),
            text: "<1,234>".to_string(),
        }];
        let right = overlay_markup(75.0, "Mar 2, 2021", &cells);
        assert_eq!(
            right,
            "<div class=\"marker\" style=\"left:75.000%\" aria-hidden=\"true\"></div>\
             <div class=\"tooltip right\" style=\"left:75.000%\" aria-hidden=\"true\">\
             <strong>Mar 2, 2021</strong><span class=\"metric deaths\">NY: &lt;1,234&gt;</span></div>"
        );
        assert!(
            overlay_markup(12.5, "Mar 2, 2021", &[])
                .contains("tooltip left\" style=\"left:12.500%")
        );
    }
}
