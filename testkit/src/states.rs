//! A state machine of `template.yaml` run as Step Functions runs it, for the part of the Amazon
//! States Language the template uses: `Task` (`arn:aws:states:::lambda:invoke`, its
//! `Parameters`, `Retry`, `ResultPath`, `OutputPath`), inline `Map` (`ItemsPath`,
//! `ItemSelector` with `$$.Map.Item.Value`, `ItemProcessor`, `ResultPath`), `Choice`
//! (`BooleanEquals`), `Succeed`, `Next` and `End`. A state or field outside that part panics,
//! so a new construct in the template is taught here before a test can pass over it. The
//! paths are JSONPath's `$`, `$.a.b` and `$$.Map.Item.Value`. `Map` runs its items one at a
//! time (a schedule `MaxConcurrency` allows).

use serde_json::{Map, Value};

/// How a `Task` reaches its function: the payload in, the function's answer or its error
/// (`errorType`) out.
pub type Invoke<'a> = dyn FnMut(&str, Value) -> Result<Value, String> + 'a;

/// An execution's end: its output, or the error that failed it.
pub fn execute(definition: &Value, input: Value, invoke: &mut Invoke<'_>) -> Result<Value, String> {
    run(definition, input, None, invoke)
}

/// The `Definition` of the state machine `resource` in the template.
pub fn definition(resource: &str) -> Value {
    let template = crate::template::Template::load();
    let raw = template
        .raw_property(resource, "Definition")
        .unwrap_or_else(|| panic!("{resource} has no Definition"));
    serde_json::to_value(raw).expect("a definition converts to JSON")
}

fn run(
    machine: &Value,
    mut input: Value,
    item: Option<&Value>,
    invoke: &mut Invoke<'_>,
) -> Result<Value, String> {
    let states = machine["States"].as_object().expect("States");
    let mut name = machine["StartAt"].as_str().expect("StartAt").to_string();
    loop {
        let state = states
            .get(&name)
            .unwrap_or_else(|| panic!("no state {name}"));
        let kind = state["Type"].as_str().expect("Type");
        let known: &[&str] = match kind {
            "Task" => &[
                "Type",
                "Resource",
                "Parameters",
                "Retry",
                "ResultPath",
                "OutputPath",
                "Next",
                "End",
                "Comment",
            ],
            "Map" => &[
                "Type",
                "ItemsPath",
                "ItemSelector",
                "MaxConcurrency",
                "ItemProcessor",
                "ResultPath",
                "Next",
                "End",
                "Comment",
            ],
            "Choice" => &["Type", "Choices", "Default", "Comment"],
            "Succeed" => &["Type", "Comment"],
            other => panic!("state {name}: type {other} is not run here"),
        };
        for field in state.as_object().expect("a state").keys() {
            assert!(
                known.contains(&field.as_str()),
                "state {name}: field {field} is not run here"
            );
        }
        let output = match kind {
            "Task" => {
                assert_eq!(
                    state["Resource"], "arn:aws:states:::lambda:invoke",
                    "state {name}: only Lambda invocations are run here"
                );
                let parameters = resolve(&state["Parameters"], &input, item);
                let function = parameters["FunctionName"].as_str().expect("FunctionName");
                let payload = parameters["Payload"].clone();
                let answer = with_retries(&state["Retry"], || invoke(function, payload.clone()))?;
                let result = serde_json::json!({"Payload": answer, "StatusCode": 200});
                let placed = place(&state["ResultPath"], input.clone(), result);
                select(&state["OutputPath"], placed)
            }
            "Map" => {
                let items = path(state["ItemsPath"].as_str().unwrap_or("$"), &input, None);
                let processor = &state["ItemProcessor"];
                assert_eq!(
                    processor["ProcessorConfig"]["Mode"], "INLINE",
                    "state {name}"
                );
                let mut results = Vec::new();
                for value in items.as_array().expect("ItemsPath selects an array") {
                    let item_input = match state.get("ItemSelector") {
                        Some(selector) => resolve(selector, &input, Some(value)),
                        None => value.clone(),
                    };
                    results.push(run(processor, item_input, Some(value), invoke)?);
                }
                place(&state["ResultPath"], input.clone(), Value::Array(results))
            }
            "Choice" => {
                let chosen = state["Choices"]
                    .as_array()
                    .expect("Choices")
                    .iter()
                    .find(|rule| {
                        let expected = rule["BooleanEquals"]
                            .as_bool()
                            .expect("only BooleanEquals is run here");
                        path(rule["Variable"].as_str().expect("Variable"), &input, item).as_bool()
                            == Some(expected)
                    });
                name = chosen
                    .map(|rule| &rule["Next"])
                    .unwrap_or(&state["Default"])
                    .as_str()
                    .expect("a next state")
                    .to_string();
                continue;
            }
            _ => return Ok(input),
        };
        if state["End"].as_bool() == Some(true) {
            return Ok(output);
        }
        name = state["Next"].as_str().expect("Next or End").to_string();
        input = output;
    }
}

/// `call`, retried as `retry` (a `Retry` list) says for the error types it names.
fn with_retries(
    retry: &Value,
    mut call: impl FnMut() -> Result<Value, String>,
) -> Result<Value, String> {
    let rules = retry.as_array().cloned().unwrap_or_default();
    let mut tries = vec![0u64; rules.len()];
    loop {
        let error = match call() {
            Ok(answer) => return Ok(answer),
            Err(error) => error,
        };
        let kind = serde_json::from_str::<Value>(&error)
            .ok()
            .and_then(|e| e["errorType"].as_str().map(str::to_string))
            .unwrap_or_default();
        let rule = rules.iter().position(|rule| {
            rule["ErrorEquals"]
                .as_array()
                .expect("ErrorEquals")
                .iter()
                .any(|e| e == "States.ALL" || e.as_str() == Some(kind.as_str()))
        });
        match rule {
            Some(i) if tries[i] < rules[i]["MaxAttempts"].as_u64().unwrap_or(3) => tries[i] += 1,
            _ => return Err(error),
        }
    }
}

/// `Parameters` or `ItemSelector`: each `key.$` replaced by `key` and its path's value.
fn resolve(template: &Value, input: &Value, item: Option<&Value>) -> Value {
    match template {
        Value::Object(fields) => {
            let mut out = Map::new();
            for (key, value) in fields {
                match key.strip_suffix(".$") {
                    Some(key) => {
                        let at = value.as_str().expect("a path");
                        out.insert(key.to_string(), path(at, input, item));
                    }
                    None => {
                        out.insert(key.clone(), resolve(value, input, item));
                    }
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// The value at `at` (`$`, `$.a.b`, `$$.Map.Item.Value`).
fn path(at: &str, input: &Value, item: Option<&Value>) -> Value {
    if at == "$$.Map.Item.Value" {
        return item.expect("$$.Map.Item.Value outside a Map").clone();
    }
    let rest = at
        .strip_prefix('$')
        .unwrap_or_else(|| panic!("path {at} is not run here"));
    let mut value = input;
    for part in rest.split('.').filter(|p| !p.is_empty()) {
        assert!(!part.contains('['), "path {at} is not run here");
        value = &value[part];
    }
    value.clone()
}

/// `ResultPath`: the result in the input at the path (absent: the result is the output).
fn place(at: &Value, mut input: Value, result: Value) -> Value {
    let Some(at) = at.as_str() else {
        return result;
    };
    let parts: Vec<&str> = at
        .strip_prefix('$')
        .expect("a path")
        .split('.')
        .filter(|p| !p.is_empty())
        .collect();
    let Some((last, parents)) = parts.split_last() else {
        return result;
    };
    let mut target = &mut input;
    for part in parents {
        target = &mut target[*part];
    }
    target[*last] = result;
    input
}

/// `OutputPath`: the output's part at the path (absent: all of it).
fn select(at: &Value, value: Value) -> Value {
    match at.as_str() {
        Some(at) => path(at, &value, None),
        None => value,
    }
}
