//! govit's integration tests: the real server on a free port, driven over HTTP.
//!
//! One test binary (link time is precious). Every test gets a fresh database: SQLite in a
//! temporary directory by default, or a new PostgreSQL database when
//! `GOVIT_TEST_DATABASE_URL` names a server (scripts/test.sh runs the suite both ways).

mod harness;

mod api;
mod archives;
mod audit;
mod browser;
mod cloud;
mod decisions;
mod flow;
mod forms;
mod hardening;
mod import;
mod layout;
mod links;
mod materials;
mod ops;
mod org;
mod plans;
mod reviews;
mod rules;
mod scope;
mod security;
mod systems;
mod validation;
mod workflow;
mod writes;
