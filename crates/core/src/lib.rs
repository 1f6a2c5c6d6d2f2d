//! govit's domain core: types, rules and state machines.
//!
//! No I/O, no async, no clock: every function that depends on time takes it as a
//! parameter, so deadline and session logic can be tested for any instant.

/// A closed vocabulary: an enum whose variants have a stable code (as stored and sent) and a
/// Chinese label (as shown).
macro_rules! named_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $code:literal, $label:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }
            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod acceptance;
pub mod audit;
pub mod calendar;
pub mod change;
pub mod cloud;
pub mod contract;
pub mod credit;
pub mod crypto;
pub mod decision;
pub mod declaration;
pub mod draw;
pub mod error;
pub mod ids;
pub mod inventory;
pub mod materials;
pub mod money;
pub mod obligation;
pub mod oc4ids;
pub mod org;
pub mod password;
pub mod payment;
pub mod plan;
pub mod policy;
pub mod progress;
pub mod project;
pub mod rating;
pub mod review;
pub mod sanction;
pub mod submission;
pub mod synthetic;
pub mod workflow;

pub use error::{DomainError, FieldError};
