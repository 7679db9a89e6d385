//! `template.yaml` as deployed: reads a resource's property and resolves the intrinsic
//! functions the template uses (`!If`, `!Equals`, `!Not`, `!Ref`, `!GetAtt`, `!Sub`), so tests
//! exercise exactly what CloudFormation would create for given parameter values and for the
//! resources a test stands in for (its table, its topic).

use std::collections::HashMap;

use serde_yaml::Value;

pub struct Template {
    doc: Value,
}

/// What the template's references to resources stand for in a test: `Table` (`!Ref`),
/// `Table.Arn` (`!GetAtt`), `AWS::Region` and the other pseudo parameters. `None`: the test
/// has no stand-in, and resolving it panics.
pub type Resources<'a> = &'a dyn Fn(&str) -> Option<String>;

fn no_resources(_: &str) -> Option<String> {
    None
}

impl Template {
    /// The repository's `template.yaml`.
    pub fn load() -> Self {
        Self::load_file("template.yaml")
    }

    /// Another template of the repository (`deploy/bootstrap.yaml`), by its path in it.
    pub fn load_file(relative: &str) -> Self {
        let path = crate::repo_root().join(relative);
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
        self.property_with(resource, property, params, &no_resources)
    }

    /// [`Template::property`], with references to resources resolved by `resources`.
    pub fn property_with(
        &self,
        resource: &str,
        property: &str,
        params: &[(&str, &str)],
        resources: Resources<'_>,
    ) -> Option<serde_json::Value> {
        let params: HashMap<&str, &str> = params.iter().copied().collect();
        let value = &self.doc["Resources"][resource]["Properties"][property];
        assert!(
            !value.is_null(),
            "{resource}.{property} is not in the template"
        );
        let scope = Scope {
            params: &params,
            resources,
        };
        self.resolve(value, &scope)
            .map(|v| serde_json::to_value(v).expect("plain YAML converts to JSON"))
    }

    /// The unresolved YAML of `Resources.<resource>.Properties.<property>`, if present.
    pub fn raw_property(&self, resource: &str, property: &str) -> Option<&Value> {
        let value = &self.doc["Resources"][resource]["Properties"][property];
        (!value.is_null()).then_some(value)
    }

    /// Every resource: its logical name and type.
    pub fn resources(&self) -> Vec<(String, String)> {
        self.doc["Resources"]
            .as_mapping()
            .expect("the template has resources")
            .iter()
            .filter_map(|(name, r)| {
                Some((name.as_str()?.to_string(), r["Type"].as_str()?.to_string()))
            })
            .collect()
    }

    /// The logical names of the resources of `kind` (e.g. `AWS::Serverless::Function`).
    pub fn resources_of_type(&self, kind: &str) -> Vec<String> {
        self.resources()
            .into_iter()
            .filter(|(_, k)| k == kind)
            .map(|(name, _)| name)
            .collect()
    }

    fn is_parameter(&self, name: &str) -> bool {
        !self.doc["Parameters"][name].is_null()
    }

    /// A `!Ref` or a `${…}` of `!Sub`: a parameter, or what the scope says of a resource or a
    /// pseudo parameter.
    fn reference(&self, name: &str, scope: &Scope<'_>) -> String {
        if self.is_parameter(name) {
            return self.parameter(name, scope.params);
        }
        (scope.resources)(name).unwrap_or_else(|| {
            panic!("the test gives no stand-in for `{name}`, which the template references")
        })
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

    fn condition(&self, name: &str, scope: &Scope<'_>) -> bool {
        let value = &self.doc["Conditions"][name];
        self.truth(value, scope)
            .unwrap_or_else(|| panic!("condition {name}: unsupported {value:?}"))
    }

    fn truth(&self, value: &Value, scope: &Scope<'_>) -> Option<bool> {
        let Value::Tagged(tagged) = value else {
            return None;
        };
        let args = tagged.value.as_sequence()?;
        match tagged.tag.to_string().as_str() {
            "!Equals" => {
                let text = |v: &Value| match self.resolve(v, scope)? {
                    Value::String(s) => Some(s),
                    other => Some(serde_yaml::to_string(&other).ok()?.trim().to_string()),
                };
                Some(text(&args[0])? == text(&args[1])?)
            }
            "!Not" => Some(!self.truth(&args[0], scope)?),
            _ => None,
        }
    }

    /// The value with intrinsics resolved; `None` for `AWS::NoValue`.
    fn resolve(&self, value: &Value, scope: &Scope<'_>) -> Option<Value> {
        match value {
            Value::Tagged(tagged) => match tagged.tag.to_string().as_str() {
                "!Ref" => {
                    let name = tagged.value.as_str().expect("!Ref names a string");
                    (name != "AWS::NoValue").then(|| Value::String(self.reference(name, scope)))
                }
                "!GetAtt" => {
                    let name = match &tagged.value {
                        Value::String(s) => s.clone(),
                        Value::Sequence(parts) => parts
                            .iter()
                            .map(|p| p.as_str().expect("!GetAtt names strings"))
                            .collect::<Vec<_>>()
                            .join("."),
                        other => panic!("!GetAtt of {other:?}"),
                    };
                    Some(Value::String(self.reference(&name, scope)))
                }
                "!Sub" => {
                    let text = tagged
                        .value
                        .as_str()
                        .expect("!Sub of a string (no variable map)");
                    Some(Value::String(self.substitute(text, scope)))
                }
                "!If" => {
                    let args = tagged.value.as_sequence().expect("!If takes a list");
                    let name = args[0].as_str().expect("!If names a condition");
                    let branch = if self.condition(name, scope) {
                        &args[1]
                    } else {
                        &args[2]
                    };
                    self.resolve(branch, scope)
                }
                tag => panic!("intrinsic {tag} is not supported here"),
            },
            Value::Mapping(map) => Some(Value::Mapping(
                map.iter()
                    .filter_map(|(k, v)| Some((k.clone(), self.resolve(v, scope)?)))
                    .collect(),
            )),
            Value::Sequence(items) => Some(Value::Sequence(
                items
                    .iter()
                    .filter_map(|v| self.resolve(v, scope))
                    .collect(),
            )),
            other => Some(other.clone()),
        }
    }

    /// `!Sub`: each `${name}` replaced (`${!x}` is the literal `${x}`).
    fn substitute(&self, text: &str, scope: &Scope<'_>) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .unwrap_or_else(|| panic!("!Sub {text:?}: an unclosed ${{"));
            let name = &after[..end];
            match name.strip_prefix('!') {
                Some(literal) => {
                    out.push_str("${");
                    out.push_str(literal);
                    out.push('}');
                }
                None => out.push_str(&self.reference(name, scope)),
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out
    }
}

/// What resolving a value needs: the parameters' values and the resources' stand-ins.
struct Scope<'a> {
    params: &'a HashMap<&'a str, &'a str>,
    resources: Resources<'a>,
}
