//! The government information system catalog (政务信息系统目录): each system's owner,
//! function, users, use, approval, funding, deployment, connections, 等保 level and its fate
//! under 「四个一批」 (gaoping:9), plus the signals that mark a likely zombie system.

mod form;
mod sheet;
#[cfg(test)]
mod tests;

pub use form::{
    Deployment, Disposition, InfoSystem, Network, SystemAction, SystemForm, SystemStatus,
    UseFrequency, system_field_label,
};
pub use sheet::{RowProblem, SHEET_COLUMNS, SheetRow, SystemSheet, column_letter};
