//! Organization and access: party kinds, roles, data scope and who may see what.

pub mod forms;

use crate::ids::{DepartmentId, JurisdictionId, UserId};
use crate::project::ProjectStatus;
use serde::Serialize;

named_enum!(
    /// The kinds of party a department can be; a profile labels them in its own words.
    PartyKind {
        Authority => "authority", "主管部门",
        Finance => "finance", "财政部门",
        DevelopmentReform => "development_reform", "发展改革部门",
        Cyberspace => "cyberspace", "网信部门",
        CryptoOffice => "crypto_office", "密码管理部门",
        AuditOffice => "audit_office", "审计部门",
        Archives => "archives", "档案部门",
        TradingCenter => "trading_center", "公共资源交易中心",
        LeadingGroupOffice => "leading_group_office", "领导小组办公室",
        PartyGroup => "party_group", "党组",
        DataCenter => "data_center", "大数据中心",
        OwnerUnit => "owner_unit", "项目建设单位",
        CityGovernment => "city_government", "人民政府",
    }
);

named_enum!(
    /// External firms.
    FirmKind {
        Contractor => "contractor", "承建单位",
        Supervisor => "supervisor", "监理单位",
        Tester => "tester", "测评机构",
        Consultant => "consultant", "咨询设计单位",
    }
);

named_enum!(
    /// What a user may do. The three administrator roles are kept apart (三员分立).
    Role {
        Admin => "admin", "系统管理员",
        Declarant => "declarant", "申报经办人",
        Reviewer => "reviewer", "审核人",
        Auditor => "auditor", "安全审计员",
        Viewer => "viewer", "查阅人",
        Platform => "platform", "平台管理员",
    }
);

/// Roles one account may not hold together (等保 separation of duties): the system
/// administrator and the security auditor are different people (三员分立), neither does the
/// business, and whoever declares does not review.
const INCOMPATIBLE: &[(Role, Role, &str)] = &[
    (Role::Admin, Role::Auditor, "系统管理员与安全审计员须由不同账号担任（三员分立）"),
    (Role::Admin, Role::Declarant, "系统管理员不办理业务，申报经办人须另设账号"),
    (Role::Admin, Role::Reviewer, "系统管理员不办理业务，审核人须另设账号"),
    (Role::Auditor, Role::Declarant, "安全审计员须独立于业务，申报经办人须另设账号"),
    (Role::Auditor, Role::Reviewer, "安全审计员须独立于业务，审核人须另设账号"),
    (Role::Declarant, Role::Reviewer, "申报与审核须由不同账号办理，同一账号不能既申报又审核"),
    (Role::Platform, Role::Auditor, "平台管理员与安全审计员须由不同账号担任（三员分立）"),
    (Role::Platform, Role::Declarant, "平台管理员不办理业务，申报经办人须另设账号"),
    (Role::Platform, Role::Reviewer, "平台管理员不办理业务，审核人须另设账号"),
];

/// Why `roles` may not be held by one account, if they may not.
pub fn role_conflict(roles: &[Role]) -> Option<&'static str> {
    INCOMPATIBLE.iter().find(|(a, b, _)| roles.contains(a) && roles.contains(b)).map(|(.., m)| *m)
}

named_enum!(
    /// Which records a user's role applies to, as Chinese admin systems do.
    ScopeKind {
        All => "all", "全部数据",
        Listed => "listed", "指定部门数据",
        OwnDepartment => "own_department", "本部门数据",
        OwnAndBelow => "own_and_below", "本部门及以下数据",
        SelfOnly => "self", "仅本人数据",
    }
);

/// A department's place in the tree as a materialized path: `/1/4/9/`.
pub fn child_path(parent_path: Option<&str>, id: DepartmentId) -> String {
    format!("{}{}/", parent_path.unwrap_or("/"), id.0)
}

/// The signed-in user as the rest of the system sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    pub user_id: UserId,
    pub login: String,
    pub name: String,
    pub jurisdiction_id: JurisdictionId,
    pub department_id: Option<DepartmentId>,
    /// The materialized path of the user's department.
    pub department_path: Option<String>,
    pub roles: Vec<Role>,
    pub scope: ScopeKind,
    pub listed_departments: Vec<DepartmentId>,
}

/// The filter a data scope puts on records owned by departments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeFilter {
    Everything,
    Departments(Vec<DepartmentId>),
    PathPrefix(String),
    CreatedBy(UserId),
    Nothing,
}

/// What a record must reveal for a scope check.
#[derive(Debug, Clone, Copy)]
pub struct Ownership<'a> {
    pub jurisdiction_id: JurisdictionId,
    pub department_id: DepartmentId,
    pub department_path: &'a str,
    pub created_by: UserId,
}

impl ScopeFilter {
    pub fn allows(&self, o: &Ownership<'_>) -> bool {
        match self {
            ScopeFilter::Everything => true,
            ScopeFilter::Departments(ids) => ids.contains(&o.department_id),
            ScopeFilter::PathPrefix(prefix) => o.department_path.starts_with(prefix.as_str()),
            ScopeFilter::CreatedBy(uid) => *uid == o.created_by,
            ScopeFilter::Nothing => false,
        }
    }
}

impl Principal {
    /// The operator at the command line (and the set-up of demo and test data): the
    /// administrator of every jurisdiction, with no account of its own (user 0).
    pub fn operator() -> Principal {
        Principal {
            user_id: UserId(0),
            login: "operator".into(),
            name: "运维操作员".into(),
            jurisdiction_id: JurisdictionId(0),
            department_id: None,
            department_path: None,
            roles: vec![Role::Admin],
            scope: ScopeKind::All,
            listed_departments: vec![],
        }
    }

    /// A clerk of department 4 (path `/1/4/`) of jurisdiction 1 who also lists department 9,
    /// with these roles and scope: the core's tests' user.
    #[cfg(test)]
    pub(crate) fn sample(roles: Vec<Role>, scope: ScopeKind) -> Principal {
        Principal {
            user_id: UserId(7),
            login: "clerk".into(),
            name: "经办人".into(),
            jurisdiction_id: JurisdictionId(1),
            department_id: Some(DepartmentId(4)),
            department_path: Some("/1/4/".into()),
            roles,
            scope,
            listed_departments: vec![DepartmentId(9)],
        }
    }

    /// Whether this is the operator at the command line.
    pub fn is_operator(&self) -> bool {
        self.user_id.0 == 0
    }

    /// Whether the principal administers the accounts of `jurisdiction`.
    pub fn administers(&self, jurisdiction: JurisdictionId) -> bool {
        self.has(Role::Admin) && (self.is_operator() || self.jurisdiction_id == jurisdiction)
    }

    /// Whether the user may set up jurisdictions: a platform administrator, or the operator.
    pub fn runs_platform(&self) -> bool {
        self.has(Role::Platform) || self.is_operator()
    }

    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn scope_filter(&self) -> ScopeFilter {
        match (self.scope, self.department_id, &self.department_path) {
            (ScopeKind::All, _, _) => ScopeFilter::Everything,
            (ScopeKind::Listed, _, _) => ScopeFilter::Departments(self.listed_departments.clone()),
            (ScopeKind::OwnDepartment, Some(d), _) => ScopeFilter::Departments(vec![d]),
            (ScopeKind::OwnAndBelow, Some(_), Some(path)) => ScopeFilter::PathPrefix(path.clone()),
            (ScopeKind::SelfOnly, _, _) => ScopeFilter::CreatedBy(self.user_id),
            _ => ScopeFilter::Nothing,
        }
    }

    /// Whether a record owned as `o` is the user's to see: same jurisdiction, inside the
    /// data scope.
    pub fn can_see(&self, o: &Ownership<'_>) -> bool {
        o.jurisdiction_id == self.jurisdiction_id && self.scope_filter().allows(o)
    }

    /// Whether the user may see a project: [`Principal::can_see`], and — for drafts — only
    /// the owner department or the author, since a draft is not yet declared to anyone.
    pub fn can_see_project(&self, o: &Ownership<'_>, status: ProjectStatus) -> bool {
        if !self.can_see(o) {
            return false;
        }
        status != ProjectStatus::Draft
            || self.department_id == Some(o.department_id)
            || self.user_id == o.created_by
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(scope: ScopeKind) -> Principal {
        Principal::sample(vec![Role::Declarant], scope)
    }

    fn owned(dept: i64, path: &str, by: i64) -> Ownership<'_> {
        Ownership {
            jurisdiction_id: JurisdictionId(1),
            department_id: DepartmentId(dept),
            department_path: path,
            created_by: UserId(by),
        }
    }

    #[test]
    fn each_scope_sees_its_own() {
        let own = owned(4, "/1/4/", 8);
        let child = owned(5, "/1/4/5/", 8);
        let sibling = owned(9, "/1/9/", 8);
        let mine = owned(9, "/1/9/", 7);
        let sees = |s, o: &Ownership<'_>| principal(s).scope_filter().allows(o);
        assert!(sees(ScopeKind::All, &sibling));
        assert!(sees(ScopeKind::OwnDepartment, &own));
        assert!(!sees(ScopeKind::OwnDepartment, &child));
        assert!(sees(ScopeKind::OwnAndBelow, &child));
        assert!(!sees(ScopeKind::OwnAndBelow, &sibling));
        assert!(sees(ScopeKind::Listed, &sibling));
        assert!(!sees(ScopeKind::Listed, &own));
        assert!(sees(ScopeKind::SelfOnly, &mine));
        assert!(!sees(ScopeKind::SelfOnly, &own));
        // "/1/4/" must not match "/1/40/"
        assert!(!sees(ScopeKind::OwnAndBelow, &owned(40, "/1/40/", 8)));
    }

    #[test]
    fn drafts_stay_with_their_unit() {
        let reviewer = Principal {
            department_id: Some(DepartmentId(2)),
            department_path: Some("/1/2/".into()),
            ..principal(ScopeKind::All)
        };
        let o = owned(4, "/1/4/", 8);
        assert!(!reviewer.can_see_project(&o, ProjectStatus::Draft));
        assert!(reviewer.can_see_project(&o, ProjectStatus::Submitted));
        let other_jurisdiction = Ownership { jurisdiction_id: JurisdictionId(2), ..o };
        assert!(!reviewer.can_see_project(&other_jurisdiction, ProjectStatus::Submitted));
    }

    #[test]
    fn records_of_another_jurisdiction_are_never_seen() {
        let everyone = principal(ScopeKind::All);
        let o = owned(4, "/1/4/", 8);
        assert!(everyone.can_see(&o));
        let elsewhere = Ownership { jurisdiction_id: JurisdictionId(2), ..o };
        assert!(!everyone.can_see(&elsewhere));
        assert!(!principal(ScopeKind::OwnAndBelow).can_see(&owned(9, "/1/9/", 8)));
    }
}

#[cfg(test)]
mod role_tests {
    use super::*;

    #[test]
    fn incompatible_roles_are_refused_with_the_reason() {
        assert_eq!(role_conflict(&[Role::Declarant]), None);
        assert_eq!(role_conflict(&[Role::Reviewer, Role::Viewer]), None);
        assert!(
            role_conflict(&[Role::Admin, Role::Auditor]).is_some_and(|m| m.contains("三员分立"))
        );
        assert!(
            role_conflict(&[Role::Reviewer, Role::Declarant])
                .is_some_and(|m| m.contains("既申报又审核"))
        );
        assert!(role_conflict(&[Role::Auditor, Role::Reviewer]).is_some());
        assert!(role_conflict(&[Role::Admin, Role::Declarant]).is_some());
    }
}
