//! IAM's evaluation of identity-based policy statements, for the parts a SAM template's inline
//! policies use: `Allow`/`Deny`, `Action`/`NotAction` and `Resource`/`NotResource` with `*`
//! and `?` wildcards, and `Condition` blocks with the string, ARN, boolean and null operators,
//! their `IfExists` forms and the `ForAllValues:`/`ForAnyValue:` set qualifiers. An explicit
//! deny wins, then an allow; anything else is an implicit deny. An operator this module does not
//! know panics: a policy it cannot judge is never judged "allowed".

use std::collections::BTreeMap;

use serde_json::Value;

/// One authorization IAM makes for a request: an action on a resource, with the request's
/// condition keys (e.g. `dynamodb:LeadingKeys`), each a set of values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ask {
    /// `dynamodb:PutItem`, `sns:Publish`, …
    pub action: String,
    /// The resource's ARN.
    pub resource: String,
    pub context: BTreeMap<String, Vec<String>>,
}

impl Ask {
    pub fn new(action: impl Into<String>, resource: impl Into<String>) -> Self {
        Self {
            action: action.into(),
            resource: resource.into(),
            context: BTreeMap::new(),
        }
    }

    pub fn with(mut self, key: &str, values: Vec<String>) -> Self {
        self.context.insert(key.to_string(), values);
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    Allow,
    Deny,
}

/// One statement of a policy document.
#[derive(Debug, Clone)]
pub struct Statement {
    /// `Sid`, or `#<n>` (its place in the document) without one.
    pub sid: String,
    effect: Effect,
    /// `Action`, or `NotAction` when `not_action`.
    pub actions: Vec<String>,
    not_action: bool,
    resources: Vec<String>,
    not_resource: bool,
    conditions: Vec<Condition>,
}

#[derive(Debug, Clone)]
struct Condition {
    operator: String,
    key: String,
    values: Vec<String>,
}

/// IAM's answer for one [`Ask`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Allowed by the statement with this `sid`.
    Allowed(String),
    /// No statement allows it.
    ImplicitDeny,
    /// Denied by the statement with this `sid`.
    ExplicitDeny(String),
}

impl Decision {
    pub fn allowed(&self) -> bool {
        matches!(self, Decision::Allowed(_))
    }
}

fn strings(value: &Value, what: &str) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Bool(b) => vec![b.to_string()],
        Value::Number(n) => vec![n.to_string()],
        Value::Array(items) => items.iter().flat_map(|v| strings(v, what)).collect(),
        other => panic!("{what}: not a string or a list of strings: {other}"),
    }
}

impl Statement {
    /// The statements of a policy document (`{"Statement": [...]}`), or of one SAM `Policies`
    /// entry of that form.
    ///
    /// # Panics
    /// On anything that is not such a document (a SAM policy template, a managed policy ARN):
    /// the gate cannot judge what it cannot read.
    pub fn parse_document(document: &Value) -> Vec<Statement> {
        let statements = match &document["Statement"] {
            Value::Array(items) => items.clone(),
            Value::Object(_) => vec![document["Statement"].clone()],
            other => panic!("not an inline policy document (Statement: {other}): {document}"),
        };
        statements
            .iter()
            .enumerate()
            .map(|(i, s)| Statement::parse(s, i))
            .collect()
    }

    fn parse(value: &Value, index: usize) -> Statement {
        let sid = value["Sid"]
            .as_str()
            .map_or_else(|| format!("#{index}"), str::to_string);
        let effect = match value["Effect"].as_str() {
            Some("Allow") => Effect::Allow,
            Some("Deny") => Effect::Deny,
            other => panic!("statement {sid}: Effect {other:?}"),
        };
        for field in value.as_object().expect("a statement is a map").keys() {
            assert!(
                matches!(
                    field.as_str(),
                    "Sid"
                        | "Effect"
                        | "Action"
                        | "NotAction"
                        | "Resource"
                        | "NotResource"
                        | "Condition"
                ),
                "statement {sid}: the gate does not evaluate `{field}`"
            );
        }
        let (actions, not_action) = match (&value["Action"], &value["NotAction"]) {
            (a, Value::Null) if !a.is_null() => (strings(a, "Action"), false),
            (Value::Null, a) if !a.is_null() => (strings(a, "NotAction"), true),
            _ => panic!("statement {sid}: exactly one of Action and NotAction"),
        };
        let (resources, not_resource) = match (&value["Resource"], &value["NotResource"]) {
            (r, Value::Null) if !r.is_null() => (strings(r, "Resource"), false),
            (Value::Null, r) if !r.is_null() => (strings(r, "NotResource"), true),
            _ => panic!("statement {sid}: exactly one of Resource and NotResource"),
        };
        let mut conditions = Vec::new();
        if let Some(block) = value["Condition"].as_object() {
            for (operator, keys) in block {
                for (key, values) in keys.as_object().expect("a condition maps keys to values") {
                    conditions.push(Condition {
                        operator: operator.clone(),
                        key: key.clone(),
                        values: strings(values, "a condition's values"),
                    });
                }
            }
        }
        Statement {
            sid,
            effect,
            actions,
            not_action,
            resources,
            not_resource,
            conditions,
        }
    }

    /// Whether this statement applies to `ask` (its action, resource and every condition).
    pub fn applies(&self, ask: &Ask) -> bool {
        let action = self
            .actions
            .iter()
            .any(|a| wildcard(&a.to_ascii_lowercase(), &ask.action.to_ascii_lowercase()));
        let resource = self.resources.iter().any(|r| wildcard(r, &ask.resource));
        action != self.not_action
            && resource != self.not_resource
            && self.conditions.iter().all(|c| c.holds(&ask.context))
    }

    /// An `Allow` statement with an `Action` list: what the unused-permission report walks.
    pub fn is_allow(&self) -> bool {
        self.effect == Effect::Allow && !self.not_action
    }
}

/// IAM's decision for `ask` under `statements`: an explicit deny, else an allow, else an
/// implicit deny.
pub fn evaluate(statements: &[Statement], ask: &Ask) -> Decision {
    let applying: Vec<&Statement> = statements.iter().filter(|s| s.applies(ask)).collect();
    if let Some(deny) = applying.iter().find(|s| s.effect == Effect::Deny) {
        return Decision::ExplicitDeny(deny.sid.clone());
    }
    match applying.iter().find(|s| s.effect == Effect::Allow) {
        Some(allow) => Decision::Allowed(allow.sid.clone()),
        None => Decision::ImplicitDeny,
    }
}

impl Condition {
    fn holds(&self, context: &BTreeMap<String, Vec<String>>) -> bool {
        let (qualifier, operator) = match self.operator.split_once(':') {
            Some((q, op)) => (Some(q), op),
            None => (None, self.operator.as_str()),
        };
        let (operator, if_exists) = match operator.strip_suffix("IfExists") {
            Some(op) => (op, true),
            None => (operator, false),
        };
        let present = context.get(&self.key);
        if operator == "Null" {
            // `"Null": {"key": "true"}`: the key is absent.
            let absent = present.is_none_or(Vec::is_empty);
            return self.values.iter().any(|v| (v == "true") == absent);
        }
        let test = |value: &str| self.values.iter().any(|p| compare(operator, p, value));
        let negated = operator.contains("Not");
        match qualifier {
            // Every value of the request's set matches (an absent or empty set does: IAM's rule).
            Some("ForAllValues") => present.is_none_or(|vs| vs.iter().all(|v| test(v))),
            // At least one value matches (an absent set does not).
            Some("ForAnyValue") => present.is_some_and(|vs| vs.iter().any(|v| test(v))),
            Some(other) => panic!("condition qualifier {other}: not evaluated by the gate"),
            None => match present {
                None => if_exists || negated,
                Some(values) => {
                    assert!(
                        values.len() == 1,
                        "condition {} on the multi-valued key {} without ForAllValues/ForAnyValue",
                        self.operator,
                        self.key
                    );
                    test(&values[0])
                }
            },
        }
    }
}

/// One value against one pattern of a condition operator.
fn compare(operator: &str, pattern: &str, value: &str) -> bool {
    match operator {
        "StringEquals" | "ArnEquals" => pattern == value,
        "StringNotEquals" | "ArnNotEquals" => pattern != value,
        "StringEqualsIgnoreCase" => pattern.eq_ignore_ascii_case(value),
        "StringNotEqualsIgnoreCase" => !pattern.eq_ignore_ascii_case(value),
        "StringLike" | "ArnLike" => wildcard(pattern, value),
        "StringNotLike" | "ArnNotLike" => !wildcard(pattern, value),
        "Bool" => pattern.eq_ignore_ascii_case(value),
        other => panic!("condition operator {other}: not evaluated by the gate"),
    }
}

/// IAM's pattern match: `*` any run of characters, `?` any one character.
pub fn wildcard(pattern: &str, value: &str) -> bool {
    let (p, v): (Vec<char>, Vec<char>) = (pattern.chars().collect(), value.chars().collect());
    // Classic two-pointer glob with backtracking to the last `*`.
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < v.len() {
        if i < p.len() && (p[i] == '?' || p[i] == v[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn statements(doc: Value) -> Vec<Statement> {
        Statement::parse_document(&doc)
    }

    const TABLE: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/t";

    #[test]
    fn wildcards_match_as_iam_does() {
        assert!(wildcard("dynamodb:*", "dynamodb:PutItem"));
        assert!(wildcard("limit#*", "limit#ip#1.2.3.4#5"));
        assert!(wildcard("a?c", "abc"));
        assert!(!wildcard("a?c", "ac"));
        assert!(wildcard("*", ""));
        assert!(!wildcard("limit#*", "series#US"));
        assert!(wildcard("arn:*:table/t", TABLE));
        assert!(!wildcard(TABLE, &format!("{TABLE}/index/x")));
    }

    #[test]
    fn an_action_needs_a_statement_that_names_it_and_its_resource() {
        let policy = statements(json!({"Statement": [
            {"Sid": "Rw", "Effect": "Allow", "Action": ["dynamodb:Query", "dynamodb:PutItem"], "Resource": TABLE}
        ]}));
        assert_eq!(
            evaluate(&policy, &Ask::new("dynamodb:PutItem", TABLE)),
            Decision::Allowed("Rw".into())
        );
        // Action names are case-insensitive, resources are not.
        assert!(evaluate(&policy, &Ask::new("DynamoDB:putitem", TABLE)).allowed());
        assert_eq!(
            evaluate(&policy, &Ask::new("dynamodb:BatchWriteItem", TABLE)),
            Decision::ImplicitDeny
        );
        assert_eq!(
            evaluate(&policy, &Ask::new("dynamodb:PutItem", format!("{TABLE}2"))),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn leading_keys_hold_only_when_every_key_matches() {
        let policy = statements(json!({"Statement": [{
            "Sid": "Limits", "Effect": "Allow", "Action": "dynamodb:UpdateItem", "Resource": TABLE,
            "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["limit#*"]}}
        }]}));
        let ask = |keys: &[&str]| {
            Ask::new("dynamodb:UpdateItem", TABLE).with(
                "dynamodb:LeadingKeys",
                keys.iter().map(|k| k.to_string()).collect(),
            )
        };
        assert!(evaluate(&policy, &ask(&["limit#all#1"])).allowed());
        assert!(!evaluate(&policy, &ask(&["series#US"])).allowed());
        assert!(!evaluate(&policy, &ask(&["limit#all#1", "series#US"])).allowed());
    }

    #[test]
    fn an_explicit_deny_wins() {
        let policy = statements(json!({"Statement": [
            {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"},
            {"Sid": "NoDeletes", "Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": TABLE}
        ]}));
        assert_eq!(
            evaluate(&policy, &Ask::new("dynamodb:DeleteItem", TABLE)),
            Decision::ExplicitDeny("NoDeletes".into())
        );
        assert_eq!(
            evaluate(&policy, &Ask::new("dynamodb:GetItem", TABLE)),
            Decision::Allowed("#0".into())
        );
    }

    #[test]
    fn single_valued_conditions_and_if_exists() {
        let policy = statements(json!({"Statement": [{
            "Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": TABLE,
            "Condition": {"StringEqualsIfExists": {"dynamodb:ReturnValues": "NONE"}}
        }]}));
        let put = Ask::new("dynamodb:PutItem", TABLE);
        assert!(evaluate(&policy, &put).allowed());
        assert!(
            evaluate(
                &policy,
                &put.clone()
                    .with("dynamodb:ReturnValues", vec!["NONE".into()])
            )
            .allowed()
        );
        assert!(
            !evaluate(
                &policy,
                &put.with("dynamodb:ReturnValues", vec!["ALL_OLD".into()])
            )
            .allowed()
        );
    }

    #[test]
    #[should_panic(expected = "not evaluated by the gate")]
    fn an_unknown_operator_is_never_judged() {
        let policy = statements(json!({"Statement": [{
            "Effect": "Allow", "Action": "sns:Publish", "Resource": "*",
            "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}
        }]}));
        evaluate(
            &policy,
            &Ask::new("sns:Publish", "arn:aws:sns:us-east-1:1:t")
                .with("aws:CurrentTime", vec!["x".into()]),
        );
    }
}
