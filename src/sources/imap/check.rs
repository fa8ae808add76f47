//! `intake imap check`: logs in to an account and looks for its folders, without taking or
//! changing anything. Gives an [`AccountCheck`] that says which step failed (DNS, TLS, login)
//! or which folder is missing. Async.

use super::connect::{self, Endpoint};
use super::poll::list_folders;
use super::ImapError;
use crate::config::{ImapAccountConfig, ImapAction};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FolderRole {
    Watched,
    MoveTarget,
    Failed,
}

#[derive(Debug, Clone)]
pub struct FolderCheck {
    pub folder: String,
    pub role: FolderRole,
    pub exists: bool,
}

#[derive(Debug)]
pub struct AccountCheck {
    /// `imaps://user@host:port`, never the password.
    pub endpoint: String,
    pub result: Result<Vec<FolderCheck>, ImapError>,
}

impl AccountCheck {
    /// Login worked and every watched folder exists (move and failed folders are created on
    /// first use).
    pub fn ok(&self) -> bool {
        self.result.as_ref().is_ok_and(|folders| {
            folders
                .iter()
                .all(|f| f.exists || f.role != FolderRole::Watched)
        })
    }
}

pub async fn check_account(config: &ImapAccountConfig) -> AccountCheck {
    let endpoint = Endpoint::from_config(config);
    let result = async {
        let (mut session, _caps) = connect::connect(&endpoint).await?;
        let key = endpoint.to_string();
        let existing = list_folders(&mut session, &endpoint, &key).await?;
        let _ = tokio::time::timeout(endpoint.timeout, session.logout()).await;
        let mut folders: Vec<FolderCheck> = config
            .folders
            .iter()
            .map(|f| FolderCheck {
                folder: f.clone(),
                role: FolderRole::Watched,
                exists: existing.contains(f),
            })
            .collect();
        if config.after == ImapAction::Move {
            folders.push(FolderCheck {
                folder: config.move_to.clone(),
                role: FolderRole::MoveTarget,
                exists: existing.contains(&config.move_to),
            });
        }
        folders.push(FolderCheck {
            folder: config.failed_folder.clone(),
            role: FolderRole::Failed,
            exists: existing.contains(&config.failed_folder),
        });
        Ok(folders)
    }
    .await;
    AccountCheck {
        endpoint: endpoint.to_string(),
        result,
    }
}
