//! Markup written as text: the page's long, uniform lists (region options, table rows, tooltip
//! lines) and the parts whose state the browser keeps or that are drawn anew whole (the chart
//! panels, the chart options, the ranking, the form, the CSV links). The browser parses one
//! string instead of the app building each element; in the wasm, each is one string function
//! instead of a typed view per element kind, for the first-load budget. Every text and
//! attribute value goes through [`escape`].

use covid_model::Region;

/// The chart crate's escaping, which the API's images use too.
pub use covid_chart::markup::escape;

/// Appends `<tag attrs>text</tag>`; `attrs` is written as given, so it can only be static
/// markup (a `&'static str`); a value made at run time goes through [`element_with`].
///
/// ```
/// let mut out = String::new();
/// web::html::element(&mut out, "td", "class=\"n\"", "1 < 2");
/// assert_eq!(out, "<td class=\"n\">1 &lt; 2</td>");
/// ```
pub fn element(out: &mut String, tag: &str, attrs: &'static str, text: &str) {
    element_with(out, tag, attrs, &[], text);
}

/// Appends `<tag attrs name="value"…>text</tag>`: `attrs` is written as given (static markup
/// only, by its type), then each named value and the text, escaped.
///
/// ```
/// let mut out = String::new();
/// web::html::element_with(&mut out, "a", "class=\"x\"", &[("href", "?a=1&b=\"2\"")], "A&B");
/// assert_eq!(out, "<a class=\"x\" href=\"?a=1&amp;b=&quot;2&quot;\">A&amp;B</a>");
/// ```
pub fn element_with(
    out: &mut String,
    tag: &str,
    attrs: &'static str,
    values: &[(&str, &str)],
    text: &str,
) {
    out.push('<');
    out.push_str(tag);
    if !attrs.is_empty() {
        out.push(' ');
        out.push_str(attrs);
    }
    for (name, value) in values {
        out.push(' ');
        out.push_str(name);
        out.push_str("=\"");
        escape(out, value);
        out.push('"');
    }
    out.push('>');
    escape(out, text);
    out.push_str("</");
    out.push_str(tag);
    out.push('>');
}

/// Appends one `<option>` with its value, its text and whether it is selected.
pub fn option(out: &mut String, value: &str, text: &str, selected: bool) {
    out.push_str("<option value=\"");
    escape(out, value);
    out.push_str(if selected { "\" selected>" } else { "\">" });
    escape(out, text);
    out.push_str("</option>");
}

/// The options of `regions` by name, the one whose id is `selected` chosen.
pub fn region_options(out: &mut String, regions: &[Region], selected: Option<&str>) {
    for r in regions {
        option(out, r.id, r.name, selected == Some(r.id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_and_attribute_values() {
        let mut out = String::new();
        escape(&mut out, r#"<a href="x">&</a>'"#);
        assert_eq!(out, "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;'");
    }

    #[test]
    fn writes_elements_and_options() {
        let mut out = String::new();
        element(&mut out, "td", "class=\"n\"", "1 < 2");
        element_with(
            &mut out,
            "a",
            "class=\"x\"",
            &[("href", "?a=1&b=\"2\""), ("data-id", "NY")],
            "A&B",
        );
        option(&mut out, "NY", "New York", true);
        option(&mut out, "A\"", "B&", false);
        assert_eq!(
            out,
            "<td class=\"n\">1 &lt; 2</td><a class=\"x\" href=\"?a=1&amp;b=&quot;2&quot;\" \
             data-id=\"NY\">A&amp;B</a><option value=\"NY\" selected>New York</option>\
             <option value=\"A&quot;\">B&amp;</option>"
        );
        let mut list = String::new();
        let all = Region::all();
        region_options(&mut list, &all, Some("NY"));
        assert_eq!(list.matches("<option ").count(), 56);
        assert_eq!(list.matches(" selected>").count(), 1);
        assert!(list.contains("<option value=\"NY\" selected>New York</option>"));
    }
}
