//! `doimoi org show` / `doimoi org provinces`.

use super::Out;
use crate::app::keys;
use crate::cli::{OrgCmd, OrgShowArgs, StructureArg};
use crate::error::CliError;
use crate::store::Store;
use doimoi_shared::org::{Registry, Structure};
use serde::Serialize;
use std::path::Path;

/// One unit as `org show --json` prints it.
#[derive(Serialize)]
struct UnitJson<'a> {
    code: &'a str,
    name: &'a str,
    kind: &'a str,
    parent: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    valid_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    valid_to: Option<String>,
}

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
        let structure = parse_structure(args.structure.as_deref().unwrap_or("2024"))?;
        let province = args
            .province
            .as_deref()
            .unwrap_or(doimoi_shared::org::DEFAULT_PROVINCE);
        return Registry::embedded(structure, province).map_err(|e| CliError::Usage(e.to_string()));
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
            let json: Vec<UnitJson<'_>> = units
                .iter()
                .map(|u| UnitJson {
                    code: u.code.as_str(),
                    name: &u.name,
                    kind: u.kind.as_str(),
                    parent: u.parent.as_ref().map(|p| p.as_str()),
                    valid_from: u.valid_from.map(|d| d.to_string()),
                    valid_to: u.valid_to.map(|d| d.to_string()),
                })
                .collect();
            out.emit(&json, || {
                let mut s = format!(
                    "{} — cơ cấu {} — {} đơn vị\n",
                    reg.province_name(),
                    reg.structure().as_str(),
                    units.len()
                );
                for u in &units {
                    let indent = match u.kind.as_str() {
                        "commune" => "    ",
                        "province" => "",
                        _ => "  ",
                    };
                    s.push_str(&format!(
                        "{indent}{:<10} {} [{}]\n",
                        u.code,
                        u.name,
                        u.kind.label_vi()
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
