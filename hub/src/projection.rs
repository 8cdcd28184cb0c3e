//! The report projection, computed: what one document contributes to reports ([`project`]).
//! The store writes it in the same SQLite transaction as each merge, so a report is a query and
//! never loads a document; its tables and queries are in `store/projection.rs`.

use automerge::Automerge;
use doimoi_shared::calendar::Calendar;
use doimoi_shared::doc::{proposal, unit_year};
use doimoi_shared::org::Registry;
use doimoi_shared::report::{ProposalRow, UnitYearRow};

/// What a document contributes to reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Projected {
    Proposal(ProposalRow),
    UnitYear(UnitYearRow),
    /// A document reports do not read (or one that cannot be read: kept out of reports).
    None,
}

/// Projects one document.
pub fn project(doc: &Automerge, kind: &str, registry: &Registry, calendar: &Calendar) -> Projected {
    match kind {
        "proposal" => match proposal::read_without_prose(doc) {
            Ok(p) => Projected::Proposal(ProposalRow::project(
                &p,
                registry,
                calendar,
                &calendar.workflow_config(),
            )),
            Err(e) => {
                tracing::warn!(error = %e, "proposal left out of reports");
                Projected::None
            }
        },
        "unit_year" => match unit_year::read(doc) {
            Ok(r) => Projected::UnitYear(UnitYearRow::project(&r)),
            Err(e) => {
                tracing::warn!(error = %e, "unit-year record left out of reports");
                Projected::None
            }
        },
        _ => Projected::None,
    }
}
