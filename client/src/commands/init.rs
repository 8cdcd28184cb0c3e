//! `doimoi init`: sets the installation up for one office, offline.

use super::org::DEFAULT_STRUCTURE;
use super::Out;
use crate::app::keys;
use crate::cli::InitArgs;
use crate::error::CliError;
use crate::store::Store;
use automerge::ActorId;
use doimoi_shared::calendar::Calendar;
use doimoi_shared::ids::UnitCode;
use doimoi_shared::org::{embedded_by, DEFAULT_PROVINCE};
use serde::Serialize;
use std::path::Path;

#[derive(Serialize)]
struct InitJson {
    unit: String,
    name: String,
    province: String,
    structure: String,
    actor: String,
    hub: Option<String>,
    data: String,
}

pub fn run(dir: &Path, args: InitArgs, out: Out) -> Result<(), CliError> {
    let structure = args
        .structure
        .as_deref()
        .unwrap_or(DEFAULT_STRUCTURE)
        .trim();
    let province = args.province.as_deref().unwrap_or(DEFAULT_PROVINCE);
    let registry = embedded_by(structure, province).map_err(|e| CliError::Usage(e.to_string()))?;
    let unit = UnitCode::parse(&args.unit).map_err(|e| CliError::Usage(e.to_string()))?;
    let Some(u) = registry.get(&unit) else {
        return Err(CliError::Usage(format!(
            "Không có đơn vị mã \"{unit}\" trong danh mục {} (cơ cấu {}). Tìm mã bằng `doimoi org show --find TÊN`.",
            registry.province_name(),
            registry.structure_label()
        )));
    };
    if let Some(hub) = &args.hub {
        crate::actions::settings::check_hub_url(hub)?;
    }
    let ca = match &args.ca {
        Some(path) => {
            let pem = std::fs::read(path).map_err(|e| {
                CliError::Usage(format!(
                    "Không đọc được tệp chứng chỉ {} ({e}).",
                    path.display()
                ))
            })?;
            crate::sync::hub_client::parse_ca(&pem).map_err(|why| {
                CliError::Usage(format!(
                    "Tệp {} không phải chứng chỉ PEM dùng được: {why}. Xin tệp chứng chỉ gốc (dạng PEM) từ người quản trị máy chủ.",
                    path.display()
                ))
            })?;
            Some(String::from_utf8_lossy(&pem).into_owned())
        }
        None => None,
    };
    let mut store = Store::open(dir)?;
    if let Some(existing) = store.get_meta(keys::UNIT)? {
        if existing != unit.as_str() {
            return Err(CliError::Usage(format!(
                "Kho tại {} đã được khởi tạo cho đơn vị {existing}. Mỗi kho thuộc một đơn vị: dùng thư mục khác (--data).",
                dir.display()
            )));
        }
    }
    // One Automerge actor per installation, never reused elsewhere.
    let actor = match store.get_meta(keys::ACTOR)? {
        Some(a) => a,
        None => ActorId::from(crate::app::App::random_bytes()).to_hex_string(),
    };
    let mut pairs: Vec<(&str, String)> = vec![
        (keys::UNIT, unit.to_string()),
        (keys::UNIT_NAME, u.name.clone()),
        (keys::ACTOR, actor.clone()),
        (keys::REGISTRY, registry.to_json()),
    ];
    if store.get_meta(keys::CALENDAR)?.is_none() {
        pairs.push((keys::CALENDAR, Calendar::embedded_default().to_json()));
    }
    if let Some(h) = &args.hub {
        pairs.push((keys::HUB, h.trim_end_matches('/').to_string()));
    }
    if let Some(t) = &args.token {
        pairs.push((keys::TOKEN, t.clone()));
    }
    if let Some(pem) = &ca {
        pairs.push((keys::HUB_CA, pem.clone()));
    }
    let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    store.set_meta_all(&borrowed)?;
    let json = InitJson {
        unit: unit.to_string(),
        name: u.name.clone(),
        province: registry.province_name().to_string(),
        structure: structure.to_string(),
        actor,
        hub: args.hub.clone(),
        data: dir.display().to_string(),
    };
    let today = crate::app::now()?
        .with_timezone(&crate::app::vn_offset())
        .date_naive();
    // The same notice an office gets later, from the same rule.
    if u.valid_to.is_some_and(|t| t < today) {
        if let Some(n) = doimoi_shared::org::diff::notice_for(&registry, &unit, &u.name, today) {
            eprintln!("Cảnh báo: {n}");
        }
    }
    if let Some(h) = &args.hub {
        // Checked after initialising: an office may set up before the network is there.
        let ca = store.get_meta(keys::HUB_CA)?;
        if let Err(why) = crate::sync::hub_client::HubClient::check(
            h,
            std::time::Duration::from_secs(3),
            ca.as_deref().map(str::as_bytes),
        ) {
            eprintln!(
                "Cảnh báo: {why}. Đã khởi tạo; doimoi vẫn làm việc khi không có mạng và sẽ đồng bộ khi kết nối được."
            );
        }
    }
    out.emit(&json, || {
        format!(
            "Đã khởi tạo doimoi cho {} ({}), {}.\nDữ liệu: {}\n{}",
            u.name,
            unit,
            registry.province_name(),
            dir.display(),
            match &args.hub {
                Some(h) => format!("Máy chủ đồng bộ: {h}"),
                None =>
                    "Chưa cấu hình máy chủ đồng bộ: doimoi vẫn làm việc đầy đủ khi không có mạng."
                        .into(),
            }
        )
    })
}
