//! `api`: under `lambda_http` ([`api::lambda`]) when `AWS_LAMBDA_RUNTIME_API` is set, otherwise a local server on
//! `LISTEN_ADDR` (default 127.0.0.1:3000) that also serves the site from `SITE_DIR` (default web/dist).
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    logging::init();
    let (app, store) = api::App::from_env().await?;
    let app = Arc::new(app);
    api::warm(&app);
    if logging::on_lambda() {
        return api::lambda::run(api::router(app, None)).await;
    }
    let addr = std::env::var("LISTEN_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".into());
    let site = std::env::var("SITE_DIR").unwrap_or_else(|_| "web/dist".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    tracing::info!("listening on http://{}", listener.local_addr()?);
    // The socket peer is the viewer address the subscription limits count.
    let router = api::router(app, Some(site.into()));
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        tokio::signal::ctrl_c().await.ok();
    })
    .await?;
    tracing::info!(dynamodb_requests = store.requests(), "stopped");
    Ok(())
}
