//! The API's error answer: a status and a message in plain words, as JSON `{"error": …}`.
//! Internal details are logged, never sent.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::sources::upload::UploadError;
use crate::store::{StoreError, TaskError};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("please log in")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("{message}")]
    Busy { message: String, retry_after: u32 },
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn internal(detail: impl Into<String>) -> ApiError {
        ApiError::Internal(detail.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(id) => ApiError::NotFound(format!("document {id} not found")),
            StoreError::TaskNotFound(id) => ApiError::NotFound(format!("task {id} not found")),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<TaskError> for ApiError {
    fn from(e: TaskError) -> Self {
        match e {
            TaskError::NotFound(id) => ApiError::NotFound(format!("task {id} not found")),
            e @ TaskError::InvalidTransition { .. } => ApiError::Conflict(e.to_string()),
            e @ TaskError::Invalid { .. } => ApiError::BadRequest(e.to_string()),
            TaskError::Store(s) => s.into(),
        }
    }
}

impl From<crate::index::IndexError> for ApiError {
    fn from(e: crate::index::IndexError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl From<crate::store::blobs::BlobError> for ApiError {
    fn from(e: crate::store::blobs::BlobError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl ApiError {
    pub fn from_upload(e: UploadError, retry_after: u32) -> ApiError {
        match e {
            UploadError::Busy | UploadError::Stopped => ApiError::Busy {
                message: e.to_string(),
                retry_after,
            },
            UploadError::BadChannel(_) | UploadError::NoFile => ApiError::BadRequest(e.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self {
            tracing::error!(error = %detail, "request failed");
        }
        let status = self.status();
        let mut response = (
            status,
            axum::Json(serde_json::json!({ "error": self.to_string() })),
        )
            .into_response();
        match &self {
            ApiError::Busy { retry_after, .. } => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
            }
            ApiError::Unauthenticated => {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"intake\""),
                );
            }
            _ => {}
        }
        response
    }
}
