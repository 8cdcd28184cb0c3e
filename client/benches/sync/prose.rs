//! Scenario 8: prose-heavy proposals, synced by whole `doimoi sync` processes (the release
//! binary, as a clerk runs it; fsync on both sides) against a release hub of its own.
//!
//! Commune 20335 writes 1,000 proposals (about 3 KB of Vietnamese prose over the plan's fields,
//! submitted and received, then 2–6 comments each, every comment stored as the CLI stores it:
//! one change appended per action). Then:
//! - 8a. `doimoi sync` pushes the 1,000 new proposals;
//! - 8b. 10 edits on each (a few words appended to a prose field, a scalar changed, a comment
//!   added, in turn; 10,000 changes, each stored as its own action), and `doimoi sync`;
//! - 8c. a new device of the commune (`doimoi init`, then its first `doimoi sync`, which also
//!   takes the registry and calendar) pulls all 1,000.
//!
//! Each is reported with its wall time, bytes each way (`doimoi sync --json`), the `doimoi`
//! process's CPU (`getrusage(RUSAGE_CHILDREN)` around it) and the hub's (`/proc/<hub>/stat`).
//! The hub's store on disk (database and WAL) is printed after each.

use super::*;
use automerge::ReadDoc;
use doimoi_shared::doc::proposal::Comment;

const PROSE_UNIT: &str = "20335";
const PROSE_DOCS: usize = 1_000;
const EDITS_PER_DOC: usize = 10;

/// One `doimoi` command's figures.
pub(crate) struct Run {
    pub(crate) secs: f64,
    pub(crate) client_cpu_ms: f64,
    pub(crate) hub_cpu_ms: f64,
    pub(crate) json: serde_json::Value,
}

fn children_cpu_ms() -> Result<f64> {
    let u = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)?;
    let ms = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 * 1e3 + t.tv_usec() as f64 / 1e3;
    Ok(ms(u.user_time()) + ms(u.system_time()))
}

/// Runs `doimoi ARGS --data DIR --json` and measures it. With `DOIMOI_BENCH_PERF=DIR` set,
/// the command and the hub are also recorded by `perf record` into `DIR/NAME-client.data` and
/// `DIR/NAME-hub.data` (the timings then include perf's overhead).
pub(crate) fn run_doimoi(
    bins: &Bins,
    hub: &Hub,
    dir: &Path,
    args: &[&str],
    name: &str,
) -> Result<Run> {
    // Let the hub's previous work settle before its CPU time is read.
    std::thread::sleep(Duration::from_millis(100));
    let perf = std::env::var_os("DOIMOI_BENCH_PERF").map(PathBuf::from);
    let mut hub_perf = match &perf {
        Some(p) => {
            std::fs::create_dir_all(p)?;
            let child = Command::new("perf")
                .args(["record", "-F", "999", "--call-graph", "dwarf,32768", "-o"])
                .arg(p.join(format!("{name}-hub.data")))
                .args(["-p", &hub.pid().to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()?;
            std::thread::sleep(Duration::from_millis(300));
            Some(child)
        }
        None => None,
    };
    let (cpu0, hub0) = (children_cpu_ms()?, hub.cpu_ticks()?);
    let t = Instant::now();
    let mut cmd = match &perf {
        Some(p) => {
            let mut c = Command::new("perf");
            c.args(["record", "-F", "999", "--call-graph", "dwarf,32768", "-o"])
                .arg(p.join(format!("{name}-client.data")))
                .arg(&bins.doimoi);
            c
        }
        None => Command::new(&bins.doimoi),
    };
    let out = run_ok(cmd.args(args).arg("--data").arg(dir).arg("--json"))?;
    let secs = t.elapsed().as_secs_f64();
    let client_cpu_ms = children_cpu_ms()? - cpu0;
    std::thread::sleep(Duration::from_millis(100));
    let hub_cpu_ms = ticks_ms(hub.cpu_ticks()? - hub0);
    if let Some(mut c) = hub_perf.take() {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(i32::try_from(c.id())?),
            nix::sys::signal::Signal::SIGINT,
        );
        let _ = c.wait();
    }
    let json = serde_json::from_slice(&out).unwrap_or(serde_json::Value::Null);
    Ok(Run {
        secs,
        client_cpu_ms,
        hub_cpu_ms,
        json,
    })
}

fn field(v: &serde_json::Value, key: &str) -> u64 {
    v.get(key).and_then(|x| x.as_u64()).unwrap_or(0)
}

fn hub_disk(hub: &Hub) -> String {
    let size = |name: &str| {
        std::fs::metadata(hub.data.join(name))
            .map(|m| m.len())
            .unwrap_or(0)
    };
    format!(
        "{:.1} MB + WAL {:.1} MB",
        size("hub.db") as f64 / 1e6,
        size("hub.db-wal") as f64 / 1e6
    )
}

/// A new office device set up by the real `doimoi init`.
fn init_office(bins: &Bins, hub: &Hub, dir: &Path) -> Result<()> {
    let token = hub.token(PROSE_UNIT)?;
    std::fs::create_dir_all(dir)?;
    run_ok(
        Command::new(&bins.doimoi)
            .args([
                "init", "--unit", PROSE_UNIT, "--hub", &hub.url, "--token", &token,
            ])
            .arg("--data")
            .arg(dir),
    )?;
    Ok(())
}

fn comment(rng: &mut Rng, unit: &UnitCode, at: i64) -> Comment {
    let text = format!(
        "Đề nghị {} bổ sung nội dung về {}: {}; {}.",
        rng.pick(&["đồng chí", "bộ phận", "tổ công tác"]),
        rng.pick(common::OBJECTS),
        rng.pick(common::TASKS),
        rng.pick(common::GAINS)
    );
    Comment {
        id: hex(&rng.bytes16()[..8]),
        at,
        unit: unit.clone(),
        by: nfc(&person(rng)),
        text: nfc(&text),
    }
}

/// Writes the 1,000 proposals into the office's store as the CLI would. Returns their ids and
/// the average prose size in bytes.
fn write_prose_docs(dir: &Path, rng: &mut Rng) -> Result<(Vec<DocId>, usize)> {
    let app = App::open(dir)?;
    let mut store = Store::open(dir)?;
    let ctx = Ctx::of(&app);
    let mut ids = Vec::with_capacity(PROSE_DOCS);
    let mut prose = 0usize;
    let mut done = 0;
    while done < PROSE_DOCS {
        let k = BATCH.min(PROSE_DOCS - done);
        let w = store.write()?;
        for _ in 0..k {
            let content = fields(rng, Detail::Prose);
            prose += proposal::PROSE
                .iter()
                .filter_map(|f| content.prose(f))
                .map(str::len)
                .sum::<usize>();
            let (mut doc, p) = build_proposal(rng, &ctx, &app.actor, &app.unit, 2, &content)?;
            let mut at = p.events.last().map(|e| e.at).unwrap_or(p.created_at);
            w.save_doc(&p.id, "proposal", &doc, None, at)?;
            // Comments, each its own action (one change appended, as `doimoi proposal comment`).
            for _ in 0..rng.range(2, 6) {
                at = (at + 3_600_000).min(app.now_ms - 1000);
                let before = doc.get_heads();
                proposal::add_comment(&mut doc, &comment(rng, &app.unit, at))?;
                w.save_doc(&p.id, "proposal", &doc, Some(&before), at)?;
            }
            let p = proposal::read(&doc)?;
            w.put_proposal_row(&index_row(&p, &app.state(&p), at))?;
            ids.push(p.id.clone());
        }
        w.commit()?;
        done += k;
    }
    Ok((ids, prose / PROSE_DOCS))
}

/// Ten edits on each proposal, each stored as its own action.
fn edit_prose_docs(dir: &Path, ids: &[DocId], rng: &mut Rng) -> Result<usize> {
    let mut app = App::open(dir)?;
    let mut store = Store::open(dir)?;
    let mut changes = 0;
    for batch in ids.chunks(BATCH) {
        let mut docs = Vec::with_capacity(batch.len());
        for id in batch {
            docs.push(app.load_proposal(id)?);
        }
        let w = store.write()?;
        for (doc, p) in docs.iter_mut() {
            let mut at = app.now_ms - 600_000;
            for k in 0..EDITS_PER_DOC {
                at += 1000;
                let before = doc.get_heads();
                match k % 3 {
                    0 => {
                        let key = proposal::PROSE[(k / 3 + rng.range(0, 8) as usize) % 9];
                        let old = proposal::read(doc)?.prose(key).to_string();
                        let words = format!(
                            " Bổ sung: {}.",
                            rng.pick(&[
                                "đã lấy ý kiến các thôn",
                                "điều chỉnh theo góp ý của Văn phòng",
                                "thêm số liệu quý gần nhất",
                                "làm rõ trách nhiệm phối hợp",
                            ])
                        );
                        let mut f = proposal::ProposalFields::default();
                        set_prose(&mut f, key, format!("{old}{words}"));
                        proposal::edit(doc, &f, &app.unit, at)?;
                    }
                    1 => {
                        let f = proposal::ProposalFields {
                            position: Some(rng.pick(common::POSITIONS).to_string()),
                            field: Some(rng.pick(common::FIELDS).to_string()),
                            ..Default::default()
                        };
                        proposal::edit(doc, &f, &app.unit, at)?;
                    }
                    _ => {
                        proposal::add_comment(doc, &comment(rng, &app.unit, at))?;
                    }
                }
                if doc.get_heads() != before {
                    changes += 1;
                    w.save_doc(&p.id, "proposal", doc, Some(&before), at)?;
                }
            }
            let q = proposal::read(doc)?;
            w.put_proposal_row(&index_row(&q, &app.state(&q), at))?;
        }
        w.commit()?;
    }
    app.now_ms = chrono::Utc::now().timestamp_millis();
    Ok(changes)
}

fn set_prose(f: &mut proposal::ProposalFields, key: &str, v: String) {
    let slot = match key {
        "necessity" => &mut f.necessity,
        "content" => &mut f.content,
        "subjects" => &mut f.subjects,
        "scope" => &mut f.scope,
        "timeline" => &mut f.timeline,
        "resources" => &mut f.resources,
        "feasibility" => &mut f.feasibility,
        "impact" => &mut f.impact,
        _ => &mut f.expected,
    };
    *slot = Some(v);
}

pub(crate) fn scenario_8(bins: &Bins, work: &Path, results: &mut Results) -> Result<()> {
    header(&format!(
        "8. Prose-heavy proposals: commune {PROSE_UNIT}, {PROSE_DOCS} proposals, whole `doimoi sync` processes, release hub of its own"
    ));
    let hub = Hub::spawn(&bins.hub, &work.join("hub-prose"))?;
    let mut rng = Rng(SEED ^ 0x8);
    let a = work.join("prose-a");
    init_office(bins, &hub, &a)?;
    // The first sync brings the hub's calendar (the generator dates steps by it).
    run_doimoi(bins, &hub, &a, &["sync"], "first")?;
    let t = Instant::now();
    let (ids, prose) = write_prose_docs(&a, &mut rng)?;
    println!(
        "  written locally in {:.1} s: {PROSE_DOCS} proposals, {prose} B of prose each on average",
        t.elapsed().as_secs_f64()
    );

    let r = run_doimoi(bins, &hub, &a, &["sync"], "8a")?;
    if field(&r.json, "docs_up") != PROSE_DOCS as u64 {
        bail!("8a pushed {} documents, not {PROSE_DOCS}", r.json);
    }
    report_run(results, "8a. push 1,000 new", &r, 0.6, None);
    println!("  hub store: {}", hub_disk(&hub));

    let t = Instant::now();
    let changes = edit_prose_docs(&a, &ids, &mut rng)?;
    println!(
        "  {changes} edits written locally in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let r = run_doimoi(bins, &hub, &a, &["sync"], "8b")?;
    if field(&r.json, "docs_up") != PROSE_DOCS as u64 {
        bail!("8b pushed {} documents, not {PROSE_DOCS}", r.json);
    }
    report_run(results, "8b. push 10 edits each", &r, 1.0, None);
    println!("  hub store: {}", hub_disk(&hub));

    let b = work.join("prose-b");
    init_office(bins, &hub, &b)?;
    let r = run_doimoi(bins, &hub, &b, &["sync"], "8c")?;
    if field(&r.json, "docs_down") != PROSE_DOCS as u64 {
        bail!("8c pulled {}, not {PROSE_DOCS} documents", r.json);
    }
    report_run(
        results,
        "8c. new device pulls 1,000",
        &r,
        0.8,
        Some(1_200_000),
    );
    let listed = run_ok(
        Command::new(&bins.doimoi)
            .args(["proposal", "list", "--json"])
            .arg("--data")
            .arg(&b),
    )?;
    let n = serde_json::from_slice::<serde_json::Value>(&listed)?
        .as_array()
        .map_or(0, Vec::len);
    if n != PROSE_DOCS {
        bail!("the new device lists {n} proposals, not {PROSE_DOCS}");
    }
    // Nothing left to move: a no-op sync of the new device.
    let r = run_doimoi(bins, &hub, &b, &["sync"], "8d")?;
    results.add(
        "8d. no-op sync after, bytes up / down",
        format!(
            "{} / {}",
            kb(field(&r.json, "bytes_up") as usize),
            kb(field(&r.json, "bytes_down") as usize)
        ),
        "",
        None,
    );
    println!("  hub store: {}", hub_disk(&hub));
    // The hub writes a WAL grown by the burst back and truncates it on its own (its background
    // task runs every 30 s).
    let t = Instant::now();
    let wal = || {
        std::fs::metadata(hub.data.join("hub.db-wal"))
            .map(|m| m.len())
            .unwrap_or(0)
    };
    while wal() > 1 << 20 && t.elapsed() < Duration::from_secs(40) {
        std::thread::sleep(Duration::from_millis(500));
    }
    results.add(
        "8e. hub store once idle (database + WAL)",
        format!(
            "{} after {:.0} s",
            hub_disk(&hub),
            t.elapsed().as_secs_f64()
        ),
        "",
        None,
    );
    Ok(())
}

fn report_run(results: &mut Results, name: &str, r: &Run, target_s: f64, max_down: Option<u64>) {
    let (up, down) = (field(&r.json, "bytes_up"), field(&r.json, "bytes_down"));
    results.add(
        &format!("{name}: time"),
        format!("{:.2} s", r.secs),
        &format!("<= {target_s} s"),
        Some(r.secs <= target_s),
    );
    results.add(
        &format!("{name}: bytes up / down"),
        format!("{} / {}", kb(up as usize), kb(down as usize)),
        &max_down.map_or(String::new(), |m| {
            format!("down <= {:.1} MB", m as f64 / 1e6)
        }),
        max_down.map(|m| down <= m),
    );
    results.add(
        &format!("{name}: CPU client / hub"),
        format!("{:.0} / {:.0} ms", r.client_cpu_ms, r.hub_cpu_ms),
        "",
        None,
    );
    results.add(
        &format!("{name}: round trips"),
        field(&r.json, "round_trips").to_string(),
        "",
        None,
    );
}

/// `--prose-micro`: per-document costs of the prose workload's proposals (Automerge's own load
/// and save, the office's read and index), the floor under scenario 8's figures.
pub(crate) fn prose_micro() -> Result<()> {
    use automerge::{LoadOptions, VerificationMode};
    let registry = Registry::embedded_default();
    let config = WorkflowConfig::default();
    let ctx = Ctx::now(&registry, &config);
    let unit = UnitCode::parse(PROSE_UNIT)?;
    let actor = ActorId::random();
    let mut rng = Rng(SEED ^ 0x8);
    let n = 300;
    let mut docs = Vec::with_capacity(n);
    for _ in 0..n {
        let content = fields(&mut rng, Detail::Prose);
        let (mut doc, p) = build_proposal(&mut rng, &ctx, &actor, &unit, 2, &content)?;
        let mut at = p.events.last().map(|e| e.at).unwrap_or(p.created_at);
        for _ in 0..4 {
            at += 60_000;
            proposal::add_comment(&mut doc, &comment(&mut rng, &unit, at))?;
        }
        docs.push(doc);
    }
    let time = |name: &str, f: &mut dyn FnMut(&Automerge) -> Result<usize>| -> Result<()> {
        let t = Instant::now();
        let mut bytes = 0;
        for d in &docs {
            bytes += f(d)?;
        }
        println!(
            "  {name:<44} {:>8.3} ms/doc  {:>8} B/doc",
            t.elapsed().as_secs_f64() * 1e3 / n as f64,
            bytes / n
        );
        Ok(())
    };
    let saved: Vec<Vec<u8>> = docs.iter().map(|d| d.save()).collect();
    let raw: Vec<Vec<u8>> = docs.iter().map(|d| d.save_nocompress()).collect();
    let ops: usize = docs
        .iter()
        .map(|d| d.stats().num_ops as usize)
        .sum::<usize>()
        / n;
    println!("Prose proposals: {n}, {ops} ops each on average");
    time("save()", &mut |d| Ok(d.save().len()))?;
    time("save_nocompress()", &mut |d| Ok(d.save_nocompress().len()))?;
    let mut i = 0;
    time("load(save())", &mut |_| {
        let d = Automerge::load(&saved[i])?;
        i += 1;
        Ok(d.get_heads().len())
    })?;
    let mut i = 0;
    time("load(save()) DontCheck", &mut |_| {
        let d = Automerge::load_with_options(
            &saved[i],
            LoadOptions::new().verification_mode(VerificationMode::DontCheck),
        )?;
        i += 1;
        Ok(d.get_heads().len())
    })?;
    let mut i = 0;
    time("load(save_nocompress())", &mut |_| {
        let d = Automerge::load(&raw[i])?;
        i += 1;
        Ok(d.get_heads().len())
    })?;
    time("proposal::read", &mut |d| {
        Ok(proposal::read(d)?.events.len())
    })?;
    time("proposal::read_without_prose", &mut |d| {
        Ok(proposal::read_without_prose(d)?.events.len())
    })?;
    time("clone()", &mut |d| Ok(d.clone().get_heads().len()))?;
    // Ten small edits on each, as the hub receives them: applied to a copy of its version.
    let edited: Vec<(Automerge, Vec<u8>)> = docs
        .iter()
        .map(|d| -> Result<(Automerge, Vec<u8>)> {
            let mut e = d.fork();
            let before = e.get_heads();
            for k in 0..EDITS_PER_DOC {
                match k % 3 {
                    0 => {
                        let old = proposal::read(&e)?.prose("content").to_string();
                        let mut f = proposal::ProposalFields::default();
                        set_prose(&mut f, "content", format!("{old} Bổ sung {k}."));
                        proposal::edit(&mut e, &f, &unit, ctx.now_ms)?;
                    }
                    1 => {
                        let f = proposal::ProposalFields {
                            position: Some(format!("Công chức {k}")),
                            ..Default::default()
                        };
                        proposal::edit(&mut e, &f, &unit, ctx.now_ms)?;
                    }
                    _ => proposal::add_comment(&mut e, &comment(&mut rng, &unit, ctx.now_ms))?,
                }
            }
            let changes = e.save_after(&before);
            Ok((e, changes))
        })
        .collect::<Result<_>>()?;
    let mut i = 0;
    time("clone + load_incremental(10 edits)", &mut |d| {
        let mut c = d.clone();
        c.load_incremental(&edited[i].1)?;
        i += 1;
        Ok(edited[i - 1].1.len())
    })?;
    let loaded: Vec<Automerge> = saved
        .iter()
        .map(|b| Automerge::load(b))
        .collect::<Result<_, _>>()?;
    let mut i = 0;
    time(
        "loaded doc: clone + load_incremental(10 edits)",
        &mut |_| {
            let mut c = loaded[i].clone();
            c.load_incremental(&edited[i].1)?;
            i += 1;
            Ok(0)
        },
    )?;
    let mut i = 0;
    time("clone + apply_changes(10 edits)", &mut |d| {
        let mut c = d.clone();
        let before = d.get_heads();
        let changes = edited[i].0.get_changes(&before);
        c.apply_changes(changes)?;
        i += 1;
        Ok(0)
    })?;
    let mut i = 0;
    time("get_changes_meta(10 edits) after", &mut |_| {
        let e = &edited[i].0;
        i += 1;
        Ok(e.get_changes_meta(&docs[i - 1].get_heads()).len())
    })?;
    let mut i = 0;
    time("save_after(before) of 10 edits", &mut |d| {
        let e = &edited[i].0;
        i += 1;
        Ok(e.save_after(&d.get_heads()).len())
    })?;
    let all: Vec<u8> = raw.concat();
    let t = Instant::now();
    let mut z = zstd::bulk::compress(&all, 1)?;
    println!(
        "  zstd -1 of all uncompressed saves: {} -> {} B ({:.1} ms); of all save(): {} B",
        all.len(),
        z.len(),
        t.elapsed().as_secs_f64() * 1e3,
        zstd::bulk::compress(&saved.concat(), 1)?.len()
    );
    z.clear();
    for level in [1, 2, 3, 5, 9] {
        let t = Instant::now();
        let n1 = zstd::bulk::compress(&all, level)?.len();
        let t1 = t.elapsed().as_secs_f64() * 1e3;
        let t = Instant::now();
        let mut c = zstd::bulk::Compressor::new(level)?;
        c.set_parameter(zstd::zstd_safe::CParameter::EnableLongDistanceMatching(
            true,
        ))?;
        c.set_parameter(zstd::zstd_safe::CParameter::WindowLog(23))?;
        let n2 = c.compress(&all)?.len();
        println!(
            "  zstd level {level}: {n1} B in {t1:.1} ms; long window 8 MiB: {n2} B in {:.1} ms",
            t.elapsed().as_secs_f64() * 1e3
        );
    }
    Ok(())
}
