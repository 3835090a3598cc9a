//! `storesync-worker`: the HTTP front door of storesync. See the library crate for the parts.

use std::process::ExitCode;

use clap::Parser;
use storesync_worker::config::{Cli, Command};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    storesync_worker::telemetry::init();
    match cli.command {
        Command::Serve(args) => match storesync_worker::server::run(args).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                tracing::error!(error = %err, "storesync-worker stopped on an error");
                ExitCode::FAILURE
            }
        },
        // Exit 1 when any webhook got no 2xx answer, so scripts can tell; 2 when it could not run.
        Command::Simulate(args) => match storesync_worker::simulate::run(args).await {
            Ok(Some(summary)) if summary.non_2xx + summary.transport_errors > 0 => {
                ExitCode::from(1)
            }
            Ok(_) => ExitCode::SUCCESS,
            Err(err) => {
                tracing::error!(error = %err, "simulate failed");
                ExitCode::from(2)
            }
        },
    }
}
