//! Documents on Automerge: concurrent edits merge, unit-year records created offline on two
//! devices merge without losing either side, foreign documents are recognised.

use automerge::{ActorId, Automerge};
use doimoi_shared::doc::proposal::{self, ProposalFields};
use doimoi_shared::doc::unit_year::{self, Dissemination, Entry, Plan};
use doimoi_shared::doc::{kind_of, DocError, DocKind};
use doimoi_shared::ids::{DocId, UnitCode};
use doimoi_shared::workflow::Basis;

fn unit() -> UnitCode {
    UnitCode::parse("20335").expect("valid")
}

fn fields(content: &str) -> ProposalFields {
    ProposalFields {
        title: Some("Cải cách thủ tục".into()),
        proposer: Some("Phạm Thị D".into()),
        content: Some(content.into()),
        ..ProposalFields::default()
    }
}

#[test]
fn concurrent_prose_edits_merge_character_by_character() {
    let id = DocId::from_bytes([5; 16]);
    let mut a = proposal::create(
        ActorId::from([1u8; 16]),
        &id,
        &unit(),
        0,
        &fields("Sửa cầu xã A"),
    )
    .expect("create");
    let mut b = a.clone();
    b.set_actor(ActorId::from([2u8; 16]));
    // Device A inserts a word at the start, device B appends at the end and changes another field.
    proposal::edit(&mut a, &fields("Khẩn cấp: Sửa cầu xã A"), &unit(), 1000).expect("edit a");
    let edit_b = ProposalFields {
        content: Some("Sửa cầu xã A trong năm 2025".into()),
        basis: Some(Basis::Nd73),
        ..ProposalFields::default()
    };
    proposal::edit(&mut b, &edit_b, &unit(), 1000).expect("edit b");
    a.merge(&mut b.clone()).expect("merge");
    b.merge(&mut a.clone()).expect("merge");
    let pa = proposal::read(&a).expect("read");
    let pb = proposal::read(&b).expect("read");
    assert_eq!(pa, pb);
    assert_eq!(pa.prose("content"), "Khẩn cấp: Sửa cầu xã A trong năm 2025");
    assert_eq!(pa.basis, Basis::Nd73);
}

#[test]
fn nfd_input_is_stored_nfc() {
    let id = DocId::from_bytes([6; 16]);
    let nfd = "Đo\u{0302}\u{0300}ng bo\u{0323}\u{0302}";
    let doc =
        proposal::create(ActorId::from([1u8; 16]), &id, &unit(), 0, &fields(nfd)).expect("create");
    assert_eq!(
        proposal::read(&doc).expect("read").prose("content"),
        "Đồng bộ"
    );
}

#[test]
fn unit_year_records_created_offline_on_two_devices_merge_whole() {
    let mut a = unit_year::create(ActorId::from([1u8; 16]), &unit(), 2023).expect("create");
    let mut b = unit_year::create(ActorId::from([2u8; 16]), &unit(), 2023).expect("create");
    assert_eq!(
        a.get_heads(),
        b.get_heads(),
        "the first change is deterministic"
    );
    let date = chrono::NaiveDate::from_ymd_opt(2023, 7, 20).expect("date");
    unit_year::add(
        &mut a,
        &Entry::Dissemination(Dissemination {
            id: "a1".into(),
            date,
            form: "Hội nghị".into(),
            participants: 40,
            note: String::new(),
            at: 1,
        }),
        &unit(),
    )
    .expect("add");
    let plan = Plan {
        number: "12/KH-UBND".into(),
        date,
        note: String::new(),
    };
    unit_year::set_plan(&mut b, &plan, &unit(), 2).expect("plan");
    a.merge(&mut b).expect("merge");
    let uy = unit_year::read(&a).expect("read");
    assert_eq!(uy.dissemination.len(), 1);
    assert_eq!(uy.plan, Some(plan));
    assert_eq!(uy.id, DocId::unit_year(&unit(), 2023));
}

#[test]
fn documents_that_are_not_doimoi_documents_are_recognised() {
    let mut other = Automerge::new();
    other
        .transact::<_, _, automerge::AutomergeError>(|tx| {
            use automerge::transaction::Transactable;
            tx.put(automerge::ROOT, "hello", "world")
        })
        .map_err(|f| f.error)
        .expect("write");
    assert!(matches!(kind_of(&other), Err(DocError::Corrupt(_))));
    let uy = unit_year::create(ActorId::from([1u8; 16]), &unit(), 2024).expect("create");
    assert_eq!(kind_of(&uy).expect("kind"), DocKind::UnitYear);
    assert!(matches!(
        proposal::read(&uy),
        Err(DocError::WrongKind { .. })
    ));
}
