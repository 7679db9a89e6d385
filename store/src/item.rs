//! Item encoding: each DynamoDB item of the layout (`lib.rs`) from and to its Rust type, the
//! encoder beside its decoder (free functions: a decoder needs only the table's name, for its
//! errors), and typed reads whose errors name the table, the item and the attribute.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, NaiveDate, Utc};
use covid_model::{AlertKind, Day, Version};

use crate::attr::{epoch_millis, n, s, time};
use crate::keys::{
    LISTING_SK, META_SK, OUTBOX_PREFIX, PARKED_PREFIX, PK, SK, day_sk, listing_key, outbox_key,
    parked_key,
};
use crate::{OutboxMessage, RunRecord, StoreError, StoredDay, StoredListing, StoredMeta};

/// Typed reads of one item's attributes, with errors that name the item and attribute.
pub(crate) struct Item<'a> {
    pub(crate) table: &'a str,
    pub(crate) key: &'a str,
    pub(crate) item: &'a HashMap<String, AttributeValue>,
}

impl<'a> Item<'a> {
    /// A view of an item of `table`, named in errors by its sort key.
    pub(crate) fn keyed(table: &'a str, item: &'a HashMap<String, AttributeValue>) -> Self {
        let key = item
            .get(SK)
            .and_then(|v| v.as_s().ok())
            .map_or("?", |s| s.as_str());
        Self { table, key, item }
    }

    /// The error of an attribute that does not have the layout's form.
    pub(crate) fn corrupt(&self, attribute: &'static str, detail: impl Into<String>) -> StoreError {
        StoreError::Corrupt {
            table: self.table.to_string(),
            key: self.key.to_string(),
            attribute,
            detail: detail.into(),
        }
    }

    pub(crate) fn string(&self, name: &'static str) -> Result<&str, StoreError> {
        match self.item.get(name) {
            Some(AttributeValue::S(value)) => Ok(value),
            Some(other) => Err(self.corrupt(name, format!("is not a string: {other:?}"))),
            None => Err(self.corrupt(name, "is missing")),
        }
    }

    /// A string attribute holding JSON of `what` (named in the error); absent: `None`.
    pub(crate) fn optional_json<T: serde::de::DeserializeOwned>(
        &self,
        name: &'static str,
        what: &str,
    ) -> Result<Option<T>, StoreError> {
        if !self.item.contains_key(name) {
            return Ok(None);
        }
        serde_json::from_str(self.string(name)?)
            .map(Some)
            .map_err(|e| self.corrupt(name, format!("is not {what} as JSON: {e}")))
    }

    pub(crate) fn optional_number(&self, name: &'static str) -> Result<Option<u64>, StoreError> {
        match self.item.get(name) {
            None => Ok(None),
            Some(AttributeValue::N(value)) => value
                .parse()
                .map(Some)
                .map_err(|_| self.corrupt(name, format!("is not a count: {value:?}"))),
            Some(other) => Err(self.corrupt(name, format!("is not a number: {other:?}"))),
        }
    }

    pub(crate) fn number(&self, name: &'static str) -> Result<u64, StoreError> {
        self.optional_number(name)?
            .ok_or_else(|| self.corrupt(name, "is missing"))
    }

    pub(crate) fn date(&self, name: &'static str) -> Result<NaiveDate, StoreError> {
        let value = self.string(name)?;
        value
            .parse()
            .map_err(|_| self.corrupt(name, format!("is not a date: {value:?}")))
    }

    pub(crate) fn optional_date(
        &self,
        name: &'static str,
    ) -> Result<Option<NaiveDate>, StoreError> {
        match self.item.get(name) {
            None => Ok(None),
            Some(_) => self.date(name).map(Some),
        }
    }

    pub(crate) fn time(&self, name: &'static str) -> Result<DateTime<Utc>, StoreError> {
        let value = self.string(name)?;
        DateTime::parse_from_rfc3339(value)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| self.corrupt(name, format!("is not a time: {value:?}")))
    }
}

pub(crate) fn day_item(pk: &str, stored: &StoredDay) -> HashMap<String, AttributeValue> {
    let day = &stored.day;
    let mut item = HashMap::from([
        (PK.to_string(), s(pk)),
        (SK.to_string(), s(day_sk(day.date))),
        ("date".to_string(), s(day.date.to_string())),
        ("cases".to_string(), n(day.cases)),
        ("rev".to_string(), n(stored.rev)),
    ]);
    if let Some(deaths) = day.deaths {
        item.insert("deaths".to_string(), n(deaths));
    }
    if let Some(recovered) = day.recovered {
        item.insert("recovered".to_string(), n(recovered));
    }
    if let Some(vintage) = stored.vintage {
        item.insert("vintage".to_string(), s(vintage.to_string()));
    }
    if !stored.earlier.is_empty() {
        item.insert("history".to_string(), s(encode_history(&stored.earlier)));
    }
    item
}

/// A day's earlier values, oldest first: `<vintage or ->,<cases>,<deaths or nothing>,<recovered
/// or nothing>` joined by `;` (about 30 bytes a change).
fn encode_history(earlier: &[Version]) -> String {
    let mut text = String::with_capacity(earlier.len() * 32);
    for (i, v) in earlier.iter().enumerate() {
        if i > 0 {
            text.push(';');
        }
        match v.vintage {
            Some(vintage) => text.push_str(&vintage.to_string()),
            None => text.push('-'),
        }
        text.push_str(&format!(",{},", v.day.cases));
        if let Some(deaths) = v.day.deaths {
            text.push_str(&deaths.to_string());
        }
        text.push(',');
        if let Some(recovered) = v.day.recovered {
            text.push_str(&recovered.to_string());
        }
    }
    text
}

/// `encode_history`'s text, for the day of `date`; `None`: not that form.
fn decode_history(text: &str, date: NaiveDate) -> Option<Vec<Version>> {
    text.split(';')
        .map(|entry| {
            let mut fields = entry.split(',');
            let vintage = match fields.next()? {
                "-" => None,
                v => Some(v.parse().ok()?),
            };
            let cases = fields.next()?.parse().ok()?;
            let deaths = match fields.next()? {
                "" => None,
                d => Some(d.parse().ok()?),
            };
            let recovered = match fields.next()? {
                "" => None,
                r => Some(r.parse().ok()?),
            };
            let day = Day {
                date,
                cases,
                deaths,
                recovered,
            };
            fields.next().is_none().then_some(Version::of(vintage, day))
        })
        .collect()
}

pub(crate) fn run_attributes(run: &RunRecord) -> Vec<(&'static str, AttributeValue)> {
    let mut attributes = vec![
        ("run_at", time(run.at)),
        ("run_inserted", n(run.inserted)),
        ("run_updated", n(run.updated)),
        ("run_unchanged", n(run.unchanged)),
        ("run_ms", n(run.duration_ms)),
    ];
    if let Some(vintage) = run.vintage {
        attributes.push(("run_vintage", s(vintage.to_string())));
    }
    attributes
}

/// The attributes of a meta item (decoded by `parse_meta`): every one but `stale_alert_for`,
/// which only the stale marker sets; optional ones only when present.
pub(crate) fn meta_attributes(meta: &StoredMeta) -> Vec<(&'static str, AttributeValue)> {
    let mut attributes = vec![
        ("version", n(meta.version)),
        ("fingerprint", s(meta.fingerprint.clone())),
        ("count", n(meta.count)),
        ("first_date", s(meta.first_date.to_string())),
        ("last_date", s(meta.last_date.to_string())),
        ("changed_at", time(meta.changed_at)),
    ];
    if let Some(run) = &meta.last_run {
        attributes.extend(run_attributes(run));
    }
    if let Some(population) = meta.population {
        attributes.push(("population", n(population)));
    }
    if let Some(fingerprint) = &meta.regions_fingerprint {
        attributes.push(("regions_fingerprint", s(fingerprint.clone())));
    }
    if let Some(version) = meta.listing_version {
        attributes.push(("listing_version", n(version)));
    }
    if let Some(until) = meta.lease_until {
        attributes.push(("lease_until", epoch_millis(until)));
    }
    if let Some(levels) = &meta.levels {
        let json = serde_json::to_string(levels).expect("levels serialise");
        attributes.push(("levels", s(json)));
    }
    attributes
}

/// A day item (`day_item`) as its day and revision.
pub(crate) fn parse_day(
    table: &str,
    item: &HashMap<String, AttributeValue>,
) -> Result<StoredDay, StoreError> {
    let item = Item::keyed(table, item);
    let date = item.date("date")?;
    Ok(StoredDay {
        day: Day {
            date,
            cases: item.number("cases")?,
            deaths: item.optional_number("deaths")?,
            recovered: item.optional_number("recovered")?,
        },
        rev: item.number("rev")?,
        vintage: item.optional_date("vintage")?,
        earlier: match item.item.get("history") {
            None => Vec::new(),
            Some(_) => {
                let text = item.string("history")?;
                decode_history(text, date).ok_or_else(|| {
                    let shown: String = text.chars().take(60).collect();
                    item.corrupt("history", format!("is not a day's history: {shown:?}"))
                })?
            }
        },
    })
}

/// A meta item (`meta_attributes`).
pub(crate) fn parse_meta(
    table: &str,
    item: &HashMap<String, AttributeValue>,
) -> Result<StoredMeta, StoreError> {
    let item = Item {
        table,
        key: META_SK,
        item,
    };
    let last_run = match item.item.get("run_at") {
        None => None,
        Some(_) => Some(RunRecord {
            at: item.time("run_at")?,
            inserted: item.number("run_inserted")?,
            updated: item.number("run_updated")?,
            unchanged: item.number("run_unchanged")?,
            duration_ms: item.number("run_ms")?,
            vintage: item.optional_date("run_vintage")?,
        }),
    };
    Ok(StoredMeta {
        version: item.number("version")?,
        fingerprint: item.string("fingerprint")?.to_string(),
        count: item.number("count")?,
        first_date: item.date("first_date")?,
        last_date: item.date("last_date")?,
        changed_at: item.time("changed_at")?,
        last_run,
        stale_alert_for: item.optional_date("stale_alert_for")?,
        population: item.optional_number("population")?,
        regions_fingerprint: match item.item.get("regions_fingerprint") {
            None => None,
            Some(_) => Some(item.string("regions_fingerprint")?.to_string()),
        },
        listing_version: item.optional_number("listing_version")?,
        lease_until: item
            .optional_number("lease_until")?
            .and_then(|ms| DateTime::from_timestamp_millis(ms as i64)),
        levels: item.optional_json("levels", "the regions' levels")?,
    })
}

/// The listing item: its version, and its entries as JSON (one attribute: read whole, never
/// queried).
pub(crate) fn listing_item(listing: &StoredListing) -> HashMap<String, AttributeValue> {
    let mut item = listing_key();
    item.insert("version".to_string(), n(listing.version));
    item.insert(
        "regions".to_string(),
        s(serde_json::to_string(&listing.regions).expect("wire types serialise")),
    );
    item
}

/// A listing item (`listing_item`).
pub(crate) fn parse_listing(
    table: &str,
    item: &HashMap<String, AttributeValue>,
) -> Result<StoredListing, StoreError> {
    let item = Item {
        table,
        key: LISTING_SK,
        item,
    };
    Ok(StoredListing {
        version: item.number("version")?,
        regions: item
            .optional_json("regions", "the regions' entries")?
            .ok_or_else(|| item.corrupt("regions", "is missing"))?,
    })
}

/// The outbox item of an alert.
pub(crate) fn outbox_item(alert: &OutboxMessage) -> HashMap<String, AttributeValue> {
    let mut item = outbox_key(&alert.id);
    item.extend(alert_attributes(alert));
    item
}

/// The parked item of an alert, with when it was moved aside.
pub(crate) fn parked_item(
    alert: &OutboxMessage,
    at: DateTime<Utc>,
) -> HashMap<String, AttributeValue> {
    let mut item = parked_key(&alert.id);
    item.extend(alert_attributes(alert));
    item.insert("parked_at".to_string(), time(at));
    item
}

/// An alert's attributes, in the outbox or parked.
fn alert_attributes(alert: &OutboxMessage) -> HashMap<String, AttributeValue> {
    let mut item = HashMap::new();
    if alert.attempts > 0 {
        item.insert("attempts".to_string(), n(u64::from(alert.attempts)));
    }
    item.extend([
        ("event".to_string(), s(alert.event.as_str())),
        ("subject".to_string(), s(alert.subject.clone())),
        ("body".to_string(), s(alert.body.clone())),
        ("created_at".to_string(), time(alert.created_at)),
    ]);
    if !alert.counts.is_empty() {
        let counts = alert
            .counts
            .iter()
            .map(|(name, value)| (name.clone(), n(*value)))
            .collect();
        item.insert("counts".to_string(), AttributeValue::M(counts));
    }
    if !alert.regions.is_empty() {
        item.insert("regions".to_string(), s(alert.regions.join(",")));
    }
    if !alert.levels.is_empty() {
        let json = serde_json::to_string(&alert.levels).expect("level changes serialise");
        item.insert("levels".to_string(), s(json));
    }
    if !alert.sent.is_empty() {
        item.insert("sent".to_string(), s(alert.sent.join(",")));
    }
    item
}

/// An outbox or parked item (`outbox_item`, `parked_item`) as its alert.
pub(crate) fn parse_outbox(
    table: &str,
    item: &HashMap<String, AttributeValue>,
) -> Result<OutboxMessage, StoreError> {
    let view = Item::keyed(table, item);
    let sk = view.key;
    let mut counts = BTreeMap::new();
    match item.get("counts") {
        None => {}
        Some(AttributeValue::M(map)) => {
            for (name, value) in map {
                let value = value
                    .as_n()
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| {
                        view.corrupt("counts", format!("{name} is not a count: {value:?}"))
                    })?;
                counts.insert(name.clone(), value);
            }
        }
        Some(other) => {
            return Err(view.corrupt("counts", format!("is not a map: {other:?}")));
        }
    }
    Ok(OutboxMessage {
        id: sk
            .trim_start_matches(OUTBOX_PREFIX)
            .trim_start_matches(PARKED_PREFIX)
            .to_string(),
        attempts: view.optional_number("attempts")?.unwrap_or(0) as u32,
        event: {
            let name = view.string("event")?;
            AlertKind::parse(name)
                .ok_or_else(|| view.corrupt("event", format!("is not an alert kind: {name:?}")))?
        },
        subject: view.string("subject")?.to_string(),
        body: view.string("body")?.to_string(),
        created_at: view.time("created_at")?,
        counts,
        regions: list(&view, "regions")?,
        levels: view
            .optional_json("levels", "level changes")?
            .unwrap_or_default(),
        sent: list(&view, "sent")?,
    })
}

/// A comma-separated list attribute; absent: empty.
fn list(view: &Item<'_>, name: &'static str) -> Result<Vec<String>, StoreError> {
    Ok(match view.item.get(name) {
        None => Vec::new(),
        Some(_) => view.string(name)?.split(',').map(str::to_string).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::meta_key;

    #[test]
    fn a_meta_item_round_trips() {
        let at = |ms: i64| DateTime::from_timestamp_millis(ms).unwrap();
        let full = StoredMeta {
            version: 7,
            fingerprint: "80ce4185c36b543a".to_string(),
            count: 420,
            first_date: "2020-01-22".parse().unwrap(),
            last_date: "2021-03-16".parse().unwrap(),
            changed_at: at(1_679_650_000_123),
            last_run: Some(RunRecord {
                at: at(1_679_650_001_000),
                inserted: 1,
                updated: 2,
                unchanged: 417,
                duration_ms: 38,
                vintage: Some("2021-03-16".parse().unwrap()),
            }),
            stale_alert_for: None,
            population: Some(329_466_283),
            regions_fingerprint: Some("cd946b9167dc1bfd".to_string()),
            listing_version: Some(3),
            lease_until: Some(at(1_679_650_180_000)),
            levels: Some(BTreeMap::from([
                ("US".to_string(), covid_model::Level::Substantial),
                ("NY".to_string(), covid_model::Level::High),
            ])),
        };
        let bare = crate::placeholder(full.first_date, full.last_date, full.changed_at, at(1));
        for meta in [
            full,
            StoredMeta {
                lease_until: None,
                ..bare
            },
        ] {
            let mut item = meta_key("series#NY");
            item.extend(
                meta_attributes(&meta)
                    .into_iter()
                    .map(|(name, value)| (name.to_string(), value)),
            );
            assert_eq!(parse_meta("items", &item).unwrap(), meta);
        }
    }

    #[test]
    fn a_day_with_unreported_counts_round_trips_with_its_history() {
        let date: NaiveDate = "2021-07-08".parse().unwrap();
        let at = |cases, deaths, recovered| Day {
            date,
            cases,
            deaths,
            recovered,
        };
        let stored = StoredDay {
            day: at(120, None, None),
            rev: 3,
            vintage: Some("2021-07-09".parse().unwrap()),
            earlier: vec![
                Version::of(None, at(100, Some(0), Some(5))),
                Version::of(Some("2021-07-08".parse().unwrap()), at(110, None, None)),
            ],
        };
        let item = day_item("series#PR", &stored);
        assert!(!item.contains_key("deaths"), "not reported: absent, not 0");
        assert_eq!(parse_day("items", &item).unwrap(), stored);
    }

    #[test]
    fn a_listing_item_round_trips_and_a_damaged_one_is_named() {
        let ny = covid_model::Region::by_id("NY").unwrap();
        let day = Day {
            date: "2021-03-16".parse().unwrap(),
            cases: 1_700_000,
            deaths: Some(48_000),
            recovered: None,
        };
        let listing = StoredListing {
            version: 12,
            regions: vec![covid_model::RegionSummary::of(ny, &[day], Some(19_453_561))],
        };
        let item = listing_item(&listing);
        assert_eq!(parse_listing("items", &item).unwrap(), listing);
        let mut damaged = item.clone();
        damaged.insert("regions".to_string(), s("[{\"id\":"));
        let error = parse_listing("items", &damaged).unwrap_err().to_string();
        assert!(
            error.starts_with("DynamoDB item ~listing in table items: attribute `regions` is not"),
            "{error}"
        );
    }
}
