//! The HTTP API (axum): the C2SP tiles read path ([`tiles`]), Assent's JSON
//! API ([`v1`], [`decide`]), health and metrics. Every refusal is a 4xx
//! JSON error ([`error`]); bodies are size-limited and submissions are
//! rate-limited per signer key.

pub mod auth;
pub mod decide;
pub mod error;
pub mod rate_limit;
pub mod tiles;
pub mod v1;

pub use error::ApiError;

use crate::node::Node;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method};
use axum::routing::{get, post};
use axum::Router;
use rate_limit::RateLimiter;
use std::sync::Arc;
use tower_http::cors::CorsLayer;

/// Largest request body: a transaction is at most 4 KiB; JSON bodies are small.
pub const MAX_BODY: usize = 16 * 1024;

/// Limits and CORS.
#[derive(Debug, Clone)]
pub struct ApiOptions {
    /// Submissions per second per signer key.
    pub submit_rate: f64,
    /// Burst per signer key.
    pub submit_burst: f64,
    /// Origins allowed by CORS (the app's, for the demo).
    pub cors_origins: Vec<String>,
    /// Serve history, status and decisions without signed requests (the
    /// demo on loopback; PROTOCOL §6).
    pub open_reads: bool,
}

impl Default for ApiOptions {
    fn default() -> Self {
        ApiOptions {
            submit_rate: 5.0,
            submit_burst: 50.0,
            cors_origins: Vec::new(),
            open_reads: false,
        }
    }
}

/// The rate limiters.
#[derive(Debug)]
pub struct Limits {
    /// Per signer key, for submissions.
    pub submit: RateLimiter,
}

/// What handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The node.
    pub node: Arc<Node>,
    /// The limits.
    pub limits: Arc<Limits>,
    /// Whether reads need no signature.
    pub open_reads: bool,
}

/// The router.
pub fn router(node: Arc<Node>, options: &ApiOptions) -> Router {
    let state = AppState {
        node,
        limits: Arc::new(Limits {
            submit: RateLimiter::new(options.submit_rate, options.submit_burst),
        }),
        open_reads: options.open_reads,
    };
    let origins: Vec<HeaderValue> = options
        .cors_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    let cors = CorsLayer::new()
        .allow_origin(origins)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            axum::http::header::CONTENT_TYPE,
            axum::http::header::AUTHORIZATION,
        ]);
    Router::new()
        .route("/checkpoint", get(tiles::checkpoint))
        .route("/tile/{*path}", get(tiles::tile))
        .route("/api/v1/submit", post(v1::submit))
        .route("/api/v1/checkpoint", get(v1::checkpoint))
        .route("/api/v1/cosignature", post(v1::cosignature))
        .route("/api/v1/inclusion", get(v1::inclusion))
        .route("/api/v1/consistency", get(v1::consistency))
        .route("/api/v1/history/{identity}", get(v1::history))
        .route("/api/v1/status/grant/{id}", get(v1::grant_status))
        .route("/api/v1/status/delegation/{id}", get(v1::delegation_status))
        .route("/api/v1/orgs", get(v1::orgs))
        .route("/api/v1/org/{id}", get(v1::org))
        .route("/api/v1/decide", post(decide::decide))
        .route("/health", get(v1::health))
        .route("/metrics", get(v1::metrics))
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            fresh_reads,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(cors)
        .with_state(state)
}

/// Before answering (anything but a submission), a replica of a shared log
/// catches up with everything committed before the request arrived: a
/// client that moves between replicas (a load balancer, a failover) never
/// sees the log go back, so it never mistakes a lagging replica for a
/// rollback, and a validator's cosignature finds the checkpoint it signed.
async fn fresh_reads(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if request.uri().path() != "/api/v1/submit" {
        if let Err(e) = state.node.caught_up(std::time::Instant::now()).await {
            use axum::response::IntoResponse;
            return ApiError::unavailable(format!("the shared log cannot be read: {e}"))
                .into_response();
        }
    }
    next.run(request).await
}
