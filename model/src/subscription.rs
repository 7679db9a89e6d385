//! Email subscriptions as the API takes them and the site sends them: the request, its
//! checks, and the SNS topics (audiences) a valid choice subscribes to. Pure.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::{AlertKind, Region};

/// `POST /v1/subscriptions`: an email subscription to alerts, confirmed by the subscriber.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubscriptionRequest {
    /// The address SNS sends the confirmation to (at most 254 characters, one `@`, no spaces).
    #[cfg_attr(
        feature = "openapi",
        schema(example = "reader@example.com", format = Email, min_length = 3, max_length = 254)
    )]
    pub email: String,
    /// Which alerts: `updated`, `failed`, `stale`, `level`; the first three when absent.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = openapi::alerts))]
    pub alerts: Option<Vec<String>>,
    /// The regions of `level` alerts (which need them), and narrows `updated` alerts to changes
    /// of these regions (`US`, `NY`, …; any case). Each region and kind is a subscription of its
    /// own, confirmed by its own email; at most 50 in one request.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = openapi::regions))]
    pub regions: Option<Vec<String>>,
}

/// The request's lists as the API checks them, for its OpenAPI document: a client (or a
/// property-based test) reads the alert kinds and the region codes from the schema (the codes
/// as the API writes them; it also takes them in any case).
#[cfg(feature = "openapi")]
mod openapi {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
    use utoipa::openapi::{Array, RefOr, Schema};

    fn list(
        items: ObjectBuilder,
        description: &str,
        min_items: Option<usize>,
        max_items: Option<usize>,
    ) -> Array {
        ArrayBuilder::new()
            .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
            .items(RefOr::T(Schema::Object(items.build())))
            .min_items(min_items)
            .max_items(max_items)
            .description(Some(description))
            .build()
    }

    fn text() -> ObjectBuilder {
        ObjectBuilder::new().schema_type(Type::String)
    }

    pub fn alerts() -> Array {
        let kinds = super::SUBSCRIBABLE.map(|k| k.as_str());
        list(
            text().enum_values(Some(kinds)),
            "Which alerts: `updated`, `failed`, `stale`, `level`; the first three when absent.",
            Some(1),
            None,
        )
    }

    pub fn regions() -> Array {
        let ids: Vec<&str> = crate::Region::all().iter().map(|r| r.id).collect();
        list(
            text().enum_values(Some(ids)),
            "The regions of `level` alerts (which need them), and narrows `updated` alerts to \
             changes of these regions (`US`, `NY`, …; any case). Each region and kind is a \
             subscription, confirmed by its own email; at most 50 in one request.",
            None,
            Some(super::MAX_SUBSCRIPTIONS),
        )
    }
}

/// The answer to a subscription request: the same whether or not the address was subscribed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubscriptionAccepted {
    /// `confirmation_sent`.
    pub status: String,
    /// How many subscriptions the request makes (one topic per alert kind and region), each
    /// confirmed by its own email; the same whether or not the address had any of them.
    pub subscriptions: u32,
}

/// The alert kinds a subscriber can choose (`unchanged` and `failed_detail` are the operator's).
pub const SUBSCRIBABLE: [AlertKind; 4] = [
    AlertKind::Updated,
    AlertKind::Failed,
    AlertKind::Stale,
    AlertKind::Level,
];

/// The kinds of a request that names none (`level` needs regions, so it is chosen by name).
const DEFAULT_ALERTS: [AlertKind; 3] = [AlertKind::Updated, AlertKind::Failed, AlertKind::Stale];

/// The most subscriptions (topics, see [`Audience`]) one request makes: each sends its own
/// confirmation email.
pub const MAX_SUBSCRIPTIONS: usize = 50;

/// What a valid request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub email: String,
    pub alerts: BTreeSet<AlertKind>,
    /// Empty: every region.
    pub regions: BTreeSet<Region>,
}

/// The characters of an RFC 5321 dot-atom besides letters and digits (`atext`).
const ATEXT_SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~";

/// An address SNS can mail and a reader can be held to: plain ASCII, 3 to 254 characters, one
/// `@`; before it an RFC 5321 dot-atom of at most 64 characters (letters, digits and
/// ``!#$%&'*+-/=?^_`{|}~``, dots only between them); after it a domain of at least two
/// letter-digit-hyphen labels (IDNs in their `xn--` form). Quoted local parts, address
/// literals and non-ASCII are refused: they are where look-alike and injection tricks live.
///
/// ```
/// use covid_model::check_email;
/// assert!(check_email("first.last+news@example.co.uk").is_ok());
/// assert!(check_email("\"a b\"@example.com").is_err());
/// assert!(check_email("reader@exämple.com").is_err());
/// ```
pub fn check_email(email: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("`email` is not an address we can send to: {why}."));
    if email.chars().count() > 254 {
        return bad("it is longer than 254 characters");
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("it contains spaces or control characters");
    }
    if !email.is_ascii() {
        return bad(
            "it has characters other than plain ASCII (write an international domain in its xn-- form)",
        );
    }
    let mut parts = email.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return bad("it needs exactly one @");
    };
    if local.is_empty() || local.len() > 64 {
        return bad("the part before @ must have 1 to 64 characters");
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return bad("the part before @ has a misplaced dot");
    }
    if !local
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '.' || ATEXT_SPECIALS.contains(c))
    {
        return bad("the part before @ has a character an address may not have");
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if !domain.contains('.') || !domain.split('.').all(label_ok) {
        return bad("the part after @ is not a domain name like example.com");
    }
    Ok(())
}

/// The mailbox an address reaches, for counting confirmations per recipient: lower case, and
/// the local part's `+tag` removed (`Name+x@Example.com` and `name@example.com` are one
/// person). Gmail ignores dots in the local part and takes `googlemail.com` for `gmail.com`,
/// so those are one mailbox too. Takes an address [`check_email`] accepted.
///
/// ```
/// use covid_model::recipient;
/// assert_eq!(recipient("Name+news@Example.COM"), "name@example.com");
/// assert_eq!(recipient("a.b@example.com"), "a.b@example.com");
/// assert_eq!(recipient("J.Doe+x@GoogleMail.com"), "jdoe@gmail.com");
/// assert_eq!(recipient("j.d.o.e@gmail.com"), "jdoe@gmail.com");
/// ```
pub fn recipient(email: &str) -> String {
    let lower = email.to_ascii_lowercase();
    let (local, domain) = lower.rsplit_once('@').unwrap_or((&lower, ""));
    let local = local.split('+').next().unwrap_or(local);
    match domain {
        "gmail.com" | "googlemail.com" => format!("{}@gmail.com", local.replace('.', "")),
        _ => format!("{local}@{domain}"),
    }
}

/// The request, checked: every problem is a 400 that names the field and value.
pub fn validate(request: SubscriptionRequest) -> Result<Choice, String> {
    check_email(&request.email)?;
    let alerts: BTreeSet<AlertKind> = match request.alerts {
        None => DEFAULT_ALERTS.into_iter().collect(),
        Some(names) => {
            let mut alerts = BTreeSet::new();
            for name in &names {
                let kind = AlertKind::parse(name)
                    .filter(|k| SUBSCRIBABLE.contains(k))
                    .ok_or_else(|| {
                        let shown: String = name.chars().take(30).collect();
                        format!(
                            "`alerts` has {shown:?}: choose among updated, failed, stale and level."
                        )
                    })?;
                alerts.insert(kind);
            }
            if alerts.is_empty() {
                return Err(
                    "`alerts` is empty: choose at least one of updated, failed, stale and level, \
                     or leave it out for the first three."
                        .to_string(),
                );
            }
            alerts
        }
    };
    let mut regions = BTreeSet::new();
    for id in request.regions.iter().flatten() {
        let region = Region::by_id(id).ok_or_else(|| {
            let shown: String = id.chars().take(30).collect();
            format!("`regions` has {shown:?}: use US or a state's or territory's USPS code.")
        })?;
        regions.insert(region);
    }
    let narrowed = alerts.contains(&AlertKind::Updated) || alerts.contains(&AlertKind::Level);
    if !regions.is_empty() && !narrowed {
        return Err(
            "`regions` narrows `updated` and `level` alerts, neither of which is chosen: add \
             one to `alerts`, or leave `regions` out."
                .to_string(),
        );
    }
    if alerts.contains(&AlertKind::Level) && regions.is_empty() {
        return Err(
            "`level` alerts are about places: name them in `regions` (US or a state's or \
             territory's USPS code)."
                .to_string(),
        );
    }
    let choice = Choice {
        email: request.email,
        alerts,
        regions,
    };
    let subscriptions = choice.audiences().len();
    if subscriptions > MAX_SUBSCRIPTIONS {
        return Err(format!(
            "This choice makes {subscriptions} subscriptions (one per alert kind and region, \
             each confirmed by its own email); at most {MAX_SUBSCRIPTIONS} are taken at once: \
             choose fewer regions."
        ));
    }
    Ok(choice)
}

/// Who hears one kind of alert, and of which region: the subscribers of one SNS topic, named
/// `<prefix>-<audience>` (`covid-updated`, `covid-updated-NY`, `covid-level-NY`, `covid-failed`).
/// A subscription is one address on one such topic, with no filter policy: SNS allows 200
/// filter policies per topic and 10,000 per account, so subscribers are told apart by topic,
/// which holds at any number of them (`ARCHITECTURE.md`, "Alerts at any number of
/// subscribers").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Audience {
    pub kind: AlertKind,
    /// `None`: every region (`updated`), or none (`failed`, `stale`).
    pub region: Option<Region>,
}

impl Audience {
    /// The topic's name after the prefix: the kind, and the region's id if any ([`audience`]).
    pub fn name(&self) -> String {
        audience(self.kind, self.region.map(|r| r.id))
    }

    /// The topic's display name, the sender's name on its emails (at most 100 characters).
    pub fn display_name(&self) -> String {
        let what = match self.kind {
            AlertKind::Updated => "data updated",
            AlertKind::Level => "transmission level",
            AlertKind::Failed => "run failed",
            AlertKind::Stale => "sources stale",
            AlertKind::Unchanged | AlertKind::FailedDetail => "operator",
        };
        match self.region {
            Some(region) => format!("COVID-19 {what}: {}", region.name),
            None => format!("US COVID-19 {what}"),
        }
    }
}

/// The name after the prefix of the topic of `kind` alerts about the region `id` (see
/// [`Audience`]); `None`: every region, or none. The one naming rule of the API, which makes
/// the topics, and the ETL, which publishes to them.
///
/// ```
/// use covid_model::{AlertKind, audience};
/// assert_eq!(audience(AlertKind::Level, Some("NY")), "level-NY");
/// assert_eq!(audience(AlertKind::Failed, None), "failed");
/// ```
pub fn audience(kind: AlertKind, id: Option<&str>) -> String {
    match id {
        Some(id) => format!("{kind}-{id}"),
        None => kind.to_string(),
    }
}

impl Choice {
    /// The topics this choice subscribes the address to, each sending its own confirmation.
    pub fn audiences(&self) -> Vec<Audience> {
        let mut out = Vec::new();
        for kind in &self.alerts {
            let regional = *kind == AlertKind::Level
                || (*kind == AlertKind::Updated && !self.regions.is_empty());
            if regional {
                for region in &self.regions {
                    out.push(Audience {
                        kind: *kind,
                        region: Some(*region),
                    });
                }
            } else {
                out.push(Audience {
                    kind: *kind,
                    region: None,
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(
        email: &str,
        alerts: Option<&[&str]>,
        regions: Option<&[&str]>,
    ) -> SubscriptionRequest {
        let list = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        SubscriptionRequest {
            email: email.to_string(),
            alerts: alerts.map(list),
            regions: regions.map(list),
        }
    }

    #[test]
    fn addresses() {
        for ok in [
            "a@example.com",
            "first.last+tag@sub.example.co.uk",
            "x@xn--bcher-kva.example",
            "o'hara!{x}@example.org",
        ] {
            assert_eq!(check_email(ok), Ok(()), "{ok}");
        }
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long = format!("a@{}.com", "b".repeat(250));
        for bad in [
            "",
            "no-at",
            "two@@example.com",
            "a@b@example.com",
            "a @example.com",
            "a@example",
            "a\u{0}b@example.com",
            "@example.com",
            "a@.example.com",
            "a@example..com",
            ".a@example.com",
            "a@-x.com",
            "\"quoted\"@example.com",
            "a(comment)@example.com",
            "a,b@example.com",
            "a<b>@example.com",
            "a@[192.0.2.1]",
            "reader@exämple.com",
            "rëader@example.com",
            "a@exa_mple.com",
            &long_local,
            &long,
        ] {
            assert!(check_email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn choices_and_their_errors() {
        let all = validate(request("a@example.com", None, None)).unwrap();
        assert_eq!(all.alerts, DEFAULT_ALERTS.into_iter().collect());
        let ny = validate(request(
            "a@example.com",
            Some(&["updated"]),
            Some(&["ny", "US", "NY"]),
        ))
        .unwrap();
        let ids: Vec<&str> = ny.regions.iter().map(|r| r.id).collect();
        assert_eq!(ids, ["NY", "US"]);
        let e = validate(request("a@example.com", Some(&["unchanged"]), None)).unwrap_err();
        assert!(e.contains("\"unchanged\""), "{e}");
        let e = validate(request("a@example.com", Some(&[]), None)).unwrap_err();
        assert!(e.contains("empty"), "{e}");
        let e = validate(request("a@example.com", None, Some(&["ZZ"]))).unwrap_err();
        assert!(e.contains("\"ZZ\""), "{e}");
        let e = validate(request("a@example.com", Some(&["failed"]), Some(&["NY"]))).unwrap_err();
        assert!(e.contains("narrows"), "{e}");
    }

    #[test]
    fn a_choice_is_a_topic_per_kind_and_region() {
        let choice = |alerts: &[AlertKind], regions: &[&str]| Choice {
            email: "a@example.com".to_string(),
            alerts: alerts.iter().copied().collect(),
            regions: regions.iter().map(|r| Region::by_id(r).unwrap()).collect(),
        };
        let names = |c: Choice| -> Vec<String> { c.audiences().iter().map(|a| a.name()).collect() };
        assert_eq!(
            names(choice(&DEFAULT_ALERTS, &[])),
            ["updated", "failed", "stale"]
        );
        assert_eq!(
            names(choice(&[AlertKind::Updated], &["NY", "US"])),
            ["updated-NY", "updated-US"]
        );
        assert_eq!(
            names(choice(&SUBSCRIBABLE, &["NY"])),
            ["updated-NY", "failed", "stale", "level-NY"]
        );
        let ny = Audience {
            kind: AlertKind::Level,
            region: Region::by_id("NY"),
        };
        assert_eq!(ny.display_name(), "COVID-19 transmission level: New York");
        // The longest region name stays within SNS's 100 characters.
        for region in Region::all().iter().copied() {
            for kind in SUBSCRIBABLE {
                let a = Audience {
                    kind,
                    region: Some(region),
                };
                assert!(a.display_name().len() <= 100, "{}", a.display_name());
                assert!(
                    a.name()
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-')
                );
            }
        }
    }

    #[test]
    fn level_alerts_need_regions_and_a_request_makes_at_most_50_subscriptions() {
        let level = validate(request("a@example.com", Some(&["level"]), Some(&["NY"]))).unwrap();
        assert_eq!(level.audiences().len(), 1);
        let e = validate(request("a@example.com", Some(&["level"]), None)).unwrap_err();
        assert!(e.contains("`level` alerts are about places"), "{e}");
        let all: Vec<&str> = Region::all().iter().map(|r| r.id).collect();
        assert_eq!(all.len(), 56);
        let e = validate(request("a@example.com", Some(&["level"]), Some(&all))).unwrap_err();
        assert!(e.contains("56 subscriptions"), "{e}");
        let ok = validate(request("a@example.com", Some(&["level"]), Some(&all[..50]))).unwrap();
        assert_eq!(ok.audiences().len(), MAX_SUBSCRIPTIONS);
        let e = validate(request(
            "a@example.com",
            Some(&["level", "updated"]),
            Some(&all[..30]),
        ))
        .unwrap_err();
        assert!(e.contains("60 subscriptions"), "{e}");
    }
}
