//! `doimoi org show` / `doimoi org provinces`.

use super::Out;
use crate::app::keys;
use crate::cli::{OrgCmd, OrgShowArgs, StructureArg};
use crate::error::CliError;
use crate::store::Store;
use doimoi_shared::org::{Registry, Structure};
use serde::Serialize;
use std::path::Path;

/// The registry `init` and `org show` build when no structure is given: the 2024 structure and
/// its continuation from 01/07/2025.
pub const DEFAULT_STRUCTURE: &str = "2024-2025";

pub fn parse_structure(s: &str) -> Result<Structure, CliError> {
    s.parse::<Structure>().map_err(|_| {
        CliError::Usage(format!(
            "--structure \"{s}\" không hợp lệ: dùng 2024 hoặc 2025."
        ))
    })
}

/// The registry a command should show: an explicit province, else the store's (after
/// `init`), else the embedded default.
fn registry_for(dir: &Path, args: &OrgShowArgs) -> Result<Registry, CliError> {
    if args.province.is_some() || args.structure.is_some() {
        let structure = args.structure.as_deref().unwrap_or(DEFAULT_STRUCTURE);
        let province = args
            .province
            .as_deref()
            .unwrap_or(doimoi_shared::org::DEFAULT_PROVINCE);
        return doimoi_shared::org::embedded_by(structure, province)
            .map_err(|e| CliError::Usage(e.to_string()));
    }
    if dir.join("doimoi.db").exists() {
        let store = Store::open(dir)?;
        if let Some(json) = store.get_meta(keys::REGISTRY)? {
            return Registry::from_json(&json).map_err(|e| CliError::Usage(e.to_string()));
        }
    }
    Ok(Registry::embedded_default())
}

pub fn run(dir: &Path, cmd: OrgCmd, out: Out) -> Result<(), CliError> {
    match cmd {
        OrgCmd::Show(args) => {
            let reg = registry_for(dir, &args)?;
            let units: Vec<_> = match &args.find {
                Some(q) => reg.search(q),
                None => reg.units().iter().collect(),
            };
            let json: Vec<serde_json::Value> = units.iter().map(|u| u.show_json()).collect();
            out.emit(&json, || {
                let mut s = format!(
                    "{} — cơ cấu {} — {} đơn vị\n",
                    reg.province_name(),
                    reg.structure_label(),
                    units.len()
                );
                for u in &units {
                    let indent = match u.kind.as_str() {
                        "commune" => "    ",
                        "province" => "",
                        _ => "  ",
                    };
                    s.push_str(&format!(
                        "{indent}{:<10} {} [{}]{}\n",
                        u.code,
                        u.name,
                        u.kind.label_vi(),
                        u.validity_note()
                    ));
                }
                s
            })
        }
        OrgCmd::Provinces(StructureArg { structure }) => {
            let structure = parse_structure(&structure)?;
            let list = Registry::provinces(structure);
            #[derive(Serialize)]
            struct P<'a> {
                code: &'a str,
                name: &'a str,
            }
            let json: Vec<P<'_>> = list.iter().map(|(c, n)| P { code: c, name: n }).collect();
            out.emit(&json, || {
                list.iter()
                    .map(|(c, n)| format!("{c}  {n}\n"))
                    .collect::<String>()
            })
        }
    }
}
