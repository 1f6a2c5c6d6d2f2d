//! Lenient readers for JSON request bodies. A program may send a field as text or as a
//! number (and, where the form has yes/no fields, as a boolean); null or missing reads as
//! empty, and the form's own parser then says what is wrong in Chinese. A field of any other
//! type is refused with its name, every such field at once.

use crate::shell::error::ApiError;
use axum::body::Bytes;
use axum::http::StatusCode;
use govit_core::{DomainError, FieldError};
use serde_json::{Map, Value};

/// Parses a JSON object body; anything else is a 400 with a Chinese message.
pub fn object(body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => {
            Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", "请求体应为 JSON 对象"))
        }
        Err(e) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("请求体不是有效的 JSON：{e}"),
        )),
    }
}

/// The text fields of one JSON object, read leniently; [`Fields::done`] refuses the body if
/// any field had the wrong type.
pub struct Fields<'a> {
    m: &'a Map<String, Value>,
    label: fn(&str) -> &'static str,
    booleans: bool,
    errors: Vec<FieldError>,
}

impl<'a> Fields<'a> {
    /// Text and numbers only; `label` names a field in the messages.
    pub fn new(m: &'a Map<String, Value>, label: fn(&str) -> &'static str) -> Self {
        Fields { m, label, booleans: false, errors: vec![] }
    }

    /// Also booleans, read as "1" and "0" (the forms' yes/no values).
    pub fn with_booleans(mut self) -> Self {
        self.booleans = true;
        self
    }

    pub fn get(&mut self, k: &'static str) -> String {
        match self.m.get(k) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::Bool(b)) if self.booleans => if *b { "1" } else { "0" }.into(),
            Some(_) => {
                let expected = if self.booleans {
                    "应为文本、数字或布尔值"
                } else {
                    "应为文本或数字"
                };
                self.errors.push(FieldError::new(k, format!("{}{expected}", (self.label)(k))));
                String::new()
            }
        }
    }

    /// A list of words, as an array of strings or as one comma-separated text.
    pub fn get_list(&mut self, k: &'static str) -> String {
        match self.m.get(k) {
            Some(Value::Array(a)) if a.iter().all(Value::is_string) => {
                a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(",")
            }
            _ => self.get(k),
        }
    }

    /// `v`, or every field refused for its type.
    pub fn done<T>(self, v: T) -> Result<T, ApiError> {
        if self.errors.is_empty() {
            Ok(v)
        } else {
            Err(ApiError::fields(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", self.errors))
        }
    }
}

/// An integer field (a JSON number or its text), or a refusal with `message`.
pub fn int_field(m: &Map<String, Value>, k: &'static str, message: &str) -> Result<i64, ApiError> {
    m.get(k)
        .and_then(|v| v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok())))
        .ok_or_else(|| DomainError::invalid(k, message).into())
}

/// The `version` read before the change, which guards against overwriting someone else's.
pub fn version_field(m: &Map<String, Value>) -> Result<i64, ApiError> {
    int_field(
        m,
        "version",
        "请提供整数版本号 version（取自上次读取的记录），用于防止覆盖他人的修改",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn label(k: &str) -> &'static str {
        match k {
            "name" => "名称",
            _ => "字段",
        }
    }

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().expect("object").clone()
    }

    #[test]
    fn text_and_numbers_are_read_and_other_types_named_all_at_once() {
        let m = map(json!({"name": {"x": 1}, "amount": 12.5, "note": null, "flag": true}));
        let mut f = Fields::new(&m, label);
        assert_eq!(f.get("amount"), "12.5");
        assert_eq!(f.get("note"), "");
        assert_eq!(f.get("missing"), "");
        f.get("name");
        f.get("flag");
        let err = f.done(()).expect_err("refused");
        let body = serde_json::to_value(&err.body).expect("json");
        assert_eq!(body["code"], "invalid_input");
        let fields: Vec<&str> = body["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert_eq!(fields, ["name", "flag"]);
        assert!(body["errors"][0]["message"] == "名称应为文本或数字", "{body}");
    }

    #[test]
    fn booleans_and_lists_where_the_form_has_them() {
        let m = map(json!({"flag": true, "off": false, "words": ["视频", "监控"], "one": "a,b"}));
        let mut f = Fields::new(&m, label).with_booleans();
        assert_eq!((f.get("flag"), f.get("off")), ("1".into(), "0".into()));
        assert_eq!(f.get_list("words"), "视频,监控");
        assert_eq!(f.get_list("one"), "a,b");
        assert!(f.done(()).is_ok());
        assert_eq!(int_field(&map(json!({"v": "7"})), "v", "").ok(), Some(7));
        assert!(version_field(&map(json!({"version": "x"}))).is_err());
    }
}
