//! The subscription form: an email address, the alert kinds, and optionally the regions whose
//! updates to hear about. Sent with `fetch` (the CSP keeps `form-action 'none'`); the answer is
//! said in a live region: "check your inbox", or the problem's detail.

use covid_model::{AlertKind, Region, SUBSCRIBABLE, SubscriptionRequest};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::{api, html};

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

/// The form's values: its fields are the browser's own (checked boxes, chosen options), read
/// once on submit rather than mirrored in signals.
fn request(form: &web_sys::HtmlFormElement) -> Option<SubscriptionRequest> {
    let data = web_sys::FormData::new_with_form(form).ok()?;
    let all = |name: &str| -> Vec<String> {
        data.get_all(name)
            .iter()
            .filter_map(|v| v.as_string())
            .collect()
    };
    let regions = all("regions");
    Some(SubscriptionRequest {
        email: data.get("email").as_string()?.trim().to_string(),
        alerts: Some(all("alerts")),
        regions: (!regions.is_empty()).then_some(regions),
    })
}

/// The form's fields, which the browser keeps (read on submit by [`request`]): static markup.
fn fields() -> String {
    let mut out = String::from(
        "<label for=\"subscribe-email\">Email address</label>\
         <input type=\"email\" id=\"subscribe-email\" name=\"email\" required autocomplete=\"email\" maxlength=\"254\">\
         <fieldset><legend>Alerts</legend>",
    );
    for kind in SUBSCRIBABLE {
        out.push_str("<label><input type=\"checkbox\" name=\"alerts\" value=\"");
        html::escape(&mut out, kind.as_str());
        out.push_str("\" checked> ");
        html::escape(&mut out, describe(kind));
        out.push_str("</label>");
    }
    out.push_str(
        "</fieldset><label for=\"subscribe-regions\">Only updates for these regions (optional; none chosen: all)</label>\
         <select id=\"subscribe-regions\" name=\"regions\" multiple size=\"6\">",
    );
    html::region_options(&mut out, &Region::all(), None);
    out.push_str("</select>");
    out
}

#[component]
pub fn Subscribe() -> impl IntoView {
    let outcome = RwSignal::new(Outcome::Idle);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(request) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
            .as_ref()
            .and_then(request)
        else {
            return;
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
                <div class="fields" inner_html=fields()></div>
                <button type="submit" prop:disabled=move || outcome.get() == Outcome::Sending>"Subscribe"</button>
                <p id="subscribe-status" role="status" aria-live="polite"
                    class=move || match outcome.get() { Outcome::Refused(_) => "status error", _ => "status" }>
                    {message}
                </p>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_name_what_the_submit_reads() {
        let markup = fields();
        assert!(markup.contains(
            "<input type=\"email\" id=\"subscribe-email\" name=\"email\" required autocomplete=\"email\" maxlength=\"254\">"
        ));
        for kind in SUBSCRIBABLE {
            let checkbox = format!(
                "<label><input type=\"checkbox\" name=\"alerts\" value=\"{}\" checked> {}</label>",
                kind.as_str(),
                describe(kind)
            );
            assert!(markup.contains(&checkbox), "{checkbox}");
        }
        assert!(
            !markup.contains("value=\"unchanged\""),
            "the operator's kind is not offered"
        );
        assert!(markup.contains("<select id=\"subscribe-regions\" name=\"regions\" multiple size=\"6\"><option value=\"US\">United States</option><option value=\"AL\">Alabama</option>"));
        assert_eq!(markup.matches("<option ").count(), 56);
        assert!(markup.ends_with("</select>"));
    }
}
