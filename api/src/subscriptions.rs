//! `POST /v1/subscriptions`: anyone subscribes an email address to the alerts they choose,
//! narrowed to regions if they like. SNS sends the confirmation email (double opt-in) and puts
//! an unsubscribe link in every message; the subscription's filter policy (on message
//! attributes) is built here from the choice. Abuse limits: a few requests per viewer per
//! hour and a ceiling per day, counted in DynamoDB; only same-origin browser pages may post.
//! The answer is the same whether or not the address was already subscribed.

use std::net::IpAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, DurationRound, NaiveTime, Utc};
use covid_model::{SubscriptionAccepted, SubscriptionRequest, filter_policy, validate};
use covid_store::{RateLimits, StoreError};
use futures::future::BoxFuture;

use crate::App;
use crate::problem::Problem;
use crate::viewer;

/// The largest body accepted.
pub const MAX_BODY: usize = 4096;
pub const DEFAULT_PER_IP_PER_HOUR: u64 = 5;
pub const DEFAULT_PER_DAY: u64 = 500;

/// Why SNS did not take a subscription.
#[derive(Debug)]
pub enum SubscribeError {
    /// The address is subscribed already with another choice: answered like a new one.
    Exists,
    /// SNS refused the choice's filter policy (its reason): the reader's to change, not to retry.
    Refused(String),
    Failed(String),
}

/// SNS `Subscribe`, or a fake in tests.
pub trait Subscriber: Send + Sync + 'static {
    fn subscribe(
        &self,
        email: &str,
        filter_policy: &str,
    ) -> BoxFuture<'_, Result<(), SubscribeError>>;
}

/// The alert topic, with a client built once per process.
pub struct SnsSubscriber {
    client: aws_sdk_sns::Client,
    topic_arn: String,
}

impl SnsSubscriber {
    pub fn new(sdk_config: &aws_config::SdkConfig, topic_arn: impl Into<String>) -> Self {
        Self {
            client: aws_sdk_sns::Client::new(sdk_config),
            topic_arn: topic_arn.into(),
        }
    }
}

impl Subscriber for SnsSubscriber {
    fn subscribe(
        &self,
        email: &str,
        filter_policy: &str,
    ) -> BoxFuture<'_, Result<(), SubscribeError>> {
        let request = self
            .client
            .subscribe()
            .topic_arn(&self.topic_arn)
            .protocol("email")
            .endpoint(email)
            .attributes("FilterPolicyScope", "MessageAttributes")
            .attributes("FilterPolicy", filter_policy);
        Box::pin(async move {
            match request.send().await {
                Ok(_) => Ok(()),
                Err(e) => {
                    let text = aws_sdk_sns::error::DisplayErrorContext(&e).to_string();
                    let invalid = e
                        .as_service_error()
                        .filter(|s| s.is_invalid_parameter_exception())
                        .map(|s| s.meta().message().unwrap_or_default().to_string());
                    Err(match invalid {
                        Some(_) if text.contains("already exists") => SubscribeError::Exists,
                        // e.g. "Invalid parameter: FilterPolicy: Filter policy is too complex"
                        Some(message) if message.contains("FilterPolicy") => {
                            SubscribeError::Refused(message)
                        }
                        _ => SubscribeError::Failed(text),
                    })
                }
            }
        })
    }
}

/// Rate counters as the endpoint uses them (the store, or the in-memory store in tests).
pub trait Limits: Send + Sync + 'static {
    fn take<'a>(
        &'a self,
        counter: &'a str,
        window_end: DateTime<Utc>,
        max: u64,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
}

impl<S: RateLimits + Send + Sync + 'static> Limits for S {
    fn take<'a>(
        &'a self,
        counter: &'a str,
        window_end: DateTime<Utc>,
        max: u64,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(RateLimits::take(self, counter, window_end, max))
    }
}

/// The endpoint's parts and settings.
pub struct Subscriptions {
    pub subscriber: Box<dyn Subscriber>,
    pub limits: Box<dyn Limits>,
    /// `SUBSCRIBE_PER_IP_PER_HOUR`.
    pub per_ip_per_hour: u64,
    /// `SUBSCRIBE_PER_DAY`.
    pub per_day: u64,
    /// `SITE_ORIGIN`: the site's origin (`https://…`); unset: this host's.
    pub site_origin: Option<String>,
}

impl Subscriptions {
    pub fn new(subscriber: impl Subscriber, limits: impl Limits) -> Self {
        Self {
            subscriber: Box::new(subscriber),
            limits: Box::new(limits),
            per_ip_per_hour: DEFAULT_PER_IP_PER_HOUR,
            per_day: DEFAULT_PER_DAY,
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

/// Counts the request against both limits; the 429 to answer when one is reached.
async fn within_limits(
    subscriptions: &Subscriptions,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<Option<Response>, Problem> {
    let unavailable = |error: StoreError| {
        tracing::error!(%error, "cannot count the subscription request");
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Subscriptions unavailable",
            "Subscription requests cannot be taken right now; try again in a few minutes.",
        )
    };
    let hour_end = now.duration_trunc(Duration::hours(1)).expect("an hour") + Duration::hours(1);
    let viewer = ip.map_or_else(|| "unknown".to_string(), |ip| ip.to_string());
    if !subscriptions
        .limits
        .take(
            &format!("ip#{viewer}"),
            hour_end,
            subscriptions.per_ip_per_hour,
        )
        .await
        .map_err(unavailable)?
    {
        return Ok(Some(too_many(
            format!(
                "At most {} subscription requests an hour come from one address; try again \
                 after {}.",
                subscriptions.per_ip_per_hour,
                hour_end.format("%H:%M UTC")
            ),
            (hour_end - now).num_seconds(),
        )));
    }
    let day_end = (now.date_naive() + Duration::days(1))
        .and_time(NaiveTime::MIN)
        .and_utc();
    if !subscriptions
        .limits
        .take("all", day_end, subscriptions.per_day)
        .await
        .map_err(unavailable)?
    {
        return Ok(Some(too_many(
            format!(
                "The service takes at most {} subscription requests a day; try again tomorrow \
                 (UTC).",
                subscriptions.per_day
            ),
            (day_end - now).num_seconds(),
        )));
    }
    Ok(None)
}

/// Subscribes an email address to the alerts it chooses (double opt-in by SNS).
#[utoipa::path(post, path = "/v1/subscriptions", request_body = SubscriptionRequest, responses(
    (status = 202, description = "SNS sends a confirmation email (the same answer for an address already subscribed)", body = SubscriptionAccepted),
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
            "This server has no alert topic (TOPIC_ARN) to subscribe to.",
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
    if let Some(limited) = within_limits(subscriptions, ip, Utc::now()).await? {
        return Ok(limited);
    }
    let policy = filter_policy(&choice).to_string();
    match subscriptions
        .subscriber
        .subscribe(&choice.email, &policy)
        .await
    {
        Ok(()) | Err(SubscribeError::Exists) => {}
        Err(SubscribeError::Refused(reason)) => {
            tracing::warn!(%reason, %policy, "SNS refused the filter policy");
            return Err(Problem::bad_request(format!(
                "The alert service refused this choice ({reason}): choose fewer regions, \
                 or leave `regions` out."
            )));
        }
        Err(SubscribeError::Failed(detail)) => {
            tracing::error!(%detail, "SNS Subscribe failed");
            return Err(Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Subscriptions unavailable",
                "The subscription could not be made right now; try again in a few minutes.",
            ));
        }
    }
    tracing::info!(
        alerts = choice.alerts.len(),
        regions = choice.regions.len(),
        "subscription requested"
    );
    let mut response = (
        StatusCode::ACCEPTED,
        axum::Json(SubscriptionAccepted {
            status: "confirmation_sent".to_string(),
        }),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Any other method on the subscriptions path.
pub async fn method_not_allowed(method: axum::http::Method) -> Response {
    crate::problem::not_allowed(
        "POST",
        format!("{method} is not supported here: subscribe with POST."),
    )
}
