//! One reading of a record's input for pages and the API: a record's form type says once
//! which fields it reads ([`FromFields`]), and both a posted HTML form and a JSON body (read
//! leniently by `json_body::Fields`) are sources of those fields. The form type's own parser
//! (in the core) then turns the text into the record or names every wrong field in Chinese.

use crate::shell::error::ApiError;
use crate::shell::json_body::{Fields, object, version_field};
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use govit_core::DomainError;
use std::collections::HashMap;

/// Where a form's text fields come from.
pub trait FieldSource {
    /// The field's text ("" when missing).
    fn text(&mut self, k: &'static str) -> String;
    /// A list of words: an array or a comma-separated text in JSON, one text in a form.
    fn list(&mut self, k: &'static str) -> String {
        self.text(k)
    }
}

/// A posted HTML form.
impl FieldSource for &HashMap<String, String> {
    fn text(&mut self, k: &'static str) -> String {
        self.get(k).cloned().unwrap_or_default()
    }
}

/// A JSON body, read leniently (text, numbers, and booleans where allowed).
impl FieldSource for Fields<'_> {
    fn text(&mut self, k: &'static str) -> String {
        self.get(k)
    }
    fn list(&mut self, k: &'static str) -> String {
        self.get_list(k)
    }
}

/// A record's form type, read from any source of fields.
pub trait FromFields: Sized {
    /// What the messages call a field (`项目名称` for `name`).
    fn label(field: &str) -> &'static str;
    /// Whether yes/no fields may come as JSON booleans.
    const BOOLEANS: bool = false;
    fn from_fields(f: &mut impl FieldSource) -> Self;

    /// The form from a posted HTML form.
    fn from_form(f: &HashMap<String, String>) -> Self {
        Self::from_fields(&mut &*f)
    }

    /// The form from a JSON object, refusing every field of the wrong type at once.
    fn from_json(m: &serde_json::Map<String, serde_json::Value>) -> Result<Self, ApiError> {
        let mut f = Fields::new(m, Self::label);
        if Self::BOOLEANS {
            f = f.with_booleans();
        }
        let form = Self::from_fields(&mut f);
        f.done(form)
    }

    /// The form from a JSON body.
    fn from_body(body: &Bytes) -> Result<Self, ApiError> {
        Self::from_json(&object(body)?)
    }
}

/// Implements [`FromFields`] for a form whose fields are each read under their own name: as
/// text, or as a list of words where marked `: list`; the form's `label` names them in
/// messages, and `booleans: true` lets its yes/no fields come as JSON booleans.
macro_rules! read_fields {
    ($form:ident, $label:path, $(booleans: $booleans:literal,)? { $($field:ident $(: $list:ident)?),+ $(,)? }) => {
        impl $crate::shell::input::FromFields for $form {
            $(const BOOLEANS: bool = $booleans;)?
            fn label(field: &str) -> &'static str {
                $label(field)
            }
            fn from_fields(f: &mut impl $crate::shell::input::FieldSource) -> Self {
                $form { $($field: $crate::shell::input::read_fields!(@read f $field $($list)?)),+ }
            }
        }
    };
    (@read $f:ident $field:ident) => {
        $f.text(stringify!($field))
    };
    (@read $f:ident $field:ident list) => {
        $f.list(stringify!($field))
    };
}
pub(crate) use read_fields;

/// Reads a request's body as one JSON object, answering a body that cannot be read (too
/// large, cut off) with its status and a Chinese message.
async fn body_object<S: Send + Sync>(
    req: Request, state: &S,
) -> Result<serde_json::Map<String, serde_json::Value>, ApiError> {
    let body = Bytes::from_request(req, state)
        .await
        .map_err(|e| ApiError::new(e.status(), "invalid_body", "请求体无法读取或超过大小限制"))?;
    object(&body)
}

/// An API body that changes a record: the `version` the caller read (which guards against
/// overwriting another's change) and the record's form.
pub struct Versioned<F>(pub i64, pub F);

impl<S: Send + Sync, F: FromFields> FromRequest<S> for Versioned<F> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let m = body_object(req, state).await?;
        Ok(Versioned(version_field(&m)?, F::from_json(&m)?))
    }
}

/// An API body that carries only the `version` the caller read (submit, withdraw).
pub struct VersionOnly(pub i64);

impl<S: Send + Sync> FromRequest<S> for VersionOnly {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        Ok(VersionOnly(version_field(&body_object(req, state).await?)?))
    }
}

/// A file sent as the request body (the API's imports), read up to the one upload limit
/// (`MAX_UPLOAD_BYTES`, the same as the pages'); a larger body is refused with 413, an empty
/// one as no file.
pub struct Upload(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for Upload {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, ApiError> {
        use crate::shell::auth::{MAX_UPLOAD_BYTES, UPLOAD_TOO_LARGE};
        match axum::body::to_bytes(req.into_body(), MAX_UPLOAD_BYTES).await {
            Ok(body) if body.is_empty() => {
                Err(DomainError::invalid("file", "请求体应为 .xlsx 文件").into())
            }
            Ok(body) => Ok(Upload(body)),
            Err(_) => Err(ApiError::new(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                UPLOAD_TOO_LARGE,
            )),
        }
    }
}
