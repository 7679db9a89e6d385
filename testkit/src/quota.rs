//! SNS's quotas for the emulators: moto enforces none of them, so every SNS request a test
//! makes passes this gate (after IAM's, [`crate::iam`]), which refuses what AWS would refuse,
//! with AWS's error. The limits are one table, [`LIMITS`], each with the AWS page that states
//! it. The state (topics, subscriptions' filter policies) is this test process's, as moto's is.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, OnceLock};

use serde_json::Value;

use crate::fault::{Fault, Request};

/// AWS's page of SNS's quotas ("Amazon SNS endpoints and quotas").
pub const QUOTAS_PAGE: &str = "https://docs.aws.amazon.com/general/latest/gr/sns.html";
/// AWS's page of a filter policy's constraints ("Amazon SNS message filtering constraints").
pub const FILTER_POLICY_PAGE: &str =
    "https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html";

/// One of SNS's limits that moto does not enforce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub what: &'static str,
    pub most: usize,
    /// The AWS page that states it.
    pub source: &'static str,
}

/// Subscriptions with a filter policy, per topic (a default quota).
pub const FILTER_POLICIES_PER_TOPIC: Limit = Limit {
    what: "filter policies per topic",
    most: 200,
    source: QUOTAS_PAGE,
};
/// Subscriptions with a filter policy, per account (a default quota).
pub const FILTER_POLICIES_PER_ACCOUNT: Limit = Limit {
    what: "filter policies per account",
    most: 10_000,
    source: QUOTAS_PAGE,
};
/// Attribute keys in one filter policy.
pub const FILTER_POLICY_KEYS: Limit = Limit {
    what: "keys in a filter policy",
    most: 5,
    source: FILTER_POLICY_PAGE,
};
/// Combinations of values in one filter policy (the branches of an `$or` add up; within a
/// branch, the keys' numbers of values multiply).
pub const FILTER_POLICY_COMBINATIONS: Limit = Limit {
    what: "value combinations in a filter policy",
    most: 150,
    source: FILTER_POLICY_PAGE,
};
/// A published message's bytes, its attributes' names, types and values included.
pub const MESSAGE_BYTES: Limit = Limit {
    what: "bytes in a message",
    most: 262_144,
    source: QUOTAS_PAGE,
};
/// Attributes of one published message.
pub const MESSAGE_ATTRIBUTES: Limit = Limit {
    what: "attributes of a message",
    most: 10,
    source: "https://docs.aws.amazon.com/sns/latest/dg/sns-message-attributes.html",
};
/// Messages a second to one email subscription ("Delivery rate for email messages"). AWS
/// does not refuse the publish that passes it: it deactivates the topic's email subscriptions,
/// which go back to pending confirmation, so every subscriber of that topic is lost until they
/// confirm again. The gate refuses that publish instead (`EmailDeliveryRateExceeded`, a code
/// of its own), so that a test fails where production would lose subscribers.
pub const EMAIL_MESSAGES_PER_SECOND: Limit = Limit {
    what: "messages a second to an email subscription",
    most: 10,
    source: QUOTAS_PAGE,
};
/// Standard topics per account (a default quota).
pub const TOPICS_PER_ACCOUNT: Limit = Limit {
    what: "topics per account",
    most: 100_000,
    source: QUOTAS_PAGE,
};

/// Every limit the gate enforces.
pub const LIMITS: [Limit; 8] = [
    EMAIL_MESSAGES_PER_SECOND,
    FILTER_POLICIES_PER_TOPIC,
    FILTER_POLICIES_PER_ACCOUNT,
    FILTER_POLICY_KEYS,
    FILTER_POLICY_COMBINATIONS,
    MESSAGE_BYTES,
    MESSAGE_ATTRIBUTES,
    TOPICS_PER_ACCOUNT,
];

/// What the gate has let through: the account's topics, and each subscription's filter policy
/// by its topic and endpoint.
#[derive(Debug, Default)]
pub struct Account {
    topics: BTreeSet<String>,
    /// Every subscription: (topic, protocol, endpoint).
    subscriptions: BTreeSet<(String, String, String)>,
    /// Subscriptions with a filter policy, by topic.
    policies_by_topic: BTreeMap<String, usize>,
    policies: usize,
    /// The publishes of the last second to each topic with an email subscription.
    recent: BTreeMap<String, std::collections::VecDeque<std::time::Instant>>,
}

/// The protocols SNS subscribes (`Subscribe`'s `Protocol`).
pub const PROTOCOLS: [&str; 9] = [
    "http",
    "https",
    "email",
    "email-json",
    "sms",
    "sqs",
    "application",
    "lambda",
    "firehose",
];

impl Account {
    fn filter_policies(&self, topic: Option<&str>) -> usize {
        match topic {
            Some(topic) => self.policies_by_topic.get(topic).copied().unwrap_or(0),
            None => self.policies,
        }
    }

    /// AWS's answer to `form` (an SNS request's parameters), if it refuses it; otherwise the
    /// request is counted as done.
    pub fn judge(&mut self, form: &BTreeMap<String, String>) -> Result<(), Refusal> {
        self.judge_at(form, std::time::Instant::now())
    }

    /// [`Account::judge`] at `now`.
    pub fn judge_at(
        &mut self,
        form: &BTreeMap<String, String>,
        now: std::time::Instant,
    ) -> Result<(), Refusal> {
        let field = |name: &str| form.get(name).cloned().unwrap_or_default();
        match field("Action").as_str() {
            "CreateTopic" => {
                let name = field("Name");
                if !self.topics.contains(&name) && self.topics.len() >= TOPICS_PER_ACCOUNT.most {
                    return Err(Refusal::limit("TopicLimitExceeded", TOPICS_PER_ACCOUNT));
                }
                self.topics.insert(name);
            }
            "Subscribe" => {
                if !PROTOCOLS.contains(&field("Protocol").as_str()) {
                    return Err(Refusal::invalid(
                        "InvalidParameter",
                        "Invalid parameter: Amazon SNS does not support this protocol string"
                            .to_string(),
                    ));
                }
                let policy = attribute(form, "Attributes", "FilterPolicy");
                if let Some(policy) = &policy {
                    check_policy(policy)?;
                }
                let key = (field("TopicArn"), field("Protocol"), field("Endpoint"));
                if self.subscriptions.contains(&key) {
                    return Ok(()); // the same subscription again: no new filter policy
                }
                if policy.is_some() {
                    for (limit, topic) in [
                        (FILTER_POLICIES_PER_TOPIC, Some(key.0.as_str())),
                        (FILTER_POLICIES_PER_ACCOUNT, None),
                    ] {
                        if self.filter_policies(topic) >= limit.most {
                            return Err(Refusal::limit("FilterPolicyLimitExceeded", limit));
                        }
                    }
                }
                if policy.is_some() {
                    *self.policies_by_topic.entry(key.0.clone()).or_default() += 1;
                    self.policies += 1;
                }
                self.subscriptions.insert(key);
            }
            "Publish" => {
                let attributes = entries(form, "MessageAttributes");
                if attributes.len() > MESSAGE_ATTRIBUTES.most {
                    return Err(Refusal::invalid(
                        "InvalidParameterValue",
                        format!(
                            "Number of message attributes [{}] exceeds the allowed maximum [{}].",
                            attributes.len(),
                            MESSAGE_ATTRIBUTES.most
                        ),
                    ));
                }
                let bytes = field("Message").len()
                    + field("Subject").len()
                    + attributes
                        .values()
                        .map(|entry| entry.values().map(String::len).sum::<usize>())
                        .sum::<usize>();
                if bytes > MESSAGE_BYTES.most {
                    return Err(Refusal::invalid(
                        "InvalidParameter",
                        "Invalid parameter: Message too long".to_string(),
                    ));
                }
                let topic = field("TopicArn");
                let mailed = self
                    .subscriptions
                    .iter()
                    .any(|(t, protocol, _)| *t == topic && protocol.starts_with("email"));
                if mailed {
                    let recent = self.recent.entry(topic).or_default();
                    while recent
                        .front()
                        .is_some_and(|t| now.duration_since(*t).as_secs_f64() >= 1.0)
                    {
                        recent.pop_front();
                    }
                    if recent.len() >= EMAIL_MESSAGES_PER_SECOND.most {
                        return Err(Refusal::limit(
                            "EmailDeliveryRateExceeded",
                            EMAIL_MESSAGES_PER_SECOND,
                        ));
                    }
                    recent.push_back(now);
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// A refusal as AWS answers it: its HTTP status, error code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl Refusal {
    fn limit(code: &'static str, limit: Limit) -> Self {
        Refusal {
            status: 403,
            code,
            message: format!(
                "{} limit exceeded: at most {} ({})",
                limit.what, limit.most, limit.source
            ),
        }
    }

    fn invalid(code: &'static str, message: String) -> Self {
        Refusal {
            status: 400,
            code,
            message,
        }
    }
}

/// A filter policy within a policy's limits, or AWS's refusal.
pub fn check_policy(policy: &str) -> Result<(), Refusal> {
    let invalid = |why: &str| {
        Refusal::invalid(
            "InvalidParameter",
            format!("Invalid parameter: FilterPolicy: {why}"),
        )
    };
    let value: Value = serde_json::from_str(policy).map_err(|_| invalid("failed to parse JSON"))?;
    let branches: Vec<&Value> = match value.get("$or").and_then(Value::as_array) {
        Some(branches) => branches.iter().collect(),
        None => vec![&value],
    };
    let mut keys = BTreeSet::new();
    let mut combinations = 0usize;
    for branch in branches {
        let Some(object) = branch.as_object() else {
            return Err(invalid("filter policy must be a JSON object"));
        };
        let mut product = 1usize;
        for (key, values) in object {
            keys.insert(key.clone());
            product = product.saturating_mul(values.as_array().map_or(1, Vec::len).max(1));
        }
        combinations = combinations.saturating_add(product);
    }
    if keys.len() > FILTER_POLICY_KEYS.most {
        return Err(invalid(&format!(
            "Filter policy can not have more than {} keys",
            FILTER_POLICY_KEYS.most
        )));
    }
    if combinations > FILTER_POLICY_COMBINATIONS.most {
        return Err(invalid("Filter policy is too complex"));
    }
    Ok(())
}

/// The query protocol's map entries under `prefix`: `prefix.entry.N.key`/`.value` (for
/// `Attributes`) or `.Name`/`.Value.*` (for `MessageAttributes`), by entry number.
fn entries(
    form: &BTreeMap<String, String>,
    prefix: &str,
) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let start = format!("{prefix}.entry.");
    for (name, value) in form {
        if let Some(rest) = name.strip_prefix(&start)
            && let Some((n, field)) = rest.split_once('.')
        {
            out.entry(n.to_string())
                .or_default()
                .insert(field.to_string(), value.clone());
        }
    }
    out
}

/// The value of the `Attributes` map entry named `key`.
fn attribute(form: &BTreeMap<String, String>, prefix: &str, key: &str) -> Option<String> {
    entries(form, prefix)
        .into_values()
        .find(|entry| entry.get("key").map(String::as_str) == Some(key))
        .and_then(|entry| entry.get("value").cloned())
}

/// What the gate has let through on `topic_arn` in this process: its subscriptions, and how
/// many of them have a filter policy.
pub fn counted(topic_arn: &str) -> (usize, usize) {
    let account = account().lock().expect("quota lock");
    let subscriptions = account
        .subscriptions
        .iter()
        .filter(|(topic, _, _)| topic == topic_arn)
        .count();
    (subscriptions, account.filter_policies(Some(topic_arn)))
}

fn account() -> &'static Mutex<Account> {
    static ACCOUNT: OnceLock<Mutex<Account>> = OnceLock::new();
    ACCOUNT.get_or_init(Default::default)
}

/// The gate in front of moto: an SNS request AWS would refuse for a quota is answered with
/// AWS's error; any other is forwarded.
pub(crate) fn judge(request: &Request) -> Fault {
    if request.service.as_deref() != Some("sns") {
        return Fault::Forward;
    }
    let form: BTreeMap<String, String> = form_urlencoded::parse(request.body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    match account().lock().expect("quota lock").judge(&form) {
        Ok(()) => Fault::Forward,
        Err(refusal) => {
            eprintln!(
                "quota gate: refused {}: {}",
                request.operation, refusal.message
            );
            Fault::Reply {
                status: refusal.status,
                content_type: "text/xml",
                body: format!(
                    "<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><Error>\
                     <Type>Sender</Type><Code>{}</Code><Message>{}</Message></Error>\
                     <RequestId>quota-gate</RequestId></ErrorResponse>",
                    refusal.code,
                    refusal.message.replace('&', "&amp;").replace('<', "&lt;")
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, String)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn subscribe(topic: &str, n: usize, policy: Option<&str>) -> BTreeMap<String, String> {
        let mut pairs = vec![
            ("Action", "Subscribe".to_string()),
            ("TopicArn", topic.to_string()),
            ("Protocol", "email".to_string()),
            ("Endpoint", format!("reader{n}@example.com")),
        ];
        if let Some(policy) = policy {
            pairs.push(("Attributes.entry.1.key", "FilterPolicy".to_string()));
            pairs.push(("Attributes.entry.1.value", policy.to_string()));
        }
        form(&pairs)
    }

    const POLICY: &str = r#"{"event":["updated"]}"#;

    #[test]
    fn the_201st_filter_policy_on_a_topic_is_refused_as_aws_refuses_it() {
        let mut account = Account::default();
        for n in 0..200 {
            account.judge(&subscribe("t", n, Some(POLICY))).unwrap();
        }
        // The same subscription again adds no policy; one without a policy is not counted.
        account.judge(&subscribe("t", 0, Some(POLICY))).unwrap();
        account.judge(&subscribe("t", 1000, None)).unwrap();
        let refusal = account
            .judge(&subscribe("t", 200, Some(POLICY)))
            .unwrap_err();
        assert_eq!(
            (refusal.status, refusal.code),
            (403, "FilterPolicyLimitExceeded")
        );
        assert!(refusal.message.contains("200"), "{}", refusal.message);
        // Another topic has its own 200.
        account.judge(&subscribe("u", 200, Some(POLICY))).unwrap();
    }

    #[test]
    fn the_account_holds_10000_filter_policies_over_its_topics() {
        let mut account = Account::default();
        for n in 0..FILTER_POLICIES_PER_ACCOUNT.most {
            let topic = format!("t{}", n / FILTER_POLICIES_PER_TOPIC.most);
            account.judge(&subscribe(&topic, n, Some(POLICY))).unwrap();
        }
        let refusal = account
            .judge(&subscribe("fresh", 0, Some(POLICY)))
            .unwrap_err();
        assert_eq!(refusal.code, "FilterPolicyLimitExceeded");
        assert!(
            refusal.message.contains("per account"),
            "{}",
            refusal.message
        );
    }

    #[test]
    fn a_filter_policy_has_at_most_5_keys_and_150_combinations() {
        let six = r#"{"a":["1"],"b":["1"],"c":["1"],"d":["1"],"e":["1"],"f":["1"]}"#;
        let refusal = check_policy(six).unwrap_err();
        assert_eq!((refusal.status, refusal.code), (400, "InvalidParameter"));
        assert!(refusal.message.contains("more than 5 keys"));
        let values = |n: usize| -> String {
            let list: Vec<String> = (0..n).map(|i| format!("\"{i}\"")).collect();
            list.join(",")
        };
        // 2 × 75 = 150 combinations: allowed; 2 × 76 = 152: too complex.
        check_policy(&format!(
            r#"{{"event":["a","b"],"regions":[{}]}}"#,
            values(75)
        ))
        .unwrap();
        let refusal = check_policy(&format!(
            r#"{{"event":["a","b"],"regions":[{}]}}"#,
            values(76)
        ))
        .unwrap_err();
        assert!(refusal.message.ends_with("Filter policy is too complex"));
        // The branches of an `$or` add up: 100 + 51.
        let or = format!(
            r#"{{"$or":[{{"event":["updated"],"regions":[{}]}},{{"event":[{}]}}]}}"#,
            values(100),
            values(51)
        );
        assert!(check_policy(&or).is_err());
        assert!(check_policy("not json").is_err());
    }

    #[test]
    fn a_message_has_at_most_256_kb_and_10_attributes() {
        let mut account = Account::default();
        let publish = |message: String, attributes: usize| {
            let mut form = form(&[
                ("Action", "Publish".to_string()),
                ("TopicArn", "t".to_string()),
                ("Message", message),
            ]);
            for n in 1..=attributes {
                let entry = format!("MessageAttributes.entry.{n}");
                form.insert(format!("{entry}.Name"), format!("a{n}"));
                form.insert(format!("{entry}.Value.DataType"), "String".to_string());
            }
            form
        };
        account
            .judge(&publish("x".repeat(MESSAGE_BYTES.most), 0))
            .unwrap();
        let refusal = account
            .judge(&publish("x".repeat(MESSAGE_BYTES.most + 1), 0))
            .unwrap_err();
        assert_eq!(refusal.message, "Invalid parameter: Message too long");
        // The attributes count toward the size.
        assert!(
            account
                .judge(&publish("x".repeat(MESSAGE_BYTES.most - 5), 1))
                .is_err()
        );
        account.judge(&publish("x".to_string(), 10)).unwrap();
        let refusal = account.judge(&publish("x".to_string(), 11)).unwrap_err();
        assert_eq!(refusal.code, "InvalidParameterValue");
    }

    #[test]
    fn an_account_holds_100000_topics() {
        let mut account = Account::default();
        let create = |name: String| form(&[("Action", "CreateTopic".to_string()), ("Name", name)]);
        for n in 0..TOPICS_PER_ACCOUNT.most {
            account.judge(&create(format!("t{n}"))).unwrap();
        }
        // CreateTopic of an existing name is idempotent.
        account.judge(&create("t0".to_string())).unwrap();
        let refusal = account.judge(&create("one-more".to_string())).unwrap_err();
        assert_eq!((refusal.status, refusal.code), (403, "TopicLimitExceeded"));
    }

    #[test]
    fn every_limit_cites_aws() {
        for limit in LIMITS {
            assert!(
                limit.source.starts_with("https://docs.aws.amazon.com/"),
                "{limit:?}"
            );
            assert!(limit.most > 0);
        }
    }

    #[test]
    fn a_subscription_has_a_protocol_sns_knows() {
        let mut account = Account::default();
        let mut pigeon = subscribe("t", 0, None);
        pigeon.insert("Protocol".to_string(), "pigeon".to_string());
        let refusal = account.judge(&pigeon).unwrap_err();
        assert_eq!((refusal.status, refusal.code), (400, "InvalidParameter"));
        account.judge(&subscribe("t", 0, None)).unwrap();
    }

    #[test]
    fn an_email_subscription_takes_at_most_10_messages_a_second() {
        use std::time::{Duration, Instant};
        let mut account = Account::default();
        account.judge(&subscribe("mailed", 0, None)).unwrap();
        let to = |topic: &str| {
            form(&[
                ("Action", "Publish".to_string()),
                ("TopicArn", topic.to_string()),
                ("Message", "x".to_string()),
            ])
        };
        let start = Instant::now();
        for n in 0..10 {
            let at = start + Duration::from_millis(50 * n);
            account.judge_at(&to("mailed"), at).unwrap();
        }
        let refusal = account
            .judge_at(&to("mailed"), start + Duration::from_millis(900))
            .unwrap_err();
        assert_eq!(refusal.code, "EmailDeliveryRateExceeded");
        // A second after the first, there is room again; a topic without email, any rate.
        account
            .judge_at(&to("mailed"), start + Duration::from_millis(1000))
            .unwrap();
        for _ in 0..50 {
            account.judge_at(&to("queues only"), start).unwrap();
        }
    }
}
