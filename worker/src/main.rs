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
    }
}
