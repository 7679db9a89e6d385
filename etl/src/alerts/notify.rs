//! Publishing alerts to SNS through the outbox: an alert is stored in the table before it is
//! sent and deleted after, so it is never lost; a run claims it before sending, so it is never
//! sent twice by concurrent runs.
//!
//! One alert is several emails ([`letters`]): the operator's topic (`TOPIC_ARN`, whose filter
//! policy chooses), and each subscribers' topic it concerns (`<prefix>-<audience>`,
//! `covid_model::Audience`): `updated` to `updated` and to `updated-<region>` of each changed
//! region, `failed`, `stale`, and each level change to `level-<region>`. Subscribers' topics
//! are sent to only when someone subscribed to them (the store's audiences, read once per
//! flush). A publish that fails part-way gives the alert back with the audiences it reached,
//! which the next attempt skips.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;

use chrono::{Duration, Utc};
use covid_model::{AlertKind, audience};
use covid_store::{Audiences, OutboxMessage, WriteAlerts};
use futures::{StreamExt, stream};

use crate::alerts::level;
use crate::error::Error;

/// Sends one email of an alert.
pub trait Publish {
    fn publish(
        &self,
        message: &OutboxMessage,
        letter: &Letter,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Whether it reaches the subscribers' topics (without `TOPIC_PREFIX`, the operator's
    /// alone).
    fn reaches_audiences(&self) -> bool {
        true
    }
}

/// How long a run may hold an alert it is publishing.
const CLAIM: Duration = Duration::minutes(2);
/// After this many refused publishes an alert is moved aside (kept, reported in `/v1/status`
/// and the logs), so that one alert SNS keeps refusing does not hold back every later one.
pub const MAX_PUBLISH_ATTEMPTS: u32 = 5;

/// The least time between two publishes to one topic: SNS deactivates an email subscription
/// sent more than 10 messages a second (`testkit::quota::EMAIL_MESSAGES_PER_SECOND`), sending
/// it back to pending confirmation, so a backlog flushed at once is spread out.
pub const PER_TOPIC_GAP: std::time::Duration = std::time::Duration::from_millis(150);

/// How many publishes of one alert are in flight at once (an `updated` alert at county scale
/// is thousands of topics).
const PUBLISHES_IN_FLIGHT: usize = 16;

/// The audience of the operator's topic, as `OutboxMessage::sent` records it (no subscribers'
/// topic has this name: theirs start with an alert kind).
pub const OPERATOR: &str = "operator";

/// One email of an alert: to whom, and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    /// [`OPERATOR`], or a subscribers' topic's name after the prefix (`level-NY`).
    pub audience: String,
    /// Its `event` message attribute: the alert's, or `level` for a level change.
    pub event: AlertKind,
    pub subject: String,
    pub body: String,
}

/// The emails of `message` not sent yet: the operator's (every kind but `level`, which only
/// its subscribers hear), then each subscribers' topic it concerns that is in `audiences`.
/// `site`: the public site's URL, linked from level emails.
pub fn letters(
    message: &OutboxMessage,
    audiences: &BTreeSet<String>,
    site: Option<&str>,
) -> Vec<Letter> {
    let mut out = every_letter(message, site);
    out.retain(|l| {
        (l.audience == OPERATOR || audiences.contains(&l.audience))
            && !message.sent.contains(&l.audience)
    });
    out
}

/// Every email `message` may be: the operator's, then one per subscribers' topic it concerns,
/// whether or not anyone subscribed to it.
pub fn every_letter(message: &OutboxMessage, site: Option<&str>) -> Vec<Letter> {
    let body = super::with_level_changes(&message.body, &message.levels);
    let same = |name: String| Letter {
        audience: name,
        event: message.event,
        subject: message.subject.clone(),
        body: body.clone(),
    };
    let mut out = vec![same(OPERATOR.to_string())];
    match message.event {
        AlertKind::Updated => {
            out.push(same(audience(AlertKind::Updated, None)));
            for id in &message.regions {
                let (subject, body) = super::region_updated(id, &body, site);
                out.push(Letter {
                    subject,
                    body,
                    ..same(audience(AlertKind::Updated, Some(id)))
                });
            }
        }
        AlertKind::Failed | AlertKind::Stale => out.push(same(audience(message.event, None))),
        AlertKind::Level | AlertKind::Unchanged | AlertKind::FailedDetail => {}
    }
    for change in &message.levels {
        let (subject, body) = level::letter(change, site);
        out.push(Letter {
            audience: audience(AlertKind::Level, Some(&change.region)),
            event: AlertKind::Level,
            subject,
            body,
        });
    }
    out
}

/// Whether any subscriber may hear of `message` (so the audiences are worth reading).
fn is_public(message: &OutboxMessage) -> bool {
    !message.levels.is_empty()
        || matches!(
            message.event,
            AlertKind::Updated | AlertKind::Failed | AlertKind::Stale
        )
}

/// The SNS topics, with a client built once per process.
#[derive(Debug, Clone)]
pub struct Publisher {
    client: aws_sdk_sns::Client,
    topic_arn: String,
    /// The subscribers' topics' ARN before `-<audience>`: `TOPIC_ARN`'s region and account,
    /// and `TOPIC_PREFIX`.
    audience_arn: Option<String>,
}

impl Publisher {
    /// `topic_arn`: the operator's topic; `prefix`: the subscribers' topics' name prefix.
    pub fn new(
        sdk_config: &covid_store::SdkConfig,
        topic_arn: impl Into<String>,
        prefix: Option<&str>,
    ) -> Self {
        let topic_arn = topic_arn.into();
        let audience_arn = prefix.map(|prefix| {
            let account = topic_arn.rsplit_once(':').map_or("", |(head, _)| head);
            format!("{account}:{prefix}")
        });
        Self {
            client: aws_sdk_sns::Client::new(sdk_config),
            topic_arn,
            audience_arn,
        }
    }

    /// The ARN of a subscribers' topic; `None` without `TOPIC_PREFIX`.
    pub fn audience_arn(&self, audience: &str) -> Option<String> {
        Some(format!("{}-{audience}", self.audience_arn.as_ref()?))
    }
}

impl Publish for Publisher {
    fn reaches_audiences(&self) -> bool {
        self.audience_arn.is_some()
    }

    /// Publishes one email with its `event` attribute, and to the operator's topic the Number
    /// attributes and the changed regions too (its filter policy may match them).
    async fn publish(&self, message: &OutboxMessage, letter: &Letter) -> Result<(), Error> {
        let attribute = |data_type: &str, value: String| {
            aws_sdk_sns::types::MessageAttributeValue::builder()
                .data_type(data_type)
                .string_value(value)
                .build()
                .expect("a message attribute has its data type")
        };
        let operator = letter.audience == OPERATOR;
        let topic = if operator {
            self.topic_arn.clone()
        } else {
            self.audience_arn(&letter.audience)
                .ok_or_else(|| Error::Publish {
                    topic: letter.audience.clone(),
                    detail: "no TOPIC_PREFIX for the subscribers' topics".to_string(),
                })?
        };
        let mut request = self
            .client
            .publish()
            .topic_arn(&topic)
            .subject(&letter.subject)
            .message(&letter.body)
            .message_attributes("event", attribute("String", letter.event.to_string()));
        if operator {
            for (name, value) in &message.counts {
                request = request.message_attributes(name, attribute("Number", value.to_string()));
            }
            if !message.regions.is_empty() {
                let list = serde_json::to_string(&message.regions).expect("strings serialise");
                request = request.message_attributes("regions", attribute("String.Array", list));
            }
        }
        request.send().await.map_err(|e| Error::Publish {
            topic: topic.clone(),
            detail: aws_sdk_sns::error::DisplayErrorContext(e).to_string(),
        })?;
        tracing::info!(event = %letter.event, audience = %letter.audience, subject = %letter.subject, "alert published");
        Ok(())
    }
}

/// Sends the stored alerts in creation order: claim, publish each of its [`letters`] (up to
/// 16 at once), delete. Publishes to one topic are [`PER_TOPIC_GAP`] apart at least. A failed
/// publish gives its alert back for the next run, with the audiences it reached, and is
/// returned as the error, so alerts keep their order; but an alert refused
/// [`MAX_PUBLISH_ATTEMPTS`] times is moved aside instead, and the later ones are sent. Returns
/// how many alerts were sent.
pub async fn flush<S: WriteAlerts + Audiences, P: Publish>(
    store: &S,
    publisher: &P,
    mut outbox: Vec<OutboxMessage>,
    site: Option<&str>,
) -> Result<usize, Error> {
    outbox.sort_by(|a, b| a.id.cmp(&b.id));
    let audiences = if publisher.reaches_audiences() && outbox.iter().any(is_public) {
        store.read_audiences().await?
    } else {
        BTreeSet::new()
    };
    let mut sent = 0;
    let mut last: HashMap<String, tokio::time::Instant> = HashMap::new();
    for message in &outbox {
        let now = Utc::now();
        let Some(attempts) = store.claim_alert(&message.id, now, now + CLAIM).await? else {
            continue; // sent or being sent by another run
        };
        let mut reached = message.sent.clone();
        let letters = letters(message, &audiences, site);
        // Spread out from this flush's last publish to the same topics, then all at once.
        let ready = letters
            .iter()
            .filter_map(|l| last.get(&l.audience))
            .map(|at| *at + PER_TOPIC_GAP)
            .max();
        if let Some(ready) = ready {
            tokio::time::sleep_until(ready).await;
        }
        let results: Vec<(String, Result<(), Error>)> = stream::iter(letters)
            .map(|letter| async move {
                let result = publisher.publish(message, &letter).await;
                (letter.audience, result)
            })
            .buffer_unordered(PUBLISHES_IN_FLIGHT)
            .collect()
            .await;
        let mut failure = None;
        for (audience, result) in results {
            last.insert(audience.clone(), tokio::time::Instant::now());
            match result {
                Ok(()) => reached.push(audience),
                Err(e) => failure = failure.or(Some(e)),
            }
        }
        if let Some(e) = failure {
            if attempts >= MAX_PUBLISH_ATTEMPTS {
                let parked = OutboxMessage {
                    attempts,
                    sent: reached,
                    ..message.clone()
                };
                store.park_alert(&parked, Utc::now()).await?;
                tracing::error!(
                    error = %e,
                    id = %message.id,
                    event = %message.event,
                    subject = %message.subject,
                    attempts,
                    "alert refused {attempts} times: moved aside (parked), later alerts go on"
                );
                continue;
            }
            store.release_alert(&message.id, &reached).await?;
            tracing::error!(error = %e, attempts, outbox = outbox.len() - sent, "alert kept for the next run");
            return Err(e);
        }
        store.delete_alert(&message.id).await?;
        sent += 1;
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    use covid_model::AlertKind;
    use covid_store::{MemoryStore, ReadState};

    use super::*;

    /// Records what it sends; fails the sends whose number (from 1) is in `fail`.
    #[derive(Default)]
    struct FakeTopic {
        sent: Mutex<Vec<String>>,
        tries: Mutex<usize>,
        fail: Vec<usize>,
        /// The operator's topic alone (no `TOPIC_PREFIX`).
        operator_only: bool,
    }

    impl Publish for FakeTopic {
        async fn publish(&self, message: &OutboxMessage, letter: &Letter) -> Result<(), Error> {
            let mut tries = self.tries.lock().unwrap();
            *tries += 1;
            if self.fail.contains(&tries) {
                return Err(Error::Publish {
                    topic: "fake".to_string(),
                    detail: "refused".to_string(),
                });
            }
            let name = match letter.audience.as_str() {
                OPERATOR => message.id.clone(),
                audience => format!("{}>{audience}", message.id),
            };
            self.sent.lock().unwrap().push(name);
            Ok(())
        }

        fn reaches_audiences(&self) -> bool {
            !self.operator_only
        }
    }

    fn message(id: &str) -> OutboxMessage {
        OutboxMessage {
            id: id.to_string(),
            event: covid_model::AlertKind::Updated,
            subject: id.to_string(),
            body: String::new(),
            created_at: Utc::now(),
            counts: BTreeMap::new(),
            regions: Vec::new(),
            attempts: 0,
            levels: Vec::new(),
            sent: Vec::new(),
        }
    }

    async fn stored(store: &MemoryStore, ids: &[&str]) -> Vec<OutboxMessage> {
        for id in ids {
            store.put_alert(&message(id)).await.unwrap();
        }
        store.read_state().await.unwrap().outbox
    }

    #[tokio::test]
    async fn alerts_are_claimed_sent_in_order_and_deleted() {
        let store = MemoryStore::new();
        let outbox = stored(&store, &["b", "a", "c"]).await;
        let topic = FakeTopic::default();
        assert_eq!(flush(&store, &topic, outbox, None).await.unwrap(), 3);
        assert_eq!(*topic.sent.lock().unwrap(), ["a", "b", "c"]);
        assert!(store.contents().outbox.is_empty());
    }

    #[tokio::test]
    async fn a_refused_alert_is_given_back_and_sent_by_the_next_flush() {
        let store = MemoryStore::new();
        let outbox = stored(&store, &["a", "b", "c"]).await;
        let topic = FakeTopic {
            fail: vec![2],
            ..FakeTopic::default()
        };
        let error = flush(&store, &topic, outbox, None).await.unwrap_err();
        assert!(matches!(error, Error::Publish { .. }), "{error}");
        assert_eq!(
            *topic.sent.lock().unwrap(),
            ["a"],
            "stops at the first refusal"
        );
        let outbox = store.contents().outbox;
        assert_eq!(outbox.keys().collect::<Vec<_>>(), ["b", "c"]);
        assert!(
            outbox.values().all(|(_, claim)| claim.is_none()),
            "released"
        );

        let outbox = store.read_state().await.unwrap().outbox;
        assert_eq!(flush(&store, &topic, outbox, None).await.unwrap(), 2);
        assert_eq!(*topic.sent.lock().unwrap(), ["a", "b", "c"], "each once");
    }

    #[tokio::test]
    async fn an_alert_another_run_holds_is_left_to_it() {
        let store = MemoryStore::new();
        let outbox = stored(&store, &["a", "b"]).await;
        let now = Utc::now();
        assert!(
            store
                .claim_alert("a", now, now + CLAIM)
                .await
                .unwrap()
                .is_some()
        );
        let topic = FakeTopic::default();
        assert_eq!(flush(&store, &topic, outbox, None).await.unwrap(), 1);
        assert_eq!(*topic.sent.lock().unwrap(), ["b"]);
        // Its claim lapses (the other run died): then it is sent.
        let later = now + CLAIM + Duration::seconds(1);
        assert_eq!(
            store.claim_alert("a", later, later + CLAIM).await.unwrap(),
            Some(2),
            "the second attempt"
        );
    }

    #[tokio::test]
    async fn an_alert_refused_again_and_again_is_parked_and_later_ones_flow() {
        let store = MemoryStore::new();
        stored(&store, &["a", "b"]).await;
        // SNS refuses `a` every time, and takes everything else.
        struct RefusesA(Mutex<Vec<String>>);
        impl Publish for RefusesA {
            async fn publish(&self, message: &OutboxMessage, _: &Letter) -> Result<(), Error> {
                if message.id == "a" {
                    return Err(Error::Publish {
                        topic: "fake".to_string(),
                        detail: "refused".to_string(),
                    });
                }
                self.0.lock().unwrap().push(message.id.clone());
                Ok(())
            }
        }
        let topic = RefusesA(Mutex::new(Vec::new()));
        for run in 1..MAX_PUBLISH_ATTEMPTS {
            let outbox = store.read_state().await.unwrap().outbox;
            assert!(
                flush(&store, &topic, outbox, None).await.is_err(),
                "run {run}"
            );
            assert!(topic.0.lock().unwrap().is_empty(), "`b` waits behind `a`");
        }
        let outbox = store.read_state().await.unwrap().outbox;
        assert_eq!(flush(&store, &topic, outbox, None).await.unwrap(), 1);
        assert_eq!(*topic.0.lock().unwrap(), ["b"]);
        let state = store.read_state().await.unwrap();
        assert!(state.outbox.is_empty());
        let parked: Vec<_> = state
            .parked
            .iter()
            .map(|m| (m.id.as_str(), m.attempts))
            .collect();
        assert_eq!(
            parked,
            [("a", MAX_PUBLISH_ATTEMPTS)],
            "kept, with its attempts"
        );
    }

    fn names(v: &[&str]) -> BTreeSet<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn ny_moves_up() -> covid_model::LevelChange {
        covid_model::LevelChange {
            region: "NY".to_string(),
            from: covid_model::Level::Low,
            to: covid_model::Level::Moderate,
            date: "2021-07-08".parse().unwrap(),
            cases_per_100k_7d: 12.0,
        }
    }

    #[test]
    fn each_alert_goes_to_the_operator_and_to_the_audiences_that_have_subscribers() {
        let audiences = names(&["updated", "updated-NY", "level-NY", "level-CA", "failed"]);
        let updated = OutboxMessage {
            regions: vec!["US".into(), "NY".into(), "TX".into()],
            levels: vec![ny_moves_up()],
            ..message("u")
        };
        let to = |m: &OutboxMessage| -> Vec<String> {
            letters(m, &audiences, Some("https://covid.example"))
                .into_iter()
                .map(|l| l.audience)
                .collect()
        };
        // Nobody follows the nation's or Texas's updates; California's level did not move.
        assert_eq!(
            to(&updated),
            ["operator", "updated", "updated-NY", "level-NY"]
        );
        let level = &letters(&updated, &audiences, None)[3];
        assert!(
            level
                .subject
                .starts_with("New York: COVID-19 transmission now moderate")
        );
        let failed = OutboxMessage {
            event: AlertKind::Failed,
            ..message("f")
        };
        assert_eq!(to(&failed), ["operator", "failed"]);
        let detail = OutboxMessage {
            event: AlertKind::FailedDetail,
            ..message("d")
        };
        assert_eq!(to(&detail), ["operator"], "the operator's alone");
        let half_sent = OutboxMessage {
            sent: vec!["operator".into(), "updated".into()],
            ..updated.clone()
        };
        assert_eq!(to(&half_sent), ["updated-NY", "level-NY"], "not sent twice");
        assert!(!is_public(&detail) && is_public(&failed));
    }

    #[tokio::test]
    async fn a_publish_that_fails_part_way_sends_the_rest_once_on_the_next_flush() {
        let store = MemoryStore::new();
        store
            .add_audiences(&["updated".into(), "updated-NY".into(), "level-NY".into()])
            .await
            .unwrap();
        let alert = OutboxMessage {
            regions: vec!["NY".into()],
            levels: vec![ny_moves_up()],
            ..message("a")
        };
        store.put_alert(&alert).await.unwrap();
        // The third email (to `updated-NY`) is refused; the others go.
        let topic = FakeTopic {
            fail: vec![3],
            ..FakeTopic::default()
        };
        let outbox = store.read_state().await.unwrap().outbox;
        assert!(flush(&store, &topic, outbox, None).await.is_err());
        let mut kept = store.contents().outbox["a"].0.sent.clone();
        kept.sort();
        assert_eq!(kept, ["level-NY", "operator", "updated"]);
        let outbox = store.read_state().await.unwrap().outbox;
        assert_eq!(flush(&store, &topic, outbox, None).await.unwrap(), 1);
        let mut sent = topic.sent.lock().unwrap().clone();
        sent.sort();
        assert_eq!(
            sent,
            ["a", "a>level-NY", "a>updated", "a>updated-NY"],
            "each email once"
        );
        assert!(store.contents().outbox.is_empty());
    }

    #[tokio::test]
    async fn a_run_whose_alerts_no_subscriber_hears_reads_no_audiences() {
        let store = MemoryStore::new();
        let unchanged = OutboxMessage {
            event: AlertKind::Unchanged,
            ..message("n")
        };
        store.put_alert(&unchanged).await.unwrap();
        let outbox = store.read_state().await.unwrap().outbox;
        let topic = FakeTopic::default();
        assert_eq!(flush(&store, &topic, outbox, None).await.unwrap(), 1);
        assert_eq!(store.calls("read_audiences"), 0);
        assert_eq!(flush(&store, &topic, Vec::new(), None).await.unwrap(), 0);
        assert_eq!(store.calls("read_audiences"), 0);

        // Without subscribers' topics (no TOPIC_PREFIX), the operator's alone.
        store.add_audiences(&["updated".into()]).await.unwrap();
        store.put_alert(&message("u")).await.unwrap();
        let operator_only = FakeTopic {
            operator_only: true,
            ..FakeTopic::default()
        };
        let outbox = store.read_state().await.unwrap().outbox;
        assert_eq!(
            flush(&store, &operator_only, outbox, None).await.unwrap(),
            1
        );
        assert_eq!(*operator_only.sent.lock().unwrap(), ["u"]);
        assert_eq!(store.calls("read_audiences"), 0);
    }
}
