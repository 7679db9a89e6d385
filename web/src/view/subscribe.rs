//! The subscription form: an email address, the alert kinds, and optionally the regions whose
//! updates to hear about. Sent with `fetch` (the CSP keeps `form-action 'none'`); the answer is
//! said in a live region: "check your inbox", or the problem's detail.

use std::collections::BTreeSet;

use covid_model::{AlertKind, Region, SUBSCRIBABLE, SubscriptionRequest};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::api;

fn describe(kind: AlertKind) -> &'static str {
    match kind {
        AlertKind::Updated => "Updates: new or revised days",
        AlertKind::Failed => "Failures of the daily run",
        AlertKind::Stale => "Stale data: the sources stopped moving",
        AlertKind::Unchanged => "Runs that found nothing new",
    }
}

/// What the form says after a submission.
#[derive(Clone, PartialEq)]
enum Outcome {
    Idle,
    Sending,
    Sent(String),
    Refused(String),
}

#[component]
pub fn Subscribe() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let alerts = RwSignal::new(SUBSCRIBABLE.into_iter().collect::<BTreeSet<_>>());
    let regions = RwSignal::new(Vec::<String>::new());
    let outcome = RwSignal::new(Outcome::Idle);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = SubscriptionRequest {
            email: email.get_untracked().trim().to_string(),
            alerts: Some(
                alerts
                    .get_untracked()
                    .iter()
                    .map(|k| k.to_string())
                    .collect(),
            ),
            regions: Some(regions.get_untracked()).filter(|r| !r.is_empty()),
        };
        outcome.set(Outcome::Sending);
        spawn_local(async move {
            outcome.set(match api::subscribe(&request).await {
                Ok(()) => Outcome::Sent(format!(
                    "Check your inbox to confirm: AWS Notifications sends a confirmation link to {}. \
                     Nothing is sent until you follow it.",
                    request.email
                )),
                Err(detail) => Outcome::Refused(detail),
            });
        });
    };
    let pick_regions = move |ev: leptos::ev::Event| {
        let Some(select) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
        else {
            return;
        };
        let options = select.selected_options();
        let picked = (0..options.length())
            .filter_map(|i| options.item(i))
            .filter_map(|o| o.get_attribute("value"))
            .collect();
        regions.set(picked);
    };
    let message = move || match outcome.get() {
        Outcome::Idle => String::new(),
        Outcome::Sending => "Sending…".to_string(),
        Outcome::Sent(text) | Outcome::Refused(text) => text,
    };
    view! {
        <section class="subscribe" aria-labelledby="subscribe-heading">
            <h2 id="subscribe-heading">"Email alerts"</h2>
            <p>"Get an email when the data changes, a daily run fails, or the sources go stale. You confirm by email, and every message has an unsubscribe link."</p>
            <form id="subscribe-form" on:submit=submit>
                <label for="subscribe-email">"Email address"</label>
                <input type="email" id="subscribe-email" name="email" required autocomplete="email" maxlength="254"
                    prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/>
                <fieldset>
                    <legend>"Alerts"</legend>
                    {SUBSCRIBABLE.into_iter().map(|kind| view! {
                        <label>
                            <input type="checkbox" name="alerts" value=kind.as_str()
                                prop:checked=move || alerts.get().contains(&kind)
                                on:change=move |_| alerts.update(|a| { if !a.remove(&kind) { a.insert(kind); } })/>
                            {format!(" {}", describe(kind))}
                        </label>
                    }).collect_view()}
                </fieldset>
                <label for="subscribe-regions">"Only updates for these regions (optional; none chosen: all)"</label>
                <select id="subscribe-regions" name="regions" multiple size="6" on:change=pick_regions>
                    {Region::all().into_iter().map(|r| view! { <option value=r.id>{r.name}</option> }).collect_view()}
                </select>
                <button type="submit" prop:disabled=move || outcome.get() == Outcome::Sending>"Subscribe"</button>
                <p id="subscribe-status" role="status" aria-live="polite"
                    class=move || match outcome.get() { Outcome::Refused(_) => "status error", _ => "status" }>
                    {message}
                </p>
            </form>
        </section>
    }
}
