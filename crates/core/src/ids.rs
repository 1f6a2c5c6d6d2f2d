//! Identifier newtypes: a project id can never be passed where a user id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// 行政区划 / 辖区
    JurisdictionId
);
id_type!(
    /// 部门
    DepartmentId
);
id_type!(
    /// 用户
    UserId
);
id_type!(
    /// 项目
    ProjectId
);
id_type!(
    /// 外部单位（承建、监理、测评、咨询）
    FirmId
);
id_type!(
    /// 专家
    ExpertId
);
