//! Command line and environment configuration (`storesync-worker serve --help`).

use std::{str::FromStr, time::Duration};

use clap::{builder::RangedU64ValueParser, Args, Parser, Subcommand};

use crate::{listen::ConnectionLimits, Limits};

/// Receives store webhooks over HTTP and hands each one to `storesync.ingest()` in PostgreSQL.
#[derive(Parser)]
#[command(name = "storesync-worker", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The worker's subcommands.
#[derive(Subcommand)]
pub enum Command {
    /// Serve the webhook HTTP API until SIGTERM or Ctrl-C.
    Serve(ServeArgs),
}

/// Options of `storesync-worker serve`. Every flag can also be set from the environment.
///
/// No `Debug`: the database URL may hold a password.
#[derive(Args, Clone)]
pub struct ServeArgs {
    /// PostgreSQL connection string, as a URL (`postgres://user@host/db`) or in libpq
    /// key=value form (`host=/var/run/postgresql dbname=shop`).
    // SECURITY: `hide_env_values` keeps the password out of `--help`; the string is parsed by
    // `database_config`, not by a clap value parser, so no error message ever echoes it.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: String,

    /// Address to listen on (`host:port`; port 0 picks a free one).
    #[arg(long, env = "STORESYNC_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,

    /// Largest number of database connections.
    #[arg(long, env = "STORESYNC_POOL_SIZE", default_value_t = 16,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=10_000))]
    pub pool_size: usize,

    /// Largest accepted webhook body, in bytes.
    #[arg(long, env = "STORESYNC_BODY_LIMIT", value_name = "BYTES", default_value_t = 1024 * 1024,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..))]
    pub body_limit: usize,

    /// Longest a webhook request may take, in seconds (Salla gives up after about 30).
    #[arg(long, env = "STORESYNC_REQUEST_TIMEOUT", value_name = "SECONDS", default_value_t = 25,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout: u64,

    /// Longest wait for a database connection (pool wait, connect), in milliseconds. When
    /// the database is down, requests get 503 after about this long instead of hanging.
    #[arg(long, env = "STORESYNC_DB_TIMEOUT_MS", value_name = "MS", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub db_timeout: u64,

    /// Longest a client may take to send a request's headers, in seconds; the connection is
    /// closed after.
    #[arg(long, env = "STORESYNC_HEADER_TIMEOUT", value_name = "SECONDS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout: u64,

    /// Longest a client may take to send a webhook body once its headers are in, in seconds
    /// (answered 408 after).
    #[arg(long, env = "STORESYNC_BODY_TIMEOUT", value_name = "SECONDS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub body_timeout: u64,

    /// Most webhook requests in progress at once; more are answered 503 `overloaded`.
    #[arg(long, env = "STORESYNC_MAX_IN_FLIGHT", default_value_t = 64,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=100_000))]
    pub max_in_flight: usize,

    /// Most open client connections; more wait to be accepted until one closes.
    #[arg(long, env = "STORESYNC_MAX_CONNECTIONS", default_value_t = 1024,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=1_000_000))]
    pub max_connections: usize,
    /// How often to recompute RFM scores (`CALL storesync.refresh_rfm()`), e.g. `15m`, `1h`,
    /// `30s`; `0` turns the timer off (schedule the refresh elsewhere, e.g. with pg_cron).
    #[arg(long, env = "STORESYNC_RFM_REFRESH_INTERVAL", value_name = "DURATION",
          default_value = "15m", value_parser = parse_interval)]
    pub rfm_refresh_interval: Duration,

    /// Remove inbox rows (`storesync.events`) received longer ago than this, e.g. `90d`,
    /// `2weeks`: processed, ignored and duplicate ones; failed ones are kept. Off unless set.
    /// A pruned event can no longer be replayed.
    #[arg(long, env = "STORESYNC_PRUNE_EVENTS_OLDER_THAN", value_name = "DURATION",
          value_parser = parse_positive)]
    pub prune_events_older_than: Option<Duration>,

    /// How often to prune the inbox when `--prune-events-older-than` is set (first run at
    /// start), e.g. `1h`, `30m`.
    #[arg(long, env = "STORESYNC_PRUNE_INTERVAL", value_name = "DURATION",
          default_value = "1h", value_parser = parse_positive)]
    pub prune_interval: Duration,
}

/// A duration such as `90d` or `1h` (humantime) that is more than zero.
fn parse_positive(text: &str) -> Result<Duration, String> {
    match parse_interval(text)? {
        duration if duration.is_zero() => Err("must be more than zero (e.g. 90d, 1h)".into()),
        duration => Ok(duration),
    }
}

/// A duration such as `15m`, `1h 30m` or `45s` (humantime), or `0` for none.
fn parse_interval(text: &str) -> Result<Duration, String> {
    if text.trim() == "0" {
        return Ok(Duration::ZERO);
    }
    humantime::parse_duration(text.trim())
        .map_err(|err| format!("{err} (use e.g. 15m, 1h, 30s, or 0 to turn the timer off)"))
}

/// `DATABASE_URL` could not be parsed.
#[derive(Debug, thiserror::Error)]
// SECURITY: the message names neither the value nor the parser's detail, which can quote it.
#[error("DATABASE_URL is not a valid PostgreSQL connection string (value not shown: it may hold a password)")]
pub struct InvalidDatabaseUrl;

impl ServeArgs {
    /// Parses `--database-url` in either URL or key=value form.
    pub fn database_config(&self) -> Result<tokio_postgres::Config, InvalidDatabaseUrl> {
        tokio_postgres::Config::from_str(&self.database_url).map_err(|_| InvalidDatabaseUrl)
    }

    /// The request limits these options describe.
    pub fn limits(&self) -> Limits {
        Limits {
            body_limit: self.body_limit,
            request_timeout: Duration::from_secs(self.request_timeout),
            db_timeout: Duration::from_millis(self.db_timeout),
            body_timeout: Duration::from_secs(self.body_timeout),
            max_in_flight: self.max_in_flight,
        }
    }

    /// The connection limits these options describe.
    pub fn connection_limits(&self) -> ConnectionLimits {
        ConnectionLimits {
            header_timeout: Duration::from_secs(self.header_timeout),
            max_connections: self.max_connections,
            // Whatever is in progress at a stop gets its full request budget.
            shutdown_grace: Duration::from_secs(self.request_timeout + 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn serve(args: &[&str]) -> ServeArgs {
        let argv = ["storesync-worker", "serve"].iter().chain(args);
        let Command::Serve(args) = Cli::try_parse_from(argv).expect("arguments parse").command;
        args
    }

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn defaults_match_the_documented_ones() {
        let args = serve(&["--database-url", "host=/var/run/postgresql dbname=shop"]);
        assert_eq!(args.listen, "127.0.0.1:8080");
        assert_eq!(args.pool_size, 16);
        let limits = args.limits();
        assert_eq!(limits.body_limit, 1_048_576);
        assert_eq!(limits.request_timeout, Duration::from_secs(25));
        assert_eq!(limits.db_timeout, Duration::from_millis(1000));
        assert_eq!(limits.body_timeout, Duration::from_secs(10));
        assert_eq!(limits.max_in_flight, 64);
        let connections = args.connection_limits();
        assert_eq!(connections.header_timeout, Duration::from_secs(10));
        assert_eq!(connections.max_connections, 1024);
        // `Limits::default()` (used by tests and embedders) says the same as the flags.
        let default = Limits::default();
        assert_eq!(
            (
                default.body_limit,
                default.request_timeout,
                default.db_timeout
            ),
            (limits.body_limit, limits.request_timeout, limits.db_timeout)
        );
        assert_eq!(
            (default.body_timeout, default.max_in_flight),
            (limits.body_timeout, limits.max_in_flight)
        );
        assert_eq!(args.rfm_refresh_interval, Duration::from_secs(15 * 60));
    }

    #[test]
    fn rfm_refresh_interval_takes_human_durations_and_zero() {
        let at = |text: &str| {
            serve(&["--database-url", "x", "--rfm-refresh-interval", text]).rfm_refresh_interval
        };
        assert_eq!(at("0"), Duration::ZERO);
        assert_eq!(at("1s"), Duration::from_secs(1));
        assert_eq!(at("1h 30m"), Duration::from_secs(5400));
        assert_eq!(at("15min"), Duration::from_secs(900));
        let argv = [
            "storesync-worker",
            "serve",
            "--database-url",
            "x",
            "--rfm-refresh-interval",
            "soon",
        ];
        assert!(Cli::try_parse_from(argv).is_err());
    }

    #[test]
    fn inbox_pruning_is_off_by_default_and_takes_positive_durations() {
        let args = serve(&["--database-url", "x"]);
        assert_eq!(args.prune_events_older_than, None);
        assert_eq!(args.prune_interval, Duration::from_secs(3600));
        let args = serve(&[
            "--database-url",
            "x",
            "--prune-events-older-than",
            "90d",
            "--prune-interval",
            "30m",
        ]);
        assert_eq!(
            args.prune_events_older_than,
            Some(Duration::from_secs(90 * 86_400))
        );
        assert_eq!(args.prune_interval, Duration::from_secs(1800));
        for (flag, value) in [
            ("--prune-events-older-than", "0"),
            ("--prune-events-older-than", "0s"),
            ("--prune-events-older-than", "soon"),
            ("--prune-interval", "0"),
        ] {
            let argv = [
                "storesync-worker",
                "serve",
                "--database-url",
                "x",
                flag,
                value,
            ];
            assert!(Cli::try_parse_from(argv).is_err(), "{flag} {value}");
        }
    }

    #[test]
    fn both_connection_string_forms_parse() {
        let kv = serve(&["--database-url", "host=/var/run/postgresql dbname=shop"]);
        let kv = kv.database_config().expect("key=value form");
        assert_eq!(kv.get_dbname(), Some("shop"));
        assert!(matches!(
            kv.get_hosts(),
            [tokio_postgres::config::Host::Unix(path)] if path.to_str() == Some("/var/run/postgresql")
        ));

        let url = serve(&[
            "--database-url",
            "postgres://ingest:pw@db.example:6543/shop",
        ]);
        let url = url.database_config().expect("URL form");
        assert_eq!(url.get_ports(), [6543]);
        assert_eq!(url.get_user(), Some("ingest"));
    }

    #[test]
    fn a_bad_database_url_error_does_not_echo_it() {
        let args = serve(&["--database-url", "postgres://u:hunter2@h:notaport/db"]);
        let message = args.database_config().expect_err("rejected").to_string();
        assert!(!message.contains("hunter2"), "{message}");
    }

    #[test]
    fn zero_pool_size_is_refused() {
        let argv = [
            "storesync-worker",
            "serve",
            "--database-url",
            "x",
            "--pool-size",
            "0",
        ];
        assert!(Cli::try_parse_from(argv).is_err());
    }
}
