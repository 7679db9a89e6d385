//! `template.yaml` as deployed: reads a resource's property and resolves the intrinsic
//! functions the template uses for parameters (`!If`, `!Equals`, `!Not`, `!Ref`), so tests
//! exercise exactly what CloudFormation would create for given parameter values.

use std::collections::HashMap;

use serde_yaml::Value;

pub struct Template {
    doc: Value,
}

impl Template {
    /// The repository's `template.yaml`.
    pub fn load() -> Self {
        let path = crate::repo_root().join("template.yaml");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        Self {
            doc: serde_yaml::from_str(&text)
                .unwrap_or_else(|e| panic!("parse {}: {e}", path.display())),
        }
    }

    /// The allowed values of a parameter.
    pub fn allowed_values(&self, parameter: &str) -> Vec<String> {
        self.doc["Parameters"][parameter]["AllowedValues"]
            .as_sequence()
            .unwrap_or_else(|| panic!("parameter {parameter} has no AllowedValues"))
            .iter()
            .map(|v| v.as_str().expect("a string value").to_string())
            .collect()
    }

    /// `Resources.<resource>.Properties.<property>` resolved with `params` (others take their
    /// defaults), as JSON; `None` when it resolves to `AWS::NoValue`.
    pub fn property(
        &self,
        resource: &str,
        property: &str,
        params: &[(&str, &str)],
    ) -> Option<serde_json::Value> {
        let params: HashMap<&str, &str> = params.iter().copied().collect();
        let value = &self.doc["Resources"][resource]["Properties"][property];
        assert!(
            !value.is_null(),
            "{resource}.{property} is not in the template"
        );
        self.resolve(value, &params)
            .map(|v| serde_json::to_value(v).expect("plain YAML converts to JSON"))
    }

    fn parameter(&self, name: &str, params: &HashMap<&str, &str>) -> String {
        if let Some(v) = params.get(name) {
            return v.to_string();
        }
        let default = &self.doc["Parameters"][name]["Default"];
        match default {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => panic!("parameter {name} has no value and no default"),
        }
    }

    fn condition(&self, name: &str, params: &HashMap<&str, &str>) -> bool {
        let value = &self.doc["Conditions"][name];
        self.truth(value, params)
            .unwrap_or_else(|| panic!("condition {name}: unsupported {value:?}"))
    }

    fn truth(&self, value: &Value, params: &HashMap<&str, &str>) -> Option<bool> {
        let Value::Tagged(tagged) = value else {
            return None;
        };
        let args = tagged.value.as_sequence()?;
        match tagged.tag.to_string().as_str() {
            "!Equals" => {
                let text = |v: &Value| match self.resolve(v, params)? {
                    Value::String(s) => Some(s),
                    other => Some(serde_yaml::to_string(&other).ok()?.trim().to_string()),
                };
                Some(text(&args[0])? == text(&args[1])?)
            }
            "!Not" => Some(!self.truth(&args[0], params)?),
            _ => None,
        }
    }

    /// The value with intrinsics resolved; `None` for `AWS::NoValue`.
    fn resolve(&self, value: &Value, params: &HashMap<&str, &str>) -> Option<Value> {
        match value {
            Value::Tagged(tagged) => match tagged.tag.to_string().as_str() {
                "!Ref" => {
                    let name = tagged.value.as_str().expect("!Ref names a string");
                    (name != "AWS::NoValue").then(|| Value::String(self.parameter(name, params)))
                }
                "!If" => {
                    let args = tagged.value.as_sequence().expect("!If takes a list");
                    let name = args[0].as_str().expect("!If names a condition");
                    let branch = if self.condition(name, params) {
                        &args[1]
                    } else {
                        &args[2]
                    };
                    self.resolve(branch, params)
                }
                tag => panic!("intrinsic {tag} is not supported here"),
            },
            Value::Mapping(map) => Some(Value::Mapping(
                map.iter()
                    .filter_map(|(k, v)| Some((k.clone(), self.resolve(v, params)?)))
                    .collect(),
            )),
            Value::Sequence(items) => Some(Value::Sequence(
                items
                    .iter()
                    .filter_map(|v| self.resolve(v, params))
                    .collect(),
            )),
            other => Some(other.clone()),
        }
    }
}
