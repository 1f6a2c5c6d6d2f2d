//! govit's domain core: types, rules and state machines.
//!
//! No I/O, no async, no clock: every function that depends on time takes it as a
//! parameter, so deadline and session logic can be tested for any instant.

pub mod audit;
pub mod calendar;
pub mod crypto;
pub mod declaration;
pub mod error;
pub mod ids;
pub mod money;
pub mod obligation;
pub mod org;
pub mod password;
pub mod policy;
pub mod project;
pub mod synthetic;

pub use error::{DomainError, FieldError};
