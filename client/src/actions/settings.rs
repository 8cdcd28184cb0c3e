//! The office's settings: the hub's address and the device's token.

use crate::app::{keys, App};
use crate::error::CliError;
use crate::sync::hub_client::HubClient;
use std::time::Duration;

/// The hub address as `doimoi init --hub` accepts it: http:// or https://.
pub fn check_hub_url(hub: &str) -> Result<(), CliError> {
    if !(hub.starts_with("http://") || hub.starts_with("https://")) {
        return Err(CliError::Usage(format!(
            "--hub \"{hub}\" không hợp lệ: địa chỉ phải bắt đầu bằng http:// hoặc https://."
        )));
    }
    Ok(())
}

/// Sets the hub's address and, when given, the device's token (the same keys `doimoi init`
/// writes).
pub fn set_hub(app: &mut App, hub: &str, token: Option<&str>) -> Result<(), CliError> {
    let hub = hub.trim().trim_end_matches('/');
    check_hub_url(hub)?;
    let mut pairs = vec![(keys::HUB, hub)];
    if let Some(t) = token.map(str::trim).filter(|t| !t.is_empty()) {
        pairs.push((keys::TOKEN, t));
    }
    app.store.set_meta_all(&pairs)?;
    Ok(())
}

/// Checks that the hub answers and accepts the device's token.
pub fn check_hub(app: &App) -> Result<(), CliError> {
    let hub = crate::sync::hub_for(app)?;
    let ca = app.store.get_meta(crate::app::keys::HUB_CA)?;
    HubClient::check(
        hub.base(),
        Duration::from_secs(5),
        ca.as_deref().map(str::as_bytes),
    )
    .map_err(CliError::Sync)?;
    hub.events(0, 0)
        .map(|_| ())
        .map_err(|e| CliError::Sync(format!("Máy chủ trả lời nhưng {e}")))
}
