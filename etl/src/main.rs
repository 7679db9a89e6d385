//! `etl init` creates the table; `etl run` does one run and prints its JSON summary last
//! (`{"status":"ok",…}`, or `{"status":"failed","kind","written","error"}` with exit code 1);
//! `etl backfill <folder or list>` replays past publications (`backfill.rs`) and prints its
//! report last; `etl archive --vintage <YYYY-MM-DD> <file or URL>…` loads the counties'
//! archive (their every day since 2020) as it is read (`archive/`) and prints its report last.
//! With `AWS_LAMBDA_RUNTIME_API` set, the same binary is the Lambda function: a run per
//! scheduled event, or a step of the county archive's state machine.
use std::process::ExitCode;

const USAGE: &str = "usage: etl init | etl run | etl backfill <folder or list of snapshots> | \
                     etl archive --vintage <YYYY-MM-DD> <county file or URL>...";

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
        Some("backfill") => backfill(std::env::args().nth(2)).await,
        Some("archive") => archive(std::env::args().skip(2).collect()).await,
        _ => Err(etl::Error::Config(USAGE.into()).into()),
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

async fn backfill(path: Option<String>) -> Result<(), etl::RunFailure> {
    let path = path.ok_or_else(|| etl::Error::Config(USAGE.into()))?;
    let publications = etl::backfill::publications(std::path::Path::new(&path))?;
    let report = etl::backfill::replay(&etl::Etl::from_env().await?, &publications).await?;
    println!("{}", etl::backfill::report_line(&report));
    Ok(())
}

async fn archive(args: Vec<String>) -> Result<(), etl::RunFailure> {
    let usage = || etl::Error::Config(USAGE.into());
    let (Some("--vintage"), Some(vintage)) = (args.first().map(String::as_str), args.get(1)) else {
        return Err(usage().into());
    };
    let vintage = vintage
        .parse()
        .map_err(|e| etl::Error::Config(format!("--vintage {vintage}: {e}")))?;
    let sources = &args[2..];
    if sources.is_empty() {
        return Err(usage().into());
    }
    let report = etl::Etl::from_env()
        .await?
        .archive(sources, vintage)
        .await?;
    println!("{}", serde_json::json!({"status": "ok", "archive": report}));
    Ok(())
}
