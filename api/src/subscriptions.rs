//! `POST /v1/subscriptions`: anyone subscribes an email address to the alerts they choose,
//! narrowed to regions if they like. Each kind and region is a topic of its own (an audience,
//! `covid_model::Audience`) and a subscription to it, with no filter policy, so that no SNS
//! quota on filter policies is ever reached; SNS sends each one's confirmation email (double
//! opt-in) and puts an unsubscribe link in every message. Abuse limits (`limits.rs`): a few
//! requests per viewer per hour, one request's confirmations per recipient per day, a ceiling
//! of confirmations per day; only same-origin browser pages may post. The answer is the same
//! whether or not the address was already subscribed, or already mailed today.

use std::net::IpAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use covid_model::{Audience, SubscriptionAccepted, SubscriptionRequest, validate};
use covid_store::{Audiences, StoreError};
use futures::future::BoxFuture;
use futures::{StreamExt, TryStreamExt, stream};

use crate::App;
use crate::limits::{self, Limits, RecipientKey, Settings};
use crate::problem::Problem;
use crate::viewer;

/// The largest body accepted.
pub const MAX_BODY: usize = 4096;

/// Why SNS did not take a subscription.
#[derive(Debug)]
pub enum SubscribeError {
    /// The address is subscribed already with other attributes: answered like a new one.
    Exists,
    /// SNS refused a parameter (its reason: the address): the reader's to change, not to
    /// retry.
    Refused(String),
    /// SNS refused for a quota of the topic or the account (topics, subscriptions): nobody can
    /// subscribe until the operators act.
    Full(String),
    Failed(String),
}

/// SNS's subscribers' topics (`covid_model::Audience`), or a fake in tests.
pub trait Subscriber: Send + Sync + 'static {
    /// The topic of `audience`, created on its first subscription (`CreateTopic` is idempotent
    /// by name): its ARN.
    fn topic(&self, audience: &Audience) -> BoxFuture<'_, Result<String, SubscribeError>>;
    /// Subscribes `email` to the topic `topic_arn`, with no filter policy: SNS sends the
    /// confirmation email.
    fn subscribe<'a>(
        &'a self,
        email: &'a str,
        topic_arn: &'a str,
    ) -> BoxFuture<'a, Result<(), SubscribeError>>;
}

/// The audiences with subscribers as the endpoint records them (the store's
/// [`Audiences`], or the in-memory store in tests), for the ETL to publish to them alone.
pub trait Registry: Send + Sync + 'static {
    fn add<'a>(&'a self, names: &'a [String]) -> BoxFuture<'a, Result<(), StoreError>>;
}

impl<S: Audiences + Send + Sync + 'static> Registry for S {
    fn add<'a>(&'a self, names: &'a [String]) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.add_audiences(names))
    }
}

/// The subscribers' topics `<prefix>-<audience>`, with a client built once per process.
pub struct SnsSubscriber {
    client: aws_sdk_sns::Client,
    /// `TOPIC_PREFIX`: the stack's name and `-alert`.
    prefix: String,
}

impl SnsSubscriber {
    pub fn new(sdk_config: &covid_store::SdkConfig, prefix: impl Into<String>) -> Self {
        Self {
            client: aws_sdk_sns::Client::new(sdk_config),
            prefix: prefix.into(),
        }
    }
}

/// SNS's error as a [`SubscribeError`].
fn refusal<E, R>(e: aws_sdk_sns::error::SdkError<E, R>) -> SubscribeError
where
    E: aws_sdk_sns::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let text = aws_sdk_sns::error::DisplayErrorContext(&e).to_string();
    let code = e
        .as_service_error()
        .and_then(|s| s.code())
        .unwrap_or_default();
    match code {
        "FilterPolicyLimitExceeded" | "SubscriptionLimitExceeded" | "TopicLimitExceeded" => {
            SubscribeError::Full(text)
        }
        // The reader's to change, never a 503 (which an attacker could use to set off the 5xx
        // alarm): "Invalid parameter: Email address".
        "InvalidParameter" if text.contains("already exists") => SubscribeError::Exists,
        "InvalidParameter" => SubscribeError::Refused(
            e.as_service_error()
                .and_then(|s| s.message())
                .unwrap_or_default()
                .to_string(),
        ),
        _ => SubscribeError::Failed(text),
    }
}

impl Subscriber for SnsSubscriber {
    fn topic(&self, audience: &Audience) -> BoxFuture<'_, Result<String, SubscribeError>> {
        // Made without attributes, so that making it again never meets other ones; its display
        // name (the sender's name on its emails) is set after, to the current text.
        let create =
            self.client
                .create_topic()
                .name(format!("{}-{}", self.prefix, audience.name()));
        let display_name = audience.display_name();
        Box::pin(async move {
            let created = create.send().await.map_err(refusal)?;
            let arn = created
                .topic_arn
                .ok_or_else(|| SubscribeError::Failed("CreateTopic answered no ARN".to_string()))?;
            self.client
                .set_topic_attributes()
                .topic_arn(&arn)
                .attribute_name("DisplayName")
                .attribute_value(display_name)
                .send()
                .await
                .map_err(refusal)?;
            Ok(arn)
        })
    }

    fn subscribe<'a>(
        &'a self,
        email: &'a str,
        topic_arn: &'a str,
    ) -> BoxFuture<'a, Result<(), SubscribeError>> {
        let request = self
            .client
            .subscribe()
            .topic_arn(topic_arn)
            .protocol("email")
            .endpoint(email);
        Box::pin(async move { request.send().await.map(|_| ()).map_err(refusal) })
    }
}

/// The endpoint's parts and settings.
pub struct Subscriptions {
    pub subscriber: Box<dyn Subscriber>,
    pub limits: Box<dyn Limits>,
    pub registry: Box<dyn Registry>,
    pub settings: Settings,
    /// `RECIPIENT_KEY`: the key of the recipients' hashes.
    pub recipient_key: RecipientKey,
    /// `SITE_ORIGIN`: the site's origin (`https://…`); unset: this host's.
    pub site_origin: Option<String>,
}

impl Subscriptions {
    /// `store` keeps the rate counters and the audiences with subscribers.
    pub fn new<S>(subscriber: impl Subscriber, store: S) -> Self
    where
        S: Limits + Registry + Clone,
    {
        Self {
            subscriber: Box::new(subscriber),
            limits: Box::new(store.clone()),
            registry: Box::new(store),
            settings: Settings::default(),
            recipient_key: RecipientKey::random(),
            site_origin: None,
        }
    }
}

fn too_many(detail: String, retry_after: i64) -> Response {
    let mut response =
        Problem::new(StatusCode::TOO_MANY_REQUESTS, "Too many requests", detail).into_response();
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from_str(&retry_after.max(1).to_string()).expect("digits"),
    );
    response
}

/// What the limits say of one valid request.
enum Admission {
    /// Subscribe; on failure, give the recipient's count back.
    Go {
        recipient: String,
        day_end: DateTime<Utc>,
    },
    /// This mailbox had its confirmation today: answer as if sent, send nothing.
    Repeat,
    /// A 429.
    Limited(Response),
}

/// Counts the request: the viewer's counters, then the recipient's, then its `confirmations`
/// (one per subscription it makes) under the daily ceiling (so a repeat does not use the
/// ceiling up).
async fn admit(
    subscriptions: &Subscriptions,
    ip: Option<IpAddr>,
    email: &str,
    confirmations: u64,
    now: DateTime<Utc>,
) -> Result<Admission, Problem> {
    let unavailable = |error: StoreError| {
        tracing::error!(%error, "cannot count the subscription request");
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Subscriptions unavailable",
            "Subscription requests cannot be taken right now; try again in a few minutes.",
        )
    };
    let (hour_end, day_end) = limits::windows(now);
    let limits = &subscriptions.limits;
    for viewer in limits::viewer_counters(ip, &subscriptions.settings) {
        if !limits
            .take(&viewer.counter, hour_end, 1, viewer.max)
            .await
            .map_err(unavailable)?
        {
            return Ok(Admission::Limited(too_many(
                format!(
                    "At most {} subscription requests an hour come from {}; try again after {}.",
                    viewer.max,
                    viewer.what,
                    hour_end.format("%H:%M UTC")
                ),
                (hour_end - now).num_seconds(),
            )));
        }
    }
    let recipient = subscriptions.recipient_key.counter(email);
    if !limits
        .take(&recipient, day_end, 1, limits::PER_RECIPIENT_PER_DAY)
        .await
        .map_err(unavailable)?
    {
        tracing::info!("a repeat for a mailbox confirmed today: answered, not sent");
        return Ok(Admission::Repeat);
    }
    if !limits
        .take(
            "all",
            day_end,
            confirmations,
            subscriptions.settings.per_day,
        )
        .await
        .map_err(unavailable)?
    {
        tracing::warn!(
            alarm = limits::CEILING_ALARM.1,
            per_day = subscriptions.settings.per_day,
            "the daily ceiling of subscription confirmations is reached"
        );
        // Not this mailbox's fault: it may ask again tomorrow, or after a give-back.
        limits
            .give_back(&recipient, day_end)
            .await
            .map_err(unavailable)?;
        return Ok(Admission::Limited(too_many(
            format!(
                "The service sends at most {} subscription confirmations a day; try again \
                 tomorrow (UTC).",
                subscriptions.settings.per_day
            ),
            (day_end - now).num_seconds(),
        )));
    }
    Ok(Admission::Go { recipient, day_end })
}

/// Subscribes an email address to the alerts it chooses (double opt-in by SNS).
#[utoipa::path(post, path = "/v1/subscriptions", operation_id = "subscribe", tag = "subscriptions", request_body = SubscriptionRequest, responses(
    (status = 202, description = "SNS sends a confirmation email for each subscription (the same answer for an address already subscribed)", body = SubscriptionAccepted),
    (status = 400, description = "Malformed JSON, a malformed address, an unknown alert kind or region", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Posted from another site's page", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "A body over 4 KB", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Too many requests from this address this hour, or in all today", body = Problem, content_type = "application/problem+json"),
    (status = 503, description = "Subscriptions are not configured or unavailable", body = Problem, content_type = "application/problem+json"),
))]
pub async fn subscribe(State(app): State<Arc<App>>, request: axum::extract::Request) -> Response {
    match handle(&app, request).await {
        Ok(response) => response,
        Err(problem) => problem.into_response(),
    }
}

async fn handle(app: &App, request: axum::extract::Request) -> Result<Response, Problem> {
    let (parts, body): (Parts, Body) = request.into_parts();
    let Some(subscriptions) = &app.subscriptions else {
        return Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Subscriptions unavailable",
            "This server has no alert topics (TOPIC_PREFIX) to subscribe to.",
        ));
    };
    if viewer::cross_origin(&parts.headers, subscriptions.site_origin.as_deref()) {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "Cross-origin request",
            "Subscriptions are taken only from this site's own pages.",
        ));
    }
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        let shown: String = content_type.chars().take(60).collect();
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type",
            format!("The body must be application/json, not {shown:?}."),
        ));
    }
    let too_large = || {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Body too large",
            format!("The body may have at most {MAX_BODY} bytes."),
        )
    };
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_large());
    }
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| too_large())?;
    let request: SubscriptionRequest = serde_json::from_slice(&bytes).map_err(|e| {
        Problem::bad_request(format!(
            "The body is not a subscription request: {e}. Send {{\"email\": \"...\", \
             \"alerts\": [\"updated\", \"failed\", \"stale\"], \"regions\": [\"NY\"]}}."
        ))
    })?;
    let choice = validate(request).map_err(Problem::bad_request)?;
    let ip = viewer::viewer_ip(&parts, app.origin_secret.as_deref());
    let audiences = choice.audiences();
    let confirmations = audiences.len() as u64;
    let admitted = admit(subscriptions, ip, &choice.email, confirmations, Utc::now()).await?;
    let (recipient, day_end) = match admitted {
        Admission::Limited(response) => return Ok(response),
        Admission::Repeat => return Ok(accepted(&audiences)),
        Admission::Go { recipient, day_end } => (recipient, day_end),
    };
    let refused = make(subscriptions, &choice.email, &audiences)
        .await
        .err()
        .map(|error| match error {
            // A topic of that name with other attributes (`make` takes an existing subscription).
            SubscribeError::Exists => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Subscriptions unavailable",
                "The subscription could not be made right now; try again in a few minutes.",
            ),
            SubscribeError::Refused(reason) => {
                tracing::warn!(%reason, "SNS refused the subscription's parameters");
                Problem::bad_request(format!(
                    "The alert service refused this subscription ({reason})."
                ))
            }
            SubscribeError::Full(detail) => {
                // The operators' to raise (the 5xx alarm tells them); the reader is told plainly,
                // without SNS's words.
                tracing::error!(%detail, "SNS refused the subscription for a quota");
                Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Subscriptions full",
                    "The alert service has reached its limit of subscriptions; the operators are \
                 told. Try again in a few days.",
                )
            }
            SubscribeError::Failed(detail) => {
                tracing::error!(%detail, "the subscription could not be made");
                Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Subscriptions unavailable",
                    "The subscription could not be made right now; try again in a few minutes.",
                )
            }
        });
    if let Some(problem) = refused {
        // The request did not complete (some of its confirmations may have gone out): the
        // mailbox may ask again today, which makes the same subscriptions again.
        if let Err(error) = subscriptions.limits.give_back(&recipient, day_end).await {
            tracing::error!(%error, "cannot give the recipient's count back");
        }
        return Err(problem);
    }
    tracing::info!(
        alerts = choice.alerts.len(),
        regions = choice.regions.len(),
        "subscription requested"
    );
    Ok(accepted(&audiences))
}

/// How many SNS requests of one kind a subscription request has in flight at once.
const IN_FLIGHT: usize = 8;

/// Subscribes `email` to `audiences` (a choice's): their topics first (created on a first
/// subscription), then the audiences recorded in the table, then the address subscribed to
/// each topic. So the ETL never publishes to a topic that does not exist, and a topic without
/// a subscriber costs only an empty publish.
async fn make(
    subscriptions: &Subscriptions,
    email: &str,
    audiences: &[Audience],
) -> Result<(), SubscribeError> {
    let subscriber = &subscriptions.subscriber;
    let topics: Vec<String> = stream::iter(audiences.iter().copied())
        .map(|audience| subscriber.topic(&audience))
        .buffered(IN_FLIGHT)
        .try_collect()
        .await?;
    let names: Vec<String> = audiences.iter().map(|a| a.name()).collect();
    subscriptions
        .registry
        .add(&names)
        .await
        .map_err(|e| SubscribeError::Failed(format!("recording the audiences: {e}")))?;
    stream::iter(topics)
        .map(|topic| async move {
            match subscriber.subscribe(email, &topic).await {
                Err(SubscribeError::Exists) => Ok(()),
                other => other,
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}

/// `202 {"status": "confirmation_sent", "subscriptions": n}`, the same for a new and a known
/// address: `n` is the choice's, not the address's.
fn accepted(audiences: &[Audience]) -> Response {
    let mut response = (
        StatusCode::ACCEPTED,
        axum::Json(SubscriptionAccepted {
            status: "confirmation_sent".to_string(),
            subscriptions: audiences.len() as u32,
        }),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Any other method on the subscriptions path.
pub async fn method_not_allowed(method: axum::http::Method) -> Response {
    crate::problem::not_allowed(
        "POST",
        format!("{method} is not supported here: subscribe with POST."),
    )
}
