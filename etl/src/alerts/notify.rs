//! Publishing alerts to SNS through the outbox: an alert is stored in the table before it is
//! sent and deleted after, so it is never lost; a run claims it before sending, so it is never
//! sent twice by concurrent runs.

use std::future::Future;

use chrono::{Duration, Utc};
use covid_store::{OutboxMessage, WriteAlerts};

use crate::error::Error;

/// Sends one alert to the subscribers.
pub trait Publish {
    fn publish(&self, message: &OutboxMessage) -> impl Future<Output = Result<(), Error>> + Send;
}

/// How long a run may hold an alert it is publishing.
const CLAIM: Duration = Duration::minutes(2);
/// After this many refused publishes an alert is moved aside (kept, reported in `/v1/status`
/// and the logs), so that one alert SNS keeps refusing does not hold back every later one.
pub const MAX_PUBLISH_ATTEMPTS: u32 = 5;

/// The SNS topic, with a client built once per process.
#[derive(Debug, Clone)]
pub struct Publisher {
    client: aws_sdk_sns::Client,
    topic_arn: String,
}

impl Publisher {
    pub fn new(sdk_config: &covid_store::SdkConfig, topic_arn: impl Into<String>) -> Self {
        Self {
            client: aws_sdk_sns::Client::new(sdk_config),
            topic_arn: topic_arn.into(),
        }
    }
}

impl Publish for Publisher {
    /// Publishes one message with its `event` attribute and its Number attributes.
    async fn publish(&self, message: &OutboxMessage) -> Result<(), Error> {
        let attribute = |data_type: &str, value: String| {
            aws_sdk_sns::types::MessageAttributeValue::builder()
                .data_type(data_type)
                .string_value(value)
                .build()
                .expect("a message attribute has its data type")
        };
        let mut request = self
            .client
            .publish()
            .topic_arn(&self.topic_arn)
            .subject(&message.subject)
            .message(&message.body)
            .message_attributes("event", attribute("String", message.event.to_string()));
        for (name, value) in &message.counts {
            request = request.message_attributes(name, attribute("Number", value.to_string()));
        }
        if !message.regions.is_empty() {
            let list = serde_json::to_string(&message.regions).expect("strings serialise");
            request = request.message_attributes("regions", attribute("String.Array", list));
        }
        request.send().await.map_err(|e| Error::Publish {
            topic: self.topic_arn.clone(),
            detail: aws_sdk_sns::error::DisplayErrorContext(e).to_string(),
        })?;
        tracing::info!(event = %message.event, subject = %message.subject, "alert published");
        Ok(())
    }
}

/// Sends the stored alerts in creation order: claim, publish, delete. A failed publish gives
/// its alert back for the next run and is returned as the error, so alerts keep their order;
/// but an alert refused [`MAX_PUBLISH_ATTEMPTS`] times is moved aside instead, and the later
/// ones are sent. Returns how many were sent.
pub async fn flush<S: WriteAlerts, P: Publish>(
    store: &S,
    publisher: &P,
    mut outbox: Vec<OutboxMessage>,
) -> Result<usize, Error> {
    outbox.sort_by(|a, b| a.id.cmp(&b.id));
    let mut sent = 0;
    for message in &outbox {
        let now = Utc::now();
        let Some(attempts) = store.claim_alert(&message.id, now, now + CLAIM).await? else {
            continue; // sent or being sent by another run
        };
        if let Err(e) = publisher.publish(message).await {
            if attempts >= MAX_PUBLISH_ATTEMPTS {
                let parked = OutboxMessage {
                    attempts,
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
            store.release_alert(&message.id).await?;
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

    use covid_store::{MemoryStore, ReadState};

    use super::*;

    /// Records what it sends; fails the sends whose number (from 1) is in `fail`.
    #[derive(Default)]
    struct FakeTopic {
        sent: Mutex<Vec<String>>,
        tries: Mutex<usize>,
        fail: Vec<usize>,
    }

    impl Publish for FakeTopic {
        async fn publish(&self, message: &OutboxMessage) -> Result<(), Error> {
            let mut tries = self.tries.lock().unwrap();
            *tries += 1;
            if self.fail.contains(&tries) {
                return Err(Error::Publish {
                    topic: "fake".to_string(),
                    detail: "refused".to_string(),
                });
            }
            self.sent.lock().unwrap().push(message.id.clone());
            Ok(())
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
        assert_eq!(flush(&store, &topic, outbox).await.unwrap(), 3);
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
        let error = flush(&store, &topic, outbox).await.unwrap_err();
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
        assert_eq!(flush(&store, &topic, outbox).await.unwrap(), 2);
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
        assert_eq!(flush(&store, &topic, outbox).await.unwrap(), 1);
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
            async fn publish(&self, message: &OutboxMessage) -> Result<(), Error> {
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
            assert!(flush(&store, &topic, outbox).await.is_err(), "run {run}");
            assert!(topic.0.lock().unwrap().is_empty(), "`b` waits behind `a`");
        }
        let outbox = store.read_state().await.unwrap().outbox;
        assert_eq!(flush(&store, &topic, outbox).await.unwrap(), 1);
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
}
