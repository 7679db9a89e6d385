//! `etl init` creates the table; `etl run` does one run and prints its JSON summary last
//! (`{"status":"ok",…}`, or `{"status":"failed","kind","written","error"}` with exit code 1).
//! With `AWS_LAMBDA_RUNTIME_API` set, the same binary is the scheduled Lambda function.
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    logging::init();
    let lambda = logging::on_lambda();
    let result = match std::env::args().nth(1).as_deref() {
        _ if lambda => async {
            etl::lambda::serve(etl::Etl::from_env().await?)
                .await
                .map_err(etl::Error::Lambda)
        }
        .await
        .map_err(etl::RunFailure::from),
        Some("init") => async { etl::Etl::from_env().await?.init().await.map(|_| ()) }
            .await
            .map_err(etl::RunFailure::from),
        Some("run") => match etl::Etl::from_env().await {
            Ok(etl) => etl
                .run()
                .await
                .map(|report| println!("{}", etl::summary_line(&report))),
            Err(error) => Err(error.into()),
        },
        _ => Err(etl::Error::Config("usage: etl init | etl run".into()).into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("etl: {failure}");
            println!("{}", etl::failure_line(&failure));
            ExitCode::FAILURE
        }
    }
}
