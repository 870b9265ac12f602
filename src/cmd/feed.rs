//! `roomsight feed`: delivers incident events to the configured sinks (Kafka `room-incidents`,
//! ServiceNow, a webhook), exactly once in effect, from the lake's durable outbox.

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use roomsight_pipeline::feed::{
    Auth, FeedConfig, FeedReport, Feeder, KafkaSinkConfig, RetryPolicy, ServiceNowConfig,
    WebhookConfig,
};
use roomsight_pipeline::incidents::IncidentStore;

use crate::cli::LakeArgs;
use crate::cmd::lake::{open_existing, runtime};

/// Flags of `roomsight feed`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    pub(crate) lake: LakeArgs,

    /// Deliver what is pending and exit: 0 when everything reached every sink, 1 otherwise.
    #[arg(long, env = "ROOMSIGHT_ONCE")]
    pub(crate) once: bool,

    /// Kafka bootstrap servers for the `room-incidents` topic; no Kafka sink without it.
    #[arg(long, env = "ROOMSIGHT_KAFKA_BROKERS", value_name = "B")]
    pub(crate) kafka_brokers: Option<String>,

    /// The Kafka topic of incident events.
    #[arg(
        long,
        env = "ROOMSIGHT_KAFKA_TOPIC",
        default_value = "room-incidents",
        value_name = "T"
    )]
    pub(crate) kafka_topic: String,

    /// Extra librdkafka property `key=value` for the incident producer (repeatable).
    #[arg(long = "kafka-option", env = "ROOMSIGHT_KAFKA_OPTION", value_parser = parse_key_value,
          value_delimiter = ',', value_name = "KEY=VALUE")]
    pub(crate) kafka_options: Vec<(String, String)>,

    /// The ServiceNow instance, e.g. `https://example.service-now.com`; no ServiceNow sink
    /// without it.
    #[arg(long, env = "ROOMSIGHT_SERVICENOW_URL", value_name = "URL")]
    pub(crate) servicenow_url: Option<String>,

    /// ServiceNow user (basic authentication), with --servicenow-password.
    #[arg(long, env = "ROOMSIGHT_SERVICENOW_USER", value_name = "U")]
    pub(crate) servicenow_user: Option<String>,

    /// ServiceNow password (basic authentication); better given by environment or config file.
    #[arg(
        long,
        env = "ROOMSIGHT_SERVICENOW_PASSWORD",
        value_name = "P",
        hide_env_values = true
    )]
    pub(crate) servicenow_password: Option<String>,

    /// ServiceNow OAuth bearer token, instead of user and password.
    #[arg(
        long,
        env = "ROOMSIGHT_SERVICENOW_TOKEN",
        value_name = "T",
        hide_env_values = true
    )]
    pub(crate) servicenow_token: Option<String>,

    /// CSV of `room_id,sys_id`: the configuration item (`cmdb_ci`) of each room.
    #[arg(long, env = "ROOMSIGHT_SERVICENOW_CMDB_MAP", value_name = "FILE")]
    pub(crate) servicenow_cmdb_map: Option<std::path::PathBuf>,

    /// The `close_code` of resolved and closed tickets.
    #[arg(
        long,
        env = "ROOMSIGHT_SERVICENOW_CLOSE_CODE",
        default_value = "Solved Remotely (Permanently)",
        value_name = "CODE"
    )]
    pub(crate) servicenow_close_code: String,

    /// The webhook receiver's URL; no webhook sink without it.
    #[arg(long, env = "ROOMSIGHT_WEBHOOK_URL", value_name = "URL")]
    pub(crate) webhook_url: Option<String>,

    /// Secret for the `X-Roomsight-Signature: sha256=<HMAC>` header of webhook requests.
    #[arg(
        long,
        env = "ROOMSIGHT_WEBHOOK_SECRET",
        value_name = "S",
        hide_env_values = true
    )]
    pub(crate) webhook_secret: Option<String>,

    /// How long to keep retrying an unavailable sink (429, 5xx, no connection) in one pass
    /// before leaving its events in the outbox for the next.
    #[arg(
        long,
        env = "ROOMSIGHT_RETRY_FOR_SECS",
        default_value_t = 120.0,
        value_name = "SECS"
    )]
    pub(crate) retry_for_secs: f64,

    /// The longest wait between two retries (also caps a sink's `Retry-After`).
    #[arg(
        long,
        env = "ROOMSIGHT_MAX_RETRY_DELAY_SECS",
        default_value_t = 60.0,
        value_name = "SECS"
    )]
    pub(crate) max_retry_delay_secs: f64,

    /// Without --once: seconds between two passes over the outbox.
    #[arg(
        long,
        env = "ROOMSIGHT_POLL_SECS",
        default_value_t = 30.0,
        value_name = "SECS"
    )]
    pub(crate) poll_secs: f64,

    /// Try parked incidents again (after fixing what the sink refused).
    #[arg(long, env = "ROOMSIGHT_RETRY_PARKED")]
    pub(crate) retry_parked: bool,
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.trim().to_string())),
        _ => Err(format!("`{s}` is not KEY=VALUE")),
    }
}

fn seconds(flag: &str, value: f64) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero() || flag == "--retry-for-secs")
        .with_context(|| format!("{flag} must be a positive number of seconds, not {value}"))
}

fn config(args: &Args) -> anyhow::Result<FeedConfig> {
    let servicenow = match &args.servicenow_url {
        None => None,
        Some(url) => {
            let auth = match (
                &args.servicenow_token,
                &args.servicenow_user,
                &args.servicenow_password,
            ) {
                (Some(token), None, None) => Auth::Bearer(token.clone()),
                (None, Some(user), Some(password)) => Auth::Basic {
                    user: user.clone(),
                    password: password.clone(),
                },
                _ => anyhow::bail!(
                    "--servicenow-url needs either --servicenow-token, or --servicenow-user with \
                     --servicenow-password (flags, ROOMSIGHT_SERVICENOW_* variables or the config file)"
                ),
            };
            let mut c = ServiceNowConfig::new(url.clone(), auth);
            c.close_code.clone_from(&args.servicenow_close_code);
            if let Some(file) = &args.servicenow_cmdb_map {
                c.cmdb_ci = read_cmdb_map(file)?;
            }
            Some(c)
        }
    };
    let webhook = args.webhook_url.as_ref().map(|url| WebhookConfig {
        url: url.clone(),
        secret: args.webhook_secret.clone(),
        timeout: Duration::from_secs(30),
    });
    let kafka = args.kafka_brokers.as_ref().map(|brokers| KafkaSinkConfig {
        brokers: brokers.clone(),
        topic: args.kafka_topic.clone(),
        options: args.kafka_options.clone(),
    });
    if servicenow.is_none() && webhook.is_none() && kafka.is_none() {
        anyhow::bail!(
            "no sink is configured: give --kafka-brokers, --servicenow-url or --webhook-url"
        );
    }
    let max_delay = seconds("--max-retry-delay-secs", args.max_retry_delay_secs)?;
    Ok(FeedConfig {
        kafka,
        servicenow,
        webhook,
        retry: RetryPolicy {
            first_delay: Duration::from_millis(500).min(max_delay),
            max_delay,
            patience: seconds("--retry-for-secs", args.retry_for_secs)?,
        },
        retry_parked: args.retry_parked,
    })
}

fn read_cmdb_map(file: &std::path::Path) -> anyhow::Result<HashMap<String, String>> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("could not read the CMDB map {}", file.display()))?;
    let mut map = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || (i == 0 && line.starts_with("room_id")) {
            continue;
        }
        let Some((room, sys_id)) = line.split_once(',') else {
            anyhow::bail!(
                "{} line {}: expected `room_id,sys_id`",
                file.display(),
                i + 1
            );
        };
        map.insert(room.trim().to_string(), sys_id.trim().to_string());
    }
    Ok(map)
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = config(&args)?;
    // The effective configuration, credentials redacted by the configs' Debug.
    tracing::info!(lake = %args.lake.lake, once = args.once, ?config, "feed starting");
    let lake = open_existing(&args.lake.lake)?;
    let store = IncidentStore::new(std::sync::Arc::clone(lake.store()));
    let runtime = runtime()?;
    let mut feeder = Feeder::new(config)?;
    if args.once {
        let report = runtime
            .block_on(feeder.deliver_pending(&store))
            .context("while delivering incident events")?;
        print_report(&report);
        if let Some(stopped) = report.sinks.iter().find_map(|s| s.stopped.clone()) {
            anyhow::bail!(stopped);
        }
        return Ok(if report.all_delivered() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    let poll = seconds("--poll-secs", args.poll_secs)?;
    runtime
        .block_on(feeder.run(&store, poll, async {
            let _ = tokio::signal::ctrl_c().await;
        }))
        .context("while delivering incident events")?;
    Ok(ExitCode::SUCCESS)
}

fn print_report(report: &FeedReport) {
    println!("sink        delivered  pending  parked");
    for s in &report.sinks {
        println!(
            "{:<10}  {:>9}  {:>7}  {:>6}",
            s.sink,
            s.delivered,
            s.pending,
            s.parked.len()
        );
    }
    for s in &report.sinks {
        if let Some(why) = &s.unavailable {
            println!(
                "{}: unavailable ({why}); its events wait in the outbox",
                s.sink
            );
        }
        for (id, parked) in &s.parked {
            println!(
                "{}: parked {id} at seq {}: {}",
                s.sink, parked.seq, parked.error
            );
        }
    }
}
