//! The procedure's rules refused at the source (docs/domain.md §4.2): each through the
//! command line, and the same record forged and pushed raw to the hub.

use crate::harness::{TestClient, TestHub};
use crate::scope::raw_push_outcome;
use automerge::ActorId;
use chrono::NaiveDate;
use doimoi_shared::doc::proposal::{self, ProposalFields};
use doimoi_shared::ids::{DocId, UnitCode};
use doimoi_shared::wire;
use doimoi_shared::workflow::{Action, Basis, Determination, EvalResult, Event};
use serde_json::json;

const COMMUNE: &str = "20335";

/// Received 04/03/2024 by the commune itself.
fn received(c: &TestClient, extra: &[&str]) -> String {
    let id = c.new_proposal("Đề xuất thử quy tắc", extra);
    c.step(&id, "submit", "2024-03-01", &[]);
    c.step(&id, "receive", "2024-03-04", &[]);
    id
}

/// Received, Party opinion (agreeing or not), voted 4–1 on 05/03/2024.
fn voted(c: &TestClient, agree: bool) -> String {
    let id = received(c, &[]);
    let opinion = if agree { "--agree" } else { "--disagree" };
    c.step(&id, "party-opinion", "2024-03-05", &[opinion]);
    c.step(&id, "vote", "2024-03-05", &["--for", "4", "--against", "1"]);
    id
}

/// The steps of a proposal of the commune (not its chairman's), each recorded by the commune.
fn commune_steps(last: &[(&str, Action)]) -> Vec<(String, Action)> {
    let mut v: Vec<(String, Action)> = vec![
        ("2024-03-01".into(), Action::Submit),
        ("2024-03-04".into(), Action::Receive),
    ];
    v.extend(last.iter().map(|(d, a)| ((*d).to_string(), a.clone())));
    v
}

/// A proposal of the commune whose log holds `steps`, made past the client's own check: what a
/// tampered client could push.
fn forged(fields: ProposalFields, steps: &[(String, Action)]) -> (String, Vec<u8>) {
    let id = DocId::from_bytes([0x5a; 16]);
    let unit = UnitCode::parse(COMMUNE).expect("unit");
    let mut doc =
        proposal::create(ActorId::from([0x77u8; 16]), &id, &unit, 0, &fields).expect("create");
    let mut prev: Vec<String> = Vec::new();
    for (n, (date, action)) in steps.iter().enumerate() {
        let eid = format!("{:016x}", n + 1);
        let seq = u64::try_from(n + 1).expect("seq");
        let e = Event {
            id: eid.clone(),
            seq,
            prev: prev.clone(),
            at: 1_709_000_000_000 + i64::try_from(n).expect("n") * 1000,
            date: NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("date"),
            unit: unit.clone(),
            by: "Văn thư".into(),
            position: String::new(),
            note: String::new(),
            action: action.clone(),
        };
        proposal::append_event(&mut doc, &e).expect("append");
        prev = vec![eid];
    }
    (id.to_string(), doc.save())
}

/// A complete proposal plan of a leader under `basis`.
fn fields(basis: Basis) -> ProposalFields {
    let text = || Some("Nội dung".to_string());
    ProposalFields {
        title: Some("Đề xuất giả mạo".into()),
        proposer: Some("Nguyễn Văn An".into()),
        leader: Some(true),
        basis: Some(basis),
        necessity: text(),
        content: text(),
        subjects: text(),
        scope: text(),
        timeline: text(),
        resources: text(),
        feasibility: text(),
        impact: text(),
        expected: text(),
        ..ProposalFields::default()
    }
}

/// Pushes the forged proposal raw; the hub must refuse it with a reason containing `why`.
fn hub_refuses(fields: ProposalFields, steps: &[(String, Action)], why: &str) {
    let hub = TestHub::spawn();
    let (id, bytes) = forged(fields, steps);
    match raw_push_outcome(&hub, &hub.token(COMMUNE), &id, bytes) {
        wire::Outcome::Rejected { reason, .. } => {
            assert!(reason.contains(why) && reason.contains(&id), "{reason}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(hub.metric("doimoi_documents"), 0, "nothing of it is stored");
}

/// The same log without its last step is accepted: the refusal is the rule's.
fn hub_accepts(fields: ProposalFields, steps: &[(String, Action)]) {
    let hub = TestHub::spawn();
    let (id, bytes) = forged(fields, steps);
    let outcome = raw_push_outcome(&hub, &hub.token(COMMUNE), &id, bytes);
    assert!(
        !matches!(outcome, wire::Outcome::Rejected { .. }),
        "{outcome:?}"
    );
}

/// Through the evaluation: partly completed with damage on 08/05/2024.
fn evaluated_with_damage() -> Vec<(String, Action)> {
    commune_steps(&evaluated(EvalResult::Partly, true))
}

/// The steps after receipt through an evaluation on 08/05/2024 with `result` and `damage`.
fn evaluated(result: EvalResult, damage: bool) -> Vec<(&'static str, Action)> {
    vec![
        ("2024-03-05", Action::PartyOpinion { agree: true }),
        ("2024-03-05", vote(4, 1, None)),
        (
            "2024-03-06",
            Action::Approve {
                pilot: false,
                by_head: false,
            },
        ),
        ("2024-03-07", Action::Start),
        ("2024-05-06", Action::ReportResults { finished: None }),
        ("2024-05-07", Action::PartyOpinion { agree: true }),
        ("2024-05-08", Action::Evaluate { result, damage }),
    ]
}

fn vote(votes_for: u32, against: u32, members: Option<u32>) -> Action {
    Action::Vote {
        votes_for,
        against,
        abstain: 0,
        head_voted: None,
        members,
    }
}

// ---- rule 1: protection follows the evaluation, under every basis ----

#[test]
fn protection_against_the_evaluation_is_refused_under_the_regulation_too() {
    let c = TestClient::offline(COMMUNE);
    let id = received(&c, &["--basis", "qd20"]);
    c.step(&id, "party-opinion", "2024-03-05", &["--agree"]);
    c.step(&id, "vote", "2024-03-05", &["--for", "4", "--against", "1"]);
    c.step(&id, "approve", "2024-03-06", &[]);
    c.step(&id, "start", "2024-03-07", &[]);
    c.step(&id, "report-results", "2024-05-06", &[]);
    c.step(&id, "party-opinion", "2024-05-07", &["--agree"]);
    c.step(
        &id,
        "evaluate",
        "2024-05-08",
        &["--result", "partly", "--damage"],
    );
    let err = c.fails(&[
        "proposal",
        "protect",
        &id,
        "--date",
        "2024-05-09",
        "--determination",
        "not-liable",
    ]);
    assert!(
        err.contains("Quy định số 20-QĐ/TU") && err.contains("không phải"),
        "{err}"
    );
    c.step(
        &id,
        "protect",
        "2024-05-09",
        &["--determination", "considered"],
    );
    assert_eq!(c.show(&id)["protection"], "considered");
}

#[test]
fn the_hub_refuses_a_forged_protection_against_the_evaluation() {
    let steps = evaluated_with_damage();
    hub_accepts(fields(Basis::Qd20), &steps);
    let mut bad = steps;
    bad.push((
        "2024-05-09".into(),
        Action::Protect {
            determination: Determination::NotLiable,
        },
    ));
    hub_refuses(fields(Basis::Qd20), &bad, "Quy định số 20-QĐ/TU");
}

// ---- rule 2: the Party committee's opinion before the vote; against it, flagged ----

#[test]
fn a_vote_without_the_party_opinion_and_an_opinion_after_the_vote_are_refused() {
    let c = TestClient::offline(COMMUNE);
    let id = received(&c, &[]);
    let err = c.fails(&[
        "proposal",
        "vote",
        &id,
        "--date",
        "2024-03-05",
        "--for",
        "4",
        "--against",
        "1",
    ]);
    assert!(err.contains("trước khi họp tập thể lãnh đạo"), "{err}");
    let id = voted(&c, true);
    let err = c.fails(&[
        "proposal",
        "party-opinion",
        &id,
        "--date",
        "2024-03-06",
        "--agree",
    ]);
    assert!(
        err.contains("phải có trước khi tập thể lãnh đạo biểu quyết"),
        "{err}"
    );
}

#[test]
fn an_approval_against_the_party_opinion_is_recorded_and_flagged() {
    let c = TestClient::offline(COMMUNE);
    let id = voted(&c, false);
    c.step(&id, "approve", "2024-03-06", &[]);
    let st = c.show(&id);
    assert_eq!(st["status"], "approved");
    assert_eq!(st["flags"], serde_json::json!(["against_party_opinion"]));
}

#[test]
fn the_hub_refuses_a_forged_vote_before_the_party_opinion() {
    hub_refuses(
        fields(Basis::Nd73),
        &commune_steps(&[("2024-03-05", vote(4, 1, None))]),
        "trước khi họp tập thể lãnh đạo",
    );
    hub_refuses(
        fields(Basis::Nd73),
        &commune_steps(&[
            ("2024-03-05", Action::PartyOpinion { agree: true }),
            ("2024-03-05", vote(4, 1, None)),
            ("2024-03-06", Action::PartyOpinion { agree: true }),
        ]),
        "phải có trước khi tập thể lãnh đạo biểu quyết",
    );
}

// ---- rule 3: the deputy who proposed never votes ----

#[test]
fn a_vote_on_a_deputys_proposal_must_name_the_members() {
    let c = TestClient::offline(COMMUNE);
    let id = received(&c, &["--proposer-is-deputy"]);
    c.step(&id, "party-opinion", "2024-03-05", &["--agree"]);
    let err = c.fails(&[
        "proposal",
        "vote",
        &id,
        "--date",
        "2024-03-05",
        "--for",
        "4",
        "--against",
        "1",
    ]);
    assert!(err.contains("--members"), "{err}");
    // Five members, the proposer among them: four vote.
    let err = c.fails(&[
        "proposal",
        "vote",
        &id,
        "--date",
        "2024-03-05",
        "--for",
        "4",
        "--against",
        "1",
        "--members",
        "5",
    ]);
    assert!(err.contains("cấp phó"), "{err}");
    c.step(
        &id,
        "vote",
        "2024-03-05",
        &["--for", "3", "--against", "1", "--members", "5"],
    );
    assert_eq!(c.show(&id)["status"], "vote_passed");
}

#[test]
fn the_hub_refuses_a_forged_vote_counting_the_deputy_who_proposed() {
    let deputy = ProposalFields {
        proposer_is_deputy: Some(true),
        ..fields(Basis::Nd73)
    };
    let opinion = ("2024-03-05", Action::PartyOpinion { agree: true });
    hub_accepts(
        deputy.clone(),
        &commune_steps(&[opinion.clone(), ("2024-03-05", vote(3, 1, Some(5)))]),
    );
    hub_refuses(
        deputy.clone(),
        &commune_steps(&[opinion.clone(), ("2024-03-05", vote(4, 1, None))]),
        "--members",
    );
    hub_refuses(
        deputy,
        &commune_steps(&[opinion, ("2024-03-05", vote(4, 1, Some(5)))]),
        "cấp phó",
    );
}

// ---- rule 4: dates that cannot be ----

#[test]
fn results_finished_before_the_implementation_started_are_refused() {
    let c = TestClient::offline(COMMUNE);
    let id = voted(&c, true);
    c.step(&id, "approve", "2024-03-06", &[]);
    c.step(&id, "start", "2024-04-01", &[]);
    let err = c.fails(&[
        "proposal",
        "report-results",
        &id,
        "--date",
        "2024-05-06",
        "--finished",
        "2024-03-29",
    ]);
    assert!(err.contains("trước ngày bắt đầu triển khai"), "{err}");
}

#[test]
fn the_hub_refuses_forged_results_finished_before_the_start() {
    let steps = commune_steps(&[
        ("2024-03-05", Action::PartyOpinion { agree: true }),
        ("2024-03-05", vote(4, 1, None)),
        (
            "2024-03-06",
            Action::Approve {
                pilot: false,
                by_head: false,
            },
        ),
        ("2024-04-01", Action::Start),
        (
            "2024-05-06",
            Action::ReportResults {
                finished: NaiveDate::from_ymd_opt(2024, 3, 29),
            },
        ),
    ]);
    hub_refuses(fields(Basis::Qd20), &steps, "trước ngày bắt đầu triển khai");
}

// ---- rule 6: Decree 73's scope and the plan's mandatory contents ----

#[test]
fn decree_73_is_refused_for_a_proposer_who_is_not_a_leader() {
    let c = TestClient::offline(COMMUNE);
    let id = c.new_proposal("Đề xuất của công chức", &["--basis", "nd73"]);
    let err = c.fails(&["proposal", "submit", &id, "--date", "2024-03-01"]);
    assert!(err.contains("lãnh đạo, quản lý"), "{err}");
    assert_eq!(c.show(&id)["status"], "draft");
    // A head is a leader; so is one recorded as such.
    let head = c.new_proposal(
        "Đề xuất của Chủ tịch",
        &["--basis", "nd73", "--proposer-is-head"],
    );
    c.step(&head, "submit", "2024-03-01", &[]);
    let leader = c.new_proposal("Đề xuất của trưởng phòng", &["--basis", "both", "--leader"]);
    c.step(&leader, "submit", "2024-03-01", &[]);
}

#[test]
fn a_proposal_without_its_subjects_cannot_be_submitted() {
    let c = TestClient::offline(COMMUNE);
    let file = c.data.path().join("thieu.toml");
    std::fs::write(
        &file,
        "title = \"Đề xuất thiếu đối tượng\"\nproposer = \"Lê Văn B\"\nnecessity = \"Chậm\"\ncontent = \"Số hóa\"\nscope = \"Phường\"\ntimeline = \"Sáu tháng\"\nresources = \"Ngân sách\"\nfeasibility = \"Cao\"\nimpact = \"Tốt\"\nexpected = \"Nhanh hơn\"\n",
    )
    .expect("write");
    let id = c.json(&["proposal", "new", "--file", file.to_str().expect("path")])["id"]
        .as_str()
        .expect("id")
        .to_string();
    let err = c.fails(&["proposal", "submit", &id, "--date", "2024-03-01"]);
    assert!(err.contains("Còn thiếu: Đối tượng"), "{err}");
}

#[test]
fn the_hub_refuses_a_forged_submission_outside_decree_73_or_without_subjects() {
    let submit = [("2024-03-01".to_string(), Action::Submit)];
    hub_accepts(fields(Basis::Nd73), &submit);
    hub_refuses(
        ProposalFields {
            leader: Some(false),
            ..fields(Basis::Nd73)
        },
        &submit,
        "lãnh đạo, quản lý",
    );
    hub_refuses(
        ProposalFields {
            subjects: None,
            ..fields(Basis::Qd20)
        },
        &submit,
        "còn thiếu",
    );
}

// ---- rule 5: escalation after the meeting; UBND tỉnh may answer with a pilot ----

#[test]
fn escalation_follows_the_vote_and_ubnd_tinh_may_approve_a_pilot() {
    let hub = TestHub::spawn();
    let commune = TestClient::new(COMMUNE, &hub.url, &hub.token(COMMUNE));
    let province = TestClient::new("49", &hub.url, &hub.token("49"));
    commune.before_the_reform();
    province.before_the_reform();
    let id = received(&commune, &[]);
    let err = commune.fails(&["proposal", "escalate", &id, "--date", "2024-03-05"]);
    assert!(err.contains("chưa họp tập thể lãnh đạo"), "{err}");
    commune.step(&id, "party-opinion", "2024-03-05", &["--agree"]);
    commune.step(&id, "vote", "2024-03-05", &["--for", "4", "--against", "1"]);
    commune.step(&id, "escalate", "2024-03-06", &[]);
    commune.sync();
    province.sync();
    let listed = province.ok(&["proposal", "list", "--waiting"]);
    assert!(listed.contains("UBND tỉnh cho ý kiến"), "{listed}");
    let err = province.fails(&[
        "proposal",
        "answer",
        &id,
        "--date",
        "2024-03-12",
        "--reject",
        "--pilot",
    ]);
    assert!(!err.is_empty());
    province.step(&id, "answer", "2024-03-12", &["--approve", "--pilot"]);
    let st = province.show(&id);
    assert_eq!(st["status"], "approved");
    assert_eq!(st["approved_by"], "province");
    assert_eq!(st["approved_as_pilot"], true);
    province.sync();
    commune.sync();
    assert_eq!(commune.show(&id)["approved_as_pilot"], true);
}

#[test]
fn the_hub_refuses_a_forged_escalation_before_the_vote() {
    hub_refuses(
        fields(Basis::Qd20),
        &commune_steps(&[("2024-03-05", Action::Escalate)]),
        "chưa họp tập thể lãnh đạo",
    );
}

// ---- rule 7: an office records its own unit's steps only ----

#[test]
fn acting_for_another_unit_is_refused_locally_with_the_reason() {
    let c = TestClient::offline(COMMUNE);
    let id = c.new_proposal("Đề xuất của Chủ tịch", &["--proposer-is-head"]);
    c.step(&id, "submit", "2024-03-01", &[]);
    let before = c.show(&id);
    let err = c.fails(&[
        "proposal",
        "receive",
        &id,
        "--date",
        "2024-03-04",
        "--acting-unit",
        "502",
    ]);
    assert!(
        err.contains("không ghi thay") && err.contains("Thành phố Tam Kỳ (502)"),
        "{err}"
    );
    assert_eq!(c.show(&id)["events"], before["events"], "nothing written");
    // Its own code is accepted as the default is.
    let mine = c.new_proposal("Đề xuất của phường", &[]);
    c.step(&mine, "submit", "2024-03-01", &["--acting-unit", COMMUNE]);
}

// ---- rule 4: a dissemination before the regulation existed ----

#[test]
fn a_dissemination_before_the_regulation_is_refused_locally_and_by_the_hub() {
    let c = TestClient::offline(COMMUNE);
    let err = c.fails(&[
        "duty",
        "disseminate",
        "--date",
        "2023-06-15",
        "--form",
        "Hội nghị",
    ]);
    assert!(
        err.contains("trước ngày ban hành Quy định số 20-QĐ/TU"),
        "{err}"
    );
    c.ok(&[
        "duty",
        "disseminate",
        "--date",
        "2023-07-01",
        "--form",
        "Hội nghị",
    ]);
    // The same record forged and pushed raw.
    use doimoi_shared::doc::unit_year::{self, Dissemination, Entry};
    let hub = TestHub::spawn();
    let unit = UnitCode::parse(COMMUNE).expect("unit");
    let mut doc = unit_year::create(ActorId::from([0x66u8; 16]), &unit, 2023).expect("create");
    let entry = Entry::Dissemination(Dissemination {
        id: "00000000000d2023".into(),
        date: NaiveDate::from_ymd_opt(2023, 6, 15).expect("date"),
        form: "Hội nghị".into(),
        participants: 30,
        note: String::new(),
        at: 1_690_000_000_000,
    });
    unit_year::add(&mut doc, &entry, &unit).expect("add");
    let id = DocId::unit_year(&unit, 2023);
    match raw_push_outcome(&hub, &hub.token(COMMUNE), id.as_str(), doc.save()) {
        wire::Outcome::Rejected { reason, .. } => {
            assert!(reason.contains("Quy định số 20-QĐ/TU"), "{reason}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(hub.metric("doimoi_documents"), 0, "nothing of it is stored");
}

// ---- rule 4: a step on a day off says why ----

#[test]
fn a_step_on_a_day_off_without_a_note_is_refused() {
    let c = TestClient::offline(COMMUNE);
    let id = c.new_proposal("Đề xuất tiếp nhận ngày thứ Bảy", &[]);
    c.step(&id, "submit", "2024-03-08", &[]);
    let err = c.fails(&["proposal", "receive", &id, "--date", "2024-03-09"]);
    assert!(
        err.contains("09/03/2024 là ngày nghỉ") && err.contains("--note"),
        "{err}"
    );
    c.step(
        &id,
        "receive",
        "2024-03-09",
        &["--note", "Trực tiếp nhận hồ sơ sáng thứ Bảy"],
    );
    assert_eq!(c.show(&id)["status"], "received");
}

#[test]
fn the_hub_refuses_a_forged_step_on_a_day_off_without_a_note() {
    let steps = vec![
        ("2024-03-08".to_string(), Action::Submit),
        ("2024-03-09".to_string(), Action::Receive),
    ];
    hub_refuses(fields(Basis::Qd20), &steps, "là ngày nghỉ");
}

// ---- rule 6: the basis chosen explicitly ----

#[test]
fn a_proposal_without_a_chosen_basis_cannot_be_submitted() {
    let c = TestClient::offline(COMMUNE);
    let file = c.data.path().join("khong-can-cu.toml");
    std::fs::write(
        &file,
        "title = \"Đề xuất chưa chọn căn cứ\"\nproposer = \"Lê Văn B\"\nnecessity = \"Chậm\"\ncontent = \"Số hóa\"\nsubjects = \"Công chức\"\nscope = \"Phường\"\ntimeline = \"Sáu tháng\"\nresources = \"Ngân sách\"\nfeasibility = \"Cao\"\nimpact = \"Tốt\"\nexpected = \"Nhanh hơn\"\n",
    )
    .expect("write");
    let id = c.json(&["proposal", "new", "--file", file.to_str().expect("path")])["id"]
        .as_str()
        .expect("id")
        .to_string();
    // Shown as not chosen, never as a default basis.
    assert_eq!(c.show(&id)["basis"], "");
    assert!(c
        .ok(&["proposal", "show", &id])
        .contains("Căn cứ: chưa chọn"));
    let err = c.fails(&["proposal", "submit", &id, "--date", "2024-03-01"]);
    assert!(err.contains("chưa chọn căn cứ pháp lý"), "{err}");
    c.ok(&["proposal", "edit", &id, "--basis", "qd20"]);
    assert_eq!(c.show(&id)["basis"], "qd20");
    c.step(&id, "submit", "2024-03-01", &[]);
}

#[test]
fn the_hub_refuses_a_forged_submission_without_a_basis() {
    hub_refuses(
        ProposalFields {
            basis: None,
            ..fields(Basis::Qd20)
        },
        &[("2024-03-01".to_string(), Action::Submit)],
        "chưa chọn căn cứ pháp lý",
    );
}

// ---- the answer clock: set by the province, counted by the answer's own date ----

#[test]
fn the_answer_clock_is_the_provinces_and_answers_count_in_the_period_they_are_given() {
    let hub = TestHub::spawn();
    let file = hub.data.path().join("limits.json");
    std::fs::write(
        &file,
        r#"{"days_off":[],"working_days":[],"answer_days":10}"#,
    )
    .expect("write");
    let out = hub.op(&["calendar", "override", file.to_str().expect("path")]);
    let said =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("10 ngày làm việc"), "{said}");
    let commune = TestClient::new(COMMUNE, &hub.url, &hub.token(COMMUNE));
    let province = TestClient::new("49", &hub.url, &hub.token("49"));
    let snv = TestClient::new("49-SNV", &hub.url, &hub.token("49-SNV"));
    for c in [&commune, &province, &snv] {
        c.set_now("2025-01-20T09:00:00+07:00");
        c.sync();
    }
    let id = commune.new_proposal("Trình UBND tỉnh cuối năm", &[]);
    commune.step(&id, "submit", "2024-12-02", &[]);
    commune.step(&id, "receive", "2024-12-03", &[]);
    commune.step(&id, "party-opinion", "2024-12-04", &["--agree"]);
    commune.step(&id, "vote", "2024-12-05", &["--for", "4", "--against", "1"]);
    commune.step(&id, "escalate", "2024-12-10", &[]);
    // The clock the province set: 10 working days from 10/12/2024.
    let st = commune.show(&id);
    let answer = st["deadlines"]
        .as_array()
        .expect("deadlines")
        .iter()
        .find(|d| d["step"] == "answer")
        .unwrap_or_else(|| panic!("an answer clock in {}", st["deadlines"]));
    assert_eq!(answer["due"], "2024-12-24");
    commune.sync();
    province.sync();
    province.step(&id, "answer", "2025-01-06", &["--approve"]);
    province.sync();
    snv.sync();
    // 2024: sent, not answered by its end; 2025: answered, though submitted in 2024.
    let r2024 = snv.json(&["report", "--period", "2024"]);
    assert_eq!(
        r2024["totals"]["escalations"],
        json!({"total": 1, "answered": 0, "pending": 1})
    );
    assert_eq!(r2024["totals"]["timeliness"]["answer"]["open"], 1);
    let r2025 = snv.json(&["report", "--period", "2025"]);
    assert_eq!(
        r2025["totals"]["escalations"],
        json!({"total": 0, "answered": 1, "pending": 0})
    );
}

// ---- a province-level commendation on a proposal goes up ----

#[test]
fn a_province_level_commendation_on_a_proposal_is_proposed_given_an_opinion_and_decided() {
    let hub = TestHub::spawn();
    let commune = TestClient::new(COMMUNE, &hub.url, &hub.token(COMMUNE));
    let province = TestClient::new("49", &hub.url, &hub.token("49"));
    let snv = TestClient::new("49-SNV", &hub.url, &hub.token("49-SNV"));
    for c in [&commune, &province, &snv] {
        c.before_the_reform();
    }
    let id = received(&commune, &[]);
    commune.step(&id, "party-opinion", "2024-03-05", &["--agree"]);
    commune.step(&id, "vote", "2024-03-05", &["--for", "4", "--against", "1"]);
    commune.step(&id, "approve", "2024-03-06", &[]);
    commune.step(&id, "start", "2024-03-07", &[]);
    commune.step(&id, "report-results", "2024-05-02", &[]);
    commune.step(&id, "party-opinion", "2024-05-03", &["--agree"]);
    commune.step(&id, "evaluate", "2024-05-06", &["--result", "completed"]);
    commune.step(&id, "commend", "2024-05-10", &["--level", "province"]);
    commune.sync();
    province.sync();
    let err = province.fails(&[
        "proposal",
        "commend-decide",
        &id,
        "--date",
        "2024-05-14",
        "--grant",
    ]);
    assert!(err.contains("sau khi có ý kiến của Sở Nội vụ"), "{err}");
    snv.sync();
    // The step waits on Sở Nội vụ, and the list says so.
    let waiting = |c: &TestClient| -> Vec<String> {
        c.json(&["proposal", "list", "--waiting"])
            .as_array()
            .map(|rows| {
                rows.iter()
                    .filter_map(|r| r["id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(waiting(&snv), vec![id.clone()]);
    assert!(waiting(&province).is_empty());
    let text = snv.ok(&["proposal", "list", "--waiting"]);
    assert!(
        text.contains("Sở Nội vụ cho ý kiến về đề nghị khen thưởng"),
        "{text}"
    );
    snv.step(&id, "commend-opinion", "2024-05-13", &["--agree"]);
    snv.sync();
    province.sync();
    assert_eq!(waiting(&province), vec![id.clone()]);
    province.step(&id, "commend-decide", "2024-05-15", &["--grant"]);
    assert!(waiting(&province).is_empty());
    let st = province.show(&id);
    assert_eq!(
        st["province_commendation"],
        json!({"proposed_on": "2024-05-10", "opinion": {"agree": true, "date": "2024-05-13"}, "decision": {"granted": true, "date": "2024-05-15"}})
    );
    let text = province.ok(&["proposal", "show", &id]);
    for want in [
        "Đề nghị Chủ tịch UBND tỉnh khen thưởng ngày 10/05/2024",
        "Ý kiến của Sở Nội vụ về đề nghị khen thưởng ngày 13/05/2024: đồng ý",
        "Chủ tịch UBND tỉnh quyết định ngày 15/05/2024: khen thưởng",
    ] {
        assert!(text.contains(want), "{want:?} missing:\n{text}");
    }
    province.sync();
    let r2 = snv.json(&["report", "--period", "2024"]);
    assert_eq!(
        r2["totals"]["commendations"],
        json!({"unit_level": 0, "proposed_to_province": 1, "granted_by_province": 1, "not_granted_by_province": 0})
    );
}

#[test]
fn the_hub_refuses_a_forged_commendation_decided_by_the_commune() {
    let steps = |decide: bool| {
        let mut last = evaluated(EvalResult::Completed, false);
        last.push((
            "2024-05-10",
            Action::Commend {
                level: doimoi_shared::workflow::Level::Province,
            },
        ));
        if decide {
            last.push(("2024-05-15", Action::CommendDecide { granted: true }));
        }
        commune_steps(&last)
    };
    hub_refuses(fields(Basis::Qd20), &steps(true), "không có thẩm quyền");
    hub_accepts(fields(Basis::Qd20), &steps(false));
}
