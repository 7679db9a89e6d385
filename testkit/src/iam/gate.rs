//! The gate: IAM in front of DynamoDB Local and moto, which check no permissions.
//!
//! A test runs a function's code (the `etl` or `api` binary, or their libraries in process)
//! with credentials from [`sign_in`], which stand for that function's execution role in
//! `template.yaml`: its `Policies`, with `!GetAtt Table.Arn` and `!Ref AlertTopic` resolved to
//! the table and topic the test gave it (through the same environment variables the template
//! sets, `TABLE_NAME: !Ref Table` and `TOPIC_ARN: !Ref AlertTopic`). Every request signed with
//! such credentials is judged as IAM would judge it ([`super::ask`], [`super::policy`]): allowed
//! requests go through; a refused one is answered as AWS answers it
//! (`AccessDeniedException`, `AuthorizationError`), so the function fails in the test as it
//! would in production. Requests signed with [`OPERATOR_KEY`] (the tests' own set-up and
//! checks, `etl init`) are not judged.
//!
//! Every judgement is kept ([`judgements`]) and, when `IAM_AUDIT_DIR` is set, appended to
//! `<dir>/<pid>.jsonl`, so that `iam-audit` can report over every test process which allowed
//! actions no scenario used.

use std::collections::HashMap;
use std::io::Write as _;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use serde_json::{Value, json};

use super::ask::{self, ACCOUNT, REGION, table_arn};
use super::policy::{Decision, Statement, evaluate};
use crate::fault::{Fault, Request};
use crate::template::Template;

/// The access key of the tests' own requests (set-up and checks): not a function's role.
pub const OPERATOR_KEY: &str = "test";

/// The functions the template defines whose requests the gate judges.
pub fn functions() -> Vec<String> {
    template().resources_of_type("AWS::Serverless::Function")
}

/// One judged request part: who asked for what, and IAM's answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Judgement {
    /// The function's logical id in the template (`EtlFunction`).
    pub function: String,
    /// The request's operation (`TransactWriteItems`).
    pub operation: String,
    /// The action asked for (`dynamodb:PutItem`); empty when the request could not be read.
    pub action: String,
    pub resource: String,
    /// The statement that allowed it (its `Sid`); `None` when refused.
    pub allowed_by: Option<String>,
    /// Why it was refused.
    pub refusal: Option<String>,
}

/// A function's role as the gate knows it.
struct Role {
    function: String,
    statements: Vec<Statement>,
}

fn template() -> &'static Template {
    static TEMPLATE: OnceLock<Template> = OnceLock::new();
    TEMPLATE.get_or_init(Template::load)
}

fn roles() -> &'static Mutex<HashMap<String, Role>> {
    static ROLES: OnceLock<Mutex<HashMap<String, Role>>> = OnceLock::new();
    ROLES.get_or_init(Default::default)
}

fn judged() -> &'static Mutex<Vec<Judgement>> {
    static JUDGED: OnceLock<Mutex<Vec<Judgement>>> = OnceLock::new();
    JUDGED.get_or_init(Default::default)
}

/// Every judgement of this test process so far.
pub fn judgements() -> Vec<Judgement> {
    judged().lock().expect("judgements lock").clone()
}

/// The table's partition key attribute, from the template's `Table` key schema.
fn hash_key() -> &'static str {
    static KEY: OnceLock<String> = OnceLock::new();
    KEY.get_or_init(|| {
        let schema = template()
            .property("Table", "KeySchema", &[])
            .expect("the table has a key schema");
        schema
            .as_array()
            .into_iter()
            .flatten()
            .find(|k| k["KeyType"] == "HASH")
            .and_then(|k| k["AttributeName"].as_str())
            .expect("the table has a HASH key")
            .to_string()
    })
}

/// Credentials for `function`'s role, given the environment the test gives the function (its
/// `TABLE_NAME`, `TOPIC_ARN`, …): the access key id and secret to sign with.
///
/// # Panics
/// When `function` is not in the template or its policies are not inline statements.
pub fn sign_in(function: &str, env: &[(String, String)]) -> (String, String) {
    let statements = role_statements(function, env);
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let prefix: String = function
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_uppercase();
    let key = format!("{prefix}{}", NEXT.fetch_add(1, Ordering::Relaxed));
    roles().lock().expect("roles lock").insert(
        key.clone(),
        Role {
            function: function.to_string(),
            statements,
        },
    );
    (key, "role-secret".to_string())
}

/// The statements of `function`'s role, with the resources it references resolved from `env`
/// (a resource the test did not give stands for no real ARN, so nothing on it is allowed).
pub(crate) fn role_statements(function: &str, env: &[(String, String)]) -> Vec<Statement> {
    let template = template();
    let variables = template
        .raw_property(function, "Environment")
        .map(|e| e["Variables"].clone())
        .unwrap_or_default();
    // Which resource each variable names in the template (`TABLE_NAME: !Ref Table`), and what
    // the test set it to.
    let mut stand_ins: HashMap<String, String> = HashMap::new();
    for (name, value) in variables.as_mapping().into_iter().flatten() {
        let (Some(name), serde_yaml::Value::Tagged(tagged)) = (name.as_str(), value) else {
            continue;
        };
        if tagged.tag != "!Ref" {
            continue;
        }
        let Some(resource) = tagged.value.as_str() else {
            continue;
        };
        if let Some((_, given)) = env.iter().find(|(k, _)| k == name) {
            stand_ins.insert(resource.to_string(), given.clone());
        }
    }
    let resources = |name: &str| -> Option<String> {
        Some(match name {
            "AWS::Region" => REGION.to_string(),
            "AWS::AccountId" => ACCOUNT.to_string(),
            "AWS::Partition" => "aws".to_string(),
            "AWS::URLSuffix" => "amazonaws.com".to_string(),
            "AWS::StackName" => "test".to_string(),
            _ => match name.split_once('.') {
                Some((resource, "Arn")) => match stand_ins.get(resource) {
                    Some(given) => table_arn(given),
                    None => format!("(the test gave this function no {resource})"),
                },
                _ => stand_ins
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| format!("(the test gave this function no {name})")),
            },
        })
    };
    let policies = template
        .property_with(function, "Policies", &[], &resources)
        .unwrap_or_else(|| panic!("{function} has no Policies"));
    policies
        .as_array()
        .unwrap_or_else(|| panic!("{function}.Policies is not a list"))
        .iter()
        .flat_map(|document| match document {
            Value::Object(o) if o.contains_key("Statement") => Statement::parse_document(document),
            other => panic!(
                "{function}.Policies: {other} is not an inline policy document; the gate judges \
                 only those"
            ),
        })
        .collect()
}

/// [`sign_in`] for a command about to run a function's binary: its credentials from the
/// environment set on `cmd` so far. Call it after the function's variables are set.
pub fn sign_in_command(cmd: &mut Command, function: &str) {
    let env: Vec<(String, String)> = cmd
        .get_envs()
        .filter_map(|(k, v)| Some((k.to_str()?.to_string(), v?.to_str()?.to_string())))
        .collect();
    let (key, secret) = sign_in(function, &env);
    cmd.env("AWS_ACCESS_KEY_ID", key)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE");
}

/// An SDK configuration with `function`'s role, for a function's library run in process.
pub fn sdk_config(function: &str, endpoint: &str, env: &[(&str, &str)]) -> aws_config::SdkConfig {
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let (key, secret) = sign_in(function, &env);
    crate::dynamodb::sdk_config_as(endpoint, &key, &secret)
}

/// The gate's rule for the fault proxy it runs on: judge, then forward or refuse.
pub(crate) fn judge(request: &Request) -> Fault {
    let Some(key) = request.access_key.as_deref() else {
        return refuse(request, "an unsigned request".to_string());
    };
    if key == OPERATOR_KEY {
        return Fault::Forward;
    }
    let roles = roles().lock().expect("roles lock");
    let Some(role) = roles.get(key) else {
        return refuse(
            request,
            format!("access key {key} is no role the tests signed in"),
        );
    };
    let asks = match request.service.as_deref() {
        Some("dynamodb") => ask::dynamodb(&request.operation, &request.body, hash_key()),
        Some("sns") => ask::sns(&request.body),
        other => Err(format!(
            "{} of service {other:?}: the gate does not know what IAM asks for it",
            request.operation
        )),
    };
    let asks = match asks {
        Ok(asks) => asks,
        Err(reason) => {
            record(Judgement {
                function: role.function.clone(),
                operation: request.operation.clone(),
                action: String::new(),
                resource: String::new(),
                allowed_by: None,
                refusal: Some(reason.clone()),
            });
            return refuse(request, reason);
        }
    };
    let mut refusal = None;
    for ask in asks {
        let decision = evaluate(&role.statements, &ask);
        let (allowed_by, reason) = match &decision {
            Decision::Allowed(sid) => (Some(sid.clone()), None),
            Decision::ImplicitDeny => (
                None,
                Some(format!(
                    "{} is not authorized to perform: {} on resource: {} because no \
                     identity-based policy allows the {} action",
                    role.function, ask.action, ask.resource, ask.action
                )),
            ),
            Decision::ExplicitDeny(sid) => (
                None,
                Some(format!(
                    "{} is not authorized to perform: {} on resource: {} with an explicit deny \
                     in statement {sid}",
                    role.function, ask.action, ask.resource
                )),
            ),
        };
        record(Judgement {
            function: role.function.clone(),
            operation: request.operation.clone(),
            action: ask.action.clone(),
            resource: ask.resource.clone(),
            allowed_by,
            refusal: reason.clone(),
        });
        if refusal.is_none() {
            refusal = reason;
        }
    }
    match refusal {
        None => Fault::Forward,
        Some(reason) => refuse(request, reason),
    }
}

fn record(judgement: Judgement) {
    if let Some(dir) = std::env::var_os("IAM_AUDIT_DIR") {
        let path = std::path::Path::new(&dir).join(format!("{}.jsonl", std::process::id()));
        let line = serde_json::to_string(&judgement).expect("a judgement is JSON");
        let written = std::fs::create_dir_all(&dir).and_then(|()| {
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)?;
            writeln!(file, "{line}")
        });
        if let Err(e) = written {
            panic!("cannot write the IAM audit to {}: {e}", path.display());
        }
    }
    judged().lock().expect("judgements lock").push(judgement);
}

/// AWS's answer to a request IAM refused, in the service's wire format.
fn refuse(request: &Request, reason: String) -> Fault {
    eprintln!("iam gate: refused {}: {reason}", request.operation);
    if request.service.as_deref() == Some("dynamodb") {
        Fault::Reply {
            status: 400,
            content_type: "application/x-amz-json-1.0",
            body: json!({
                "__type": "com.amazon.coral.service#AccessDeniedException",
                "Message": format!("User: {reason}"),
            })
            .to_string(),
        }
    } else {
        Fault::Reply {
            status: 403,
            content_type: "text/xml",
            body: format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>AuthorizationError</Code>\
                 <Message>User: {}</Message></Error><RequestId>iam-gate</RequestId></ErrorResponse>",
                reason.replace('&', "&amp;").replace('<', "&lt;")
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The API's role lets SNS mail an address, never post to a URL, a queue, a function or a
    /// phone: whatever its code asks, the protocol is email, and the topic one of the stack's
    /// subscribers' topics (`<stack>-alert-*`), never the operator's or another's.
    #[test]
    fn the_api_may_subscribe_email_addresses_only() {
        let statements = role_statements("ApiFunction", &[]);
        let subscribe = |topic: &str, protocol: &str, endpoint: &str| {
            let body = form_urlencoded::Serializer::new(String::new())
                .append_pair("Action", "Subscribe")
                .append_pair("TopicArn", topic)
                .append_pair("Protocol", protocol)
                .append_pair("Endpoint", endpoint)
                .finish();
            let asks = ask::sns(&body).unwrap();
            asks.iter().all(|a| evaluate(&statements, a).allowed())
        };
        let topic = "arn:aws:sns:us-east-1:123456789012:test-alert-level-NY";
        let allowed = |protocol: &str, endpoint: &str| subscribe(topic, protocol, endpoint);
        assert!(allowed("email", "reader@example.com"));
        for other in [
            "arn:aws:sns:us-east-1:123456789012:test-AlertTopic-X1",
            "arn:aws:sns:us-east-1:123456789012:other-alert-level-NY",
        ] {
            assert!(!subscribe(other, "email", "reader@example.com"), "{other}");
        }
        for (protocol, endpoint) in [
            ("https", "https://evil.example/hook"),
            ("http", "http://evil.example/hook"),
            ("email-json", "reader@example.com"),
            ("sqs", "arn:aws:sqs:us-east-1:123456789012:q"),
            ("lambda", "arn:aws:lambda:us-east-1:123456789012:function:f"),
            ("sms", "+15555550100"),
        ] {
            assert!(!allowed(protocol, endpoint), "{protocol} was allowed");
        }
    }
}
