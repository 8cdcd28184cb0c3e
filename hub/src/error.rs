//! The HTTP edge's error: a status, a stable code and a message for people (Vietnamese), never
//! internals; causes are logged.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use doimoi_shared::wire::{ErrorBody, PROTOCOL_VERSION};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub doc: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            doc: None,
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }
    pub fn revoked() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "token_revoked",
            "Token của thiết bị đã bị thu hồi. Xin token mới từ người quản trị máy chủ và chạy `doimoi init --token …`.",
        )
    }
    pub fn forbidden(message: impl Into<String>, doc: Option<String>) -> Self {
        ApiError {
            doc,
            ..Self::new(StatusCode::FORBIDDEN, "out_of_scope", message)
        }
    }
    pub fn version(got: u32) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "protocol_version",
            format!(
                "Phiên bản giao thức {got} không được hỗ trợ (máy chủ dùng {PROTOCOL_VERSION}). Hãy cập nhật doimoi cho cùng phiên bản với máy chủ."
            ),
        )
    }
    pub fn internal(detail: impl Into<String>) -> Self {
        let detail = detail.into();
        tracing::error!(%detail, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Lỗi nội bộ của máy chủ; thử lại sau. Nếu lặp lại, báo người quản trị.",
        )
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        if e.is_full() {
            return ApiError::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "storage_full",
                "Máy chủ hết chỗ lưu trữ (ổ đĩa đầy): thay đổi của văn phòng chưa được nhận nhưng vẫn còn nguyên trên máy văn phòng, và sẽ tự gửi lại khi máy chủ có chỗ. Báo người quản trị máy chủ.",
            );
        }
        ApiError::internal(e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            code: self.code.to_string(),
            message: self.message,
            doc: self.doc,
        };
        (self.status, Json(body)).into_response()
    }
}
