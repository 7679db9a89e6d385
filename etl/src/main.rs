//! `etl init` creates the table; `etl run` does one pass and prints its JSON summary last.
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    etl::telemetry::init();
    let result = match std::env::args().nth(1).as_deref() {
        Some("init") => async { etl::Etl::from_env().await?.init().await.map(|_| None) }.await,
        Some("run") => {
            async {
                Ok(Some(etl::summary_line(
                    &etl::Etl::from_env().await?.run().await?,
                )))
            }
            .await
        }
        _ => Err(etl::Error::Config("usage: etl init | etl run".into())),
    };
    match result {
        Ok(line) => line.iter().for_each(|l| println!("{l}")),
        Err(e) => {
            tracing::error!(kind = e.kind(), error = %e, "etl failed");
            eprintln!("etl: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
