//! Change records: what committed day writes changed (national days by date, state and county
//! days counted per state), kept until an `updated` alert announces
//! it. Each record is written in the same transaction as the days it describes, and deleted in
//! the same transaction as the meta write that stores the alert announcing it. So a change is
//! announced exactly once, even when the run that wrote it failed before its meta write.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::{AttributeValue, Delete, TransactWriteItem};
use chrono::{DateTime, NaiveDate, Utc};
use covid_model::{Day, Region};

use crate::attr::s;
use crate::expr::new_item_put;
use crate::item::Item;
use crate::keys::{CHANGE_PREFIX, PK, change_key};
use crate::{DayWrite, StoreError};

/// The days one committed transaction inserted or revised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRecord {
    /// Unique; sorts in creation order.
    pub id: String,
    /// Days that were absent.
    pub new: Vec<NaiveDate>,
    /// Days that were replaced, with the values they had before.
    pub revised: Vec<Day>,
    /// State days written (inserted or revised), per region. The national series' days are in
    /// `new` and `revised`; a state's are only counted: alerts name the states that changed.
    pub regions: BTreeMap<Region, u64>,
    /// County days changed (new, revised or withdrawn), per state: counted, as alerts tell them.
    pub counties: BTreeMap<Region, u64>,
}

impl ChangeRecord {
    /// The record of `writes` to `region`'s series, with a fresh id.
    pub fn of(region: Region, writes: &[DayWrite], now: DateTime<Utc>) -> Self {
        let mut record = Self {
            id: record_id(now),
            new: Vec::new(),
            revised: Vec::new(),
            regions: BTreeMap::new(),
            counties: BTreeMap::new(),
        };
        if !region.is_us() {
            record.regions.insert(region, writes.len() as u64);
            return record;
        }
        for write in writes {
            match write {
                DayWrite::Insert(day) => record.new.push(day.date),
                DayWrite::Update { stored, .. } => record.revised.push(stored.day),
            }
        }
        record
    }

    /// The record of a bulk load of `days` days into `region`'s series (a state's).
    pub fn counted(region: Region, days: u64, now: DateTime<Utc>) -> Self {
        Self {
            id: record_id(now),
            new: Vec::new(),
            revised: Vec::new(),
            regions: BTreeMap::from([(region, days)]),
            counties: BTreeMap::new(),
        }
    }

    /// The record of `days` county days of `state` changed, with a fresh id.
    pub fn of_counties(state: Region, days: u64, now: DateTime<Utc>) -> Self {
        Self {
            id: record_id(now),
            new: Vec::new(),
            revised: Vec::new(),
            regions: BTreeMap::new(),
            counties: BTreeMap::from([(state, days)]),
        }
    }

    /// How many days it names or counts.
    pub fn len(&self) -> usize {
        let counted: u64 = self.regions.values().chain(self.counties.values()).sum();
        self.new.len() + self.revised.len() + counted as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// `<UTC time>-<random>`: ordered by time, unique across processes.
pub(crate) fn record_id(now: DateTime<Utc>) -> String {
    format!(
        "{}-{}",
        now.format("%Y%m%dT%H%M%S%.6fZ"),
        &crate::expr::transaction_token()[..16]
    )
}

/// `2021-03-01,2021-03-02`
fn encode_dates(dates: &[NaiveDate]) -> String {
    let parts: Vec<String> = dates.iter().map(NaiveDate::to_string).collect();
    parts.join(",")
}

/// `2020-06-01:1790000:104000:5;…` (deaths and recovered empty when not reported)
fn encode_days(days: &[Day]) -> String {
    let parts: Vec<String> = days
        .iter()
        .map(|d| {
            let deaths = d.deaths.map(|r| r.to_string()).unwrap_or_default();
            let recovered = d.recovered.map(|r| r.to_string()).unwrap_or_default();
            format!("{}:{}:{deaths}:{recovered}", d.date, d.cases)
        })
        .collect();
    parts.join(";")
}

/// `CA:3,NY:12`
fn encode_regions(regions: &BTreeMap<Region, u64>) -> String {
    let parts: Vec<String> = regions.iter().map(|(r, n)| format!("{r}:{n}")).collect();
    parts.join(",")
}

fn decode_regions(text: &str) -> Option<BTreeMap<Region, u64>> {
    if text.is_empty() {
        return Some(BTreeMap::new());
    }
    text.split(',')
        .map(|entry| {
            let (id, n) = entry.split_once(':')?;
            Some((Region::by_id(id)?, n.parse().ok()?))
        })
        .collect()
}

fn decode_dates(text: &str) -> Option<Vec<NaiveDate>> {
    if text.is_empty() {
        return Some(Vec::new());
    }
    text.split(',').map(|d| d.parse().ok()).collect()
}

fn decode_days(text: &str) -> Option<Vec<Day>> {
    if text.is_empty() {
        return Some(Vec::new());
    }
    text.split(';')
        .map(|entry| {
            let mut parts = entry.split(':');
            let day = Day {
                date: parts.next()?.parse().ok()?,
                cases: parts.next()?.parse().ok()?,
                deaths: match parts.next()? {
                    "" => None,
                    d => Some(d.parse().ok()?),
                },
                recovered: match parts.next()? {
                    "" => None,
                    r => Some(r.parse().ok()?),
                },
            };
            parts.next().is_none().then_some(day)
        })
        .collect()
}

/// The transactional put that stores a change record.
pub(crate) fn change_put(table: &str, record: &ChangeRecord) -> TransactWriteItem {
    let mut item = change_key(&record.id);
    if !record.new.is_empty() {
        item.insert("new".to_string(), s(encode_dates(&record.new)));
    }
    if !record.revised.is_empty() {
        item.insert("revised".to_string(), s(encode_days(&record.revised)));
    }
    if !record.regions.is_empty() {
        item.insert("regions".to_string(), s(encode_regions(&record.regions)));
    }
    if !record.counties.is_empty() {
        item.insert("counties".to_string(), s(encode_regions(&record.counties)));
    }
    new_item_put(table, item)
}

/// The transactional delete of a change record, which must still be there: if another run
/// announced it first, the whole transaction is cancelled.
pub(crate) fn change_delete(table: &str, id: &str) -> TransactWriteItem {
    let delete = Delete::builder()
        .table_name(table)
        .set_key(Some(change_key(id)))
        .condition_expression("attribute_exists(#pk)")
        .expression_attribute_names("#pk", PK)
        .build()
        .expect("a delete has its table and key");
    TransactWriteItem::builder().delete(delete).build()
}

/// A change record item (`change_put`).
pub(crate) fn parse_change(
    table: &str,
    item: &HashMap<String, AttributeValue>,
) -> Result<ChangeRecord, StoreError> {
    let view = Item::keyed(table, item);
    let sk = view.key;
    let text = |name: &'static str| match item.get(name) {
        None => Ok(""),
        Some(_) => view.string(name),
    };
    let new_text = text("new")?;
    let revised_text = text("revised")?;
    let regions_text = text("regions")?;
    let counties_text = text("counties")?;
    Ok(ChangeRecord {
        id: sk.trim_start_matches(CHANGE_PREFIX).to_string(),
        new: decode_dates(new_text)
            .ok_or_else(|| view.corrupt("new", format!("is not a list of dates: {new_text:?}")))?,
        revised: decode_days(revised_text).ok_or_else(|| {
            view.corrupt(
                "revised",
                format!("is not a list of days: {revised_text:?}"),
            )
        })?,
        regions: decode_regions(regions_text).ok_or_else(|| {
            view.corrupt(
                "regions",
                format!("is not a list of region counts: {regions_text:?}"),
            )
        })?,
        counties: decode_regions(counties_text).ok_or_else(|| {
            view.corrupt(
                "counties",
                format!("is not a list of state counts: {counties_text:?}"),
            )
        })?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StoredDay;

    fn day(date: &str, cases: u64, recovered: Option<u64>) -> Day {
        covid_model::testing::day(date, cases, 7, recovered)
    }

    #[test]
    fn a_record_names_inserts_as_new_and_updates_with_their_old_values() {
        let old = day("2020-06-01", 10, Some(5));
        let writes = [
            DayWrite::Insert(day("2021-03-01", 1, None)),
            DayWrite::Update {
                stored: StoredDay {
                    rev: 3,
                    ..StoredDay::first(old, old.date)
                },
                new: day("2020-06-01", 11, Some(5)),
            },
        ];
        let record = ChangeRecord::of(covid_model::US, &writes, Utc::now());
        assert_eq!(record.new, vec!["2021-03-01".parse().unwrap()]);
        assert_eq!(record.revised, vec![old]);
        assert_eq!(record.len(), 2);
        assert_ne!(
            record.id,
            ChangeRecord::of(covid_model::US, &writes, Utc::now()).id
        );
        let ny = Region::by_id("NY").unwrap();
        let state = ChangeRecord::of(ny, &writes, Utc::now());
        assert!(state.new.is_empty() && state.revised.is_empty());
        assert_eq!(state.regions, BTreeMap::from([(ny, 2)]));
        assert_eq!(state.len(), 2);
    }

    #[test]
    fn encodings_round_trip_and_refuse_garbage() {
        let dates: Vec<NaiveDate> =
            vec!["2020-01-22".parse().unwrap(), "2021-03-16".parse().unwrap()];
        assert_eq!(decode_dates(&encode_dates(&dates)), Some(dates));
        assert_eq!(decode_dates(""), Some(vec![]));
        let days = vec![day("2020-06-01", 10, Some(5)), day("2020-12-14", 12, None)];
        assert_eq!(decode_days(&encode_days(&days)), Some(days));
        assert_eq!(decode_days("2020-06-01:1:2"), None, "a field missing");
        assert_eq!(decode_days("2020-06-01:1:2:3:4"), None, "a field too many");
        assert_eq!(decode_days("2020-06-01:x:2:3"), None);
        assert_eq!(decode_dates("2020-13-01"), None);
        let regions = BTreeMap::from([
            (Region::by_id("CA").unwrap(), 3),
            (Region::by_id("NY").unwrap(), 12),
        ]);
        assert_eq!(encode_regions(&regions), "CA:3,NY:12");
        assert_eq!(decode_regions(&encode_regions(&regions)), Some(regions));
        assert_eq!(decode_regions(""), Some(BTreeMap::new()));
        assert_eq!(decode_regions("ZZ:1"), None, "an unknown region");
        assert_eq!(decode_regions("NY"), None);
    }
}
