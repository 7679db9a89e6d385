//! Finding a place by typing: every place the page can show (the nation, the states and
//! territories, and once `/v1/places` is read, every county), each found by the words of its
//! name, its state's name and code, and its id ("kings", "cook il", "36047"). No DOM: the
//! search field (`view/search.rs`) shows what [`matches`] finds.

use covid_model::Region;

/// A place the search finds: its id (what `?region=` takes), the name it shows, and the words it
/// is found by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    /// `New York`, or a county's with its state's: `Kings, New York`.
    pub label: String,
    /// Lower case, one space between words.
    words: String,
}

/// A letter of a name as the search reads it: lower case, and the accented letters of Spanish
/// names without their accents (NYT's `Doña Ana` is found by "dona"). ASCII and these few by a
/// table: Unicode's case tables cost the first load several KB.
fn fold(c: char) -> Option<char> {
    let folded = match c {
        'á' | 'Á' => 'a',
        'é' | 'É' => 'e',
        'í' | 'Í' => 'i',
        'ó' | 'Ó' => 'o',
        'ú' | 'ü' | 'Ú' | 'Ü' => 'u',
        'ñ' | 'Ñ' => 'n',
        c if c.is_ascii_alphanumeric() => c.to_ascii_lowercase(),
        _ => return None,
    };
    Some(folded)
}

/// The words of `text`, folded ([`fold`]): cut at anything else (`Yukon-Koyukuk`, `St. Louis`).
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| fold(c).is_none())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().filter_map(fold).collect())
}

impl Entry {
    fn new(id: &str, label: String, more: &[&str]) -> Self {
        let mut all: Vec<String> = words(&label).collect();
        for text in more {
            all.extend(words(text));
        }
        Entry {
            id: id.to_string(),
            label,
            words: all.join(" "),
        }
    }

    /// The nation or a state, found by its name and its id (`ny`).
    pub fn region(region: Region) -> Self {
        Entry::new(region.id, region.name.to_string(), &[region.id])
    }

    /// A county of `state` (`name` as NYT gives it), found by its name, its state's name and
    /// code, and its id.
    pub fn county(id: &str, name: &str, state: Region) -> Self {
        Entry::new(id, format!("{name}, {}", state.name), &[state.id, id])
    }

    /// Every word of `query` begins one of this entry's.
    fn is_found_by(&self, query: &[String]) -> bool {
        query
            .iter()
            .all(|q| self.words.split(' ').any(|w| w.starts_with(q.as_str())))
    }
}

/// The counties of `/v1/places.csv` (`id,name,state`; the nation and the states, which have no
/// state, left out: the search has them already). A name may be quoted (RFC 4180).
pub fn counties(csv: &str) -> Vec<Entry> {
    csv.lines()
        .skip(1)
        .filter_map(|line| {
            let (id, rest) = line.split_once(',')?;
            let (name, state) = rest.rsplit_once(',')?;
            let name = match name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
                Some(quoted) => quoted.replace("\"\"", "\""),
                None => name.to_string(),
            };
            Some(Entry::county(id, &name, Region::by_id(state)?))
        })
        .collect()
}

/// The entries every word of `query` finds (each word the beginning of one of theirs), in the
/// entries' order (the nation and the states first), at most `limit`; none for an empty query.
pub fn matches<'a>(entries: &'a [Entry], query: &str, limit: usize) -> Vec<&'a Entry> {
    let query: Vec<String> = words(query).collect();
    if query.is_empty() {
        return Vec::new();
    }
    entries
        .iter()
        .filter(|e| e.is_found_by(&query))
        .take(limit)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries() -> Vec<Entry> {
        let state = |id| Region::by_id(id).unwrap();
        let mut all: Vec<Entry> = Region::all().into_iter().map(Entry::region).collect();
        for (id, name, st) in [
            ("06031", "Kings", "CA"),
            ("17031", "Cook", "IL"),
            ("13075", "Cook", "GA"),
            ("36047", "Kings", "NY"),
            ("36NYC", "New York City", "NY"),
            ("02290", "Yukon-Koyukuk Census Area", "AK"),
            ("72097", "Mayagüez", "PR"),
        ] {
            all.push(Entry::county(id, name, state(st)));
        }
        all
    }

    fn found(query: &str) -> Vec<String> {
        let all = entries();
        matches(&all, query, 8)
            .into_iter()
            .map(|e| e.label.clone())
            .collect()
    }

    #[test]
    fn a_place_is_found_by_its_name_its_state_or_its_id() {
        assert_eq!(found("kings"), ["Kings, California", "Kings, New York"]);
        assert_eq!(found("cook il"), ["Cook, Illinois"]);
        assert_eq!(found("Cook, Georgia"), ["Cook, Georgia"]);
        assert_eq!(found("36047"), ["Kings, New York"]);
        assert_eq!(found("36nyc"), ["New York City, New York"]);
        assert_eq!(found("koyukuk"), ["Yukon-Koyukuk Census Area, Alaska"]);
        assert_eq!(found("mayaguez"), ["Mayagüez, Puerto Rico"]);
        assert_eq!(found("MAYAGÜ"), ["Mayagüez, Puerto Rico"]);
        // The states first, then the counties, in the entries' order.
        assert_eq!(
            found("new york"),
            ["New York", "Kings, New York", "New York City, New York"]
        );
        assert_eq!(found("united"), ["United States"]);
        assert_eq!(found("ny")[0], "New York");
    }

    #[test]
    fn the_counties_are_read_from_the_places_csv() {
        let csv = "id,name,state\nUS,United States,\nNY,New York,\n36047,Kings,NY\n\
                   35013,Doña Ana,NM\n99001,\"Quoted, \"\"Name\"\"\",AK\n36061,Nowhere,ZZ\n";
        let read = counties(csv);
        let labels: Vec<&str> = read.iter().map(|e| e.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Kings, New York",
                "Doña Ana, New Mexico",
                "Quoted, \"Name\", Alaska"
            ]
        );
        assert_eq!(read[0].id, "36047");
        assert_eq!(matches(&read, "dona", 5)[0].id, "35013");
    }

    #[test]
    fn an_empty_query_finds_nothing_and_the_limit_holds() {
        assert!(found("").is_empty());
        assert!(found(" , ").is_empty());
        assert!(found("zzz").is_empty());
        assert_eq!(matches(&entries(), "n", 3).len(), 3);
    }
}
