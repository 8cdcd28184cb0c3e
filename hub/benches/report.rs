//! Report benchmark (a bench binary; `cargo bench -p doimoi-hub --bench report`).
//!
//! 1. The province report over 200,000 proposals in 12,000 units (a synthetic province the
//!    size of the whole country: 700 districts × 16 communes and the provincial bodies), read
//!    from the hub's projection tables: JSON, XLSX, DOCX, each timed end to end as the route
//!    does it (query the projection → figures → render). Rows are made by the real
//!    `ProposalRow::project` (the workflow's `derive`) from generated event logs covering every
//!    status, and written by the hub's own projection code; documents are not needed, since a
//!    report never reads them.
//! 2. An "as of" report over one province (the sample province, 5,000 real Automerge proposal
//!    documents stored through the hub's store with its heads log): document history read at
//!    the heads the hub had on the day.
//!
//! Options: `--proposals N` (200000), `--units N` (12000), `--asof-docs N` (5000),
//! `--runs N` (5), `--dir PATH` (target/bench-report; generated stores are reused),
//! `--only 1|2`.

#[path = "../../client/benches/common/mod.rs"]
mod common;

use automerge::ActorId;
use chrono::{Duration, NaiveDate};
use doimoi_hub::projection::{self as compute, Projected};
use doimoi_hub::render::{self, DocInfo, Format};
use doimoi_hub::store::projection;
use doimoi_hub::store::{Db, Device, DocWrite};
use doimoi_shared::calendar::Calendar;
use doimoi_shared::doc::proposal::{self, Proposal, ProposalFields};
use doimoi_shared::ids::{DocId, UnitCode};
use doimoi_shared::org::{Registry, Structure, Unit, UnitKind};
use doimoi_shared::report::{build, Period, ProposalRow};
use doimoi_shared::workflow::{
    Action, Basis, Determination, EvalResult, Event, Level, WorkflowConfig,
};
use std::path::{Path, PathBuf};
use std::time::Instant;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// The hub's allocator (see `hub/src/main.rs`), so the figures are the hub's.
#[global_allocator]
static GLOBAL: doimoi_hub_alloc::MiMalloc = doimoi_hub_alloc::MiMalloc;

struct Opts {
    proposals: usize,
    units: usize,
    asof_docs: usize,
    runs: usize,
    dir: PathBuf,
    only: Option<u32>,
}

fn opts() -> Res<Opts> {
    let mut o = Opts {
        proposals: 200_000,
        units: 12_000,
        asof_docs: 5_000,
        runs: 5,
        dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-report"),
        only: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--proposals" => o.proposals = val()?.parse()?,
            "--units" => o.units = val()?.parse()?,
            "--asof-docs" => o.asof_docs = val()?.parse()?,
            "--runs" => o.runs = val()?.parse()?,
            "--dir" => o.dir = PathBuf::from(val()?),
            "--only" => o.only = Some(val()?.parse()?),
            "--bench" => {}
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    Ok(o)
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

/// A province with `n` units: UBND tỉnh, Sở Nội vụ, departments, districts of 16 communes.
fn big_registry(n: usize) -> Res<Registry> {
    let p = UnitCode::parse("49")?;
    let unit = |code: String, name: String, kind, parent: Option<&UnitCode>| -> Res<Unit> {
        Ok(Unit {
            code: UnitCode::parse(&code)?,
            name,
            kind,
            parent: parent.cloned(),
            valid_from: None,
            valid_to: None,
            lineage: Vec::new(),
            former: Vec::new(),
        })
    };
    let mut units = vec![
        unit(
            "49".into(),
            "Ủy ban nhân dân tỉnh Thử Nghiệm".into(),
            UnitKind::Province,
            None,
        )?,
        unit(
            "49-SNV".into(),
            "Sở Nội vụ".into(),
            UnitKind::HomeAffairs,
            Some(&p),
        )?,
    ];
    for i in 0..98 {
        units.push(unit(
            format!("49-S{i:03}"),
            format!("Sở số {i}"),
            UnitKind::Department,
            Some(&p),
        )?);
    }
    let mut district = 0;
    while units.len() < n {
        district += 1;
        let dc = UnitCode::parse(&format!("{district:03}"))?;
        units.push(unit(
            dc.to_string(),
            format!("Huyện số {district}"),
            UnitKind::District,
            Some(&p),
        )?);
        for c in 0..16 {
            if units.len() >= n {
                break;
            }
            units.push(unit(
                format!("{:05}", district * 16 + c),
                format!("Xã số {c} huyện {district}"),
                UnitKind::Commune,
                Some(&dc),
            )?);
        }
    }
    Ok(Registry::from_units(
        p,
        "Tỉnh Thử Nghiệm".into(),
        Structure::Y2024,
        2,
        units,
    )?)
}

/// An event log reaching one of 16 outcomes, from `base` on; acting units are the proposal's
/// own (it decides its cadres' proposals) and UBND tỉnh for answers.
fn events(i: usize, unit: &UnitCode, province: &UnitCode, base: NaiveDate) -> Vec<Event> {
    let mut out: Vec<Event> = Vec::new();
    let mut push = |days: i64, action: Action, who: &UnitCode| {
        let n = out.len();
        out.push(Event {
            id: format!("{:08x}{:08x}", i, n),
            seq: n as u64 + 1,
            prev: out.last().map(|e| vec![e.id.clone()]).unwrap_or_default(),
            at: 1_700_000_000_000 + n as i64,
            date: base + Duration::days(days),
            unit: who.clone(),
            by: "Nguyễn Văn A".into(),
            position: "Chủ tịch".into(),
            note: String::new(),
            action,
        });
    };
    let kind = i % 16;
    push(0, Action::Submit, unit);
    if kind == 0 {
        return out;
    }
    push(1, Action::Receive, unit);
    if kind == 1 {
        return out;
    }
    if kind == 9 || kind == 10 {
        // Escalated after the Party opinion and the vote.
        push(2, Action::PartyOpinion { agree: true }, unit);
        push(
            3,
            Action::Vote {
                votes_for: 4,
                against: 1,
                abstain: 0,
                head_voted: None,
                members: None,
            },
            unit,
        );
        push(4, Action::Escalate, unit);
        if kind == 10 {
            push(
                20,
                Action::Answer {
                    approve: true,
                    pilot: false,
                },
                province,
            );
        }
        return out;
    }
    push(2, Action::PartyOpinion { agree: true }, unit);
    let pass = kind != 6 && kind != 7;
    let vote = Action::Vote {
        votes_for: if pass { 4 } else { 1 },
        against: if pass { 1 } else { 4 },
        abstain: 0,
        head_voted: None,
        members: None,
    };
    push(3, vote, unit);
    match kind {
        2 => return out,
        7 => {
            push(5, Action::Reject, unit);
            return out;
        }
        6 => {
            push(
                12,
                Action::Approve {
                    pilot: false,
                    by_head: true,
                },
                unit,
            );
            return out;
        }
        _ => {}
    }
    push(
        4 + (i % 9) as i64,
        Action::Approve {
            pilot: kind == 3,
            by_head: false,
        },
        unit,
    );
    if kind == 3 || kind == 4 {
        return out;
    }
    push(20, Action::Start, unit);
    match kind {
        5 => return out,
        8 => {
            push(40, Action::Suspend, unit);
            return out;
        }
        11 => {
            push(40, Action::Terminate, unit);
            return out;
        }
        _ => {}
    }
    push(
        90,
        Action::ReportResults {
            finished: Some(base + Duration::days(88)),
        },
        unit,
    );
    if kind == 12 {
        return out;
    }
    push(92, Action::PartyOpinion { agree: true }, unit);
    let result = match kind {
        13 => EvalResult::Partly,
        14 => EvalResult::NotCompleted,
        _ => EvalResult::Completed,
    };
    push(
        95,
        Action::Evaluate {
            result,
            damage: kind == 14,
        },
        unit,
    );
    push(97, Action::Notify, unit);
    let determination = match kind {
        13 => Determination::Excluded,
        14 => Determination::Considered,
        _ => Determination::NotLiable,
    };
    push(100, Action::Protect { determination }, unit);
    if kind == 15 {
        push(110, Action::Commend { level: Level::Unit }, unit);
    }
    out
}

fn proposal_struct(i: usize, unit: &UnitCode, province: &UnitCode) -> Res<Proposal> {
    let base = d(2024, 1, 2) + Duration::days((i % 300) as i64);
    // Title, proposer and position from the benches' one generator (reports read no prose).
    let content = common::fields(&mut common::Rng(i as u64), common::Detail::Small);
    Ok(Proposal {
        id: DocId::parse(&format!("{:032x}", i + 1))?,
        unit: unit.clone(),
        created_at: 1_704_000_000_000,
        title: content.title.unwrap_or_default(),
        proposer: content.proposer.unwrap_or_default(),
        position: content.position.unwrap_or_default(),
        proposer_is_head: false,
        proposer_is_deputy: false,
        // Decree 73 applies to leaders and managers only.
        leader: i.is_multiple_of(3),
        basis: if i.is_multiple_of(3) {
            Basis::Nd73
        } else {
            Basis::Qd20
        },
        basis_chosen: true,
        field: ["Cải cách hành chính", "Chuyển đổi số", "Kinh tế", "Xã hội"][i % 4].into(),
        pilot: false,
        prose: Vec::new(),
        events: events(i, unit, province, base),
        unreadable: Vec::new(),
        comments: Vec::new(),
        attachments: Vec::new(),
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn timed<T>(runs: usize, mut f: impl FnMut() -> Res<T>) -> Res<(f64, T)> {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        last = Some(f()?);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok((median(times), last.ok_or("no run")?))
}

fn big_store(o: &Opts, registry: &Registry) -> Res<Db> {
    // Versioned by the row format: a store of an older format is made again.
    let dir = o.dir.join(format!("big-v3-{}-{}", o.proposals, o.units));
    let ready = dir.join("ready");
    if ready.exists() {
        return Ok(Db::open(&dir, 2)?);
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    let db = Db::open(&dir, 2)?;
    let t = Instant::now();
    let communes: Vec<UnitCode> = registry
        .of_kind(UnitKind::Commune)
        .map(|u| u.code.clone())
        .collect();
    let province = registry.province_code().clone();
    let calendar = Calendar::embedded_default();
    let config = WorkflowConfig::default();
    let chunk = 5_000;
    for start in (0..o.proposals).step_by(chunk) {
        let end = (start + chunk).min(o.proposals);
        let idx: Vec<usize> = (start..end).collect();
        // Both cores: derive is the costly part.
        let rows: Vec<Res<(String, ProposalRow)>> = std::thread::scope(|s| {
            let halves: Vec<_> = idx
                .chunks(idx.len().div_ceil(2).max(1))
                .map(|part| {
                    let (communes, province, calendar, config) =
                        (&communes, &province, &calendar, &config);
                    s.spawn(move || {
                        part.iter()
                            .map(|&i| {
                                let p = proposal_struct(i, &communes[i % communes.len()], province)
                                    .map_err(|e| e.to_string())?;
                                Ok((
                                    p.id.to_string(),
                                    ProposalRow::project(&p, registry, calendar, config),
                                ))
                            })
                            .collect::<Vec<Result<_, String>>>()
                    })
                })
                .collect();
            halves
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .map(|r| r.map_err(Into::into))
                .collect()
        });
        let mut conn = db.writer();
        let tx = conn.transaction()?;
        for r in rows {
            let (id, row) = r?;
            projection::write(&tx, &id, &Projected::Proposal(row))?;
        }
        tx.commit()?;
        drop(conn);
        eprint!("\r  generated {end}/{} proposals", o.proposals);
    }
    eprintln!(" in {:.0} s", t.elapsed().as_secs_f64());
    std::fs::write(&ready, b"ok")?;
    Ok(db)
}

fn scenario_big(o: &Opts) -> Res<()> {
    println!(
        "1. province report over {} proposals in {} units (median of {} runs)",
        o.proposals, o.units, o.runs
    );
    let registry = big_registry(o.units)?;
    let db = big_store(o, &registry)?;
    let period = Period::parse("2024")?;
    let scope = registry.province_code().clone();
    let info = DocInfo::new(d(2024, 12, 20));
    // As the route does it (`reports::consolidated`, `routes::consolidated_report`): rows and
    // report are freed off the request's path.
    let report = |format: Format| -> Res<usize> {
        let (rows, unit_years) = projection::rows(&db, None)?;
        let r = build(&registry, &rows, &unit_years, &period, None, &scope)?;
        doimoi_hub::reclaim::later((rows, unit_years));
        let bytes = render::render(&r, format, &info)?;
        doimoi_hub::reclaim::later(r);
        Ok(bytes.len())
    };
    let (rows_ms, n) = timed(o.runs, || Ok(projection::rows(&db, None)?.0.len()))?;
    println!("   read projection rows ({n}):     {rows_ms:8.1} ms");
    let (scan_ms, bytes) = timed(o.runs, || Ok(projection::scan_bytes(&db)?))?;
    println!("     of which the SQLite scan ({bytes} B): {scan_ms:8.1} ms");
    let (rows, unit_years) = projection::rows(&db, None)?;
    let (build_ms, r) = timed(o.runs, || {
        Ok(build(&registry, &rows, &unit_years, &period, None, &scope)?)
    })?;
    println!(
        "   figures (build):                {build_ms:8.1} ms  ({} proposals counted, {} units)",
        r.totals.proposals,
        r.units.len()
    );
    if let Some(path) = std::env::var_os("DOIMOI_BENCH_SAVE_JSON") {
        std::fs::write(path, render::render(&r, Format::Json, &info)?)?;
    }
    drop((rows, unit_years));
    for (format, target) in [
        (Format::Json, 500.0),
        (Format::Xlsx, 2000.0),
        (Format::Docx, 2000.0),
    ] {
        let (ms, bytes) = timed(o.runs, || report(format))?;
        println!(
            "   {:<5} end to end:              {ms:8.1} ms  {:>10} bytes  target < {target:.0} ms  {}",
            format.as_str(),
            bytes,
            if ms < target { "PASS" } else { "FAIL" }
        );
    }
    Ok(())
}

fn asof_store(o: &Opts, registry: &Registry) -> Res<Db> {
    let dir = o.dir.join(format!("asof-v3-{}", o.asof_docs));
    let ready = dir.join("ready");
    if ready.exists() {
        return Ok(Db::open(&dir, 2)?);
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    let db = Db::open(&dir, 2)?;
    let t = Instant::now();
    let communes: Vec<UnitCode> = registry
        .of_kind(UnitKind::Commune)
        .map(|u| u.code.clone())
        .collect();
    let province = registry.province_code().clone();
    let calendar = Calendar::embedded_default();
    // Two acceptances per document: on 31/03/2024 (its first events) and on 31/12/2024 (the
    // rest), so "as of 30/06/2024" reads history.
    let march = 1_711_861_200_000; // 2024-03-31 12:00 +07:00
    let december = 1_735_621_200_000; // 2024-12-31 12:00 +07:00
    for start in (0..o.asof_docs).step_by(500) {
        let end = (start + 500).min(o.asof_docs);
        let mut docs = Vec::new();
        for i in start..end {
            let unit = &communes[i % communes.len()];
            let p = proposal_struct(i, unit, &province)?;
            let actor = ActorId::from(format!("{:032x}", i + 7).as_bytes());
            let fields = ProposalFields {
                title: Some(p.title.clone()),
                proposer: Some(p.proposer.clone()),
                field: Some(p.field.clone()),
                basis: Some(p.basis),
                content: Some("Số hóa hồ sơ một cửa".into()),
                ..Default::default()
            };
            let mut doc = proposal::create(actor, &p.id, unit, p.created_at, &fields)?;
            let half = p.events.len().div_ceil(2);
            for e in &p.events[..half] {
                proposal::append_event(&mut doc, e)?;
            }
            let first = doc.clone();
            for e in &p.events[half..] {
                proposal::append_event(&mut doc, e)?;
            }
            docs.push((p.id.to_string(), unit.clone(), first, doc));
        }
        for (at, later) in [(march, false), (december, true)] {
            let projected: Vec<Projected> = docs
                .iter()
                .map(|(_, _, a, b)| {
                    compute::project(if later { b } else { a }, "proposal", registry, &calendar)
                })
                .collect();
            for ((id, unit, a, b), proj) in docs.iter().zip(&projected) {
                let device = Device {
                    id: 1,
                    unit: unit.clone(),
                };
                let before = a.get_heads();
                let w = DocWrite {
                    id,
                    kind: "proposal",
                    unit: unit.as_str(),
                    doc: if later { b } else { a },
                    before: later.then_some(before.as_slice()),
                    bind: Vec::new(),
                    proj,
                    snapshot: None,
                    changes: None,
                };
                db.commit_docs(&[w], &device, at)?;
            }
        }
        eprint!("\r  stored {end}/{} documents", o.asof_docs);
    }
    eprintln!(" in {:.0} s", t.elapsed().as_secs_f64());
    std::fs::write(&ready, b"ok")?;
    Ok(db)
}

fn scenario_asof(o: &Opts) -> Res<()> {
    println!(
        "2. \"as of\" report over one province of {} proposal documents (median of {} runs)",
        o.asof_docs,
        o.runs.min(3)
    );
    let registry = Registry::embedded_default();
    let calendar = Calendar::embedded_default();
    let db = asof_store(o, &registry)?;
    let period = Period::parse("2024")?;
    let scope = registry.province_code().clone();
    let as_of = d(2024, 6, 30);
    let before_ms = 1_719_766_800_000; // 2024-07-01 00:00 +07:00
    let (ms, r) = timed(o.runs.min(3), || {
        let (rows, uy) = projection::rows_as_of(&db, None, before_ms, &registry, &calendar)?;
        Ok(build(&registry, &rows, &uy, &period, Some(as_of), &scope)?)
    })?;
    let now = {
        let (rows, uy) = projection::rows(&db, None)?;
        build(&registry, &rows, &uy, &period, None, &scope)?
    };
    println!(
        "   as of 30/06/2024: {ms:8.1} ms  ({} proposals then, {} at the period's end)  target < 10000 ms  {}",
        r.totals.proposals,
        now.totals.proposals,
        if ms < 10_000.0 { "PASS" } else { "FAIL" }
    );
    Ok(())
}

fn main() -> Res<()> {
    let o = opts()?;
    std::fs::create_dir_all(&o.dir)?;
    let _ = Path::new(&o.dir);
    if o.only.is_none_or(|n| n == 1) {
        scenario_big(&o)?;
    }
    if o.only.is_none_or(|n| n == 2) {
        scenario_asof(&o)?;
    }
    Ok(())
}
