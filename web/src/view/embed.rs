//! "Embed this chart", in the chart options: for each shown chart of cases or deaths, the
//! `<img>` snippet that embeds the same view from the API's `chart.svg` (drawn there by this
//! site's own drawing code), and a link to it. One region only: a comparison has no single
//! embed. Written as markup by the options' effect (`controls.rs`).

use crate::frame::Frame;
use crate::metric::Metric;
use crate::state::ViewState;
use crate::{html, ids};
use covid_chart::embed::Embed as EmbedChart;

/// The snippets of `state`'s charts over `frame`, their URLs on `origin` (the API's, absolute).
pub fn markup(state: &ViewState, frame: &Frame, origin: &str) -> String {
    let Some(data) = frame.data.first() else {
        return String::new();
    };
    if frame.compared {
        return "<p class=\"note\">An embedded chart shows one region: stop comparing to embed one.</p>"
            .to_string();
    }
    let mut out = String::new();
    for metric in state
        .metrics
        .iter()
        .copied()
        .filter(|m| *m != Metric::Recovered)
    {
        let embed = EmbedChart::of_view(state, metric, &frame.dates);
        let url = format!("{origin}{}", embed.path(data.id()));
        let id = ids::embed(metric.code());
        out.push_str(&format!("<p><label for=\"{id}\">"));
        html::escape(&mut out, &format!("{}, as HTML to paste", metric.label()));
        out.push_str(&format!(
            "</label><textarea id=\"{id}\" readonly rows=\"3\">"
        ));
        html::escape(&mut out, &embed.snippet(&url, data.id(), data.name()));
        out.push_str(&format!(
            "</textarea><button type=\"button\" data-copy=\"{id}\">Copy</button>"
        ));
        html::element_with(
            &mut out,
            "a",
            "",
            &[("href", url.as_str())],
            "Open the image",
        );
        out.push_str("</p>");
    }
    if out.is_empty() {
        out.push_str("<p class=\"note\">Embedded charts show cases or deaths.</p>");
    } else {
        out.push_str(&format!(
            "<span id=\"{}\" class=\"copy-status\" role=\"status\"></span>",
            ids::EMBED_STATUS
        ));
    }
    out
}

/// The API's origin, absolute: the configured base, or this page's origin.
pub fn origin() -> String {
    let base = crate::api::base();
    if base.starts_with("http") {
        base
    } else {
        let own = leptos::prelude::window()
            .location()
            .origin()
            .unwrap_or_default();
        format!("{own}{base}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Data;
    use covid_model::Region;

    fn frame(ids: &[&str]) -> Frame {
        let data = ids
            .iter()
            .map(|id| {
                Data::new(
                    Region::by_id(id).unwrap(),
                    crate::fixtures::days(),
                    Some(1_000),
                )
            })
            .collect();
        Frame::new(data, ids.len() > 1)
    }

    #[test]
    fn each_chart_of_cases_or_deaths_has_its_snippet() {
        let state = ViewState::from_query("region=NY&view=daily&range=30d");
        let out = markup(&state, &frame(&["NY"]), "https://covid.example");
        assert_eq!(
            out.matches("<textarea").count(),
            2,
            "cases and deaths: {out}"
        );
        assert!(out.contains(
            "&lt;img src=&quot;https://covid.example/v1/regions/NY/chart.svg?metric=deaths&amp;amp;view=daily&amp;amp;days=30&quot;"
        ), "{out}");
        assert!(out.contains(
            "<a href=\"https://covid.example/v1/regions/NY/chart.svg?metric=cases&amp;view=daily&amp;days=30\">Open the image</a>"
        ), "{out}");
        // Each snippet is named by its label, and its button copies it.
        for key in ["cases", "deaths"] {
            let id = ids::embed(key);
            assert!(out.contains(&format!("<label for=\"{id}\">")), "{out}");
            assert!(out.contains(&format!("<textarea id=\"{id}\"")), "{out}");
            assert!(
                out.contains(&format!("data-copy=\"{id}\">Copy</button>")),
                "{out}"
            );
        }
        assert_eq!(out.matches(ids::EMBED_STATUS).count(), 1);
        let recovered = ViewState::from_query("metrics=recovered");
        assert!(markup(&recovered, &frame(&["US"]), "").contains("cases or deaths"));
        let compared = ViewState::from_query("compare=NY,TX");
        assert!(markup(&compared, &frame(&["NY", "TX"]), "").contains("one region"));
    }
}
