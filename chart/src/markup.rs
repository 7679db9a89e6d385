//! Text made safe for markup, HTML or SVG alike: the site's lists and panels and the API's
//! standalone images escape every text and attribute value here.

/// Appends `text` with `&`, `<`, `>` and `"` escaped: safe both as text and in a quoted
/// attribute value.
///
/// ```
/// let mut out = String::new();
/// covid_chart::markup::escape(&mut out, r#"<a href="x">&</a>"#);
/// assert_eq!(out, "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
/// ```
pub fn escape(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

/// `text` escaped, as a new string.
pub fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape(&mut out, text);
    out
}
