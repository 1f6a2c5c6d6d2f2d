use serde::Serialize;

/// One invalid input field: the field's machine name and a Chinese message a clerk understands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self { field, message: message.into() }
    }
}

/// A free-text field, trimmed, refused when longer than `max` characters (every free-text
/// field has a bound).
pub fn within(
    field: &'static str, label: &str, v: &str, max: usize,
) -> Result<String, DomainError> {
    let v = v.trim();
    if v.chars().count() > max {
        return Err(DomainError::invalid(field, format!("{label}不能超过 {max} 个字")));
    }
    Ok(v.to_string())
}

/// A required free-text field (a purpose, a report, a reason), trimmed: an error naming it by
/// `what` when it is empty, longer than `max` characters, or holds a control character (but
/// line breaks and tabs) or an undecodable one.
pub fn free_text(
    typed: &str, field: &'static str, what: &str, max: usize, errors: &mut Vec<FieldError>,
) -> String {
    let t = typed.trim();
    if t.is_empty() {
        errors.push(FieldError::new(field, format!("请填写{what}")));
    } else if t.chars().count() > max {
        errors.push(FieldError::new(field, format!("{what}不能超过 {max} 个字")));
    } else if t.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        || t.contains('\u{FFFD}')
    {
        errors.push(FieldError::new(field, format!("{what}含有无法识别的字符，请重新输入")));
    }
    t.to_string()
}

/// A yes/no field as typed in a form or a sheet (是/否, 1/0, true/false, on); anything else
/// is an error naming the field by its `label`.
pub fn flag(
    errors: &mut Vec<FieldError>, field: &'static str, label: fn(&str) -> &'static str, v: &str,
) -> bool {
    match v.trim() {
        "1" | "true" | "是" | "on" | "yes" => true,
        "" | "0" | "false" | "否" | "no" => false,
        _ => {
            errors.push(FieldError::new(field, format!("{}应填写“是”或“否”", label(field))));
            false
        }
    }
}

/// Refuses `field` with `message`: the field reads as nothing.
pub fn refused<T>(errors: &mut Vec<FieldError>, field: &'static str, message: &str) -> Option<T> {
    errors.push(FieldError::new(field, message));
    None
}

/// What `field` read as, or its refusal with `message` when it did not read.
pub fn checked<T>(
    errors: &mut Vec<FieldError>, field: &'static str, read: Option<T>, message: &str,
) -> Option<T> {
    if read.is_none() {
        errors.push(FieldError::new(field, message));
    }
    read
}

/// The domain's refusals. The web layer maps each variant once to a status and a stable code.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DomainError {
    /// Input did not parse; every bad field is listed.
    #[error("输入有误")]
    Invalid(Vec<FieldError>),
    /// The record does not exist or is outside the caller's data scope (the two are
    /// indistinguishable on purpose).
    #[error("记录不存在")]
    NotFound,
    /// The caller's role does not allow the action.
    #[error("{0}")]
    Forbidden(String),
    /// The record changed since the caller read it.
    #[error(
        "该记录已在别处被修改（当前版本 {current}；可能是他人，也可能是您在另一个窗口的操作），请刷新页面、核对后重新操作"
    )]
    StaleVersion { current: i64 },
    /// The action is not allowed in the record's current state; the message says why.
    #[error("{message}")]
    InvalidState { message: String },
    /// A rule of the jurisdiction's profile forbids the action.
    #[error("{text}（依据 {cite}）")]
    GateRefused { cite: String, text: String },
}

impl DomainError {
    /// The stable machine code of the error, used by the JSON API.
    pub fn code(&self) -> &'static str {
        match self {
            DomainError::Invalid(_) => "invalid_input",
            DomainError::NotFound => "not_found",
            DomainError::Forbidden(_) => "forbidden",
            DomainError::StaleVersion { .. } => "stale_version",
            DomainError::InvalidState { .. } => "invalid_state",
            DomainError::GateRefused { .. } => "gate_refused",
        }
    }

    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        DomainError::Invalid(vec![FieldError::new(field, message)])
    }
}
