//! Rows → report: lineage roll-up, per-unit figures, hierarchy roll-up, totals, lists.

use super::Key;
use super::{
    Clock, DutyStatus, Figures, ListItem, Lists, MarkKind, Period, ProposalRow, Report,
    ReportError, UnitRef, UnitReport, UnitYearRow, DUTY_DEADLINE, NEW_UNIT_DUTY_DAYS,
};
use crate::ids::UnitCode;
use crate::org::{LineageKind, Registry, Unit, UnitKind};
use crate::workflow::{ApprovedBy, Status};
use crate::workflow::{EvalResult, Step};
use chrono::{Duration, NaiveDate};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::collections::BTreeMap;

/// Statuses a submitted proposal can have, in procedure order (every status but `draft`).
fn reported_statuses() -> impl Iterator<Item = Status> {
    Status::ALL.into_iter().filter(|s| *s != Status::Draft)
}

/// Whether a proposal in this status is finished with.
fn closed(s: Status) -> bool {
    matches!(
        s,
        Status::Rejected
            | Status::Terminated
            | Status::Completed
            | Status::PartlyCompleted
            | Status::NotCompleted
    )
}

const N: usize = Status::ALL.len();

/// The legal bases, in the order of `Acc::by_basis`.
const BASES: [&str; 3] = ["qd20", "nd73", "both"];

fn status_index(s: Status) -> usize {
    Status::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

/// Counters of one unit, cheap to bump; turned into [`Figures`] at the end.
#[derive(Default, Clone, PartialEq)]
struct Acc {
    proposals: u64,
    by_status: [u64; N],
    by_vote: u64,
    by_head: u64,
    by_province: u64,
    pilot: u64,
    /// Escalations to UBND tỉnh and its answers dated in the period (whenever the proposal was
    /// submitted), and escalations without an answer at the cut-off.
    escalated: u64,
    answered: u64,
    escalation_pending: u64,
    /// By interned field number.
    by_field: Vec<u64>,
    by_basis: [u64; 3],
    other_basis: u64,
    carried: u64,
    carried_status: [u64; N],
    drafts: u64,
    /// Per step: on time, late, open, overdue.
    clocks: [[u64; 4]; Step::ALL.len()],
    eval: [u64; 3],
    damage: u64,
    protect: [u64; 3],
    /// Unit level, proposed to the province, granted and not granted by UBND tỉnh.
    commend: [u64; 4],
    disciplines: u64,
    /// Proposed to UBND tỉnh, decided (applied), not applied.
    discipline_up: [u64; 3],
    self_inspections: u64,
    inspections: u64,
    reviews: [u64; 2],
    /// Dissemination, plan: units, on time, late, not done.
    dissemination: [u64; 4],
    plans: [u64; 4],
    expected: u64,
    reported: u64,
}

impl Acc {
    /// Something of the unit's own proposals happened in the period: submitted, drafted,
    /// evaluated, a protection determination or a commendation recorded, a clocked step done.
    fn records_the_period(&self) -> bool {
        self.proposals
            + self.drafts
            + self.eval.iter().sum::<u64>()
            + self.protect.iter().sum::<u64>()
            + self.commend.iter().sum::<u64>()
            + self.clocks.iter().map(|c| c[0] + c[1]).sum::<u64>()
            > 0
    }

    /// Nothing counted.
    fn is_empty(&self) -> bool {
        let mut bare = self.clone();
        let fields_empty = bare.by_field.iter().all(|n| *n == 0);
        bare.by_field.clear();
        fields_empty && bare == Acc::default()
    }

    fn add(&mut self, o: &Acc) {
        self.proposals += o.proposals;
        for i in 0..N {
            self.by_status[i] += o.by_status[i];
            self.carried_status[i] += o.carried_status[i];
        }
        self.by_vote += o.by_vote;
        self.by_head += o.by_head;
        self.by_province += o.by_province;
        self.pilot += o.pilot;
        self.escalated += o.escalated;
        self.answered += o.answered;
        self.escalation_pending += o.escalation_pending;
        if self.by_field.len() < o.by_field.len() {
            self.by_field.resize(o.by_field.len(), 0);
        }
        for (x, y) in self.by_field.iter_mut().zip(&o.by_field) {
            *x += y;
        }
        for (x, y) in self.by_basis.iter_mut().zip(&o.by_basis) {
            *x += y;
        }
        self.other_basis += o.other_basis;
        self.carried += o.carried;
        self.drafts += o.drafts;
        for (a, b) in self.clocks.iter_mut().zip(o.clocks.iter()) {
            for (x, y) in a.iter_mut().zip(b.iter()) {
                *x += y;
            }
        }
        let sum = |a: &mut [u64], b: &[u64]| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        sum(&mut self.eval, &o.eval);
        sum(&mut self.protect, &o.protect);
        sum(&mut self.commend, &o.commend);
        sum(&mut self.reviews, &o.reviews);
        sum(&mut self.dissemination, &o.dissemination);
        sum(&mut self.plans, &o.plans);
        self.damage += o.damage;
        self.disciplines += o.disciplines;
        sum(&mut self.discipline_up, &o.discipline_up);
        self.self_inspections += o.self_inspections;
        self.inspections += o.inspections;
        self.expected += o.expected;
        self.reported += o.reported;
    }

    fn figures(&self, field_names: &[&str]) -> Figures {
        let statuses = |a: &[u64; N]| -> BTreeMap<Status, u64> {
            reported_statuses()
                .map(|s| (s, a[status_index(s)]))
                .collect()
        };
        let duty = |a: &[u64; 4]| super::DutyCount {
            units: a[0],
            on_time: a[1],
            late: a[2],
            not_done: a[3],
        };
        let mut by_basis: BTreeMap<Key, u64> = BASES
            .iter()
            .zip(self.by_basis)
            .map(|(b, n)| (Key::Borrowed(b), n))
            .collect();
        if self.other_basis > 0 {
            by_basis.insert(Key::Borrowed("(khác)"), self.other_basis);
        }
        Figures {
            proposals: self.proposals,
            by_status: statuses(&self.by_status),
            approved: super::Approvals {
                by_vote: self.by_vote,
                by_head_decision: self.by_head,
                by_province: self.by_province,
                pilot: self.pilot,
            },
            escalations: super::Escalations {
                total: self.escalated,
                answered: self.answered,
                pending: self.escalation_pending,
            },
            by_field: self
                .by_field
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(i, n)| (field_names.get(i).copied().unwrap_or("").to_string(), *n))
                .collect(),
            by_basis,
            carried_over: super::CarriedOver {
                proposals: self.carried,
                by_status: statuses(&self.carried_status),
            },
            drafts: self.drafts,
            timeliness: Step::ALL
                .into_iter()
                .zip(self.clocks.iter())
                .map(|(s, c)| {
                    (
                        s,
                        super::Timeliness {
                            on_time: c[0],
                            late: c[1],
                            open: c[2],
                            overdue: c[3],
                        },
                    )
                })
                .collect(),
            evaluations: EvalResult::ALL
                .into_iter()
                .zip(self.eval.iter())
                .map(|(k, v)| (k, *v))
                .collect(),
            evaluations_with_damage: self.damage,
            protection: super::Protection {
                not_liable: self.protect[0],
                excluded: self.protect[1],
                considered: self.protect[2],
            },
            commendations: super::Commendations {
                unit_level: self.commend[0],
                proposed_to_province: self.commend[1],
                granted_by_province: self.commend[2],
                not_granted_by_province: self.commend[3],
            },
            disciplines: self.disciplines,
            disciplines_upward: super::DisciplinesUpward {
                proposed_to_province: self.discipline_up[0],
                decided_by_province: self.discipline_up[1],
                not_applied_by_province: self.discipline_up[2],
            },
            self_inspections: self.self_inspections,
            inspections: self.inspections,
            reviews: super::Reviews {
                preliminary: self.reviews[0],
                final_: self.reviews[1],
            },
            dissemination: duty(&self.dissemination),
            plans: duty(&self.plans),
            completeness: super::Completeness {
                expected: self.expected,
                reported: self.reported,
            },
        }
    }
}

/// The unit that stands for `code` at the end of the period: the unit itself while it exists,
/// else its successor by lineage (merged into, renamed to, continued by) when the registry has
/// it.
struct Lineages<'a> {
    registry: &'a Registry,
    end: NaiveDate,
    memo: HashMap<UnitCode, UnitCode>,
}

impl Lineages<'_> {
    fn rep(&mut self, code: &UnitCode) -> UnitCode {
        if let Some(r) = self.memo.get(code) {
            return r.clone();
        }
        let mut cur = code.clone();
        let mut seen: Vec<UnitCode> = Vec::new();
        while let Some(u) = self.registry.get(&cur) {
            if u.is_valid_on(self.end) {
                break;
            }
            let next = u.lineage.iter().find(|l| {
                matches!(
                    l.kind,
                    LineageKind::MergedInto | LineageKind::RenamedTo | LineageKind::ContinuedBy
                ) && l.unit != u.code
                    && self.registry.get(&l.unit).is_some()
            });
            match next {
                // A lineage that comes back on itself (a registry error) leads nowhere: the
                // unit stands for itself, so its records keep a line.
                Some(l) if seen.contains(&l.unit) || seen.len() > 32 => {
                    cur = code.clone();
                    break;
                }
                Some(l) => {
                    seen.push(cur.clone());
                    cur = l.unit.clone();
                }
                None => break,
            }
        }
        self.memo.insert(code.clone(), cur.clone());
        cur
    }
}

/// The units whose rows a report of `scope` over `period` reads: every unit that stands, by
/// lineage at the period's end, for a unit within the scope (the rule `build` applies).
/// `None` for the province: every row.
pub fn row_units(registry: &Registry, period: &Period, scope: &UnitCode) -> Option<Vec<UnitCode>> {
    if registry
        .get(scope)
        .is_some_and(|u| u.kind == UnitKind::Province)
    {
        return None;
    }
    let view = registry.on(view_day(registry, period, scope));
    let registry = &view;
    let mut lineage = Lineages {
        registry,
        end: period.end,
        memo: HashMap::default(),
    };
    Some(
        registry
            .units()
            .iter()
            .filter(|u| registry.is_within(&lineage.rep(&u.code), scope))
            .map(|u| u.code.clone())
            .collect(),
    )
}

/// The day whose registry a report reads: the period's end, or the last day of a scope unit
/// that ended during the period (a district's report over 2025 covers the communes it had
/// until 30/06/2025).
fn view_day(registry: &Registry, period: &Period, scope: &UnitCode) -> NaiveDate {
    registry
        .get(scope)
        .and_then(|u| u.valid_to)
        .filter(|t| *t < period.end && *t >= period.start)
        .unwrap_or(period.end)
}

fn exists_during(u: &Unit, start: NaiveDate, end: NaiveDate) -> bool {
    u.valid_from.is_none_or(|f| f <= end) && u.valid_to.is_none_or(|t| start <= t)
}

/// The deadline of a unit's one-off duties (dissemination, its own plan): 31/07/2023, or 30
/// days after its creation for a unit created after that day.
pub fn duty_deadline(u: &Unit) -> NaiveDate {
    match u.valid_from {
        Some(f) if f > DUTY_DEADLINE => f + Duration::days(NEW_UNIT_DUTY_DAYS),
        _ => DUTY_DEADLINE,
    }
}

/// Builds the report of `scope` (a unit code; its subtree) for `period`, as of `as_of` when
/// given. `proposals` and `unit_years` may hold rows outside the scope: they are left out.
pub fn build(
    registry: &Registry,
    proposals: &[ProposalRow],
    unit_years: &[UnitYearRow],
    period: &Period,
    as_of: Option<NaiveDate>,
    scope: &UnitCode,
) -> Result<Report, ReportError> {
    // Units as they stood at the period's end (or the scope unit's last day): names, parents
    // (districts before 01/07/2025).
    let view = registry.on(view_day(registry, period, scope));
    let registry = &view;
    let scope_unit = registry
        .get(scope)
        .ok_or_else(|| ReportError::UnknownUnit(scope.clone()))?;
    if let Some(a) = as_of {
        if a < period.start {
            return Err(ReportError::AsOfBeforePeriod {
                as_of: a,
                start: period.start,
            });
        }
    }
    let (start, end) = (period.start, period.end);
    // As of a day; else the day the report is made when the period is not over; else its end.
    let cutoff = as_of.or(period.until).map_or(end, |a| a.min(end));
    let mut lineage = Lineages {
        registry,
        end,
        memo: HashMap::default(),
    };

    // Units that hold rows: a unit that ceased before the period with no successor keeps a
    // line of its own when it has records (dropped below if none of them falls in the period),
    // and records of a unit the registry does not know get a line that says so. Nothing in the
    // rows is left out silently.
    let mut row_units: HashSet<&UnitCode> = HashSet::default();
    row_units.extend(proposals.iter().map(|p| &p.unit));
    row_units.extend(unit_years.iter().map(|r| &r.unit));
    let province_wide = scope_unit.kind == UnitKind::Province;
    let mut unknown: Vec<&UnitCode> = row_units
        .iter()
        .copied()
        .filter(|c| province_wide && registry.get(c).is_none())
        .collect();
    // The units that stand for the rows' units at the period's end (by lineage).
    let row_reps: HashSet<UnitCode> = row_units.iter().map(|c| lineage.rep(c)).collect();
    unknown.sort();
    let synthetic: Vec<Unit> = unknown
        .iter()
        .map(|c| Unit {
            code: (*c).clone(),
            name: format!("Đơn vị mã {c}"),
            kind: if c.as_str().len() == 3 {
                UnitKind::District
            } else if c.as_str().contains('-') {
                UnitKind::Department
            } else {
                UnitKind::Commune
            },
            parent: Some(scope.clone()),
            valid_from: None,
            valid_to: None,
            lineage: Vec::new(),
            former: Vec::new(),
        })
        .collect();

    // The report's units: in scope, standing for themselves, existing during the period or
    // holding records; then the units the registry does not know.
    let mut units: Vec<&Unit> = Vec::new();
    let mut index: HashMap<UnitCode, usize> = HashMap::default();
    for u in registry.units() {
        if registry.is_within(&u.code, scope)
            && lineage.rep(&u.code) == u.code
            && (exists_during(u, start, end) || row_reps.contains(&u.code))
        {
            index.insert(u.code.clone(), units.len());
            units.push(u);
        }
    }
    for u in &synthetic {
        index.insert(u.code.clone(), units.len());
        units.push(u);
    }
    let is_unknown = |u: &Unit| registry.get(&u.code).is_none();
    // Ceased before the period's end, with no successor (lineage left it standing for itself).
    let ceased = |u: &Unit| u.valid_to.filter(|t| *t < end);
    let mut merged_from: Vec<Vec<UnitCode>> = vec![Vec::new(); units.len()];
    for u in registry.units() {
        let r = lineage.rep(&u.code);
        if r != u.code {
            if let Some(&i) = index.get(&r) {
                merged_from[i].push(u.code.clone());
            }
        }
    }
    // Row unit → report line, memoised: rows are many, units few.
    let mut slots: HashMap<UnitCode, Option<usize>> =
        HashMap::with_capacity_and_hasher(units.len(), Default::default());
    let mut slot = |code: &UnitCode| -> Option<usize> {
        if let Some(s) = slots.get(code) {
            return *s;
        }
        let s = index.get(&lineage.rep(code)).copied();
        slots.insert(code.clone(), s);
        s
    };

    // Pass 1 (one core): each row's report line and field number.
    let mut field_no: HashMap<&str, usize> = HashMap::default();
    let mut field_names: Vec<&str> = Vec::new();
    let mut lines: Vec<(Option<usize>, usize)> = Vec::with_capacity(proposals.len());
    for p in proposals {
        let field = if p.field.is_empty() {
            "(chưa ghi)"
        } else {
            p.field.as_str()
        };
        let f = *field_no.entry(field).or_insert_with(|| {
            field_names.push(field);
            field_names.len() - 1
        });
        lines.push((slot(&p.unit), f));
    }
    // Commendations recorded on a proposal in the period, by level: a duty record of the same
    // commendation (same proposal and level) is not counted again.
    let commended: HashSet<(&str, bool)> = proposals
        .iter()
        .flat_map(|p| {
            p.marks.iter().filter_map(move |m| {
                let in_period = start <= m.date && m.date <= cutoff;
                match m.kind {
                    MarkKind::CommendUnit if in_period => Some((p.id.as_str(), false)),
                    MarkKind::CommendProvince if in_period => Some((p.id.as_str(), true)),
                    _ => None,
                }
            })
        })
        .collect();

    // Pass 2 (every core): the counting, in parts merged afterwards.
    let ctx = Ctx {
        units: &units,
        start,
        cutoff,
        fields: field_names.len(),
    };
    // One part per core: each part holds a line of counters per unit, merged afterwards.
    let chunk = proposals
        .len()
        .div_ceil(crate::par::threads(proposals.len()).max(1))
        .max(4096);
    let ctx = &ctx;
    let parts: Vec<Part> = crate::par::map(
        proposals.chunks(chunk).zip(lines.chunks(chunk)).collect(),
        |(rows, lines)| count(rows, lines, ctx),
    );
    drop(lines);
    let mut acc: Vec<Acc> = vec![Acc::default(); units.len()];
    let mut lists = Lists::default();
    for part in parts {
        for (a, b) in acc.iter_mut().zip(&part.acc) {
            a.add(b);
        }
        lists
            .escalations_pending
            .extend(part.lists.escalations_pending);
        lists.overdue.extend(part.lists.overdue);
        lists.conflicts.extend(part.lists.conflicts);
    }

    // Unit-year records: activities in the period, one-off duties up to the cut-off.
    let mut first_dissemination: Vec<Option<NaiveDate>> = vec![None; units.len()];
    let mut first_plan: Vec<Option<(NaiveDate, String)>> = vec![None; units.len()];
    let mut plan_revisions: Vec<Vec<(String, NaiveDate)>> = vec![Vec::new(); units.len()];
    // A unit has updated its data when it recorded anything in the period: a proposal (or a
    // draft), a step of one, or a yearly duty below.
    let mut reported: Vec<bool> = acc.iter().map(Acc::records_the_period).collect();
    let within = |d: &NaiveDate| start <= *d && *d <= cutoff;
    for r in unit_years {
        let Some(i) = slot(&r.unit) else { continue };
        // One-off duties (dissemination, plan) belong to the unit that did them: a unit merged
        // into another does not pass them on (a new commune must do its own).
        let own_duties = r.unit == units[i].code
            || !registry
                .get(&r.unit)
                .is_some_and(|u| u.lineage.iter().any(|l| l.kind == LineageKind::MergedInto));
        let a = &mut acc[i];
        a.self_inspections += r.self_inspections.iter().filter(|d| within(d)).count() as u64;
        a.inspections += r.inspections.iter().filter(|d| within(d)).count() as u64;
        for (d, fin) in &r.reviews {
            if within(d) {
                a.reviews[usize::from(*fin)] += 1;
            }
        }
        for (d, level, proposal) in &r.commendations {
            let province = *level == crate::workflow::Level::Province;
            let counted_on_proposal = proposal
                .as_deref()
                .is_some_and(|id| commended.contains(&(id, province)));
            if within(d) && !counted_on_proposal {
                a.commend[usize::from(province)] += 1;
            }
        }
        a.disciplines += r.disciplines.iter().filter(|d| within(d)).count() as u64;
        a.discipline_up[0] += r.discipline_proposals.iter().filter(|d| within(d)).count() as u64;
        for (d, commendation, granted) in &r.decisions {
            if within(d) {
                match (commendation, granted) {
                    (true, true) => a.commend[2] += 1,
                    (true, false) => a.commend[3] += 1,
                    (false, true) => a.discipline_up[1] += 1,
                    (false, false) => a.discipline_up[2] += 1,
                }
            }
        }
        if own_duties {
            for (number, d) in &r.plan_revisions {
                if *d <= cutoff {
                    plan_revisions[i].push((number.clone(), *d));
                }
            }
        }
        if let Some(d) = r.dissemination.iter().find(|d| own_duties && **d <= cutoff) {
            let f = &mut first_dissemination[i];
            *f = Some(f.map_or(*d, |x| x.min(*d)));
        }
        if let Some((number, d)) = &r.plan {
            if own_duties && *d <= cutoff && first_plan[i].as_ref().is_none_or(|(x, _)| d < x) {
                first_plan[i] = Some((*d, number.clone()));
            }
        }
        reported[i] |= r.recorded_within(start, cutoff);
    }

    // Lines of units that did not exist during the period, or that the registry does not
    // know, stay only when some record of theirs counts in the period.
    let keep: Vec<bool> = units
        .iter()
        .enumerate()
        .map(|(i, u)| {
            exists_during(u, start, end) && !is_unknown(u)
                || !acc[i].is_empty()
                || reported[i]
                || lists_name(&lists, &u.code)
        })
        .collect();
    if keep.iter().any(|k| !k) {
        retain_kept(&mut units, &keep);
        retain_kept(&mut acc, &keep);
        retain_kept(&mut first_dissemination, &keep);
        retain_kept(&mut first_plan, &keep);
        retain_kept(&mut plan_revisions, &keep);
        retain_kept(&mut reported, &keep);
        retain_kept(&mut merged_from, &keep);
        index = units
            .iter()
            .enumerate()
            .map(|(i, u)| (u.code.clone(), i))
            .collect();
    }

    // Per-unit duties: units that exist during the period (a unit that ceased before it, or one
    // the registry does not know, owes none in it).
    let mut duties: Vec<(Option<DutyStatus>, Option<DutyStatus>)> = Vec::with_capacity(units.len());
    for (i, u) in units.iter().enumerate() {
        let has_duties =
            u.kind != UnitKind::Province && exists_during(u, start, end) && !is_unknown(u);
        if !has_duties {
            duties.push((None, None));
            continue;
        }
        let deadline = duty_deadline(u);
        let status = |date: Option<NaiveDate>, number: Option<String>| DutyStatus {
            done: date.is_some(),
            date,
            deadline,
            on_time: date.is_some_and(|d| d <= deadline),
            number,
            revisions: Vec::new(),
        };
        let dis = status(first_dissemination[i], None);
        let mut plan = status(
            first_plan[i].as_ref().map(|(d, _)| *d),
            first_plan[i].as_ref().map(|(_, n)| n.clone()),
        );
        plan.revisions = std::mem::take(&mut plan_revisions[i]);
        plan.revisions.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
        let a = &mut acc[i];
        for (counts, s) in [(&mut a.dissemination, &dis), (&mut a.plans, &plan)] {
            counts[0] += 1;
            match (s.done, s.on_time) {
                (true, true) => counts[1] += 1,
                (true, false) => counts[2] += 1,
                (false, _) => counts[3] += 1,
            }
        }
        a.expected += 1;
        a.reported += u64::from(reported[i]);
        duties.push((Some(dis), Some(plan)));
    }

    // The hierarchy: each unit's nearest ancestor in the report.
    let parent_slot: Vec<Option<usize>> = units
        .iter()
        .map(|u| {
            if u.code == *scope {
                return None;
            }
            let mut cur = u.parent.clone();
            for _ in 0..32 {
                let c = cur?;
                if let Some(&j) = index.get(&c) {
                    return Some(j);
                }
                cur = registry.get(&c).and_then(|x| x.parent.clone());
            }
            None
        })
        .collect();
    let depth: Vec<u32> = (0..units.len())
        .map(|i| {
            let mut d = 0;
            let mut cur = parent_slot[i];
            while let Some(j) = cur {
                d += 1;
                cur = parent_slot[j];
                if d > 32 {
                    break;
                }
            }
            d
        })
        .collect();
    let mut subtree: Vec<Acc> = acc.clone();
    let mut has_children = vec![false; units.len()];
    let mut order: Vec<usize> = (0..units.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(depth[i]));
    for &i in &order {
        if let Some(j) = parent_slot[i] {
            has_children[j] = true;
            let child = subtree[i].clone();
            subtree[j].add(&child);
        }
    }
    let mut total = Acc::default();
    for a in &acc {
        total.add(a);
    }

    let units_out: Vec<UnitReport> = units
        .iter()
        .enumerate()
        .zip(duties)
        .map(|((i, u), (disseminated, plan))| UnitReport {
            code: u.code.clone(),
            name: u.name.clone(),
            kind: u.kind,
            parent: u.parent.clone(),
            depth: depth[i],
            merged_from: merged_from[i].clone(),
            figures: acc[i].figures(&field_names),
            has_duties: disseminated.is_some(),
            disseminated,
            plan,
            reported: reported[i],
            subtree: has_children[i].then(|| Box::new(subtree[i].figures(&field_names))),
            ceased: if is_unknown(u) { None } else { ceased(u) },
            unplaced: is_unknown(u).then(|| {
                format!(
                    "không có trong danh mục đơn vị của máy chủ; số liệu vẫn được tính, cần bổ sung đơn vị mã {} vào danh mục",
                    u.code
                )
            }),
        })
        .collect();

    let unit_order: HashMap<&UnitCode, usize> = units
        .iter()
        .enumerate()
        .map(|(i, u)| (&u.code, i))
        .collect();
    for list in [
        &mut lists.escalations_pending,
        &mut lists.overdue,
        &mut lists.conflicts,
    ] {
        // Keys computed once per item: lists can hold tens of thousands of items.
        list.sort_by_cached_key(|a| {
            (
                unit_order.get(&a.unit).copied(),
                a.date,
                a.id.clone(),
                a.step.clone(),
            )
        });
    }

    let unit_ref = |u: &Unit| UnitRef {
        code: u.code.clone(),
        name: u.name.clone(),
    };
    let fmt = |d: NaiveDate| d.format("%d/%m/%Y").to_string();
    Ok(Report {
        title: format!(
            "Kết quả thực hiện việc khuyến khích và bảo vệ cán bộ năng động, sáng tạo vì lợi ích chung {}",
            period.label()
        ),
        period: period.out(),
        as_of,
        as_of_mode: as_of.map(|_| super::AsOfMode::Received),
        cutoff,
        scope: unit_ref(scope_unit),
        scope_kind: scope_unit.kind,
        province: unit_ref(registry.province()),
        home_affairs: registry.home_affairs().map(unit_ref),
        totals: total.figures(&field_names),
        units: units_out,
        lists,
        notes: vec![
            super::cutoff_note(start, cutoff, as_of.map(|_| super::AsOfMode::Received)),
            "Đề xuất: các đề xuất nộp trong kỳ; trạng thái tính đến ngày chốt số liệu. Đề xuất nộp trước kỳ còn đang xử lý khi bắt đầu kỳ được thống kê riêng (chuyển tiếp); dự thảo tạo trong kỳ mà chưa nộp được thống kê riêng, không tính vào số đề xuất.".to_string(),
            "Danh sách chờ UBND tỉnh cho ý kiến, quá hạn và xung đột gồm mọi đề xuất trong phạm vi báo cáo (cả đề xuất của kỳ trước), nên có thể nhiều hơn số liệu của kỳ.".to_string(),
            "Đánh giá, bảo vệ, khen thưởng, kỷ luật, tự kiểm tra, kiểm tra, sơ kết, tổng kết: tính theo ngày thực hiện trong kỳ.".to_string(),
            "Đúng hạn: mỗi bước có thời hạn tính vào kỳ mà thời hạn bắt đầu; \"quá hạn\" là chưa thực hiện khi đã hết hạn.".to_string(),
            format!(
                "Phổ biến quy định và ban hành kế hoạch của đơn vị: hạn {}; đơn vị thành lập sau ngày đó có {} ngày kể từ ngày thành lập.",
                fmt(DUTY_DEADLINE),
                NEW_UNIT_DUTY_DAYS
            ),
            "Số liệu của đơn vị đã sáp nhập, hợp nhất được cộng vào đơn vị kế thừa; số liệu cấp huyện (\"cả địa bàn\") gồm các xã trực thuộc.".to_string(),
        ],
    })
}

/// What the counting of proposal rows needs.
struct Ctx<'a> {
    units: &'a [&'a Unit],
    start: NaiveDate,
    cutoff: NaiveDate,
    fields: usize,
}

/// The counts and lists of one part of the rows.
struct Part {
    acc: Vec<Acc>,
    lists: Lists,
}

impl Part {
    fn new(ctx: &Ctx<'_>) -> Part {
        let a = Acc {
            by_field: vec![0; ctx.fields],
            ..Acc::default()
        };
        Part {
            acc: vec![a; ctx.units.len()],
            lists: Lists::default(),
        }
    }
}

/// Counts proposal rows: `lines` holds each row's report line and field number.
fn count(rows: &[ProposalRow], lines: &[(Option<usize>, usize)], ctx: &Ctx<'_>) -> Part {
    let mut part = Part::new(ctx);
    let (start, cutoff) = (ctx.start, ctx.cutoff);
    let day_before_start = start.pred_opt().unwrap_or(start);
    let units = ctx.units;
    let name_of = |i: usize| units[i].name.clone();
    let lists = &mut part.lists;
    for (p, &(line, f)) in rows.iter().zip(lines) {
        let Some(i) = line else { continue };
        let a = &mut part.acc[i];
        let now = p.at(cutoff);
        let submitted = p.submitted.filter(|s| *s <= cutoff);
        match (submitted, now) {
            (Some(s), Some(pt)) if s >= start => {
                a.proposals += 1;
                a.by_status[status_index(pt.status)] += 1;
                if let Some(n) = a.by_field.get_mut(f) {
                    *n += 1;
                }
                match BASES.iter().position(|b| *b == p.basis.as_ref()) {
                    Some(b) => a.by_basis[b] += 1,
                    None => a.other_basis += 1,
                }
                match pt.approved_by {
                    Some(ApprovedBy::Vote) => a.by_vote += 1,
                    Some(ApprovedBy::HeadDecision) => a.by_head += 1,
                    Some(ApprovedBy::Province) => a.by_province += 1,
                    None => {}
                }
                if pt.approved_by.is_some() && pt.pilot {
                    a.pilot += 1;
                }
            }
            (Some(_), Some(pt)) => {
                let open_at_start = p.at(day_before_start).is_some_and(|s| !closed(s.status));
                if open_at_start {
                    a.carried += 1;
                    a.carried_status[status_index(pt.status)] += 1;
                }
            }
            _ => {
                if start <= p.created && p.created <= cutoff {
                    a.drafts += 1;
                }
            }
        }
        for c in &p.clocks {
            clock(a, c, start, cutoff);
            let overdue = c.from <= cutoff && c.done.is_none_or(|d| d > cutoff) && cutoff > c.due;
            if overdue {
                lists.overdue.push(ListItem {
                    id: p.id.clone(),
                    title: p.title.clone(),
                    unit: units[i].code.clone(),
                    unit_name: name_of(i),
                    status: now.map_or("draft", |s| s.status.as_str()).to_string(),
                    step: c.step.as_str().to_string(),
                    date: Some(c.due),
                });
            }
        }
        for m in &p.marks {
            if m.date < start || m.date > cutoff {
                continue;
            }
            match m.kind {
                MarkKind::EvaluateCompleted => a.eval[0] += 1,
                MarkKind::EvaluatePartly => a.eval[1] += 1,
                MarkKind::EvaluateNotCompleted => a.eval[2] += 1,
                MarkKind::Damage => a.damage += 1,
                MarkKind::ProtectNotLiable => a.protect[0] += 1,
                MarkKind::ProtectExcluded => a.protect[1] += 1,
                MarkKind::ProtectConsidered => a.protect[2] += 1,
                MarkKind::CommendUnit => a.commend[0] += 1,
                MarkKind::CommendProvince => a.commend[1] += 1,
                MarkKind::CommendGranted => a.commend[2] += 1,
                MarkKind::CommendNotGranted => a.commend[3] += 1,
                MarkKind::Discipline => a.disciplines += 1,
                MarkKind::Escalate => a.escalated += 1,
                MarkKind::Answer => a.answered += 1,
            }
        }
        if let Some(pt) = now {
            if pt.status == Status::Escalated && pt.answer.is_none() {
                a.escalation_pending += 1;
            }
            let item = |step: &str, date: Option<NaiveDate>| ListItem {
                id: p.id.clone(),
                title: p.title.clone(),
                unit: units[i].code.clone(),
                unit_name: name_of(i),
                status: pt.status.as_str().to_string(),
                step: step.to_string(),
                date,
            };
            if pt.status == Status::Escalated && pt.answer.is_none() {
                let since = p
                    .marks
                    .iter()
                    .filter(|m| m.kind == MarkKind::Escalate && m.date <= cutoff)
                    .map(|m| m.date)
                    .next_back();
                lists.escalations_pending.push(item("", since));
            }
            if pt.conflict {
                lists.conflicts.push(item("", None));
            }
        }
    }
    part
}

/// Whether a list names a proposal of `unit`.
/// Keeps the items of `v` whose position is marked in `keep` (same length).
fn retain_kept<T>(v: &mut Vec<T>, keep: &[bool]) {
    let mut i = 0;
    v.retain(|_| {
        i += 1;
        keep[i - 1]
    });
}

fn lists_name(lists: &Lists, unit: &UnitCode) -> bool {
    [&lists.escalations_pending, &lists.overdue, &lists.conflicts]
        .iter()
        .any(|l| l.iter().any(|it| &it.unit == unit))
}

/// Counts one clocked step whose clock started in the period.
fn clock(a: &mut Acc, c: &Clock, start: NaiveDate, cutoff: NaiveDate) {
    let s = c.step.index();
    if c.from < start || c.from > cutoff {
        return;
    }
    let k = match c.done.filter(|d| *d <= cutoff) {
        Some(d) if d <= c.due => 0,
        Some(_) => 1,
        None if cutoff <= c.due => 2,
        None => 3,
    };
    a.clocks[s][k] += 1;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::rows::Point;
    use serde_json::Value;

    fn d(s: &str) -> NaiveDate {
        crate::report::parse_date(s).expect("date")
    }

    #[test]
    fn the_json_has_each_key_once_and_units_sum_to_the_totals() {
        let registry = Registry::embedded_default();
        let point = |status| Point {
            status,
            approved_by: None,
            pilot: false,
            escalated: false,
            answer: None,
            conflict: false,
        };
        let row = |id: &str, unit: &str, status| ProposalRow {
            id: id.into(),
            unit: UnitCode::parse(unit).expect("code"),
            title: "Đề xuất".into(),
            field: String::new(),
            basis: "qd20".into(),
            created: d("2024-03-01"),
            submitted: Some(d("2024-03-01")),
            timeline: vec![(d("2024-03-01"), point(status))],
            clocks: Vec::new(),
            marks: Vec::new(),
        };
        let rows = vec![
            row("a", "20335", Status::Submitted),
            row("b", "20341", Status::Received),
            row("c", "502", Status::Submitted),
        ];
        let period = Period::parse("2024").expect("period");
        let scope = registry.province_code().clone();
        let r = build(&registry, &rows, &[], &period, None, &scope).expect("report");
        let text = serde_json::to_string(&r).expect("json");
        let reparsed: Value = serde_json::from_str(&text).expect("parse");
        // A duplicated key would be dropped by the round trip and shorten the text.
        assert_eq!(
            serde_json::to_string(&reparsed).expect("json").len(),
            text.len()
        );
        assert_eq!(r.totals.proposals, 3);
        assert_eq!(r.totals.by_status[&Status::Submitted], 2);
        let sum: u64 = r.units.iter().map(|u| u.figures.proposals).sum();
        assert_eq!(sum, 3);
        let district = r
            .units
            .iter()
            .find(|u| u.code.as_str() == "502")
            .expect("502");
        assert_eq!(district.figures.proposals, 1);
        assert_eq!(district.subtree.as_ref().map(|s| s.proposals), Some(3));
    }

    #[test]
    fn a_merged_unit_passes_on_its_activities_but_not_its_one_off_duties() {
        let reg = Registry::embedded_default();
        let mut v: Value = serde_json::from_str(&reg.to_json()).expect("json");
        let units = v["units"].as_array_mut().expect("units");
        let c2 = units
            .iter_mut()
            .find(|u| u["code"] == "20341")
            .expect("20341");
        c2["valid_to"] = serde_json::json!("2024-06-30");
        c2["lineage"] =
            serde_json::json!([{"kind": "merged_into", "unit": "20335", "date": "2024-07-01"}]);
        let registry = Registry::from_json(&v.to_string()).expect("registry");
        let uy = UnitYearRow {
            id: "x".into(),
            unit: UnitCode::parse("20341").expect("code"),
            year: 2023,
            plan: Some(("1/KH".into(), d("2023-07-10"))),
            dissemination: vec![d("2023-07-01")],
            self_inspections: vec![d("2024-03-01")],
            reviews: Vec::new(),
            commendations: Vec::new(),
            disciplines: Vec::new(),
            inspections: Vec::new(),
            plan_revisions: Vec::new(),
            discipline_proposals: Vec::new(),
            decisions: Vec::new(),
        };
        let period = Period::parse("2024").expect("period");
        let scope = registry.province_code().clone();
        let r = build(&registry, &[], &[uy], &period, None, &scope).expect("report");
        let c1 = r
            .units
            .iter()
            .find(|u| u.code.as_str() == "20335")
            .expect("20335");
        assert_eq!(c1.merged_from.len(), 1);
        // The self-inspection (an activity) rolls up; the one-off duties stay with 20341.
        assert_eq!(c1.figures.self_inspections, 1);
        assert_eq!(c1.disseminated.as_ref().map(|x| x.done), Some(false));
        assert_eq!(c1.plan.as_ref().map(|x| x.done), Some(false));
        assert!(r.units.iter().all(|u| u.code.as_str() != "20341"));
    }

    fn row(id: &str, unit: &str, submitted: &str) -> ProposalRow {
        ProposalRow {
            id: id.into(),
            unit: UnitCode::parse(unit).expect("code"),
            title: "Đề xuất".into(),
            field: String::new(),
            basis: "qd20".into(),
            created: d(submitted),
            submitted: Some(d(submitted)),
            timeline: vec![(
                d(submitted),
                Point {
                    status: Status::Submitted,
                    approved_by: None,
                    pilot: false,
                    escalated: false,
                    answer: None,
                    conflict: false,
                },
            )],
            clocks: Vec::new(),
            marks: Vec::new(),
        }
    }

    /// A proposal submitted and rejected on the same day.
    fn closed_row(id: &str, unit: &str, day: &str) -> ProposalRow {
        let mut r = row(id, unit, day);
        let mut end = r.timeline[0].1;
        end.status = Status::Rejected;
        r.timeline.push((d(day), end));
        r
    }

    #[test]
    fn records_of_units_that_ceased_or_are_unknown_keep_lines_of_their_own() {
        // A registry of the 2024 structure alone: every unit's last day is 30/06/2025.
        let registry =
            Registry::embedded(crate::org::Structure::Y2024, "49").expect("Quảng Nam 2024");
        let rows = vec![
            row("a", "20335", "2026-03-02"),
            row("b", "502", "2026-04-01"),
            row("c", "99999", "2026-05-04"),
            // Closed before the period: must not make a line.
            closed_row("d", "20341", "2024-03-01"),
        ];
        let period = Period::parse("2026").expect("period");
        let scope = registry.province_code().clone();
        let r = build(&registry, &rows, &[], &period, None, &scope).expect("report");
        assert_eq!(r.totals.proposals, 3);
        let sum: u64 = r.units.iter().map(|u| u.figures.proposals).sum();
        assert_eq!(sum, 3, "every proposal of the period is on a line");
        let commune = r.units.iter().find(|u| u.code.as_str() == "20335");
        let commune = commune.expect("the ceased commune keeps its line");
        assert_eq!(commune.ceased, Some(d("2025-06-30")));
        assert!(commune
            .display_name()
            .contains("đã thôi hoạt động từ ngày 01/07/2025"));
        assert!(
            !commune.has_duties,
            "a ceased unit owes no duties in the period"
        );
        let unknown = r.units.iter().find(|u| u.code.as_str() == "99999");
        let unknown = unknown.expect("the unknown unit's records have a line");
        assert_eq!(unknown.figures.proposals, 1);
        assert!(unknown
            .unplaced
            .as_deref()
            .is_some_and(|w| w.contains("danh mục")));
        assert!(r.units.iter().all(|u| u.code.as_str() != "20341"));
        assert_eq!(r.totals.completeness.expected, 0, "no unit exists in 2026");
    }

    #[test]
    fn a_lineage_that_comes_back_on_itself_drops_nothing() {
        // Found by the reconciliation property: communes merged into each other in a circle.
        let registry = reconciliation::registry(1, 11, &[(88, 23, 0), (4, 24, 0), (152, 44, 0)]);
        let rows = vec![row("a", "90000", "2024-12-15")];
        let period = Period::parse("2025").expect("period");
        let scope = registry.province_code().clone();
        let r = build(&registry, &rows, &[], &period, None, &scope).expect("report");
        assert_eq!(r.totals.proposals, 1);
        let line = r.units.iter().find(|u| u.code.as_str() == "90000");
        assert_eq!(line.map(|u| u.figures.proposals), Some(1));
    }

    #[test]
    fn with_the_default_registry_a_commune_that_carried_on_reports_under_its_new_name() {
        let registry = Registry::embedded_default();
        let rows = vec![
            // 20335 carried on as Phường Bàn Thạch; 20344 ended with no successor.
            row("a", "20335", "2024-03-04"),
            row("b", "20335", "2026-03-02"),
            row("c", "20344", "2024-04-01"),
            closed_row("d", "20344", "2025-03-03"),
        ];
        let scope = registry.province_code().clone();
        let now = build(
            &registry,
            &rows,
            &[],
            &Period::parse("2026").expect("p"),
            None,
            &scope,
        )
        .expect("report");
        let line = now.units.iter().find(|u| u.code.as_str() == "20335");
        let line = line.expect("the commune's line");
        assert_eq!(line.name, "Phường Bàn Thạch");
        assert_eq!(line.figures.proposals, 1);
        assert!(line.has_duties && line.ceased.is_none());
        // The open 2024 proposal of the ended commune is carried over on its own line.
        let ended = now.units.iter().find(|u| u.code.as_str() == "20344");
        let ended = ended.expect("the ended commune keeps its line");
        assert_eq!(ended.ceased, Some(d("2025-06-30")));
        assert!(now.units.iter().all(|u| u.kind != UnitKind::District));
        assert!(
            now.totals.completeness.expected > 90,
            "units of 2026 owe duties"
        );

        let then = build(
            &registry,
            &rows,
            &[],
            &Period::parse("2024").expect("p"),
            None,
            &scope,
        )
        .expect("report");
        let line = then.units.iter().find(|u| u.code.as_str() == "20335");
        let line = line.expect("the commune's line in 2024");
        assert_eq!(line.name, "Phường Tân Thạnh");
        assert_eq!(line.parent.as_ref().map(|p| p.as_str()), Some("502"));
        assert_eq!(then.totals.proposals, 2);
        assert_eq!(
            then.units
                .iter()
                .filter(|u| u.kind == UnitKind::District)
                .count(),
            17,
            "a report before the change still shows the districts"
        );
        assert!(
            then.units.iter().all(|u| registry
                .get(&u.code)
                .is_some_and(|x| x.valid_from != Some(crate::org::REFORM_DATE))),
            "no unit that began on 01/07/2025 in a 2024 report"
        );
    }

    mod reconciliation {
        use super::*;
        use crate::org::{Lineage, LineageKind, Structure};
        use proptest::prelude::*;

        /// A random province: districts with communes; some communes end on a day of 2024 or
        /// 2025, merged into another commune or with no successor; some start later.
        pub(super) fn registry(
            districts: usize,
            communes: usize,
            fates: &[(u8, u8, u16)],
        ) -> Registry {
            let code = |s: String| UnitCode::parse(&s).expect("code");
            let mut units = vec![Unit {
                code: code("90".into()),
                name: "Tỉnh Thử".into(),
                kind: UnitKind::Province,
                parent: None,
                valid_from: None,
                valid_to: None,
                lineage: Vec::new(),
                former: Vec::new(),
            }];
            for i in 0..districts {
                units.push(Unit {
                    code: code(format!("{}", 900 + i)),
                    name: format!("Huyện {i}"),
                    kind: UnitKind::District,
                    parent: Some(code("90".into())),
                    valid_from: None,
                    valid_to: None,
                    lineage: Vec::new(),
                    former: Vec::new(),
                });
            }
            let day0 = d("2024-01-01");
            for j in 0..communes {
                let (fate, other, day) = fates[j % fates.len()];
                let on = day0 + Duration::days(i64::from(day % 730));
                let mut u = Unit {
                    code: code(format!("{}", 90000 + j)),
                    name: format!("Xã {j}"),
                    kind: UnitKind::Commune,
                    parent: Some(code(format!("{}", 900 + j % districts))),
                    valid_from: None,
                    valid_to: None,
                    lineage: Vec::new(),
                    former: Vec::new(),
                };
                match fate % 4 {
                    // Merged into another commune.
                    0 => {
                        let into = usize::from(other) % communes;
                        if into != j {
                            u.valid_to = Some(on);
                            u.lineage.push(Lineage {
                                kind: LineageKind::MergedInto,
                                unit: code(format!("{}", 90000 + into)),
                                date: on,
                            });
                        }
                    }
                    // Ceased, no successor known.
                    1 => u.valid_to = Some(on),
                    // Created later.
                    2 => u.valid_from = Some(on),
                    _ => {}
                }
                units.push(u);
            }
            Registry::from_units(
                code("90".into()),
                "Tỉnh Thử".into(),
                Structure::Y2024,
                1,
                units,
            )
            .expect("registry")
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            /// Every proposal submitted in the period is counted once, on one line, whatever
            /// the reorganisations and whichever units the records name (unknown ones too).
            #[test]
            fn the_unit_lines_add_up_to_every_proposal_of_the_period(
                districts in 1usize..4,
                communes in 1usize..12,
                fates in prop::collection::vec((any::<u8>(), any::<u8>(), any::<u16>()), 1..12),
                docs in prop::collection::vec((0usize..16, 0u16..1100), 0..40),
                year in 2024i32..2027,
            ) {
                let registry = registry(districts, communes, &fates);
                let rows: Vec<ProposalRow> = docs
                    .iter()
                    .enumerate()
                    .map(|(k, (unit, day))| {
                        // Units past the registry's communes are unknown to it.
                        let unit = format!("{}", 90000 + unit);
                        let on = d("2024-01-01") + Duration::days(i64::from(*day));
                        row(&format!("{k:032x}"), &unit, &on.to_string())
                    })
                    .collect();
                let period = Period::parse(&year.to_string()).expect("period");
                let scope = registry.province_code().clone();
                let r = build(&registry, &rows, &[], &period, None, &scope).expect("report");
                let in_period = rows
                    .iter()
                    .filter(|p| p.submitted.is_some_and(|s| period.start <= s && s <= period.end))
                    .count() as u64;
                let lines: u64 = r.units.iter().map(|u| u.figures.proposals).sum();
                prop_assert_eq!(r.totals.proposals, in_period);
                prop_assert_eq!(lines, in_period);
                for u in &r.units {
                    prop_assert!(
                        u.figures.proposals == 0 || registry.get(&u.code).is_none_or(|x| {
                            x.valid_to.is_none_or(|t| t >= period.start) || u.ceased.is_some()
                        }),
                        "a line that stands for records is marked for what it is"
                    );
                }
            }
        }
    }
}
