//! `roomsight serve`: the lake's SQL over the Postgres wire protocol, for psql, DBeaver,
//! Grafana, Metabase and every other stock Postgres driver.
//!
//! Built on [`pgwire`] (the protocol: startup, MD5 password, simple and extended queries,
//! cancel requests), [`arrow_pg`] (Arrow batches → Postgres rows and types) and
//! [`datafusion_pg_catalog`] (the `pg_catalog` tables and functions psql's `\dt`/`\d` and BI
//! schema browsers query; `information_schema` is DataFusion's own).
//!
//! What it guarantees:
//! - **Who**: with [`Credentials`], every connection proves the password by Postgres' MD5
//!   challenge; without, the server refuses to listen anywhere but loopback
//!   ([`ServerError::PasswordRequired`]). Any database name is accepted. The password is never
//!   logged.
//! - **What**: read-only ([`policy`]): DDL, DML, `COPY`, `CREATE EXTERNAL TABLE`, engine `SET`s,
//!   file-reading table functions and tables named by path are refused with SQLSTATE 25006 and
//!   a message that names what was refused.
//! - **How much**: each connection has its own DataFusion session and memory pool
//!   ([`session`]), so a query is limited to [`Limits::memory`] bytes (spilling where DataFusion
//!   can) and [`Limits::timeout`] of wall-clock time ([`limits`]); one that exceeds either fails
//!   alone (SQLSTATE 53200 / 57014) and every other session keeps working. At most
//!   `max_connections` sessions run at once; more are turned away at connect.
//!
//! ```no_run
//! # async fn example(base: datafusion::prelude::SessionContext) -> Result<(), Box<dyn std::error::Error>> {
//! use roomsight_queries::server::{Credentials, Limits, Server, ServerConfig};
//! let config = ServerConfig {
//!     credentials: Some(Credentials { user: "bi".into(), password: "s3cret".into() }),
//!     limits: Limits { memory: 1 << 30, timeout: std::time::Duration::from_secs(300) },
//!     max_connections: 64,
//! };
//! let server = Server::bind("127.0.0.1:5433".parse()?, base, config).await?;
//! server.run(std::future::pending()).await?;
//! # Ok(()) }
//! ```

mod auth;
mod cancel;
mod handler;
pub mod limits;
pub mod policy;
pub mod session;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use datafusion::prelude::SessionContext;
use pgwire::api::{ConnectionManager, PgWireServerHandlers};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tracing::{info, warn};

pub use auth::Credentials;
pub use limits::Limits;

use auth::Startup;
use cancel::{CancelRequests, Cancels};
use handler::SessionHandler;

/// How the server runs.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// The account clients log in with; `None` only on a loopback address.
    pub credentials: Option<Credentials>,
    /// The memory and time limits of every query.
    pub limits: Limits,
    /// Sessions served at once; connections beyond are refused at connect.
    pub max_connections: usize,
}

/// What stops the server from starting or serving.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// Listening beyond loopback without a password would open the lake to the network.
    #[error(
        "refusing to listen on {addr} without a password: set --user and --password (or \
         ROOMSIGHT_USER / ROOMSIGHT_PASSWORD), or listen on 127.0.0.1"
    )]
    PasswordRequired {
        /// The address asked for.
        addr: SocketAddr,
    },
    /// An empty user or password is no protection.
    #[error("the server's user and password must not be empty")]
    EmptyCredentials,
    /// The address could not be bound (in use, not ours, no permission).
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// Adding the Postgres catalog to the session failed: a bug.
    #[error("cannot add pg_catalog to the SQL session (a bug, please report it)")]
    Catalog(#[source] datafusion::error::DataFusionError),
    /// Accepting connections failed.
    #[error("the listening socket failed")]
    Accept(#[source] std::io::Error),
}

/// A bound server, ready to [`run`](Server::run).
pub struct Server {
    listener: TcpListener,
    base: SessionContext,
    config: ServerConfig,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("listener", &self.listener)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Checks the configuration, prepares `base` (the catalog's session) for Postgres
    /// clients and binds `addr`.
    pub async fn bind(
        addr: SocketAddr,
        base: SessionContext,
        config: ServerConfig,
    ) -> Result<Server, ServerError> {
        match &config.credentials {
            None if !addr.ip().is_loopback() => return Err(ServerError::PasswordRequired { addr }),
            Some(c) if c.user.is_empty() || c.password.is_empty() => {
                return Err(ServerError::EmptyCredentials);
            }
            _ => {}
        }
        session::prepare_base(&base).map_err(ServerError::Catalog)?;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ServerError::Bind { addr, source })?;
        Ok(Server {
            listener,
            base,
            config,
        })
    }

    /// The address the server listens on (its port when bound to port 0).
    pub fn local_addr(&self) -> Result<SocketAddr, ServerError> {
        self.listener.local_addr().map_err(ServerError::Accept)
    }

    /// Serves connections until `shutdown` completes; open sessions are then closed.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), ServerError> {
        let addr = self.local_addr()?;
        info!(
            %addr,
            user = self.config.credentials.as_ref().map(|c| c.user.as_str()),
            auth = if self.config.credentials.is_some() { "md5" } else { "none (loopback only)" },
            memory_limit = self.config.limits.memory,
            timeout_ms = self.config.limits.timeout.as_millis() as u64,
            max_connections = self.config.max_connections,
            "serving SQL over the Postgres protocol"
        );
        if self.config.credentials.is_none() {
            warn!("no password set: any local process can connect");
        }
        let connections = Arc::new(ConnectionManager::new());
        let cancels = Arc::new(Cancels::default());
        let slots = Arc::new(Semaphore::new(self.config.max_connections.max(1)));
        let mut sessions = JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                Some(done) = sessions.join_next(), if !sessions.is_empty() => {
                    if let Err(e) = done && e.is_panic() {
                        warn!(error = %e, "a session panicked (a bug); the server goes on");
                    }
                }
                accepted = self.listener.accept() => {
                    let (socket, peer) = match accepted {
                        Ok(accepted) => accepted,
                        Err(e) => {
                            warn!(error = %e, "accepting a connection failed");
                            continue;
                        }
                    };
                    let Ok(slot) = slots.clone().try_acquire_owned() else {
                        warn!(%peer, max = self.config.max_connections, "too many sessions; connection refused");
                        continue;
                    };
                    let handlers = match self.connection(&connections, &cancels) {
                        Ok(handlers) => handlers,
                        Err(e) => {
                            warn!(%peer, error = %e, "cannot make a session");
                            continue;
                        }
                    };
                    sessions.spawn(async move {
                        if let Err(e) = pgwire::tokio::process_socket(socket, None, handlers).await {
                            info!(%peer, error = %e, "session ended with an error");
                        }
                        drop(slot);
                    });
                }
            }
        }
        info!("shutting down: closing {} sessions", sessions.len());
        sessions.shutdown().await;
        Ok(())
    }

    fn connection(
        &self,
        connections: &Arc<ConnectionManager>,
        cancels: &Arc<Cancels>,
    ) -> Result<Arc<Connection>, datafusion::error::DataFusionError> {
        let ctx = session::session_with_memory_limit(&self.base, self.config.limits.memory)?;
        Ok(Arc::new(Connection {
            startup: Arc::new(Startup::new(self.config.credentials.as_ref(), connections)),
            queries: Arc::new(SessionHandler::new(
                ctx,
                self.config.limits,
                Arc::clone(cancels),
            )),
            cancel: Arc::new(CancelRequests::new(
                Arc::clone(connections),
                Arc::clone(cancels),
            )),
        }))
    }
}

/// The handlers of one connection: its authentication state and its session.
struct Connection {
    startup: Arc<Startup>,
    queries: Arc<SessionHandler>,
    cancel: Arc<CancelRequests>,
}

impl PgWireServerHandlers for Connection {
    fn simple_query_handler(&self) -> Arc<impl pgwire::api::query::SimpleQueryHandler> {
        self.queries.clone()
    }

    fn extended_query_handler(&self) -> Arc<impl pgwire::api::query::ExtendedQueryHandler> {
        self.queries.clone()
    }

    fn startup_handler(&self) -> Arc<impl pgwire::api::auth::StartupHandler> {
        self.startup.clone()
    }

    fn cancel_handler(&self) -> Arc<impl pgwire::api::cancel::CancelHandler> {
        self.cancel.clone()
    }
}
