//! `storesync-simulate`: sends realistic, distinct, correctly signed Salla webhooks to a
//! storesync worker (or any receiver with the same URL scheme) and reports throughput and
//! latency.
//!
//! Closed loop (default): `--concurrency` senders, each sending its next webhook as soon as
//! the previous one is answered. Open loop (`--rate`): webhooks are due at a fixed rate, at
//! most `--concurrency` in flight; latency is measured from when a webhook was due, so a
//! receiver that falls behind shows it in the percentiles.
//!
//! A crate of its own, not a subcommand of `storesync-worker`: the production worker's
//! dependency tree then has no HTTP client or histogram and no RNG of its own (`make lint`
//! checks it), and the simulator can grow without touching the worker.

mod emit;
mod load;
pub mod payloads;
pub mod stats;

use std::time::Duration;

use clap::{builder::RangedU64ValueParser, Parser};

pub use payloads::{Generator, Kind, Payload, World};
pub use stats::Summary;

/// Sends realistic signed Salla webhooks to a storesync worker and reports req/s and latency.
// No `Debug`: the secret is in here.
#[derive(Parser, Clone)]
#[command(name = "storesync-simulate", version)]
pub struct SimulateArgs {
    /// Base URL of the receiver; webhooks go to `<url>/webhooks/<source>`.
    #[arg(
        long,
        env = "STORESYNC_SIMULATE_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub url: String,

    /// Source name (the `{source}` path segment); `make run` registers `demo`.
    #[arg(long, default_value = "demo")]
    pub source: String,

    /// Webhook secret the source verifies signatures with (`make run`'s demo secret by default).
    // SECURITY: never printed; `hide_env_values` keeps it out of `--help`.
    #[arg(
        long,
        env = "STORESYNC_SIMULATE_SECRET",
        hide_env_values = true,
        hide_default_value = true,
        default_value = "demo-secret"
    )]
    pub secret: String,

    /// Requests in flight at most (closed loop: the number of senders).
    #[arg(long, default_value_t = 8,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=10_000))]
    pub concurrency: usize,

    /// Webhooks to send. With `--duration`, whichever ends first; with neither, 1000.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,

    /// Seconds to keep sending.
    #[arg(long, value_name = "SECONDS", value_parser = positive)]
    pub duration: Option<f64>,

    /// Open loop: webhooks per second, due at fixed intervals. Without it: closed loop, as
    /// fast as the receiver answers.
    #[arg(long, value_name = "PER_SECOND", value_parser = positive)]
    pub rate: Option<f64>,

    /// Seed of the traffic: the same seed and sizes give the same bodies.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,

    /// Number of stores (merchants).
    #[arg(long, default_value_t = 3,
          value_parser = RangedU64ValueParser::<u32>::new().range(1..=100_000))]
    pub stores: u32,

    /// Customers per store.
    #[arg(long, default_value_t = 1000,
          value_parser = RangedU64ValueParser::<u32>::new().range(1..=9_999_999))]
    pub customers: u32,

    /// Products per store.
    #[arg(long, default_value_t = 200,
          value_parser = RangedU64ValueParser::<u32>::new().range(1..=999_999))]
    pub products: u32,

    /// Send only these event kinds (comma-separated, e.g. `order.created`), in their usual
    /// proportions. Default: the whole mix.
    #[arg(long, value_delimiter = ',', value_parser = kind)]
    pub only: Vec<Kind>,

    /// Longest wait for one answer, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,

    /// Print the final report as one JSON object instead of text.
    #[arg(long)]
    pub json: bool,

    /// No progress line.
    #[arg(long)]
    pub quiet: bool,

    /// Send nothing: write the webhooks to stdout as PostgreSQL COPY text rows
    /// (`seq, event, signature, body` with the body as bytea hex), for loading elsewhere.
    #[arg(long)]
    pub emit_copy: bool,
}

fn positive(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("{text:?} is not a positive number")),
    }
}

fn kind(text: &str) -> Result<Kind, String> {
    Kind::from_name(text).ok_or_else(|| {
        let known: Vec<&str> = payloads::MIX.iter().map(|(k, _)| k.name()).collect();
        format!("unknown event {text:?}; known: {}", known.join(", "))
    })
}

impl SimulateArgs {
    fn world(&self) -> World {
        World {
            stores: self.stores,
            customers: self.customers,
            products: self.products,
        }
    }

    /// How many webhooks at most, and for how long at most.
    fn limits(&self) -> (Option<u64>, Option<Duration>) {
        let duration = self.duration.map(Duration::from_secs_f64);
        match (self.count, duration) {
            (None, None) => (Some(1000), None),
            other => other,
        }
    }

    /// The webhook URL.
    fn endpoint(&self) -> String {
        format!(
            "{}/webhooks/{}",
            self.url.trim_end_matches('/'),
            self.source
        )
    }
}

/// Why a simulation could not run.
#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
    /// Writing to stdout failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Lowercase hex HMAC-SHA256 of `body` keyed by `secret`: Salla's `X-Salla-Signature`.
pub use storesync_core::signature::signature_hex as sign;

/// Runs the simulator: sends (or, with `--emit-copy`, writes out) the webhooks and prints the
/// report. Returns the summary of a sending run (`None` for `--emit-copy`).
pub async fn run(args: SimulateArgs) -> Result<Option<Summary>, SimulateError> {
    if args.emit_copy {
        let (count, _) = args.limits();
        emit::copy_rows(&args, count.unwrap_or(1000), std::io::stdout().lock())?;
        return Ok(None);
    }
    let summary = load::run(&args).await?;
    if args.json {
        println!("{}", summary.to_json());
    } else {
        println!("{}", summary.to_text());
    }
    Ok(Some(summary))
}
