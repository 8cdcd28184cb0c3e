//! Who may see and sync which documents (PROTOCOL.md §14): an office syncs its own
//! unit's documents; a district also its communes'; Sở Nội vụ and UBND tỉnh everything of the
//! province. Escalated proposals reach Sở Nội vụ and UBND tỉnh, who see everything anyway.

use crate::ids::UnitCode;
use crate::org::{Registry, UnitKind};

/// Whether `office` may hold and sync a document owned by `owner`.
pub fn can_see(registry: &Registry, office: &UnitCode, owner: &UnitCode) -> bool {
    match registry.get(office).map(|u| u.kind) {
        Some(UnitKind::Province | UnitKind::HomeAffairs) => registry.get(owner).is_some(),
        Some(_) => registry.is_within(owner, office),
        None => false,
    }
}

/// The units whose documents `office` sees; `None` means every unit of the province.
pub fn visible_units(registry: &Registry, office: &UnitCode) -> Option<Vec<UnitCode>> {
    match registry.get(office).map(|u| u.kind) {
        Some(UnitKind::Province | UnitKind::HomeAffairs) => None,
        Some(_) => Some(
            registry
                .units()
                .iter()
                .filter(|u| registry.is_within(&u.code, office))
                .map(|u| u.code.clone())
                .collect(),
        ),
        None => Some(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> UnitCode {
        UnitCode::parse(s).expect("valid")
    }

    #[test]
    fn scope_follows_the_hierarchy() {
        let r = Registry::embedded_default();
        assert!(can_see(&r, &u("20335"), &u("20335")));
        assert!(!can_see(&r, &u("20335"), &u("20341")));
        assert!(can_see(&r, &u("502"), &u("20335")));
        assert!(!can_see(&r, &u("503"), &u("20335")));
        assert!(can_see(&r, &u("49-SNV"), &u("20335")));
        assert!(can_see(&r, &u("49"), &u("49-STP")));
        assert!(!can_see(&r, &u("49-STP"), &u("20335")));
        assert!(!can_see(&r, &u("99999"), &u("20335")));
        let district = visible_units(&r, &u("502")).expect("a list");
        assert!(district.contains(&u("20335")) && district.contains(&u("502")));
        assert!(!district.contains(&u("20398")));
        assert_eq!(visible_units(&r, &u("49-SNV")), None);
    }
}
