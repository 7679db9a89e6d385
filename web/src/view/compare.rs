//! Comparing regions: a list to add one (up to six), a button to remove each, and one to stop
//! comparing. The compared regions are in the URL (`?compare=NY,CA,TX`).

use covid_model::Region;
use leptos::prelude::*;

use crate::html;
use crate::state::MAX_COMPARED;

#[component]
pub fn CompareControl() -> impl IntoView {
    let state = super::shown().state;
    let compared = move || state.with(|s| s.compare.clone());
    // The first added region compares the shown one with it.
    let add = move |ev: leptos::ev::Event| {
        let id = event_target_value(&ev);
        if id.is_empty() {
            return;
        }
        state.update(|s| {
            if s.compare.is_empty() {
                s.compare.push(s.region.clone());
            }
            s.add_compared(id);
        });
    };
    // One region left is no comparison: it is shown alone.
    let remove = move |id: String| {
        state.update(|s| {
            s.compare.retain(|c| *c != id);
            if s.compare.len() == 1 {
                s.region = s.compare.remove(0);
            }
        })
    };
    let stop = move |_| {
        state.update(|s| {
            if let Some(first) = s.compare.first() {
                s.region = first.clone();
            }
            s.compare.clear();
        })
    };
    // The regions not yet compared, after a first option that adds none (chosen again after
    // each change, so that the list is ready for the next region).
    let all = Region::all();
    let options = move || {
        let shown = compared();
        let mut out = String::new();
        let first = if shown.len() >= MAX_COMPARED {
            "Six regions at most"
        } else {
            "Add a region…"
        };
        html::option(&mut out, "", first, true);
        let rest: Vec<Region> = all
            .iter()
            .filter(|r| !shown.iter().any(|c| c == r.id))
            .copied()
            .collect();
        html::region_options(&mut out, &rest, None);
        out
    };
    view! {
        <fieldset class="compare">
            <legend>"Compare regions"</legend>
            {move || compared().into_iter().filter_map(|id| Region::by_id(&id)).map(|r| view! {
                <button type="button" class="remove" aria-label=format!("Remove {} from the comparison", r.name)
                    on:click=move |_| remove(r.id.to_string())>{format!("{} ×", r.id)}</button>
            }).collect_view()}
            <label for="compare-add" class="visually-hidden">"Add a region to compare"</label>
            <select id="compare-add" on:change=add prop:disabled=move || { compared().len() >= MAX_COMPARED }
                inner_html=options></select>
            {move || (!compared().is_empty()).then(|| view! {
                <button type="button" id="compare-stop" on:click=stop>"Stop comparing"</button>
            })}
        </fieldset>
    }
}
