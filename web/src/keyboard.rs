//! The chart's keyboard reading: which day a key moves the readout to.

use std::ops::Range;

/// What a key does to the read day, `current` (`None`: nothing read yet) within the shown
/// `range`: `Some(Some(i))` reads day `i`, `Some(None)` stops reading, `None` ignores the key.
///
/// ```
/// use web::keyboard::step;
/// assert_eq!(step("ArrowLeft", Some(5), &(0..10)), Some(Some(4)));
/// assert_eq!(step("Escape", Some(5), &(0..10)), Some(None));
/// assert_eq!(step("x", Some(5), &(0..10)), None);
/// ```
pub fn step(key: &str, current: Option<usize>, range: &Range<usize>) -> Option<Option<usize>> {
    if range.is_empty() {
        return None;
    }
    let (lo, hi) = (range.start, range.end - 1);
    let current = current.unwrap_or(hi);
    let next = match key {
        "ArrowLeft" => current.saturating_sub(1).max(lo),
        "ArrowRight" => (current + 1).min(hi),
        "PageUp" => current.saturating_sub(7).max(lo),
        "PageDown" => (current + 7).min(hi),
        "Home" => lo,
        "End" => hi,
        "Escape" => return Some(None),
        _ => return None,
    };
    Some(Some(next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_move_within_the_shown_days() {
        let range = 30..60;
        assert_eq!(
            step("ArrowLeft", None, &range),
            Some(Some(58)),
            "from the newest"
        );
        assert_eq!(
            step("ArrowRight", Some(59), &range),
            Some(Some(59)),
            "stops at the end"
        );
        assert_eq!(
            step("ArrowLeft", Some(30), &range),
            Some(Some(30)),
            "stops at the start"
        );
        assert_eq!(step("PageUp", Some(35), &range), Some(Some(30)));
        assert_eq!(step("PageDown", Some(35), &range), Some(Some(42)));
        assert_eq!(step("Home", Some(45), &range), Some(Some(30)));
        assert_eq!(step("End", Some(45), &range), Some(Some(59)));
        assert_eq!(step("Escape", Some(45), &range), Some(None));
        assert_eq!(step("a", Some(45), &range), None);
        assert_eq!(step("Home", None, &(0..0)), None, "no days shown");
    }
}
