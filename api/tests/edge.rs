//! The edge cannot be poisoned: for every path the API answers, CloudFront's behaviour for it
//! sends the origin nothing its cache key lacks (query names, headers, cookies), and the API
//! itself refuses every query name it does not read, raw, and answers the same whatever else
//! the request carries.
//!
//! Read from `template.yaml` as deployed (AWS cannot be reached from a test); the managed
//! policies the template names are described here as AWS documents them, and any other managed
//! policy fails the test until it is described.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::memory::{call, get, json, router, seeded};
use serde_json::Value;
use testkit::template::Template;

/// A set of names, or every name.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Names {
    Only(BTreeSet<String>),
    All,
}

impl Names {
    fn none() -> Self {
        Names::Only(BTreeSet::new())
    }

    fn union(&self, other: &Names) -> Names {
        match (self, other) {
            (Names::Only(a), Names::Only(b)) => Names::Only(a.union(b).cloned().collect()),
            _ => Names::All,
        }
    }

    fn contains(&self, name: &str) -> bool {
        match self {
            Names::Only(names) => names.contains(name),
            Names::All => true,
        }
    }

    /// `behavior`: `none`, `whitelist` (with `list`), and anything wider as every name.
    fn read(behavior: &Value, list: &Value) -> Names {
        match behavior.as_str().expect("a behavior") {
            "none" => Names::none(),
            "whitelist" => Names::Only(
                list.as_array()
                    .expect("a whitelist names its items")
                    .iter()
                    .map(|v| v.as_str().unwrap().to_string())
                    .collect(),
            ),
            _ => Names::All,
        }
    }
}

/// What a behaviour keys the cache by, or sends the origin.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Parameters {
    query: Names,
    headers: Names,
    cookies: Names,
}

impl Parameters {
    fn none() -> Self {
        Parameters {
            query: Names::none(),
            headers: Names::none(),
            cookies: Names::none(),
        }
    }

    fn union(&self, other: &Parameters) -> Parameters {
        Parameters {
            query: self.query.union(&other.query),
            headers: self.headers.union(&other.headers),
            cookies: self.cookies.union(&other.cookies),
        }
    }

    /// A cache policy's `ParametersInCacheKeyAndForwardedToOrigin` or an origin request
    /// policy's config.
    fn read(config: &Value) -> Parameters {
        let q = &config["QueryStringsConfig"];
        let h = &config["HeadersConfig"];
        let c = &config["CookiesConfig"];
        Parameters {
            query: Names::read(&q["QueryStringBehavior"], &q["QueryStrings"]),
            headers: Names::read(&h["HeaderBehavior"], &h["Headers"]),
            cookies: Names::read(&c["CookieBehavior"], &c["Cookies"]),
        }
    }
}

/// A cache behaviour as CloudFront applies it.
struct Behavior {
    pattern: String,
    origin: String,
    /// `None`: nothing is cached (the managed CachingDisabled).
    key: Option<Parameters>,
    /// What the origin is sent: the key, and the origin request policy's parameters.
    forwarded: Parameters,
}

// Managed policies, as AWS documents them ("Use managed cache policies", "Use managed origin
// request policies", CloudFront Developer Guide).
const CACHING_OPTIMIZED: &str = "658327ea-f89d-4fab-a63d-7e88639e58f6";
const CACHING_DISABLED: &str = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
const ALL_VIEWER_EXCEPT_HOST_HEADER: &str = "b689b0a8-53d0-40ab-baf2-68738e2966ac";

fn behaviors(template: &Template) -> Vec<Behavior> {
    let resources = |name: &str| Some(name.to_string());
    let config = template
        .property_with("Distribution", "DistributionConfig", &[], &resources)
        .unwrap();
    let mut all: Vec<Value> = config["CacheBehaviors"].as_array().unwrap().clone();
    let mut default = config["DefaultCacheBehavior"].clone();
    default["PathPattern"] = "*".into();
    all.push(default);
    all.iter()
        .map(|b| {
            let key = match b["CachePolicyId"].as_str().unwrap() {
                CACHING_DISABLED => None,
                // Query strings, headers and cookies: none (Accept-Encoding is normalized).
                CACHING_OPTIMIZED => Some(Parameters::none()),
                id => {
                    let policy = template
                        .property_with(id, "CachePolicyConfig", &[], &resources)
                        .unwrap_or_else(|| panic!("{id}: not a cache policy of the template"));
                    assert!(
                        policy["MaxTTL"].as_i64().unwrap() > 0,
                        "{id}: caches nothing, use CachingDisabled"
                    );
                    Some(Parameters::read(
                        &policy["ParametersInCacheKeyAndForwardedToOrigin"],
                    ))
                }
            };
            let requested = match b["OriginRequestPolicyId"].as_str() {
                None => Parameters::none(),
                // Every query string, every viewer header but Host, every cookie.
                Some(ALL_VIEWER_EXCEPT_HOST_HEADER) => Parameters {
                    query: Names::All,
                    headers: Names::All,
                    cookies: Names::All,
                },
                Some(id) => Parameters::read(
                    &template
                        .property_with(id, "OriginRequestPolicyConfig", &[], &resources)
                        .unwrap_or_else(|| {
                            panic!("{id}: not an origin request policy of the template")
                        }),
                ),
            };
            Behavior {
                pattern: b["PathPattern"].as_str().unwrap().to_string(),
                origin: b["TargetOriginId"].as_str().unwrap().to_string(),
                forwarded: key
                    .clone()
                    .unwrap_or_else(Parameters::none)
                    .union(&requested),
                key,
            }
        })
        .collect()
}

/// The behaviour CloudFront applies to `path`: the first whose pattern matches (`*` any run of
/// characters, `?` one; case-sensitive), else the default.
fn behavior_for<'a>(behaviors: &'a [Behavior], path: &str) -> &'a Behavior {
    behaviors
        .iter()
        .find(|b| {
            let pattern = if b.pattern.starts_with('/') || b.pattern == "*" {
                b.pattern.clone()
            } else {
                format!("/{}", b.pattern)
            };
            testkit::iam::wildcard(&pattern, path)
        })
        .expect("the default behaviour matches every path")
}

/// An endpoint's path as a reader asks it.
fn sample(path: &str) -> String {
    path.replace("{id}", "US")
}

#[test]
fn every_cached_behaviour_sends_the_origin_only_what_its_key_holds() {
    let behaviors = behaviors(&Template::load());
    for b in &behaviors {
        if let Some(key) = &b.key {
            assert_eq!(
                &b.forwarded, key,
                "{}: the origin is sent more than the cache key holds, so one request could \
                 change what every reader of that key gets",
                b.pattern
            );
        }
    }
}

#[test]
fn every_route_s_behaviour_keys_exactly_the_query_names_it_reads() {
    let behaviors = behaviors(&Template::load());
    let endpoints = api::endpoints();
    for e in &endpoints {
        let b = behavior_for(&behaviors, &sample(&e.path));
        assert_eq!(b.origin, "api", "{}: served by {}", e.path, b.pattern);
        let key = b
            .key
            .as_ref()
            .unwrap_or_else(|| panic!("{}: a read the edge does not cache", e.path));
        for name in e.reads.names() {
            assert!(
                key.query.contains(name),
                "{}: reads `{name}`, which {}'s key lacks (the origin would never see it)",
                e.path,
                b.pattern
            );
        }
        assert_eq!(
            key.headers,
            Names::none(),
            "{}: the API reads no header",
            e.path
        );
        assert_eq!(key.cookies, Names::none(), "{}", e.path);
    }
    // And each key holds nothing that no route behind it reads (a name nothing reads would
    // only split the cache).
    for b in behaviors.iter().filter(|b| b.origin == "api") {
        let Some(key) = &b.key else { continue };
        let read: BTreeSet<String> = endpoints
            .iter()
            .filter(|e| std::ptr::eq(behavior_for(&behaviors, &sample(&e.path)), b))
            .flat_map(|e| e.reads.names().map(str::to_string))
            .collect();
        assert_eq!(key.query, Names::Only(read), "{}", b.pattern);
    }
    // Subscriptions are never cached, and read no query.
    let b = behavior_for(&behaviors, api::SUBSCRIPTIONS);
    assert_eq!((b.origin.as_str(), &b.key), ("api", &None));
    assert_eq!(b.forwarded.query, Names::none());
}

#[tokio::test]
async fn every_route_refuses_a_query_name_it_does_not_read_in_its_raw_form() {
    let r = router(&seeded(), Duration::ZERO);
    for e in api::endpoints() {
        let path = sample(&e.path);
        let mut refused = vec![
            format!("{path}?utm_source=x"),
            format!("{path}?a=1&&utm_source=x"),
        ];
        for name in e.reads.names() {
            // The same name percent-encoded (its first letter), in another case, given twice.
            let first = name.as_bytes()[0];
            refused.push(format!("{path}?%{first:02X}{}=2021-01-01", &name[1..]));
            refused.push(format!("{path}?{}=2021-01-01", name.to_uppercase()));
            refused.push(format!("{path}?{name}=2021-01-01&{name}=2021-01-01"));
        }
        for uri in refused {
            let (status, headers, body) = get(&r, &uri).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
            assert_eq!(
                headers[header::CONTENT_TYPE],
                "application/problem+json",
                "{uri}"
            );
            assert!(json(&body)["detail"].is_string(), "{uri}");
        }
        // An empty query, or one of its own names alone, is not refused by the guard.
        for uri in [format!("{path}?"), format!("{path}?&")] {
            assert_ne!(get(&r, &uri).await.0, StatusCode::BAD_REQUEST, "{uri}");
        }
    }
    let request = Request::post(format!("{}?email=a@example.com", api::SUBSCRIPTIONS))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(call(&r, request).await.0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn every_read_answers_the_same_whatever_headers_the_request_carries() {
    // What CloudFront always adds (Via, X-Forwarded-For, X-Amz-Cf-Id, its own User-Agent), and
    // what a viewer might send that no key holds: none may change an answer.
    let unkeyed = [
        ("host", "evil.example"),
        ("user-agent", "Amazon CloudFront"),
        ("via", "2.0 abc.cloudfront.net (CloudFront)"),
        ("x-forwarded-for", "203.0.113.9"),
        ("x-amz-cf-id", "abc"),
        ("x-forwarded-host", "evil.example"),
        ("x-forwarded-proto", "http"),
        ("forwarded", "for=203.0.113.9;host=evil.example;proto=http"),
        ("origin", "https://evil.example"),
        ("referer", "https://evil.example/"),
        ("accept", "text/csv"),
        ("accept-language", "de"),
        ("cookie", "session=1"),
        ("cloudfront-viewer-address", "203.0.113.9:443"),
        ("cloudfront-viewer-country", "DE"),
    ];
    let r = router(&seeded(), Duration::from_secs(30));
    for e in api::endpoints() {
        let path = sample(&e.path);
        let (status, headers, body) = get(&r, &path).await;
        let mut request = Request::get(&path);
        for (name, value) in unkeyed {
            request = request.header(name, value);
        }
        let (status2, headers2, body2) = call(&r, request.body(Body::empty()).unwrap()).await;
        assert_eq!(
            (status, &headers, &body),
            (status2, &headers2, &body2),
            "{path}"
        );
    }
}

/// Whether a WAF statement matches a request (the byte matches and logic the template uses; any
/// other statement fails the test until it is taught here).
fn waf_matches(statement: &Value, method: &str, path: &str) -> bool {
    if let Some(m) = statement.get("ByteMatchStatement") {
        let field = &m["FieldToMatch"];
        let value = if field.get("UriPath").is_some() {
            path
        } else if field.get("Method").is_some() {
            method
        } else {
            panic!("a byte match on {field}")
        };
        for t in m["TextTransformations"].as_array().unwrap() {
            assert_eq!(t["Type"], "NONE", "a text transformation");
        }
        let wanted = m["SearchString"].as_str().unwrap();
        return match m["PositionalConstraint"].as_str().unwrap() {
            "EXACTLY" => value == wanted,
            "STARTS_WITH" => value.starts_with(wanted),
            "CONTAINS" => value.contains(wanted),
            other => panic!("positional constraint {other}"),
        };
    }
    let all = |key: &str| statement[key]["Statements"].as_array().unwrap().clone();
    if statement.get("AndStatement").is_some() {
        return all("AndStatement")
            .iter()
            .all(|s| waf_matches(s, method, path));
    }
    if statement.get("OrStatement").is_some() {
        return all("OrStatement")
            .iter()
            .any(|s| waf_matches(s, method, path));
    }
    if let Some(not) = statement.get("NotStatement") {
        return !waf_matches(&not["Statement"], method, path);
    }
    panic!("a WAF statement the test does not read: {statement}")
}

#[test]
fn no_one_address_may_take_more_than_a_tenth_of_a_route_s_throttle() {
    let template = Template::load();
    let resources = |name: &str| Some(name.to_string());
    let property = |resource: &str, name: &str| {
        template
            .property_with(resource, name, &[], &resources)
            .unwrap()
    };
    let number = |v: &Value| -> f64 {
        v.as_f64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .unwrap_or_else(|| panic!("{v}: not a number"))
    };
    let acl = property("Distribution", "DistributionConfig")["WebACLId"]
        .as_str()
        .expect("the distribution has a web ACL")
        .strip_suffix(".Arn")
        .expect("the web ACL is the template's own")
        .to_string();
    assert_eq!(property(&acl, "Scope"), "CLOUDFRONT");
    let bodies = property(&acl, "CustomResponseBodies");
    let rules = property(&acl, "Rules");
    let rules = rules.as_array().unwrap();
    let mut priorities: Vec<i64> = rules
        .iter()
        .map(|r| r["Priority"].as_i64().unwrap())
        .collect();
    priorities.sort();
    priorities.dedup();
    assert_eq!(priorities.len(), rules.len(), "rules share a priority");
    // Requests a second one address may send to a method and path, by the tightest rate rule.
    let per_address = |method: &str, path: &str| -> f64 {
        rules
            .iter()
            .filter_map(|r| {
                let rate = r["Statement"].get("RateBasedStatement")?;
                assert_eq!(rate["AggregateKeyType"], "IP", "{}", r["Name"]);
                let scope = &rate["ScopeDownStatement"];
                (scope.is_null() || waf_matches(scope, method, path))
                    .then(|| number(&rate["Limit"]) / number(&rate["EvaluationWindowSec"]))
            })
            .reduce(f64::min)
            .unwrap_or_else(|| panic!("no per-address limit covers {method} {path}"))
    };
    // Every rule answers a limited reader with a 429 and a problem document.
    for r in rules {
        let response = &r["Action"]["Block"]["CustomResponse"];
        assert_eq!(response["ResponseCode"], 429, "{}", r["Name"]);
        let body = &bodies[response["CustomResponseBodyKey"].as_str().unwrap()];
        assert_eq!(body["ContentType"], "APPLICATION_JSON");
        let problem: Value = serde_json::from_str(body["Content"].as_str().unwrap()).unwrap();
        assert_eq!(problem["status"], 429);
        assert!(problem["detail"].as_str().unwrap().contains("minutes"));
    }
    // API Gateway's throttles, shared by every client.
    let reads = number(&property("HttpApi", "DefaultRouteSettings")["ThrottlingRateLimit"]);
    let events = property("ApiFunction", "Events");
    let subscribe = events
        .as_object()
        .unwrap()
        .values()
        .find(|e| e["Properties"]["Path"] == api::SUBSCRIPTIONS)
        .expect("the subscription route");
    let subscribe = number(&subscribe["Properties"]["RouteSettings"]["ThrottlingRateLimit"]);
    for e in api::endpoints() {
        let path = sample(&e.path);
        let most = per_address("GET", &path);
        assert!(most <= reads / 10.0, "GET {path}: {most}/s of {reads}/s");
    }
    let most = per_address("POST", api::SUBSCRIPTIONS);
    assert!(
        most <= subscribe / 10.0,
        "POST {}: {most}/s of {subscribe}/s",
        api::SUBSCRIPTIONS
    );
}
