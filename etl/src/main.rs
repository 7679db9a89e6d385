//! `etl init` creates the table; `etl run` does one run and prints its JSON summary last.
//! With `AWS_LAMBDA_RUNTIME_API` set, the same binary is the scheduled Lambda function.
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    logging::init();
    let lambda = std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some();
    let result = match std::env::args().nth(1).as_deref() {
        _ if lambda => async {
            etl::lambda::serve(etl::Etl::from_env().await?)
                .await
                .map_err(etl::Error::Lambda)
        }
        .await
        .map(|_| None),
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
            eprintln!("etl: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
