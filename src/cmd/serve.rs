//! `roomsight serve`: the Postgres-wire SQL server, thin over `roomsight_queries::server`.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use roomsight_queries::server::{Credentials, Limits, Server, ServerConfig};

use crate::cli::LakeArgs;
use crate::cmd::sql::open_catalog;

/// Flags of `roomsight serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    pub(crate) lake: LakeArgs,

    /// Address to listen on; anything but loopback requires --user and --password.
    #[arg(
        long,
        env = "ROOMSIGHT_LISTEN",
        default_value = "127.0.0.1:5433",
        value_name = "ADDR"
    )]
    pub(crate) listen: SocketAddr,

    /// The user name clients log in with (with --password).
    #[arg(long, env = "ROOMSIGHT_USER", value_name = "U", requires = "password")]
    pub(crate) user: Option<String>,

    /// The password clients log in with (checked by Postgres' MD5 challenge; never logged).
    /// Prefer ROOMSIGHT_PASSWORD or the config file to a flag other users can see in `ps`.
    #[arg(
        long,
        env = "ROOMSIGHT_PASSWORD",
        value_name = "P",
        hide_env_values = true,
        requires = "user"
    )]
    pub(crate) password: Option<String>,

    /// Memory one query may use, in MiB; beyond it the query spills to disk where it can,
    /// else fails alone.
    #[arg(long, env = "ROOMSIGHT_QUERY_MEMORY_MB", default_value_t = 1024, value_name = "MIB",
          value_parser = clap::value_parser!(u64).range(16..))]
    pub(crate) query_memory_mb: u64,

    /// Wall-clock seconds one query may take before it is cancelled (clients may set a
    /// shorter `statement_timeout`).
    #[arg(long, env = "ROOMSIGHT_QUERY_TIMEOUT_SECS", default_value_t = 300, value_name = "S",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) query_timeout_secs: u64,

    /// Sessions served at once; more connections are refused.
    #[arg(long, env = "ROOMSIGHT_MAX_CONNECTIONS", default_value_t = 64, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) max_connections: u64,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    let catalog = open_catalog(&runtime, &args.lake.lake)?;
    let credentials = match (args.user, args.password) {
        (Some(user), Some(password)) => Some(Credentials { user, password }),
        _ => None,
    };
    let config = ServerConfig {
        credentials,
        limits: Limits {
            memory: usize::try_from(args.query_memory_mb.saturating_mul(1024 * 1024))
                .unwrap_or(usize::MAX),
            timeout: Duration::from_secs(args.query_timeout_secs),
        },
        max_connections: usize::try_from(args.max_connections).unwrap_or(usize::MAX),
    };
    runtime.block_on(async {
        let server = Server::bind(args.listen, catalog.context().clone(), config)
            .await
            .context("could not start the SQL server")?;
        let addr = server.local_addr()?;
        // The one line scripts and tests wait for.
        eprintln!(
            "roomsight serve: listening on {addr} (lake {})",
            args.lake.lake
        );
        server
            .run(shutdown_signal())
            .await
            .context("the SQL server stopped")
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
