//! The instance's users, organizations and memberships. Memberships are kept in one table that
//! everything reads: the organization claims of minted tokens, the `organization_memberships`
//! of the FAPI user object, sign-in tokens that activate an organization and the control API,
//! whether they were registered per organization or per user.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::jwt::random_id;

/// A user of the instance and the organizations they belong to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    #[serde(default)]
    pub organization_memberships: Vec<Membership>,
}

impl User {
    pub fn new(id: impl Into<String>) -> Self {
        User {
            id: id.into(),
            organization_memberships: Vec::new(),
        }
    }

    /// Adds a membership (the organization is created if the instance lacks it).
    pub fn membership(mut self, membership: Membership) -> Self {
        self.organization_memberships.push(membership);
        self
    }

    /// `user_alice` (a member of the default `org_1`), `user_bob` and `user_carol`: the users
    /// the workspace's tests sign in through the Backend API on a default instance.
    pub fn defaults() -> Vec<User> {
        ["user_alice", "user_bob", "user_carol"]
            .into_iter()
            .map(User::new)
            .collect()
    }
}

/// A user's membership: the organization (id, and the slug and name it has) and the role.
/// A misspelt field is an error rather than a slug or name quietly left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Membership {
    pub organization_id: String,
    /// When registering: `None` keeps an existing organization's slug (a new one's is its id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// When registering: `None` keeps an existing organization's name (a new one's is its slug).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The role key: `org:admin`, `org:member` or a custom `org:…` role.
    pub role: String,
}

impl Membership {
    pub fn new(organization_id: impl Into<String>, role: impl Into<String>) -> Self {
        Membership {
            organization_id: organization_id.into(),
            slug: None,
            name: None,
            role: role.into(),
        }
    }

    pub fn slug(mut self, slug: impl Into<String>) -> Self {
        self.slug = Some(slug.into());
        self
    }

    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

/// An organization of the instance, with its members and their roles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    pub id: String,
    pub slug: String,
    pub name: String,
    /// User id → role key (`org:admin`, `org:member`, or a custom `org:…` role).
    #[serde(default)]
    pub members: BTreeMap<String, String>,
}

impl Organization {
    /// Named after its slug until [`Organization::name`] says otherwise.
    pub fn new(id: impl Into<String>, slug: impl Into<String>) -> Self {
        let slug = slug.into();
        Organization {
            id: id.into(),
            name: slug.clone(),
            slug,
            members: BTreeMap::new(),
        }
    }

    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    pub fn member(mut self, user_id: impl Into<String>, role: impl Into<String>) -> Self {
        self.members.insert(user_id.into(), role.into());
        self
    }

    /// `org_1` (slug `org-1`, name `Organization 1`) with `user_alice` as `org:admin`: the
    /// organization the shared scenarios and the Kotlin and Swift tests use.
    pub fn defaults() -> Vec<Organization> {
        vec![
            Organization::new("org_1", "org-1")
                .name("Organization 1")
                .member("user_alice", "org:admin"),
        ]
    }
}

/// What a token says about the active organization.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OrgClaims {
    pub id: String,
    pub slug: String,
    /// With its `org:` prefix, as version 1 tokens carry it.
    pub role: String,
}

pub(crate) struct OrgRec {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub created_at: i64,
    pub updated_at: i64,
}

pub(crate) struct MembershipRec {
    pub id: String,
    pub role: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One of a user's memberships as the FAPI shows it.
pub(crate) struct MembershipView<'d> {
    pub membership: &'d MembershipRec,
    pub organization: &'d OrgRec,
    pub members_count: usize,
}

#[derive(Default)]
pub(crate) struct Directory {
    /// User id → when the user was registered.
    users: BTreeMap<String, i64>,
    organizations: BTreeMap<String, OrgRec>,
    /// (organization id, user id) → the membership.
    memberships: BTreeMap<(String, String), MembershipRec>,
}

impl Directory {
    /// The configured users and organizations, registered at `now_ms`.
    pub fn new(users: &[User], organizations: &[Organization], now_ms: i64) -> Self {
        let mut directory = Directory::default();
        for organization in organizations {
            directory.put_organization(organization.clone(), now_ms);
        }
        for user in users {
            // A configured user keeps the memberships the organizations gave it.
            directory.ensure_user(&user.id, now_ms);
            for membership in &user.organization_memberships {
                directory.put_membership(&user.id, membership, now_ms);
            }
        }
        directory
    }

    pub fn has_user(&self, user_id: &str) -> bool {
        self.users.contains_key(user_id)
    }

    /// When the user was registered, if it is.
    pub fn user_created_at(&self, user_id: &str) -> Option<i64> {
        self.users.get(user_id).copied()
    }

    /// Registers the user if absent; returns when it was registered.
    pub fn ensure_user(&mut self, user_id: &str, now_ms: i64) -> i64 {
        *self.users.entry(user_id.to_string()).or_insert(now_ms)
    }

    /// Registers the user, or replaces its memberships with the given ones; returns the user
    /// as registered.
    pub fn put_user(&mut self, user: &User, now_ms: i64) -> User {
        self.ensure_user(&user.id, now_ms);
        let keep: Vec<&str> = user
            .organization_memberships
            .iter()
            .map(|m| m.organization_id.as_str())
            .collect();
        self.memberships
            .retain(|(org, member), _| member != &user.id || keep.contains(&org.as_str()));
        for membership in &user.organization_memberships {
            self.put_membership(&user.id, membership, now_ms);
        }
        self.view(&user.id)
    }

    pub fn user(&self, user_id: &str) -> Option<User> {
        self.has_user(user_id).then(|| self.view(user_id))
    }

    fn view(&self, user_id: &str) -> User {
        User {
            id: user_id.to_string(),
            organization_memberships: self
                .memberships_of(user_id)
                .into_iter()
                .map(|view| Membership {
                    organization_id: view.organization.id.clone(),
                    slug: Some(view.organization.slug.clone()),
                    name: Some(view.organization.name.clone()),
                    role: view.membership.role.clone(),
                })
                .collect(),
        }
    }

    pub fn users(&self) -> Vec<User> {
        self.users.keys().filter_map(|id| self.user(id)).collect()
    }

    /// Creates or renames the organization and sets the user's role in it.
    fn put_membership(&mut self, user_id: &str, membership: &Membership, now_ms: i64) {
        let org = self.upsert_organization(
            &membership.organization_id,
            membership.slug.as_deref(),
            membership.name.as_deref(),
            now_ms,
        );
        self.set_role(&org, user_id, &membership.role, now_ms);
    }

    /// Adds or replaces an organization and its members; members not yet registered are
    /// registered, as only users can belong to an organization.
    pub fn put_organization(&mut self, organization: Organization, now_ms: i64) {
        let id = self.upsert_organization(
            &organization.id,
            Some(&organization.slug),
            Some(&organization.name),
            now_ms,
        );
        self.memberships
            .retain(|(org, member), _| org != &id || organization.members.contains_key(member));
        for (user_id, role) in &organization.members {
            self.ensure_user(user_id, now_ms);
            self.set_role(&id, user_id, role, now_ms);
        }
    }

    pub fn organization(&self, id: &str) -> Option<Organization> {
        let rec = self.organizations.get(id)?;
        Some(Organization {
            id: rec.id.clone(),
            slug: rec.slug.clone(),
            name: rec.name.clone(),
            members: self
                .memberships
                .iter()
                .filter(|((org, _), _)| org == id)
                .map(|((_, user), m)| (user.clone(), m.role.clone()))
                .collect(),
        })
    }

    pub fn organizations(&self) -> Vec<Organization> {
        self.organizations
            .keys()
            .filter_map(|id| self.organization(id))
            .collect()
    }

    /// Removes the organization and every membership in it.
    pub fn remove_organization(&mut self, id: &str) -> Option<Organization> {
        let removed = self.organization(id)?;
        self.organizations.remove(id);
        self.memberships.retain(|(org, _), _| org != id);
        Some(removed)
    }

    /// The organization claims for `user_id` in `org_id`; `None` unless the user is a member.
    pub fn org_claims(&self, org_id: &str, user_id: &str) -> Option<OrgClaims> {
        let membership = self
            .memberships
            .get(&(org_id.to_string(), user_id.to_string()))?;
        let org = self.organizations.get(org_id)?;
        Some(OrgClaims {
            id: org.id.clone(),
            slug: org.slug.clone(),
            role: membership.role.clone(),
        })
    }

    /// The user's memberships, oldest first.
    pub fn memberships_of(&self, user_id: &str) -> Vec<MembershipView<'_>> {
        let mut views: Vec<MembershipView<'_>> = self
            .memberships
            .iter()
            .filter(|((_, member), _)| member == user_id)
            .filter_map(|((org, _), membership)| {
                Some(MembershipView {
                    membership,
                    organization: self.organizations.get(org)?,
                    members_count: self.members_count(org),
                })
            })
            .collect();
        views.sort_by(|a, b| {
            (a.membership.created_at, &a.organization.id)
                .cmp(&(b.membership.created_at, &b.organization.id))
        });
        views
    }

    fn members_count(&self, org_id: &str) -> usize {
        self.memberships
            .keys()
            .filter(|(org, _)| org == org_id)
            .count()
    }

    /// The organization's id after creating it or updating the slug and name given.
    fn upsert_organization(
        &mut self,
        id: &str,
        slug: Option<&str>,
        name: Option<&str>,
        now_ms: i64,
    ) -> String {
        let rec = self.organizations.entry(id.to_string()).or_insert_with(|| {
            let slug = slug.unwrap_or(id).to_string();
            OrgRec {
                id: id.to_string(),
                name: name.map_or_else(|| slug.clone(), str::to_string),
                slug,
                created_at: now_ms,
                updated_at: now_ms,
            }
        });
        let renamed = slug.is_some_and(|s| s != rec.slug) || name.is_some_and(|n| n != rec.name);
        if renamed {
            if let Some(slug) = slug {
                rec.slug = slug.to_string();
            }
            if let Some(name) = name {
                rec.name = name.to_string();
            }
            rec.updated_at = now_ms;
        }
        rec.id.clone()
    }

    fn set_role(&mut self, org_id: &str, user_id: &str, role: &str, now_ms: i64) {
        let rec = self
            .memberships
            .entry((org_id.to_string(), user_id.to_string()))
            .or_insert_with(|| MembershipRec {
                id: format!("orgmem_{}", random_id(27)),
                role: role.to_string(),
                created_at: now_ms,
                updated_at: now_ms,
            });
        if rec.role != role {
            rec.role = role.to_string();
            rec.updated_at = now_ms;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memberships_registered_per_user_or_per_organization_are_the_same_table() {
        let mut d = Directory::new(&User::defaults(), &Organization::defaults(), 1);
        assert_eq!(
            d.org_claims("org_1", "user_alice").map(|c| c.role),
            Some("org:admin".into())
        );

        d.put_user(
            &User::new("user_dan").membership(Membership::new("org_1", "org:member")),
            2,
        );
        let org = d.organization("org_1").unwrap();
        assert_eq!(
            org.members.get("user_dan").map(String::as_str),
            Some("org:member")
        );
        assert_eq!(
            (org.slug.as_str(), org.name.as_str()),
            ("org-1", "Organization 1")
        );

        d.put_organization(
            Organization::new("org_1", "one").member("user_dan", "org:admin"),
            3,
        );
        assert!(
            d.org_claims("org_1", "user_alice").is_none(),
            "replaced members"
        );
        let dan = d.user("user_dan").unwrap();
        assert_eq!(dan.organization_memberships[0].role, "org:admin");
        assert_eq!(dan.organization_memberships[0].slug.as_deref(), Some("one"));

        d.put_user(&User::new("user_dan"), 4);
        assert!(
            d.memberships_of("user_dan").is_empty(),
            "a user's memberships are replaced"
        );
        assert!(d.organization("org_1").is_some(), "the organization stays");
    }

    #[test]
    fn members_of_an_organization_become_users() {
        let d = Directory::new(
            &[],
            &[Organization::new("org_x", "x").member("user_x", "org:member")],
            5,
        );
        assert_eq!(d.user_created_at("user_x"), Some(5));
        assert_eq!(d.memberships_of("user_x")[0].members_count, 1);
    }
}
