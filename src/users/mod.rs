//! Users of the API and web UI: roles, departments, permissions, what each may see, and the
//! secrets that prove who they are (argon2 password hashes, random session tokens stored only
//! as SHA-256). Pure, except hashing which costs ~50 ms on purpose.

use std::fmt;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum UsersError {
    #[error("user name {0:?}: use 1–64 letters, digits, '.', '-' or '_'")]
    BadName(String),
    #[error("unknown role {0:?} (mailroom, clerk, admin)")]
    BadRole(String),
    #[error("unknown permission {0:?} (health)")]
    BadPermission(String),
    #[error("a clerk needs at least one --department")]
    ClerkWithoutDepartment,
    #[error("the password must have at least 8 characters")]
    WeakPassword,
    #[error("hashing the password failed: {0}")]
    Hash(String),
}

/// What a user does; the ids are a public interface (`intake users add --role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Uploads scans and sees the ledger and failures, not document contents.
    Mailroom,
    /// Searches and works the tasks of their departments.
    Clerk,
    /// Everything.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Mailroom => "mailroom",
            Role::Clerk => "clerk",
            Role::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Result<Role, UsersError> {
        match s {
            "mailroom" => Ok(Role::Mailroom),
            "clerk" => Ok(Role::Clerk),
            "admin" => Ok(Role::Admin),
            other => Err(UsersError::BadRole(other.into())),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Extra rights on top of the role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// May read documents classed as health data.
    Health,
}

impl Permission {
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Health => "health",
        }
    }
    pub fn parse(s: &str) -> Result<Permission, UsersError> {
        match s {
            "health" => Ok(Permission::Health),
            other => Err(UsersError::BadPermission(other.into())),
        }
    }
}

/// A user as the store keeps it (without the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub name: String,
    pub role: Role,
    /// Queues (departments) a clerk works; ignored for other roles.
    pub departments: Vec<String>,
    pub permissions: Vec<Permission>,
}

/// Which documents and tasks a user may see; `None` fields mean "all".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// Only documents/tasks of these queues; `None` = every queue (and documents without one).
    pub queues: Option<Vec<String>>,
    pub health: bool,
}

impl User {
    pub fn new(
        name: &str,
        role: Role,
        departments: Vec<String>,
        permissions: Vec<Permission>,
    ) -> Result<User, UsersError> {
        let valid = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
        if !valid {
            return Err(UsersError::BadName(name.into()));
        }
        if role == Role::Clerk && departments.is_empty() {
            return Err(UsersError::ClerkWithoutDepartment);
        }
        Ok(User {
            name: name.into(),
            role,
            departments,
            permissions,
        })
    }

    pub fn has(&self, p: Permission) -> bool {
        self.permissions.contains(&p)
    }

    /// Search the archive and read documents (within [`User::scope`]).
    pub fn reads_documents(&self) -> bool {
        matches!(self.role, Role::Clerk | Role::Admin)
    }

    /// See the ledger: statuses, failures and quarantine reasons, and retry them.
    pub fn sees_ledger(&self) -> bool {
        matches!(self.role, Role::Mailroom | Role::Admin)
    }

    /// The documents and tasks this user may see.
    pub fn scope(&self) -> Scope {
        Scope {
            queues: match self.role {
                Role::Admin => None,
                Role::Clerk => Some(self.departments.clone()),
                Role::Mailroom => Some(Vec::new()),
            },
            health: self.has(Permission::Health),
        }
    }

    /// May read a document whose case task lists it in `queues` (its queue, then any further
    /// ones such as `retention`; empty: not routed yet).
    pub fn may_read(&self, queues: &[String], health_data: bool) -> bool {
        if !self.reads_documents() || (health_data && !self.has(Permission::Health)) {
            return false;
        }
        match self.scope().queues {
            None => true,
            Some(mine) => queues.iter().any(|q| mine.contains(q)),
        }
    }

    /// May see and work the tasks of `queue`.
    pub fn works_queue(&self, queue: &str) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Clerk => self.departments.iter().any(|d| d == queue),
            Role::Mailroom => false,
        }
    }
}

/// An argon2id hash in PHC format, with a random salt.
pub fn hash_password(password: &str) -> Result<String, UsersError> {
    if password.chars().count() < 8 {
        return Err(UsersError::WeakPassword);
    }
    let salt = SaltString::generate(&mut rand_core::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| UsersError::Hash(e.to_string()))
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A new session token: 32 random bytes, hex. Only its digest is stored.
pub fn new_token() -> String {
    use rand_core::RngCore;
    let mut bytes = [0u8; 32];
    rand_core::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What the store keeps of a token.
pub fn token_digest(token: &str) -> String {
    crate::model::Sha256Digest::of(token.as_bytes()).to_hex()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clerk(deps: &[&str], perms: Vec<Permission>) -> User {
        User::new(
            "erika",
            Role::Clerk,
            deps.iter().map(|d| d.to_string()).collect(),
            perms,
        )
        .unwrap()
    }

    #[test]
    fn clerks_read_their_departments_and_health_only_with_permission() {
        let q = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let c = clerk(&["schaden"], vec![]);
        assert!(c.may_read(&q(&["schaden"]), false));
        assert!(!c.may_read(&q(&["beschwerde"]), false));
        assert!(!c.may_read(&[], false));
        assert!(!c.may_read(&q(&["schaden"]), true));
        let retention = clerk(&["retention"], vec![]);
        assert!(retention.may_read(&q(&["bestand", "retention"]), false));
        assert!(clerk(&["schaden"], vec![Permission::Health]).may_read(&q(&["schaden"]), true));
        let admin = User::new("root", Role::Admin, vec![], vec![]).unwrap();
        assert!(admin.may_read(&q(&["beschwerde"]), false));
        assert!(admin.may_read(&[], false));
        assert!(!admin.may_read(&[], true));
        let mailroom = User::new("post", Role::Mailroom, vec![], vec![]).unwrap();
        assert!(!mailroom.may_read(&q(&["schaden"]), false));
        assert!(mailroom.sees_ledger() && !c.sees_ledger());
    }

    #[test]
    fn names_roles_and_passwords_are_checked() {
        assert!(matches!(
            User::new("../x", Role::Admin, vec![], vec![]),
            Err(UsersError::BadName(_))
        ));
        assert!(matches!(
            User::new("x", Role::Clerk, vec![], vec![]),
            Err(UsersError::ClerkWithoutDepartment)
        ));
        assert!(matches!(Role::parse("boss"), Err(UsersError::BadRole(_))));
        assert!(matches!(
            hash_password("short"),
            Err(UsersError::WeakPassword)
        ));
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&h, "correct horse"));
        assert!(!verify_password(&h, "correct hors"));
        assert_ne!(new_token(), new_token());
    }
}
