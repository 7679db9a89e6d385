//! The `api` binary under `lambda_http`, fed API Gateway HTTP API (payload 2.0) events through a
//! fake Lambda Runtime API; the table is DynamoDB Local loaded by the real ETL.

mod common;

use std::io::Read;
use std::process::Stdio;
use std::time::Duration;

use base64::Engine;
use serde_json::Value;
use testkit::{Invocation, LambdaRuntime};

const GET: &str = include_str!("fixtures/apigw-v2-get.json");

fn event(method: &str, path: &str, query: &str, headers: &[(&str, &str)]) -> String {
    let mut e: Value = serde_json::from_str(GET).unwrap();
    e["rawPath"] = path.into();
    e["requestContext"]["http"]["path"] = path.into();
    e["requestContext"]["http"]["method"] = method.into();
    e["rawQueryString"] = query.into();
    let params: serde_json::Map<String, Value> = form_urlencoded_pairs(query)
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    e["queryStringParameters"] = Value::Object(params);
    for (name, value) in headers {
        e["headers"][*name] = (*value).into();
    }
    e.to_string()
}

fn form_urlencoded_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

struct Answer {
    status: u64,
    headers: Value,
    body: Vec<u8>,
    base64: bool,
}

fn answer(runtime: &LambdaRuntime, event: &str) -> Answer {
    let response = match runtime.wait(&runtime.invoke(event), Duration::from_secs(60)) {
        Invocation::Response(body) => serde_json::from_str::<Value>(&body).unwrap(),
        Invocation::Error(body) => panic!("the function failed: {body}"),
    };
    let base64 = response["isBase64Encoded"].as_bool().unwrap_or(false);
    let raw = response["body"].as_str().unwrap_or_default();
    let body = if base64 {
        base64::engine::general_purpose::STANDARD
            .decode(raw)
            .unwrap()
    } else {
        raw.as_bytes().to_vec()
    };
    Answer {
        status: response["statusCode"].as_u64().unwrap(),
        headers: response["headers"].clone(),
        body,
        base64,
    }
}

#[tokio::test]
async fn api_gateway_v2_events() {
    let loaded = common::loaded_table("api-lambda").await;
    let runtime = LambdaRuntime::start();
    let mut child = common::api_command(&loaded)
        .env("AWS_LAMBDA_RUNTIME_API", &runtime.address)
        .env("AWS_LAMBDA_FUNCTION_NAME", "api")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/api")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    // The fixture as recorded: a range of the series.
    let a = answer(&runtime, GET);
    assert_eq!(a.status, 200);
    assert!(!a.base64);
    assert_eq!(a.headers["content-type"], "application/json");
    assert_eq!(a.headers["access-control-allow-origin"], "*");
    let etag = a.headers["etag"].as_str().unwrap().to_string();
    let v: Value = serde_json::from_slice(&a.body).unwrap();
    assert_eq!(v["meta"]["count"], 2);
    assert_eq!(
        v["data"][1],
        serde_json::json!({"date":"2021-03-16","cases":29569140,"deaths":536491,"recovered":null,"revisions":0})
    );

    // Compressed when asked: the body comes base64-encoded.
    let a = answer(
        &runtime,
        &event("GET", "/v1/series", "", &[("accept-encoding", "gzip")]),
    );
    assert_eq!((a.status, a.base64), (200, true));
    assert_eq!(a.headers["content-encoding"], "gzip");
    let mut json = String::new();
    flate2::read::GzDecoder::new(&a.body[..])
        .read_to_string(&mut json)
        .unwrap();
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["meta"]["count"], 420);

    // Conditional request.
    let a = answer(
        &runtime,
        &event(
            "GET",
            "/v1/series",
            "from=2021-03-15",
            &[("if-none-match", &etag)],
        ),
    );
    assert_eq!(a.status, 304);
    assert!(a.body.is_empty());

    // Errors: problem details, with CORS.
    // A query sent raw with bytes a URI cannot hold (`lambda_http` panicked on them, ending the
    // environment) is answered as any bad query; the function goes on answering.
    for (method, path, query, status) in [
        ("GET", "/v1/series", "from=2021-02-30", 400),
        ("GET", "/v1/series", "from=<script>", 400),
        ("GET", "/v1/series", "from=2021 03 01&to=\"x\"", 400),
        ("GET", "/v1/regions/NY/series", "as_of={}|^`", 400),
        ("GET", "/v1/nothing", "", 404),
        ("POST", "/v1/series", "", 405),
    ] {
        let a = answer(&runtime, &event(method, path, query, &[]));
        assert_eq!(a.status, status, "{method} {path}?{query}");
        assert_eq!(a.headers["content-type"], "application/problem+json");
        assert_eq!(a.headers["access-control-allow-origin"], "*");
        let v: Value = serde_json::from_slice(&a.body).unwrap();
        assert_eq!(v["status"], status);
    }

    // The CSV twin and the status.
    let a = answer(
        &runtime,
        &event("GET", "/v1/series.csv", "to=2020-01-23", &[]),
    );
    assert_eq!(
        String::from_utf8(a.body).unwrap(),
        "date,cases,deaths,recovered,revisions\n2020-01-22,1,0,0,0\n2020-01-23,1,0,0,0\n"
    );
    let a = answer(&runtime, &event("GET", "/v1/status", "", &[]));
    let v: Value = serde_json::from_slice(&a.body).unwrap();
    assert_eq!(
        (v["newest_day"].as_str(), v["stale"].as_bool()),
        (Some("2021-03-16"), Some(true))
    );
    assert_eq!(v["last_run"]["inserted"], 420);

    child.kill().unwrap();
    child.wait().unwrap();
}

/// Whether a CloudWatch Logs JSON filter pattern of the form `{ $.field = "value" }` (the one
/// form the template uses) matches a JSON log line.
fn pattern_matches(pattern: &str, line: &Value) -> bool {
    let inner = pattern
        .trim()
        .strip_prefix('{')
        .and_then(|p| p.strip_suffix('}'))
        .unwrap_or_else(|| panic!("not a JSON filter pattern: {pattern}"));
    let (selector, value) = inner
        .split_once('=')
        .unwrap_or_else(|| panic!("only `$.field = \"value\"` is read here: {pattern}"));
    let path = selector
        .trim()
        .strip_prefix("$.")
        .unwrap_or_else(|| panic!("a selector starts with $.: {pattern}"));
    let value = value.trim().trim_matches('"');
    let found = path.split('.').fold(line, |v, key| &v[key]);
    found.as_str() == Some(value)
}

#[tokio::test]
async fn the_subscription_ceiling_sets_off_the_alarm_as_deployed() {
    let loaded = common::loaded_table("api-ceiling").await;
    // The subscribers' topics' prefix, within the role's `test-alert-*` (the gate's stack is
    // `test`); the ceiling refuses before any topic is made.
    let prefix = format!("test-alert-{}", testkit::table_name("ceiling"));
    let runtime = LambdaRuntime::start();
    let mut cmd = common::api_command(&loaded);
    cmd.env("AWS_LAMBDA_RUNTIME_API", &runtime.address)
        .env("AWS_LAMBDA_FUNCTION_NAME", "api")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/api")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
        .env("TOPIC_PREFIX", &prefix)
        .env("AWS_ENDPOINT_URL_SNS", &testkit::moto().endpoint)
        .env("SUBSCRIBE_PER_DAY", "0")
        .env("RECIPIENT_KEY", "test-key");
    testkit::iam::sign_in_command(&mut cmd, "ApiFunction");
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut post: Value = serde_json::from_str(&event(
        "POST",
        "/v1/subscriptions",
        "",
        &[("content-type", "application/json")],
    ))
    .unwrap();
    post["body"] = r#"{"email":"reader@example.com"}"#.into();
    post["isBase64Encoded"] = false.into();
    let a = answer(&runtime, &post.to_string());
    assert_eq!(a.status, 429, "{}", String::from_utf8_lossy(&a.body));
    child.kill().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    child.wait().unwrap();

    // The template's metric filter, as deployed, matches the line the API logged.
    let pattern = testkit::template::Template::load()
        .property("SubscriptionCeilingMetric", "FilterPattern", &[])
        .and_then(|p| p.as_str().map(str::to_string))
        .expect("the ceiling's metric filter");
    let matched: Vec<Value> = stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|line| pattern_matches(&pattern, line))
        .collect();
    assert_eq!(matched.len(), 1, "{pattern} in:\n{stderr}");
    assert_eq!(matched[0]["level"], "WARN");
    assert!(
        !stderr.contains("reader@example.com"),
        "no address in the logs"
    );
}
