//! `storesync-simulate`: signed Salla traffic for a storesync worker. See the library crate.

use std::process::ExitCode;

use clap::Parser;
use storesync_simulate::SimulateArgs;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let args = SimulateArgs::parse();
    // Diagnostics on stderr; stdout carries only the report (or the COPY rows).
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    // Exit 1 when any webhook got no 2xx answer, so scripts can tell; 2 when it could not run.
    match storesync_simulate::run(args).await {
        Ok(Some(summary)) if summary.non_2xx + summary.transport_errors > 0 => ExitCode::from(1),
        Ok(_) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "simulate failed");
            ExitCode::from(2)
        }
    }
}
