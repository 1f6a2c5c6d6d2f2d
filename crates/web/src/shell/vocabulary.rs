//! The policy vocabularies (events, facts, gated actions) as closed string enums in the
//! OpenAPI document, each value with its Chinese label in the description: a program learns
//! from the document which codes the server accepts.

use govit_core::policy::{EventKind, Fact, GatedAction};
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};

/// A string schema whose values are the vocabulary's codes.
fn closed(
    what: &str, values: impl Iterator<Item = (&'static str, &'static str)> + Clone,
) -> Object {
    let listed: Vec<String> =
        values.clone().map(|(code, label)| format!("`{code}` {label}")).collect();
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.map(|(code, _)| code)))
        .description(Some(format!("{what}: {}", listed.join("; "))))
        .build()
}

/// An event kind (`contract_signed` …).
pub fn event_kind() -> Object {
    closed("An event kind", EventKind::ALL.iter().map(|k| (k.as_str(), k.label())))
}

/// A fact code (`can_share` …).
pub fn fact() -> Object {
    closed("A fact code", Fact::ALL.iter().map(|f| (f.as_str(), f.label())))
}

/// A gated action (`approve` …).
pub fn gated_action() -> Object {
    closed("A gated action", GatedAction::ALL.iter().map(|a| (a.as_str(), a.label())))
}

/// A list of event kinds.
pub fn event_kinds() -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new().items(event_kind()).build()
}
