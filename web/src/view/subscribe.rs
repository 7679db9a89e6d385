//! The subscription form of the alerts page (`alerts.html`): an email address, the alert kinds,
//! and optionally the regions whose updates to hear about. Sent with `fetch` (the CSP keeps `form-action 'none'`); the answer is
//! said in a live region: "check your inbox", or the problem's detail.

use covid_model::{AlertKind, Region, SUBSCRIBABLE, SubscriptionRequest};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::ids::{
    SUBSCRIBE_EMAIL, SUBSCRIBE_FORM, SUBSCRIBE_HEADING, SUBSCRIBE_REGIONS, SUBSCRIBE_STATUS,
};
use crate::state::ViewState;
use crate::{api, html};

use super::dom;

fn describe(kind: AlertKind) -> &'static str {
    match kind {
        AlertKind::Updated => "Updates: new or revised days",
        AlertKind::Failed => "Failures of the daily run",
        AlertKind::Stale => "Stale data: the sources stopped moving",
        AlertKind::Level => "Level changes: CDC's bands of new cases per 100k over 7 days",
        AlertKind::Unchanged => "Runs that found nothing new",
        AlertKind::FailedDetail => "Failures in full detail (the operator's)",
    }
}

/// The form's values: its fields are the browser's own (checked boxes, chosen options), read
/// once on submit rather than mirrored in signals. Level changes are of places: with none
/// chosen, of `shown`, the region on the charts.
fn request(form: &web_sys::HtmlFormElement, shown: &str) -> Option<SubscriptionRequest> {
    let data = web_sys::FormData::new_with_form(form).ok()?;
    let all = |name: &str| -> Vec<String> {
        data.get_all(name)
            .iter()
            .filter_map(|v| v.as_string())
            .collect()
    };
    let (alerts, mut regions) = (all("alerts"), all("regions"));
    if regions.is_empty() && alerts.iter().any(|a| a == AlertKind::Level.as_str()) {
        regions.push(shown.to_string());
    }
    Some(SubscriptionRequest {
        email: data.get("email").as_string()?.trim().to_string(),
        alerts: Some(alerts),
        regions: (!regions.is_empty()).then_some(regions),
    })
}

/// The section: its heading and text, and the form, whose fields the browser keeps (read on
/// submit by [`request`]) and whose status [`say`] writes. Static markup.
pub(super) fn markup() -> String {
    let mut out = format!(
        "<h2 id=\"{SUBSCRIBE_HEADING}\">Email alerts</h2>\
         <p>Get an email when the data changes, a daily run fails, or the sources go stale. You \
         confirm by email, and every message has an unsubscribe link.</p>\
         <form id=\"{SUBSCRIBE_FORM}\"><label for=\"{SUBSCRIBE_EMAIL}\">Email address</label>\
         <input type=\"email\" id=\"{SUBSCRIBE_EMAIL}\" name=\"email\" required autocomplete=\"email\" maxlength=\"254\">\
         <fieldset><legend>Alerts</legend>",
    );
    for kind in SUBSCRIBABLE {
        out.push_str("<label><input type=\"checkbox\" name=\"alerts\" value=\"");
        html::escape(&mut out, kind.as_str());
        // Each level subscription is a place's: asked for, not given by default.
        out.push_str(if kind == AlertKind::Level {
            "\"> "
        } else {
            "\" checked> "
        });
        html::escape(&mut out, describe(kind));
        out.push_str("</label>");
    }
    out.push_str(&format!(
        "</fieldset><label for=\"{SUBSCRIBE_REGIONS}\">Regions (none chosen: every region, or the one shown if level changes are chosen)</label>\
         <select id=\"{SUBSCRIBE_REGIONS}\" name=\"regions\" multiple size=\"6\">",
    ));
    html::region_options(&mut out, &Region::all(), None);
    out.push_str(&format!(
        "</select><button type=\"submit\">Subscribe</button>\
         <p id=\"{SUBSCRIBE_STATUS}\" class=\"status\" role=\"status\" aria-live=\"polite\"></p></form>",
    ));
    out
}

/// Says how the subscription went, as an error or not, and whether it is still being sent
/// (the button waits meanwhile).
fn say(text: &str, error: bool, sending: bool) {
    if let Some(status) = dom::by_id(SUBSCRIBE_STATUS) {
        status.set_text_content(Some(text));
        status.set_class_name(if error { "status error" } else { "status" });
    }
    if let Some(button) =
        dom::by_id(SUBSCRIBE_FORM).and_then(|f| f.query_selector("button").ok().flatten())
    {
        let _ = button.toggle_attribute_with_force("disabled", sending);
    }
}

#[component]
pub fn Subscribe(state: RwSignal<ViewState>) -> impl IntoView {
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // A county's level changes are told with its state's (the place's region).
        let shown = state.with_untracked(|s| match covid_model::Place::by_id(&s.region) {
            Some(place) => place.region().id.to_string(),
            None => s.region.clone(),
        });
        let Some(request) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
            .and_then(|form| request(&form, &shown))
        else {
            return;
        };
        say("Sending…", false, true);
        spawn_local(async move {
            match api::subscribe(&request).await {
                Ok(n) => say(
                    &format!(
                        "Check your inbox to confirm: AWS Notifications sends {} to {}. Nothing \
                         is sent until you follow it.",
                        if n == 1 {
                            "a confirmation link".to_string()
                        } else {
                            format!("{n} confirmation links, one per subscription,")
                        },
                        request.email
                    ),
                    false,
                    false,
                ),
                Err(detail) => say(&detail, true, false),
            }
        });
    };
    // In the skeleton's section (index.html), which names it by its heading.
    view! { <div on:submit=submit inner_html=markup()></div> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_name_what_the_submit_reads() {
        let markup = markup();
        assert!(markup.contains(&format!(
            "<input type=\"email\" id=\"{SUBSCRIBE_EMAIL}\" name=\"email\" required autocomplete=\"email\" maxlength=\"254\">"
        )));
        for kind in SUBSCRIBABLE {
            let checked = if kind == AlertKind::Level {
                ""
            } else {
                " checked"
            };
            let checkbox = format!(
                "<label><input type=\"checkbox\" name=\"alerts\" value=\"{}\"{checked}> {}</label>",
                kind.as_str(),
                describe(kind)
            );
            assert!(markup.contains(&checkbox), "{checkbox}");
        }
        assert!(
            !markup.contains("value=\"unchanged\""),
            "the operator's kind is not offered"
        );
        assert!(markup.contains(&format!("<select id=\"{SUBSCRIBE_REGIONS}\" name=\"regions\" multiple size=\"6\"><option value=\"US\">United States</option><option value=\"AL\">Alabama</option>")));
        assert_eq!(markup.matches("<option ").count(), 56);
        assert!(markup.starts_with(&format!("<h2 id=\"{SUBSCRIBE_HEADING}\">")));
        assert!(markup.ends_with(&format!(
            "</select><button type=\"submit\">Subscribe</button><p id=\"{SUBSCRIBE_STATUS}\" \
             class=\"status\" role=\"status\" aria-live=\"polite\"></p></form>"
        )));
    }
}
