//! Who may connect: one user and password, checked with Postgres' MD5 challenge (the password
//! never crosses the wire), or nobody but local processes when no password is configured.

use std::collections::hash_map::RandomState;
use std::fmt::{self, Debug};
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;

use async_trait::async_trait;
use futures::Sink;
use pgwire::api::auth::md5pass::{Md5PasswordAuthStartupHandler, hash_md5_password};
use pgwire::api::auth::noop::NoopStartupHandler;
use pgwire::api::auth::{
    AuthSource, DefaultServerParameterProvider, LoginInfo, Password, StartupHandler,
};
use pgwire::api::{ClientInfo, ConnectionManager};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use tracing::{info, warn};

/// The one account of the server. `Debug` never shows the password.
#[derive(Clone)]
pub struct Credentials {
    /// The user name clients log in with.
    pub user: String,
    /// Its password (compared through the MD5 challenge, never logged).
    pub password: String,
}

impl Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// The password source of the MD5 handshake: a fresh salt per connection, and for a user
/// that does not exist, the hash of a password nobody knows (so the reply is the same
/// "password authentication failed" either way).
#[derive(Debug)]
pub(crate) struct Account {
    credentials: Credentials,
}

#[async_trait]
impl AuthSource for Account {
    // pgwire's trait elides the lifetime; naming it (`LoginInfo<'_>`) makes it early-bound and
    // the impl would no longer match the trait.
    #[expect(
        elided_lifetimes_in_paths,
        reason = "must match pgwire's trait signature"
    )]
    async fn get_password(&self, login: &LoginInfo) -> PgWireResult<Password> {
        let salt = random_bytes(4);
        let user = login.user().unwrap_or_default();
        let hash = if user == self.credentials.user {
            hash_md5_password(user, &self.credentials.password, &salt)
        } else {
            warn!(user, host = login.host(), "login as an unknown user");
            hash_md5_password(user, &hex(&random_bytes(16)), &salt)
        };
        Ok(Password::new(Some(salt), hash.into_bytes()))
    }
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(n);
    while bytes.len() < n {
        // RandomState is seeded from the OS per process and perturbed per instance.
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_usize(bytes.len());
        bytes.extend_from_slice(&hasher.finish().to_le_bytes());
    }
    bytes.truncate(n);
    bytes
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Accepts anyone: only ever used on a loopback address with no password configured.
pub(crate) struct Trust {
    connections: Arc<ConnectionManager>,
}

impl NoopStartupHandler for Trust {
    fn connection_manager(&self) -> Option<Arc<ConnectionManager>> {
        Some(self.connections.clone())
    }
}

/// The startup (authentication) handler of one connection.
pub(crate) enum Startup {
    Md5(Md5PasswordAuthStartupHandler<Account, DefaultServerParameterProvider>),
    Trust(Trust),
}

impl Startup {
    /// A handler for one new connection (the MD5 handler keeps the connection's salted hash).
    pub(crate) fn new(
        credentials: Option<&Credentials>,
        connections: &Arc<ConnectionManager>,
    ) -> Self {
        match credentials {
            Some(credentials) => {
                let mut parameters = DefaultServerParameterProvider::default();
                parameters.is_superuser = false;
                parameters.default_transaction_read_only = true;
                let account = Account {
                    credentials: credentials.clone(),
                };
                Startup::Md5(
                    Md5PasswordAuthStartupHandler::new(Arc::new(account), Arc::new(parameters))
                        .with_connection_manager(connections.clone()),
                )
            }
            None => Startup::Trust(Trust {
                connections: connections.clone(),
            }),
        }
    }
}

#[async_trait]
impl StartupHandler for Startup {
    async fn on_startup<C>(
        &self,
        client: &mut C,
        message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let result = match self {
            Startup::Md5(handler) => handler.on_startup(client, message).await,
            Startup::Trust(handler) => handler.on_startup(client, message).await,
        };
        match &result {
            Err(PgWireError::InvalidPassword(user)) => {
                warn!(user, peer = %client.socket_addr(), "password authentication failed");
            }
            Ok(())
                if matches!(
                    client.state(),
                    pgwire::api::PgWireConnectionState::ReadyForQuery
                ) =>
            {
                let user = client.metadata().get(pgwire::api::METADATA_USER).cloned();
                info!(user, peer = %client.socket_addr(), "session started");
            }
            _ => {}
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_password() {
        let credentials = Credentials {
            user: "analyst".to_owned(),
            password: "hunter2-secret".to_owned(),
        };
        let shown = format!("{credentials:?}");
        assert!(shown.contains("analyst"));
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn salts_differ_between_connections() {
        assert_ne!(random_bytes(4), random_bytes(4));
        assert_eq!(random_bytes(16).len(), 16);
    }
}
