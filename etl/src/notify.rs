//! Publishing alerts to SNS through the outbox: an alert is stored in the table before it is
//! sent and deleted after, so it is never lost; a run claims it before sending, so it is never
//! sent twice by concurrent runs.

use chrono::{Duration, Utc};
use covid_store::{OutboxMessage, WriteAlerts};

use crate::error::Error;

/// How long a run may hold an alert it is publishing.
const CLAIM: Duration = Duration::minutes(2);

/// The SNS topic, with a client built once per process.
#[derive(Debug, Clone)]
pub struct Publisher {
    client: aws_sdk_sns::Client,
    topic_arn: String,
}

impl Publisher {
    pub fn new(sdk_config: &aws_config::SdkConfig, topic_arn: impl Into<String>) -> Self {
        Self {
            client: aws_sdk_sns::Client::new(sdk_config),
            topic_arn: topic_arn.into(),
        }
    }

    /// Publishes one message with its `event` attribute and its Number attributes.
    pub async fn publish(&self, message: &OutboxMessage) -> Result<(), Error> {
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
            .message_attributes("event", attribute("String", message.event.clone()));
        for (name, value) in &message.counts {
            request = request.message_attributes(name, attribute("Number", value.to_string()));
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
/// its alert back for the next run and is returned as the error. Returns how many were sent.
pub async fn flush<S: WriteAlerts>(
    store: &S,
    publisher: &Publisher,
    mut pending: Vec<OutboxMessage>,
) -> Result<usize, Error> {
    pending.sort_by(|a, b| a.id.cmp(&b.id));
    let mut sent = 0;
    for message in &pending {
        let now = Utc::now();
        if !store.claim_alert(&message.id, now, now + CLAIM).await? {
            continue; // sent or being sent by another run
        }
        if let Err(e) = publisher.publish(message).await {
            store.release_alert(&message.id).await?;
            tracing::error!(error = %e, pending = pending.len() - sent, "alert kept for the next run");
            return Err(e);
        }
        store.delete_alert(&message.id).await?;
        sent += 1;
    }
    Ok(sent)
}
