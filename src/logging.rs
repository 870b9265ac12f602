//! The tracing subscriber: stderr, text or JSON, filtered by `-v` or `ROOMSIGHT_LOG`.

use tracing_subscriber::EnvFilter;

use crate::cli::{GlobalArgs, LogFormat};

/// Installs the process's subscriber. `ROOMSIGHT_LOG` (an `EnvFilter` directive such as
/// `roomsight=debug,rdkafka=warn`) wins over `-v`.
pub(crate) fn init(args: &GlobalArgs) {
    let default = match args.verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = std::env::var("ROOMSIGHT_LOG")
        .ok()
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match args.log_format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}
