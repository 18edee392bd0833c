//! A validator for the part of JSON Schema 2020-12 (OpenAPI 3.1's dialect) that the
//! server's OpenAPI document uses, to check real answers against it.
//!
//! Written here rather than taken from a crate for two reasons: it is closed-world (an
//! object may hold only the properties its schema declares, across `allOf`), which a
//! standard validator is not without `additionalProperties: false` in the document, and
//! a document with a keyword it does not know fails the test instead of passing it
//! unchecked. `$ref`s are JSON pointers into the document.

use serde_json::{Map, Value};

/// Keywords that say nothing about validity.
const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "default",
    "example",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
];

/// The schemas of one OpenAPI document.
pub struct Validator<'d> {
    doc: &'d Value,
}

impl<'d> Validator<'d> {
    pub fn new(doc: &'d Value) -> Self {
        Validator { doc }
    }

    /// What is wrong with `value` under `schema`, one line a problem, each with the JSON
    /// path (`$.tasks[0].status`) where it is; empty when it is valid.
    pub fn problems(&self, schema: &Value, value: &Value) -> Vec<String> {
        let mut found = Vec::new();
        self.check(schema, value, "$", true, &mut found);
        found
    }

    /// Follows a `$ref` (`#/components/schemas/Task`).
    pub fn resolve(&self, reference: &str) -> &'d Value {
        let pointer = reference
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("only local $refs are supported: {reference}"));
        self.doc
            .pointer(pointer)
            .unwrap_or_else(|| panic!("$ref {reference} points at nothing"))
    }

    /// `closed`: the object's keys must all be declared here (or in an `allOf` member);
    /// off inside `allOf`, where each member declares only some of them.
    fn check(
        &self,
        schema: &Value,
        value: &Value,
        at: &str,
        closed: bool,
        found: &mut Vec<String>,
    ) {
        let Some(keywords) = schema.as_object() else {
            match schema {
                Value::Bool(true) => {}
                _ => found.push(format!("{at}: the schema {schema} allows nothing")),
            }
            return;
        };
        if keywords.get("nullable") == Some(&Value::Bool(true)) && value.is_null() {
            return;
        }
        for (keyword, argument) in keywords {
            match keyword.as_str() {
                "$ref" => {
                    let target = self.resolve(argument.as_str().unwrap_or_default());
                    self.check(target, value, at, closed, found);
                }
                "type" => check_type(argument, value, at, found),
                "enum" => {
                    let allowed = argument.as_array().expect("enum is an array");
                    if !allowed.contains(value) {
                        found.push(format!("{at}: {value} is not one of {argument}"));
                    }
                }
                "format" => check_format(argument, value, at, found),
                "properties" => self.check_properties(argument, value, at, found),
                "required" => check_required(argument, value, at, found),
                "additionalProperties" => self.check_additional(keywords, value, at, found),
                "items" => {
                    for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                        self.check(argument, item, &format!("{at}[{i}]"), true, found);
                    }
                }
                "allOf" => {
                    for member in argument.as_array().expect("allOf is an array") {
                        self.check(member, value, at, false, found);
                    }
                }
                "oneOf" => self.check_one_of(argument, value, at, found),
                "minimum" | "maximum" | "minLength" | "maxLength" => {
                    check_limit(keyword, argument, value, at, found)
                }
                "nullable" => {}
                k if ANNOTATIONS.contains(&k) => {}
                other => panic!("{at}: the validator does not know the keyword {other:?}"),
            }
        }
        let declares = keywords.contains_key("properties") || keywords.contains_key("allOf");
        if closed && declares && !keywords.contains_key("additionalProperties") {
            self.check_closed(schema, value, at, found);
        }
    }

    fn check_properties(
        &self,
        properties: &Value,
        value: &Value,
        at: &str,
        found: &mut Vec<String>,
    ) {
        let Some(object) = value.as_object() else {
            return;
        };
        let properties = properties.as_object().expect("properties is an object");
        for (name, schema) in properties {
            if let Some(v) = object.get(name) {
                self.check(schema, v, &format!("{at}.{name}"), true, found);
            }
        }
    }

    /// `additionalProperties`: `true`, `false`, or the schema of every undeclared key.
    fn check_additional(
        &self,
        keywords: &Map<String, Value>,
        value: &Value,
        at: &str,
        found: &mut Vec<String>,
    ) {
        let Some(object) = value.as_object() else {
            return;
        };
        let declared = keywords.get("properties").and_then(Value::as_object);
        for (name, v) in object {
            if declared.is_some_and(|d| d.contains_key(name)) {
                continue;
            }
            match &keywords["additionalProperties"] {
                Value::Bool(true) => {}
                Value::Bool(false) => found.push(format!("{at}: {name:?} is not declared")),
                schema => self.check(schema, v, &format!("{at}.{name}"), true, found),
            }
        }
    }

    fn check_one_of(&self, alternatives: &Value, value: &Value, at: &str, found: &mut Vec<String>) {
        let alternatives = alternatives.as_array().expect("oneOf is an array");
        let fits = alternatives
            .iter()
            .filter(|schema| self.problems(schema, value).is_empty())
            .count();
        if fits != 1 {
            found.push(format!(
                "{at}: {value} fits {fits} of the oneOf alternatives, not exactly one"
            ));
        }
    }

    /// An object's keys must be declared by the schema (its `properties`, those of its
    /// `allOf` members, through `$ref`s).
    fn check_closed(&self, schema: &Value, value: &Value, at: &str, found: &mut Vec<String>) {
        let Some(object) = value.as_object() else {
            return;
        };
        let mut declared = Vec::new();
        self.declared(schema, &mut declared);
        for name in object.keys() {
            if !declared.contains(name) {
                found.push(format!("{at}: {name:?} is not in the schema"));
            }
        }
    }

    /// Collects the properties `schema` declares, with those of its `allOf` members.
    fn declared(&self, schema: &Value, names: &mut Vec<String>) {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            self.declared(self.resolve(reference), names);
        }
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            names.extend(properties.keys().cloned());
        }
        for member in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.declared(member, names);
        }
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `type`: one name or a list (`["string", "null"]`); an integer is also a number.
fn check_type(expected: &Value, value: &Value, at: &str, found: &mut Vec<String>) {
    let actual = type_name(value);
    let names: Vec<&str> = match expected {
        Value::String(one) => vec![one.as_str()],
        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
        other => panic!("{at}: type {other} is neither a name nor a list"),
    };
    let fits = names
        .iter()
        .any(|&n| n == actual || (n == "number" && actual == "integer"));
    if !fits {
        found.push(format!("{at}: {value} is {actual}, not {expected}"));
    }
}

fn check_format(format: &Value, value: &Value, at: &str, found: &mut Vec<String>) {
    match (format.as_str(), value) {
        (Some("date-time"), Value::String(s)) => {
            if chrono::DateTime::parse_from_rfc3339(s).is_err() {
                found.push(format!("{at}: {s:?} is not an RFC 3339 date-time"));
            }
        }
        (Some("int64"), Value::Number(n)) => {
            if n.as_i64().is_none() {
                found.push(format!("{at}: {n} is not an int64"));
            }
        }
        (Some("date-time" | "int64"), _) => {} // `type` speaks for other values
        (other, _) => panic!("{at}: the validator does not know the format {other:?}"),
    }
}

fn check_required(names: &Value, value: &Value, at: &str, found: &mut Vec<String>) {
    let Some(object) = value.as_object() else {
        return;
    };
    for name in names.as_array().expect("required is an array") {
        let name = name.as_str().expect("required names are strings");
        if !object.contains_key(name) {
            found.push(format!("{at}: {name:?} is missing"));
        }
    }
}

/// `minimum`/`maximum` of a number, `minLength`/`maxLength` of a string (in characters).
fn check_limit(keyword: &str, bound: &Value, value: &Value, at: &str, found: &mut Vec<String>) {
    let measure = match keyword {
        "minimum" | "maximum" => value.as_f64(),
        _ => value.as_str().map(|s| s.chars().count() as f64),
    };
    let (Some(bound), Some(measure)) = (bound.as_f64(), measure) else {
        return;
    };
    let fits = match keyword.starts_with("min") {
        true => measure >= bound,
        false => measure <= bound,
    };
    if !fits {
        found.push(format!("{at}: {value} is outside its {keyword} {bound}"));
    }
}
