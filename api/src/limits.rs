//! The subscription endpoint's limits: who may make SNS mail a confirmation, how often.
//!
//! - **Per viewer, per hour:** an IPv4 address; an IPv6 `/64` (one subscriber's network, where
//!   every address is theirs to use) and, wider, its `/48` (one site's allocation).
//! - **Per recipient, per UTC day:** one confirmation per mailbox, whoever asks. The mailbox is
//!   the address in lower case without its `+tag` ([`covid_model::recipient`]), kept only as a
//!   keyed hash (HMAC-SHA-256 with a secret key, truncated to 128 bits) in the counter's key,
//!   which expires with the counter: the table never holds an address. A repeat is answered like
//!   a first request (202), so the endpoint tells nothing.
//! - **In all, per UTC day:** a ceiling; reaching it is logged with `alarm =
//!   "subscription_ceiling"`, which a CloudWatch metric filter turns into an alarm for the
//!   operator (`template.yaml`).
//!
//! The counters are conditional increments in the table ([`covid_store::RateLimits`]), shared by
//! every instance of the function.

use std::net::{IpAddr, Ipv6Addr};

use chrono::{DateTime, Duration, DurationRound, NaiveTime, Utc};
use covid_store::{RateLimits, StoreError};
use futures::future::BoxFuture;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub const DEFAULT_PER_IP_PER_HOUR: u64 = 5;
pub const DEFAULT_PER_NETWORK_PER_HOUR: u64 = 20;
/// Confirmation emails (one per subscription, so up to `covid_model::MAX_SUBSCRIPTIONS` a
/// request) per UTC day in all.
pub const DEFAULT_PER_DAY: u64 = 1_000;
/// Requests whose confirmations are sent, per recipient per UTC day.
pub const PER_RECIPIENT_PER_DAY: u64 = 1;

/// The log field (and value) the ceiling's metric filter in `template.yaml` matches.
pub const CEILING_ALARM: (&str, &str) = ("alarm", "subscription_ceiling");

/// Rate counters as the endpoint uses them (the store, or the in-memory store in tests).
pub trait Limits: Send + Sync + 'static {
    /// [`RateLimits::take`].
    fn take<'a>(
        &'a self,
        counter: &'a str,
        window_end: DateTime<Utc>,
        uses: u64,
        max: u64,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
    fn give_back<'a>(
        &'a self,
        counter: &'a str,
        window_end: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<(), StoreError>>;
}

impl<S: RateLimits + Send + Sync + 'static> Limits for S {
    fn take<'a>(
        &'a self,
        counter: &'a str,
        window_end: DateTime<Utc>,
        uses: u64,
        max: u64,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(RateLimits::take(self, counter, window_end, uses, max))
    }

    fn give_back<'a>(
        &'a self,
        counter: &'a str,
        window_end: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(RateLimits::give_back(self, counter, window_end))
    }
}

/// The limits' settings (`SUBSCRIBE_PER_IP_PER_HOUR`, `SUBSCRIBE_PER_NETWORK_PER_HOUR`,
/// `SUBSCRIBE_PER_DAY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// An IPv4 address, or an IPv6 /64.
    pub per_ip_per_hour: u64,
    /// An IPv6 /48.
    pub per_network_per_hour: u64,
    /// Confirmation emails a day, in all.
    pub per_day: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            per_ip_per_hour: DEFAULT_PER_IP_PER_HOUR,
            per_network_per_hour: DEFAULT_PER_NETWORK_PER_HOUR,
            per_day: DEFAULT_PER_DAY,
        }
    }
}

/// One viewer counter: its name and its hourly limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewerCounter {
    pub counter: String,
    pub max: u64,
    /// How the answer names it: "one address", "one network".
    pub what: &'static str,
}

/// The counters a viewer's request is counted in. An IPv4-mapped IPv6 address is its IPv4.
///
/// ```
/// use api::limits::{Settings, viewer_counters};
/// let names = |ip: &str| -> Vec<String> {
///     viewer_counters(ip.parse().ok(), &Settings::default())
///         .into_iter()
///         .map(|c| c.counter)
///         .collect()
/// };
/// assert_eq!(names("203.0.113.7"), ["ip#203.0.113.7"]);
/// assert_eq!(names("::ffff:203.0.113.7"), ["ip#203.0.113.7"]);
/// assert_eq!(names("2001:db8:1:2:aaaa::1"), ["ip6#2001:db8:1:2::/64", "ip6#2001:db8:1::/48"]);
/// ```
pub fn viewer_counters(ip: Option<IpAddr>, settings: &Settings) -> Vec<ViewerCounter> {
    let ip = ip.map(|ip| match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    });
    match ip {
        None => vec![ViewerCounter {
            counter: "ip#unknown".to_string(),
            max: settings.per_ip_per_hour,
            what: "one address",
        }],
        Some(IpAddr::V4(v4)) => vec![ViewerCounter {
            counter: format!("ip#{v4}"),
            max: settings.per_ip_per_hour,
            what: "one address",
        }],
        Some(IpAddr::V6(v6)) => {
            let prefix = |bits: u32| {
                let mask = u128::MAX << (128 - bits);
                Ipv6Addr::from(u128::from(v6) & mask)
            };
            vec![
                ViewerCounter {
                    counter: format!("ip6#{}/64", prefix(64)),
                    max: settings.per_ip_per_hour,
                    what: "one address",
                },
                ViewerCounter {
                    counter: format!("ip6#{}/48", prefix(48)),
                    max: settings.per_network_per_hour,
                    what: "one network",
                },
            ]
        }
    }
}

/// The secret key of the recipients' hashes (`RECIPIENT_KEY`).
#[derive(Clone)]
pub struct RecipientKey(Vec<u8>);

impl std::fmt::Debug for RecipientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecipientKey(…)")
    }
}

impl RecipientKey {
    /// A key from the deployment's secret.
    pub fn new(secret: &[u8]) -> Self {
        Self(secret.to_vec())
    }

    /// A key of this process alone (locally, without `RECIPIENT_KEY`): the per-recipient
    /// limit then holds per process.
    pub fn random() -> Self {
        use std::hash::{BuildHasher, RandomState};
        let bytes = (0u8..4)
            .flat_map(|i| RandomState::new().hash_one(i).to_le_bytes())
            .collect();
        Self(bytes)
    }

    /// The counter of `email`'s mailbox: `to#` and 32 hex digits of its keyed hash.
    pub fn counter(&self, email: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key");
        mac.update(covid_model::recipient(email).as_bytes());
        let digest = mac.finalize().into_bytes();
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        format!("to#{hex}")
    }
}

/// The end of the hour and of the UTC day that `now` is in: the counters' windows.
pub fn windows(now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let hour_end = now.duration_trunc(Duration::hours(1)).expect("an hour") + Duration::hours(1);
    let day_end = (now.date_naive() + Duration::days(1))
        .and_time(NaiveTime::MIN)
        .and_utc();
    (hour_end, day_end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mailbox_has_one_counter_whatever_its_spelling_and_it_names_no_address() {
        let key = RecipientKey::new(b"k");
        let counter = key.counter("Name+news@Example.com");
        assert_eq!(counter, key.counter("name@example.com"));
        assert_eq!(counter, key.counter("NAME+other@EXAMPLE.COM"));
        assert_ne!(counter, key.counter("name2@example.com"));
        assert!(!counter.contains("example") && !counter.contains("name"));
        assert_eq!(counter.len(), "to#".len() + 32);
        // Another key, another hash: the counters cannot be computed without the secret.
        assert_ne!(
            counter,
            RecipientKey::new(b"other").counter("name@example.com")
        );
    }

    #[test]
    fn ipv6_viewers_are_counted_by_network() {
        let settings = Settings::default();
        let a = viewer_counters("2001:db8:1:2::1".parse().ok(), &settings);
        let b = viewer_counters("2001:db8:1:2:ffff::9".parse().ok(), &settings);
        let c = viewer_counters("2001:db8:1:3::1".parse().ok(), &settings);
        assert_eq!(a, b, "one /64");
        assert_ne!(a[0], c[0], "another /64");
        assert_eq!(a[1], c[1], "the same /48");
        assert_eq!(a[1].max, DEFAULT_PER_NETWORK_PER_HOUR);
    }
}
