//! Workflow rules (docs/domain.md §4) and the properties of `derive`: merge-order independence,
//! invalid events never change the state, every state is reached through valid events only.

use automerge::{ActorId, Automerge};
use chrono::NaiveDate;
use doimoi_shared::calendar::Calendar;
use doimoi_shared::doc::proposal::{self, ProposalFields};
use doimoi_shared::ids::{DocId, UnitCode};
use doimoi_shared::org::Registry;
use doimoi_shared::workflow::{
    canonical_order, check_next, derive, Action, Allowed, ApprovedBy, Basis, ClockState,
    Determination, EvalResult, Event, Flag, Level, Outcome, ProposalFacts, ProposalState, Refusal,
    Side, Status, WorkflowConfig,
};
use proptest::prelude::*;
use std::sync::OnceLock;

const COMMUNE: &str = "20335"; // Phường Tân Thạnh, Thành phố Tam Kỳ
const DISTRICT: &str = "502"; // Thành phố Tam Kỳ
const OTHER_COMMUNE: &str = "20341";
const PROVINCE: &str = "49";
const SNV: &str = "49-SNV";

fn reg() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(Registry::embedded_default)
}

fn cal() -> &'static Calendar {
    static C: OnceLock<Calendar> = OnceLock::new();
    C.get_or_init(Calendar::embedded_default)
}

fn u(s: &str) -> UnitCode {
    UnitCode::parse(s).expect("valid unit code")
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("valid date")
}

fn facts(head: bool, basis: Basis) -> ProposalFacts {
    ProposalFacts {
        unit: u(COMMUNE),
        proposer_is_head: head,
        proposer_is_deputy: false,
        leader: head || basis == Basis::Nd73 || basis == Basis::Both,
        basis,
        basis_chosen: true,
    }
}

/// A linear log built step by step, each event seeing all earlier ones.
struct Log {
    facts: ProposalFacts,
    events: Vec<Event>,
}

impl Log {
    fn new(facts: ProposalFacts) -> Self {
        Log {
            facts,
            events: Vec::new(),
        }
    }

    fn event(&self, unit: &str, date: &str, action: Action) -> Event {
        let seq = self.events.iter().map(|e| e.seq).max().unwrap_or(0) + 1;
        let prev = self
            .events
            .last()
            .map(|e| vec![e.id.clone()])
            .unwrap_or_default();
        Event {
            id: format!("{:016x}", self.events.len() + 1),
            seq,
            prev,
            at: 1_700_000_000_000 + i64::try_from(self.events.len()).unwrap_or(0) * 1000,
            date: d(date),
            unit: u(unit),
            by: "Trần Văn B".into(),
            position: "Chủ tịch".into(),
            note: String::new(),
            action,
        }
    }

    /// Records a step that must be accepted.
    fn ok(&mut self, unit: &str, date: &str, action: Action) -> &mut Self {
        let e = self.event(unit, date, action);
        if let Err(why) = check_next(
            &self.facts,
            &self.events,
            &e,
            reg(),
            cal(),
            &WorkflowConfig::default(),
        ) {
            panic!("step {} refused: {why}", e.action.name());
        }
        self.events.push(e);
        self
    }

    /// A step that must be refused for the rule `why` accepts.
    fn refused(&self, unit: &str, date: &str, action: Action, why: fn(&Refusal) -> bool) {
        let e = self.event(unit, date, action);
        match check_next(
            &self.facts,
            &self.events,
            &e,
            reg(),
            cal(),
            &WorkflowConfig::default(),
        ) {
            Ok(()) => panic!("step {} accepted, expected a refusal", e.action.name()),
            Err(reason) => assert!(
                why(&reason),
                "refused for another rule: {reason:?} ({reason})"
            ),
        }
    }

    fn state(&self, today: &str) -> ProposalState {
        derive(
            &self.facts,
            &self.events,
            reg(),
            cal(),
            &WorkflowConfig::default(),
            d(today),
        )
    }
}

fn vote(f: u32, a: u32) -> Action {
    Action::Vote {
        votes_for: f,
        against: a,
        abstain: 0,
        head_voted: None,
        members: None,
    }
}

const ANSWER: Action = Action::Answer {
    approve: true,
    pilot: false,
};

const APPROVE: Action = Action::Approve {
    pilot: false,
    by_head: false,
};

fn to_receipt(log: &mut Log, decider: &str) {
    log.ok(COMMUNE, "2024-03-01", Action::Submit)
        .ok(decider, "2024-03-04", Action::Receive);
}

/// A province-level commendation is the deciding unit's proposal; Sở Nội vụ gives its opinion,
/// then UBND tỉnh decides: three steps by three units, in that order, each once.
#[test]
fn a_province_level_commendation_goes_up_through_home_affairs_to_the_province() {
    let mut log = Log::new(facts(false, Basis::Nd73));
    to_receipt(&mut log, COMMUNE);
    log.ok(COMMUNE, "2024-03-05", Action::PartyOpinion { agree: true })
        .ok(COMMUNE, "2024-03-06", vote(4, 1))
        .ok(
            COMMUNE,
            "2024-03-07",
            Action::Approve {
                pilot: false,
                by_head: false,
            },
        )
        .ok(COMMUNE, "2024-03-08", Action::Start)
        .ok(
            COMMUNE,
            "2024-06-03",
            Action::ReportResults {
                finished: Some(d("2024-05-31")),
            },
        )
        .ok(COMMUNE, "2024-06-04", Action::PartyOpinion { agree: true })
        .ok(
            COMMUNE,
            "2024-06-05",
            Action::Evaluate {
                result: EvalResult::Completed,
                damage: false,
            },
        );
    // Nothing to answer before the unit proposes.
    log.refused(
        SNV,
        "2024-06-10",
        Action::CommendOpinion { agree: true },
        |r| matches!(r, Refusal::NoProvinceCommendation),
    );
    // Sở Nội vụ or UBND tỉnh no longer record the commendation themselves.
    log.refused(
        PROVINCE,
        "2024-06-10",
        Action::Commend {
            level: Level::Province,
        },
        |r| matches!(r, Refusal::NoAuthority { .. }),
    );
    log.ok(
        COMMUNE,
        "2024-06-10",
        Action::Commend {
            level: Level::Province,
        },
    );
    // UBND tỉnh decides after Sở Nội vụ's opinion, not before.
    log.refused(
        PROVINCE,
        "2024-06-12",
        Action::CommendDecide { granted: true },
        |r| matches!(r, Refusal::DecisionBeforeOpinion),
    );
    // Only Sở Nội vụ gives the opinion; only UBND tỉnh decides.
    log.refused(
        COMMUNE,
        "2024-06-12",
        Action::CommendOpinion { agree: true },
        |r| {
            matches!(
                r,
                Refusal::NoAuthority {
                    allowed: Allowed::HomeAffairs,
                    ..
                }
            )
        },
    );
    log.ok(SNV, "2024-06-12", Action::CommendOpinion { agree: true });
    log.refused(
        SNV,
        "2024-06-13",
        Action::CommendOpinion { agree: false },
        |r| matches!(r, Refusal::UpwardTwice { .. }),
    );
    log.refused(
        SNV,
        "2024-06-14",
        Action::CommendDecide { granted: true },
        |r| matches!(r, Refusal::NoAuthority { .. }),
    );
    log.ok(
        PROVINCE,
        "2024-06-14",
        Action::CommendDecide { granted: true },
    );
    let st = log.state("2024-06-20");
    let up = st.province_commendation.expect("sent upward");
    assert_eq!(up.proposed_on, d("2024-06-10"));
    assert_eq!(up.opinion, Some((true, d("2024-06-12"))));
    assert_eq!(up.decision, Some((true, d("2024-06-14"))));
    log.refused(
        PROVINCE,
        "2024-06-17",
        Action::CommendDecide { granted: false },
        |r| matches!(r, Refusal::UpwardTwice { .. }),
    );
}

/// A provincial body acts while it exists: after 01/07/2025 Quảng Nam's Sở Nội vụ no longer
/// answers; Đà Nẵng's, its successor, does.
#[test]
fn an_ended_provincial_body_does_not_take_steps_after_it_ended() {
    let mut log = Log::new(facts(false, Basis::Nd73));
    to_receipt(&mut log, COMMUNE);
    log.ok(COMMUNE, "2024-03-05", Action::PartyOpinion { agree: true })
        .ok(COMMUNE, "2024-03-06", vote(4, 1))
        .ok(
            COMMUNE,
            "2024-03-07",
            Action::Approve {
                pilot: false,
                by_head: false,
            },
        )
        .ok(COMMUNE, "2024-03-08", Action::Start)
        .ok(
            COMMUNE,
            "2024-06-03",
            Action::ReportResults {
                finished: Some(d("2024-05-31")),
            },
        )
        .ok(COMMUNE, "2024-06-04", Action::PartyOpinion { agree: true })
        .ok(
            COMMUNE,
            "2024-06-05",
            Action::Evaluate {
                result: EvalResult::Completed,
                damage: false,
            },
        )
        .ok(
            COMMUNE,
            "2025-06-10",
            Action::Commend {
                level: Level::Province,
            },
        );
    log.refused(
        SNV,
        "2025-07-15",
        Action::CommendOpinion { agree: true },
        |r| matches!(r, Refusal::BodyEnded { .. }),
    );
    log.ok(
        "48-SNV",
        "2025-07-15",
        Action::CommendOpinion { agree: true },
    );
}

#[test]
fn a_proposal_goes_from_draft_to_protection_with_every_clock_on_time() {
    let mut log = Log::new(facts(false, Basis::Nd73));
    to_receipt(&mut log, COMMUNE);
    log.ok(COMMUNE, "2024-03-05", Action::PartyOpinion { agree: true })
        .ok(COMMUNE, "2024-03-06", vote(4, 1))
        .ok(
            COMMUNE,
            "2024-03-07",
            Action::Approve {
                pilot: true,
                by_head: false,
            },
        )
        .ok(COMMUNE, "2024-03-08", Action::Start)
        .ok(
            COMMUNE,
            "2024-06-03",
            Action::ReportResults {
                finished: Some(d("2024-05-31")),
            },
        )
        .ok(COMMUNE, "2024-06-04", Action::PartyOpinion { agree: true })
        .ok(
            COMMUNE,
            "2024-06-05",
            Action::Evaluate {
                result: EvalResult::Completed,
                damage: false,
            },
        )
        .ok(COMMUNE, "2024-06-06", Action::Notify)
        .ok(
            COMMUNE,
            "2024-06-07",
            Action::Protect {
                determination: Determination::NotLiable,
            },
        )
        .ok(
            COMMUNE,
            "2024-06-10",
            Action::Commend {
                level: Level::Province,
            },
        );
    let st = log.state("2024-12-01");
    assert_eq!(st.status, Status::Completed);
    assert_eq!(st.approved_by, Some(ApprovedBy::Vote));
    assert!(st.pilot);
    assert_eq!(st.protection, Some(Determination::NotLiable));
    assert_eq!(st.commendations, vec![Level::Province]);
    // The province-level commendation is a proposal: it now waits for Sở Nội vụ.
    assert_eq!(
        st.flags,
        vec![Flag::AwaitingOpinion],
        "flags: {:?}",
        st.flags
    );
    let steps: Vec<(&str, &str)> = st
        .deadlines
        .iter()
        .map(|x| (x.step.as_str(), x.state.as_str()))
        .collect();
    assert_eq!(
        steps,
        vec![
            ("decision", "on_time"),
            ("results_report", "on_time"),
            ("evaluation", "on_time"),
            ("notification", "on_time")
        ]
    );
    assert!(st.events.iter().all(|o| o.outcome == Outcome::Applied));
}

#[test]
fn the_decision_clock_counts_working_days_and_skips_tet() {
    let mut log = Log::new(facts(false, Basis::Qd20));
    // Received Thursday 01/02/2024: Tết 2024 (8–14/02) is skipped, due 19/02.
    log.ok(COMMUNE, "2024-01-31", Action::Submit)
        .ok(COMMUNE, "2024-02-01", Action::Receive);
    let open = log.state("2024-02-19");
    assert_eq!(open.deadlines[0].due, d("2024-02-19"));
    assert_eq!(open.deadlines[0].state, ClockState::Open);
    let overdue = log.state("2024-02-20");
    assert_eq!(overdue.deadlines[0].state, ClockState::Overdue);
    assert!(overdue.flags.contains(&Flag::Overdue));
    log.ok(COMMUNE, "2024-02-20", Action::PartyOpinion { agree: true })
        .ok(COMMUNE, "2024-02-20", vote(3, 0))
        .ok(COMMUNE, "2024-02-21", APPROVE);
    let late = log.state("2024-03-01");
    assert_eq!(late.deadlines[0].state, ClockState::Late);
    assert_eq!(late.flags, vec![Flag::Late]);
}

#[test]
fn votes_pass_above_half_and_a_tie_goes_to_the_heads_side() {
    let mut log = Log::new(facts(false, Basis::Qd20));
    to_receipt(&mut log, COMMUNE);
    log.ok(COMMUNE, "2024-03-04", Action::PartyOpinion { agree: true });
    log.refused(COMMUNE, "2024-03-05", vote(2, 2), |r| {
        matches!(r, Refusal::TieWithoutHead)
    });
    log.ok(
        COMMUNE,
        "2024-03-05",
        Action::Vote {
            votes_for: 2,
            against: 2,
            abstain: 0,
            head_voted: Some(Side::For),
            members: None,
        },
    );
    assert_eq!(log.state("2024-03-05").status, Status::VotePassed);

    let mut log = Log::new(facts(false, Basis::Qd20));
    to_receipt(&mut log, COMMUNE);
    log.ok(COMMUNE, "2024-03-04", Action::PartyOpinion { agree: true });
    log.ok(
        COMMUNE,
        "2024-03-05",
        Action::Vote {
            votes_for: 2,
            against: 2,
            abstain: 0,
            head_voted: Some(Side::Against),
            members: None,
        },
    );
    assert_eq!(log.state("2024-03-05").status, Status::VoteFailed);

    let mut log = Log::new(facts(false, Basis::Qd20));
    to_receipt(&mut log, COMMUNE);
    log.ok(COMMUNE, "2024-03-04", Action::PartyOpinion { agree: true });
    // 2 of 5 is not more than half.
    log.ok(
        COMMUNE,
        "2024-03-05",
        Action::Vote {
            votes_for: 2,
            against: 1,
            abstain: 2,
            head_voted: None,
            members: None,
        },
    );
    assert_eq!(log.state("2024-03-05").status, Status::VoteFailed);
}

#[test]
fn after_a_failed_vote_only_the_heads_written_decision_approves() {
    let mut log = Log::new(facts(false, Basis::Qd20));
    to_receipt(&mut log, COMMUNE);
    log.ok(COMMUNE, "2024-03-05", Action::PartyOpinion { agree: true })
        .ok(COMMUNE, "2024-03-05", vote(1, 3));
    log.refused(COMMUNE, "2024-03-06", APPROVE, |r| {
        matches!(r, Refusal::ApprovalAfterFailedVote)
    });
    log.ok(
        COMMUNE,
        "2024-03-06",
        Action::Approve {
            pilot: false,
            by_head: true,
        },
    );
    let st = log.state("2024-03-06");
    assert_eq!(st.status, Status::Approved);
    assert_eq!(st.approved_by, Some(ApprovedBy::HeadDecision));
}

#[test]
fn the_party_committees_opinion_comes_before_the_vote_not_after() {
    let mut log = Log::new(facts(false, Basis::Qd20));
    to_receipt(&mut log, COMMUNE);
    log.refused(COMMUNE, "2024-03-05", vote(3, 0), |r| {
        matches!(r, Refusal::NoPartyOpinionBeforeVote)
    });
    log.ok(COMMUNE, "2024-03-05", Action::PartyOpinion { agree: true })
        .ok(COMMUNE, "2024-03-05", vote(3, 0));
    // An opinion recorded after the vote, for the decision, is refused.
    log.refused(
        COMMUNE,
        "2024-03-06",
        Action::PartyOpinion { agree: true },
        |r| matches!(r, Refusal::PartyOpinionAfterVote),
    );
    log.ok(COMMUNE, "2024-03-06", APPROVE);
    assert!(log.state("2024-03-06").flags.is_empty());
}

#[test]
fn an_approval_against_a_disagreeing_party_opinion_is_allowed_and_flagged() {
    for by_head in [false, true] {
        let mut log = Log::new(facts(false, Basis::Nd73));
        to_receipt(&mut log, COMMUNE);
        log.ok(COMMUNE, "2024-03-05", Action::PartyOpinion { agree: false })
            .ok(COMMUNE, "2024-03-05", vote(if by_head { 1 } else { 3 }, 2))
            .ok(
                COMMUNE,
                "2024-03-06",
                Action::Approve {
                    pilot: false,
                    by_head,
                },
            );
        let st = log.state("2024-03-06");
        assert_eq!(st.status, Status::Approved);
        assert_eq!(st.flags, vec![Flag::AgainstPartyOpinion]);
        assert_eq!(Flag::AgainstPartyOpinion.as_str(), "against_party_opinion");
    }
    // A rejection after a disagreeing opinion is not flagged.
    let mut log = Log::new(facts(false, Basis::Nd73));
    to_receipt(&mut log, COMMUNE);
    log.ok(COMMUNE, "2024-03-05", Action::PartyOpinion { agree: false })
        .ok(COMMUNE, "2024-03-05", vote(3, 2))
        .ok(COMMUNE, "2024-03-06", Action::Reject);
    assert!(log.state("2024-03-06").flags.is_empty());
}

#[test]
fn the_district_decides_on_the_commune_heads_own_proposal() {
    let mut log = Log::new(facts(true, Basis::Nd73));
    log.ok(COMMUNE, "2024-03-01", Action::Submit);
    log.refused(COMMUNE, "2024-03-04", Action::Receive, |r| {
        matches!(r, Refusal::NoAuthority { .. })
    });
    log.refused(OTHER_COMMUNE, "2024-03-04", Action::Receive, |r| {
        matches!(r, Refusal::NoAuthority { .. })
    });
    log.ok(DISTRICT, "2024-03-04", Action::Receive);
    let st = log.state("2024-03-04");
    assert_eq!(st.deciding_unit, u(DISTRICT));
    assert_eq!(st.status, Status::Received);
}

#[test]
fn escalations_are_answered_by_ubnd_tinh_only() {
    let mut log = Log::new(facts(false, Basis::Qd20));
    to_receipt(&mut log, COMMUNE);
    // Only after the Party committee's opinion and the collective leadership's vote.
    log.refused(COMMUNE, "2024-03-05", Action::Escalate, |r| {
        matches!(r, Refusal::EscalationBeforeVote)
    });
    log.ok(COMMUNE, "2024-03-05", Action::PartyOpinion { agree: true })
        .ok(COMMUNE, "2024-03-05", vote(3, 0))
        .ok(COMMUNE, "2024-03-05", Action::Escalate);
    log.refused(SNV, "2024-03-11", ANSWER, |r| {
        matches!(
            r,
            Refusal::NoAuthority {
                allowed: Allowed::Province(_),
                ..
            }
        )
    });
    log.refused(COMMUNE, "2024-03-11", ANSWER, |r| {
        matches!(
            r,
            Refusal::NoAuthority {
                allowed: Allowed::Province(_),
                ..
            }
        )
    });
    log.ok(PROVINCE, "2024-03-11", ANSWER);
    let st = log.state("2024-03-11");
    assert_eq!(st.status, Status::Approved);
    assert_eq!(st.approved_by, Some(ApprovedBy::Province));
    assert_eq!(st.answer, Some(true));
}

#[test]
fn ubnd_tinh_may_approve_an_escalated_proposal_as_a_pilot() {
    let mut log = Log::new(facts(false, Basis::Qd20));
    to_receipt(&mut log, COMMUNE);
    log.ok(COMMUNE, "2024-03-05", Action::PartyOpinion { agree: true })
        .ok(COMMUNE, "2024-03-05", vote(1, 3))
        .ok(COMMUNE, "2024-03-06", Action::Escalate);
    log.refused(
        PROVINCE,
        "2024-03-11",
        Action::Answer {
            approve: false,
            pilot: true,
        },
        |r| matches!(r, Refusal::PilotWithoutApproval),
    );
    log.ok(
        PROVINCE,
        "2024-03-11",
        Action::Answer {
            approve: true,
            pilot: true,
        },
    );
    let st = log.state("2024-03-11");
    assert_eq!(st.status, Status::Approved);
    assert_eq!(st.approved_by, Some(ApprovedBy::Province));
    assert!(st.pilot);
}

#[test]
fn suspend_resume_terminate_follow_the_implementation() {
    let mut log = Log::new(facts(false, Basis::Qd20));
    to_receipt(&mut log, COMMUNE);
    log.refused(COMMUNE, "2024-03-05", Action::Suspend, |r| {
        matches!(r, Refusal::OutOfOrder { .. })
    });
    log.ok(COMMUNE, "2024-03-05", Action::PartyOpinion { agree: true })
        .ok(COMMUNE, "2024-03-05", vote(3, 0))
        .ok(COMMUNE, "2024-03-05", APPROVE)
        .ok(COMMUNE, "2024-03-06", Action::Start)
        .ok(COMMUNE, "2024-04-01", Action::Suspend);
    log.refused(COMMUNE, "2024-04-02", Action::Suspend, |r| {
        matches!(r, Refusal::OutOfOrder { .. })
    });
    log.ok(COMMUNE, "2024-04-10", Action::Resume)
        .ok(COMMUNE, "2024-05-10", Action::Terminate);
    assert_eq!(log.state("2024-05-10").status, Status::Terminated);
    log.refused(COMMUNE, "2024-05-13", Action::Resume, |r| {
        matches!(r, Refusal::OutOfOrder { .. })
    });
}

#[test]
fn protection_follows_decree_73_where_it_applies() {
    let build = |basis: Basis| {
        let mut log = Log::new(facts(false, basis));
        to_receipt(&mut log, COMMUNE);
        log.ok(COMMUNE, "2024-03-05", Action::PartyOpinion { agree: true })
            .ok(COMMUNE, "2024-03-05", vote(3, 0))
            .ok(COMMUNE, "2024-03-05", APPROVE)
            .ok(COMMUNE, "2024-03-06", Action::Start)
            .ok(
                COMMUNE,
                "2024-05-06",
                Action::ReportResults { finished: None },
            )
            .ok(COMMUNE, "2024-05-07", Action::PartyOpinion { agree: false })
            .ok(
                COMMUNE,
                "2024-05-08",
                Action::Evaluate {
                    result: EvalResult::Partly,
                    damage: true,
                },
            );
        log
    };
    let log = build(Basis::Nd73);
    log.refused(
        COMMUNE,
        "2024-05-09",
        Action::Protect {
            determination: Determination::Excluded,
        },
        |r| {
            matches!(
                r,
                Refusal::ProtectionAgainstEvaluation {
                    expected: Determination::Considered,
                    ..
                }
            )
        },
    );
    log.refused(
        COMMUNE,
        "2024-05-09",
        Action::Commend { level: Level::Unit },
        |r| matches!(r, Refusal::OutOfOrder { expected, .. } if expected.contains("hoàn thành")),
    );
    let mut log = build(Basis::Nd73);
    log.ok(
        COMMUNE,
        "2024-05-09",
        Action::Protect {
            determination: Determination::Considered,
        },
    );
    assert_eq!(log.state("2024-05-09").status, Status::PartlyCompleted);
    // The provincial regulation follows the evaluation too: no "excluded" where there was
    // damage, no "not liable" where it was not completed.
    for basis in [Basis::Qd20, Basis::Both] {
        let log = build(basis);
        for got in [Determination::Excluded, Determination::NotLiable] {
            log.refused(
                COMMUNE,
                "2024-05-09",
                Action::Protect { determination: got },
                |r| {
                    matches!(
                        r,
                        Refusal::ProtectionAgainstEvaluation {
                            expected: Determination::Considered,
                            ..
                        }
                    )
                },
            );
        }
    }
    let log = build(Basis::Qd20);
    let refusal = check_next(
        &log.facts,
        &log.events,
        &log.event(
            COMMUNE,
            "2024-05-09",
            Action::Protect {
                determination: Determination::NotLiable,
            },
        ),
        reg(),
        cal(),
        &WorkflowConfig::default(),
    )
    .expect_err("refused");
    assert!(
        refusal.to_string().contains("Quy định số 20-QĐ/TU"),
        "{refusal}"
    );
    let mut log = build(Basis::Qd20);
    log.ok(
        COMMUNE,
        "2024-05-09",
        Action::Protect {
            determination: Determination::Considered,
        },
    );
}

#[test]
fn a_step_dated_before_its_predecessor_is_refused() {
    let mut log = Log::new(facts(false, Basis::Qd20));
    log.ok(COMMUNE, "2024-03-01", Action::Submit);
    log.refused(COMMUNE, "2024-02-28", Action::Receive, |r| {
        matches!(r, Refusal::DateBeforePrevious { .. })
    });
}

#[test]
fn results_cannot_finish_before_the_implementation_started() {
    let mut log = Log::new(facts(false, Basis::Qd20));
    to_receipt(&mut log, COMMUNE);
    log.ok(COMMUNE, "2024-03-05", Action::PartyOpinion { agree: true })
        .ok(COMMUNE, "2024-03-05", vote(3, 0))
        .ok(COMMUNE, "2024-03-06", APPROVE)
        .ok(COMMUNE, "2024-04-01", Action::Start);
    log.refused(
        COMMUNE,
        "2024-05-06",
        Action::ReportResults {
            finished: Some(d("2024-03-29")),
        },
        |r| matches!(r, Refusal::FinishedBeforeStart { started, .. } if *started == d("2024-04-01")),
    );
    log.ok(
        COMMUNE,
        "2024-05-06",
        Action::ReportResults {
            finished: Some(d("2024-04-01")),
        },
    );
}

#[test]
fn decree_73_applies_to_leaders_and_managers_only() {
    for basis in [Basis::Nd73, Basis::Both] {
        let mut f = facts(false, basis);
        f.leader = false;
        let log = Log::new(f.clone());
        log.refused(COMMUNE, "2024-03-01", Action::Submit, |r| {
            matches!(r, Refusal::Decree73NotLeader { .. })
        });
        f.leader = true;
        Log::new(f).ok(COMMUNE, "2024-03-01", Action::Submit);
    }
    let mut f = facts(false, Basis::Qd20);
    f.leader = false;
    Log::new(f).ok(COMMUNE, "2024-03-01", Action::Submit);
    // The head and a deputy head are leaders whatever was recorded.
    let p = |head: bool, deputy: bool| {
        let doc = proposal::create(
            ActorId::from([9u8; 16]),
            &DocId::from_bytes([4; 16]),
            &u(COMMUNE),
            0,
            &ProposalFields {
                proposer_is_head: Some(head),
                proposer_is_deputy: Some(deputy),
                leader: Some(false),
                ..ProposalFields::default()
            },
        )
        .expect("create");
        proposal::read(&doc).expect("read").facts().leader
    };
    assert!(p(true, false) && p(false, true) && !p(false, false));
}

#[test]
fn the_basis_is_chosen_before_submitting() {
    let mut f = facts(false, Basis::Qd20);
    f.basis_chosen = false;
    Log::new(f).refused(COMMUNE, "2024-03-01", Action::Submit, |r| {
        matches!(r, Refusal::BasisNotChosen)
    });
    // A new document has none until the clerk chooses.
    let doc = proposal::create(
        ActorId::from([9u8; 16]),
        &DocId::from_bytes([6; 16]),
        &u(COMMUNE),
        0,
        &ProposalFields::default(),
    )
    .expect("create");
    assert!(!proposal::read(&doc).expect("read").facts().basis_chosen);
}

#[test]
fn the_subjects_are_a_mandatory_content() {
    let doc = proposal::create(
        ActorId::from([9u8; 16]),
        &DocId::from_bytes([5; 16]),
        &u(COMMUNE),
        0,
        &ProposalFields::default(),
    )
    .expect("create");
    let missing = proposal::read(&doc).expect("read").missing_for_submit();
    assert!(
        missing.contains(&proposal::prose_label("subjects")),
        "{missing:?}"
    );
}

#[test]
fn an_office_records_its_own_units_steps_only() {
    let log = Log::new(facts(true, Basis::Qd20));
    let receipt = log.event(DISTRICT, "2024-03-04", Action::Receive);
    assert!(doimoi_shared::workflow::check_office(&u(DISTRICT), &receipt, reg()).is_ok());
    let refused = doimoi_shared::workflow::check_office(&u(COMMUNE), &receipt, reg())
        .expect_err("acting as the district");
    assert!(
        matches!(&refused, Refusal::ActingForAnother { acting, .. } if acting.contains("502")),
        "{refused:?}"
    );
}

#[test]
fn a_step_on_a_day_off_needs_a_note() {
    let mut log = Log::new(facts(false, Basis::Qd20));
    log.ok(COMMUNE, "2024-03-01", Action::Submit);
    // Saturday 09/03/2024, and Quốc khánh 02/09/2024.
    log.refused(COMMUNE, "2024-03-09", Action::Receive, |r| {
        matches!(r, Refusal::DayOffWithoutNote { .. })
    });
    let mut e = log.event(COMMUNE, "2024-03-09", Action::Receive);
    let refusal = check_next(
        &log.facts,
        &log.events,
        &e,
        reg(),
        cal(),
        &WorkflowConfig::default(),
    )
    .expect_err("a Saturday");
    assert!(refusal.to_string().contains("09/03/2024"), "{refusal}");
    e.note = "Tiếp nhận trong buổi làm việc thứ Bảy theo lịch trực".into();
    assert!(check_next(
        &log.facts,
        &log.events,
        &e,
        reg(),
        cal(),
        &WorkflowConfig::default()
    )
    .is_ok());
    let holiday = log.event(COMMUNE, "2024-09-02", Action::Receive);
    let refusal = check_next(
        &log.facts,
        &log.events,
        &holiday,
        reg(),
        cal(),
        &WorkflowConfig::default(),
    )
    .expect_err("a holiday");
    assert!(
        matches!(refusal, Refusal::DayOffWithoutNote { .. }),
        "{refusal}"
    );
}

/// Two branches from a common log: `a` and `b` recorded concurrently.
fn fork(log: &Log, a: Event, b: Event) -> Vec<Event> {
    let mut events = log.events.clone();
    events.push(a);
    events.push(b);
    events
}

#[test]
fn contradictory_concurrent_decisions_are_both_kept_and_flagged() {
    let mut log = Log::new(facts(false, Basis::Qd20));
    to_receipt(&mut log, COMMUNE);
    log.ok(COMMUNE, "2024-03-05", Action::PartyOpinion { agree: true })
        .ok(COMMUNE, "2024-03-05", vote(3, 0));
    let mut approve = log.event(COMMUNE, "2024-03-06", APPROVE);
    approve.id = "aaaaaaaaaaaaaaaa".into();
    let mut reject = log.event(COMMUNE, "2024-03-06", Action::Reject);
    reject.id = "bbbbbbbbbbbbbbbb".into();
    let events = fork(&log, approve.clone(), reject.clone());
    let st = derive(
        &log.facts,
        &events,
        reg(),
        cal(),
        &WorkflowConfig::default(),
        d("2024-03-06"),
    );
    let mut reversed = events.clone();
    reversed.reverse();
    let st2 = derive(
        &log.facts,
        &reversed,
        reg(),
        cal(),
        &WorkflowConfig::default(),
        d("2024-03-06"),
    );
    assert_eq!(st, st2, "order of delivery must not matter");
    assert_eq!(st.flags, vec![Flag::Conflict]);
    // Equal seq and time: the smaller id stands.
    assert_eq!(st.status, Status::Approved);
    let loser = st
        .events
        .iter()
        .find(|o| o.id == reject.id)
        .map(|o| o.outcome.clone());
    assert!(matches!(loser, Some(Outcome::Conflict { ref with, .. }) if with == &approve.id));

    // A person resolves it by keeping the rejection.
    let mut all = Log::new(log.facts.clone());
    all.events = events;
    let mut resolve = all.event(
        COMMUNE,
        "2024-03-07",
        Action::Resolve {
            keep: reject.id.clone(),
        },
    );
    resolve.prev = vec![approve.id.clone(), reject.id.clone()];
    assert!(check_next(
        &all.facts,
        &all.events,
        &resolve,
        reg(),
        cal(),
        &WorkflowConfig::default()
    )
    .is_ok());
    all.events.push(resolve);
    let st = all.state("2024-03-07");
    assert_eq!(st.status, Status::Rejected);
    assert!(st.flags.is_empty(), "flags: {:?}", st.flags);
}

#[test]
fn two_devices_recording_the_same_receipt_is_not_a_conflict() {
    let mut log = Log::new(facts(false, Basis::Qd20));
    log.ok(COMMUNE, "2024-03-01", Action::Submit);
    let mut a = log.event(COMMUNE, "2024-03-04", Action::Receive);
    a.id = "1111111111111111".into();
    let mut b = log.event(COMMUNE, "2024-03-04", Action::Receive);
    b.id = "2222222222222222".into();
    let events = fork(&log, a, b);
    let st = derive(
        &log.facts,
        &events,
        reg(),
        cal(),
        &WorkflowConfig::default(),
        d("2024-03-04"),
    );
    assert_eq!(st.status, Status::Received);
    assert!(st.flags.is_empty());
    assert!(st
        .events
        .iter()
        .any(|o| matches!(o.outcome, Outcome::Duplicate { .. })));
}

// ---- properties, over real Automerge documents merged in any order ----

const UNITS: [&str; 5] = [COMMUNE, DISTRICT, OTHER_COMMUNE, PROVINCE, SNV];

fn candidate_actions(k: u8) -> Action {
    match k % 21 {
        0 => Action::Submit,
        1 => Action::Receive,
        2 => Action::PartyOpinion {
            agree: k.is_multiple_of(2),
        },
        // Sometimes with the members recorded (as many as voted, or one more: a deputy who
        // proposed is left out).
        3 => Action::Vote {
            votes_for: u32::from(k % 4),
            against: u32::from(k % 3),
            abstain: 0,
            head_voted: None,
            members: match k % 3 {
                0 => None,
                1 => Some(u32::from(k % 4) + u32::from(k % 3)),
                _ => Some(u32::from(k % 4) + u32::from(k % 3) + 1),
            },
        },
        4 => Action::Approve {
            pilot: k.is_multiple_of(2),
            by_head: k.is_multiple_of(3),
        },
        5 => Action::Reject,
        6 => Action::Escalate,
        7 => Action::Answer {
            approve: k.is_multiple_of(2),
            pilot: k.is_multiple_of(3),
        },
        8 => Action::Start,
        9 => Action::Suspend,
        10 => Action::Resume,
        11 => Action::Terminate,
        // Finished on a day of January 2024: sometimes before the start.
        12 => Action::ReportResults {
            finished: k
                .is_multiple_of(2)
                .then(|| d("2024-01-02") + chrono::Duration::days(i64::from(k % 16))),
        },
        13 => Action::Evaluate {
            result: [
                EvalResult::Completed,
                EvalResult::Partly,
                EvalResult::NotCompleted,
            ][usize::from(k % 3)],
            damage: k.is_multiple_of(2),
        },
        14 => Action::Notify,
        15 => Action::Protect {
            determination: [
                Determination::NotLiable,
                Determination::Excluded,
                Determination::Considered,
            ][usize::from(k % 3)],
        },
        16 => Action::Commend {
            level: if k.is_multiple_of(2) {
                Level::Unit
            } else {
                Level::Province
            },
        },
        17 => Action::Discipline {
            measure: "Khiển trách".into(),
        },
        19 => Action::CommendOpinion {
            agree: k.is_multiple_of(2),
        },
        20 => Action::CommendDecide {
            granted: k.is_multiple_of(2),
        },
        _ => Action::Start,
    }
}

#[derive(Debug, Clone)]
enum Op {
    /// Replica `r` records a step; `valid` biases towards one that fits its own view.
    Step {
        r: usize,
        k: u8,
        unit: usize,
        valid: bool,
    },
    /// Replica `to` merges replica `from`.
    Merge { from: usize, to: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..3usize, any::<u8>(), 0..5usize, prop::bool::weighted(0.8))
            .prop_map(|(r, k, unit, valid)| Op::Step { r, k, unit, valid }),
        1 => (0..3usize, 0..3usize).prop_map(|(from, to)| Op::Merge { from, to }),
    ]
}

/// The proposer: 0 a cadre, 1 the head (the district decides), 2 a deputy (left out of the vote).
fn base_doc(who: u8) -> Automerge {
    let fields = ProposalFields {
        title: Some("Đề xuất thử".into()),
        proposer: Some("Lê Thị C".into()),
        proposer_is_head: Some(who == 1),
        proposer_is_deputy: Some(who == 2),
        leader: Some(true),
        basis: Some(Basis::Both),
        ..ProposalFields::default()
    };
    proposal::create(
        ActorId::from([9u8; 16]),
        &DocId::from_bytes([3; 16]),
        &u(COMMUNE),
        0,
        &fields,
    )
    .expect("create proposal")
}

/// Runs the ops on three replicas of one proposal; returns the replicas.
fn play(who: u8, ops: &[Op]) -> Vec<Automerge> {
    let base = base_doc(who);
    let mut reps: Vec<Automerge> = (0..3u8)
        .map(|i| {
            let mut r = base.clone();
            r.set_actor(ActorId::from([i + 1; 16]));
            r
        })
        .collect();
    let start = d("2024-01-02");
    for (n, op) in ops.iter().enumerate() {
        match op {
            Op::Merge { from, to } if from != to => {
                let mut src = reps[*from].clone();
                reps[*to].merge(&mut src).expect("merge");
            }
            Op::Merge { .. } => {}
            Op::Step { r, k, unit, valid } => {
                let p = proposal::read(&reps[*r]).expect("read");
                let (seq, prev) = p.next_position();
                let day = i64::try_from(n).unwrap_or(0);
                let make = |action: Action, unit: &str| Event {
                    id: format!("{:02x}{:014x}", r, n),
                    seq,
                    prev: prev.clone(),
                    at: 1_700_000_000_000 + day * 1000,
                    date: start + chrono::Duration::days(day),
                    unit: u(unit),
                    by: String::new(),
                    position: String::new(),
                    // Every other step carries a note: one on a day off is then accepted.
                    note: if n % 2 == 0 {
                        String::new()
                    } else {
                        "Làm thêm ngày nghỉ".into()
                    },
                    action,
                };
                let mut ev = make(candidate_actions(*k), UNITS[*unit]);
                if *valid {
                    // Prefer a step that fits this replica's view, if any does.
                    'find: for kk in 0..19u8 {
                        for un in UNITS {
                            let cand = make(candidate_actions(k.wrapping_add(kk)), un);
                            let cfg = WorkflowConfig::default();
                            if check_next(&p.facts(), &p.events, &cand, reg(), cal(), &cfg).is_ok()
                            {
                                ev = cand;
                                break 'find;
                            }
                        }
                    }
                }
                proposal::append_event(&mut reps[*r], &ev).expect("append");
            }
        }
    }
    reps
}

fn state_of(doc: &Automerge) -> ProposalState {
    let p = proposal::read(doc).expect("read");
    derive(
        &p.facts(),
        &p.events,
        reg(),
        cal(),
        &WorkflowConfig::default(),
        d("2024-06-01"),
    )
}

/// The part of a state that the procedure produces (not the bookkeeping of outcomes).
fn essence(s: &ProposalState) -> impl PartialEq + std::fmt::Debug {
    (
        s.status,
        s.approved_by,
        s.pilot,
        s.decided_on,
        s.answer,
        s.evaluation,
        s.damage,
        s.protection,
        s.commendations.clone(),
        s.disciplines.clone(),
        s.deadlines.clone(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn any_merge_order_of_the_same_events_gives_the_same_state(
        who in 0..3u8,
        ops in prop::collection::vec(op(), 1..24),
        order in Just([0usize, 1, 2]).prop_shuffle(),
    ) {
        let reps = play(who, &ops);
        // Merge all three into a fresh copy of each, in two different orders.
        let mut a = reps[0].clone();
        for r in &reps[1..] { a.merge(&mut r.clone()).expect("merge"); }
        let mut b = reps[order[0]].clone();
        b.merge(&mut reps[order[1]].clone()).expect("merge");
        b.merge(&mut reps[order[2]].clone()).expect("merge");
        prop_assert_eq!(a.get_heads(), b.get_heads());
        let sa = state_of(&a);
        let sb = state_of(&b);
        prop_assert_eq!(&sa, &sb);
        // And the event list in any order derives the same.
        let p = proposal::read(&a).expect("read");
        let mut shuffled = p.events.clone();
        shuffled.reverse();
        let sr = derive(&p.facts(), &shuffled, reg(), cal(), &WorkflowConfig::default(), d("2024-06-01"));
        prop_assert_eq!(sa, sr);
    }

    #[test]
    fn invalid_events_never_change_the_state(
        who in 0..3u8,
        ops in prop::collection::vec(op(), 1..24),
    ) {
        let reps = play(who, &ops);
        let mut all = reps[0].clone();
        for r in &reps[1..] { all.merge(&mut r.clone()).expect("merge"); }
        let p = proposal::read(&all).expect("read");
        let st = state_of(&all);
        for o in &st.events {
            if matches!(o.outcome, Outcome::Invalid { .. }) {
                let without: Vec<Event> = p.events.iter().filter(|e| e.id != o.id).cloned().collect();
                let s2 = derive(&p.facts(), &without, reg(), cal(), &WorkflowConfig::default(), d("2024-06-01"));
                prop_assert_eq!(essence(&st), essence(&s2), "removing invalid event {} changed the state", o.id);
            }
        }
    }

    #[test]
    fn every_state_is_reached_through_valid_events_only(
        who in 0..3u8,
        ops in prop::collection::vec(op(), 1..24),
    ) {
        let reps = play(who, &ops);
        let mut all = reps[0].clone();
        for r in &reps[1..] { all.merge(&mut r.clone()).expect("merge"); }
        let p = proposal::read(&all).expect("read");
        let st = state_of(&all);
        let applied: Vec<Event> = canonical_order(&p.events).into_iter()
            .filter(|e| st.events.iter().any(|o| o.id == e.id && o.outcome == Outcome::Applied))
            .cloned()
            .collect();
        let replay = derive(&p.facts(), &applied, reg(), cal(), &WorkflowConfig::default(), d("2024-06-01"));
        prop_assert!(replay.events.iter().all(|o| o.outcome == Outcome::Applied), "{:?}", replay.events);
        prop_assert_eq!(essence(&st), essence(&replay));
        // Each applied event was permitted where it stood.
        for (i, e) in applied.iter().enumerate() {
            let cfg = WorkflowConfig::default();
            prop_assert!(check_next(&p.facts(), &applied[..i], e, reg(), cal(), &cfg).is_ok());
        }
    }
}

#[test]
fn a_proposer_who_is_a_deputy_does_not_vote() {
    let mut f = facts(false, Basis::Nd73);
    f.proposer_is_deputy = true;
    let mut log = Log::new(f);
    to_receipt(&mut log, COMMUNE);
    log.ok(COMMUNE, "2024-03-04", Action::PartyOpinion { agree: true });
    // Without the members the proposer's exclusion cannot be checked: refused.
    log.refused(COMMUNE, "2024-03-05", vote(3, 1), |r| {
        matches!(r, Refusal::DeputyProposerWithoutMembers)
    });
    let tally = |votes_for, against| Action::Vote {
        votes_for,
        against,
        abstain: 0,
        head_voted: None,
        members: Some(5),
    };
    // Five members, the proposer among them: only four may vote.
    log.refused(COMMUNE, "2024-03-05", tally(4, 1), |r| {
        matches!(
            r,
            Refusal::VoteCount {
                proposer_is_deputy: true,
                ..
            }
        )
    });
    // 2 of 4 is a tie: the head's side decides.
    log.refused(COMMUNE, "2024-03-05", tally(2, 2), |r| {
        matches!(r, Refusal::TieWithoutHead)
    });
    log.ok(COMMUNE, "2024-03-05", tally(3, 1));
    assert_eq!(log.state("2024-03-05").status, Status::VotePassed);
}
