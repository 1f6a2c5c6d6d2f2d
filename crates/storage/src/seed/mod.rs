//! Data to start from: the demo jurisdiction and large synthetic ones for benchmarks.

pub mod demo;
pub mod materials;
pub mod profile;
pub mod reviews;
pub mod synthetic;
