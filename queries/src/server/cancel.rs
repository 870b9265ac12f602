//! Cancel requests (psql's Ctrl-C, a BI tool's "cancel query"): Postgres clients send them on a
//! new connection, naming the session by its process id and secret key.
//!
//! pgwire's [`ConnectionManager`] interrupts a query only while the handler is planning it; the
//! work of a DataFusion query happens later, while its rows stream to the client. So each
//! session also keeps a [`SessionCancel`]: a counter bumped by every cancel request for it. A
//! running query's stream watches the counter ([`Deadline`](super::limits::Deadline)) and ends
//! with "canceling statement due to user request" (SQLSTATE 57014) when it moves. A request that
//! arrives between queries bumps the counter before the next query starts watching it, so it
//! cancels nothing, as in Postgres.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use async_trait::async_trait;
use bytes::Bytes;
use pgwire::api::cancel::CancelHandler;
use pgwire::api::{ClientInfo, ConnectionManager};
use pgwire::messages::cancel::CancelRequest;
use tokio::sync::watch;
use tracing::info;

/// The message of a query cancelled by its client.
pub(crate) const CANCELED_BY_USER: &str = "canceling statement due to user request";

type Key = (i32, Bytes);

/// The sessions that can be cancelled, by process id and secret key.
#[derive(Default)]
pub(crate) struct Cancels {
    sessions: Mutex<HashMap<Key, Arc<watch::Sender<u64>>>>,
}

impl Cancels {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Arc<watch::Sender<u64>>>> {
        // A panic while holding the lock leaves the map as it was: keep using it.
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// One session's cancel counter; unregistered when the session ends.
pub(crate) struct SessionCancel {
    registry: Arc<Cancels>,
    key: OnceLock<Key>,
    signal: Arc<watch::Sender<u64>>,
}

impl SessionCancel {
    pub(crate) fn new(registry: Arc<Cancels>) -> Self {
        SessionCancel {
            registry,
            key: OnceLock::new(),
            signal: Arc::new(watch::Sender::new(0)),
        }
    }

    /// A receiver that changes at the next cancel request for `client`'s session (registering
    /// the session under its id and key on first use: they are known only after startup).
    pub(crate) fn watch<C: ClientInfo>(&self, client: &C) -> watch::Receiver<u64> {
        self.key.get_or_init(|| {
            let (pid, secret) = client.pid_and_secret_key();
            let key = (pid, secret.to_bytes());
            self.registry
                .lock()
                .insert(key.clone(), Arc::clone(&self.signal));
            key
        });
        let mut receiver = self.signal.subscribe();
        receiver.borrow_and_update();
        receiver
    }
}

impl Drop for SessionCancel {
    fn drop(&mut self) {
        if let Some(key) = self.key.get() {
            self.registry.lock().remove(key);
        }
    }
}

/// Resolves when `receiver` changes (a cancel request); never, if its session is gone.
pub(crate) async fn cancelled(mut receiver: watch::Receiver<u64>) {
    if receiver.changed().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// The server's cancel handler: interrupts planning (pgwire) and streaming (ours).
pub(crate) struct CancelRequests {
    manager: Arc<ConnectionManager>,
    registry: Arc<Cancels>,
}

impl CancelRequests {
    pub(crate) fn new(manager: Arc<ConnectionManager>, registry: Arc<Cancels>) -> Self {
        CancelRequests { manager, registry }
    }
}

#[async_trait]
impl CancelHandler for CancelRequests {
    async fn on_cancel_request(&self, request: CancelRequest) {
        self.manager.cancel(request.pid, &request.secret_key).await;
        let key = (request.pid, request.secret_key.to_bytes());
        let signal = self.registry.lock().get(&key).cloned();
        if let Some(signal) = signal {
            info!(pid = request.pid, "cancel request");
            signal.send_modify(|generation| *generation += 1);
        }
    }
}
