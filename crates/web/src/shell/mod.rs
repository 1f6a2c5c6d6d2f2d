//! The shared floor under every room: state, sign-in and CSRF, error mapping, layout and
//! form helpers, the Excel writer and sheet reader, the JSON body reader, assets, and the
//! panel registry through which rooms add sections to a record's page. It imports no room.

pub mod assets;
pub mod auth;
pub mod error;
pub mod excel;
pub mod form;
pub mod headers;
pub mod input;
pub mod json_body;
pub mod page;
pub mod panels;
pub mod respond;
pub mod reveal;
pub mod route;
pub mod sheet;
pub mod state;
pub mod subject_api;
pub mod view;
pub mod vocabulary;
