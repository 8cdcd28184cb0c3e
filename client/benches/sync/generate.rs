//! Documents as offices write them: proposals with the ten-step procedure, each event checked with
//! `check_next`, written into an office's store or straight into a hub store (the 200,000-document
//! scenario).

use super::*;

/// A proposal's procedure, all steps by its own unit (the proposer is not the head, so the
/// unit decides itself): ten events from submission to the protection determination.
pub(crate) fn ten_steps() -> Vec<(Action, u64, u64)> {
    vec![
        (Action::Submit, 1, 20),
        (Action::Receive, 0, 3),
        (Action::PartyOpinion { agree: true }, 1, 3),
        (
            Action::Vote {
                votes_for: 5,
                against: 1,
                abstain: 1,
                head_voted: None,
                members: None,
            },
            0,
            2,
        ),
        (
            Action::Approve {
                pilot: false,
                by_head: false,
            },
            0,
            3,
        ),
        (Action::Start, 1, 15),
        (Action::ReportResults { finished: None }, 30, 200),
        (Action::PartyOpinion { agree: true }, 1, 3),
        (
            Action::Evaluate {
                result: EvalResult::Completed,
                damage: false,
            },
            1,
            5,
        ),
        (
            Action::Protect {
                determination: Determination::NotLiable,
            },
            1,
            10,
        ),
    ]
}

/// What generated documents are checked against and dated by.
pub(crate) struct Ctx<'a> {
    pub(crate) registry: &'a Registry,
    pub(crate) config: &'a WorkflowConfig,
    pub(crate) today: NaiveDate,
    pub(crate) now_ms: i64,
}

impl<'a> Ctx<'a> {
    pub(crate) fn of(app: &'a App) -> Ctx<'a> {
        Ctx {
            registry: &app.registry,
            config: &app.config,
            today: app.today,
            now_ms: app.now_ms,
        }
    }

    /// Dated now, in the office's time zone.
    pub(crate) fn now(registry: &'a Registry, config: &'a WorkflowConfig) -> Ctx<'a> {
        let now = chrono::Utc::now();
        Ctx {
            registry,
            config,
            today: now.with_timezone(&vn_offset()).date_naive(),
            now_ms: now.timestamp_millis(),
        }
    }
}

/// The next event of `p`, recorded by `unit` on `date`, checked against the procedure.
pub(crate) fn make_event(
    rng: &mut Rng,
    ctx: &Ctx<'_>,
    p: &Proposal,
    unit: &UnitCode,
    action: Action,
    date: NaiveDate,
    at: i64,
) -> Result<Event> {
    let (seq, prev) = p.next_position();
    let by = match action {
        Action::Submit => p.proposer.clone(),
        Action::Vote { .. } => String::new(),
        _ => person(rng),
    };
    let event = Event {
        id: hex(&rng.bytes16()[..8]),
        seq,
        prev,
        at,
        date,
        unit: unit.clone(),
        by: nfc(&by),
        position: String::new(),
        // A step on a day off says why (the procedure refuses it otherwise).
        note: if doimoi_shared::calendar::Calendar::embedded().is_working_day(date) {
            String::new()
        } else {
            "Làm việc ngày nghỉ".into()
        },
        action,
    };
    check_next(
        &p.facts(),
        &p.events,
        &event,
        ctx.registry,
        doimoi_shared::calendar::Calendar::embedded(),
        ctx.config,
    )
    .map_err(|reason| {
        anyhow!(
            "generated step {} of {} refused: {reason}",
            event.action.name(),
            p.id
        )
    })?;
    Ok(event)
}

/// One proposal of `unit` with the first `steps` of the ten-step procedure, created by
/// `actor`, dated so that everything happened before now.
pub(crate) fn build_proposal(
    rng: &mut Rng,
    ctx: &Ctx<'_>,
    actor: &ActorId,
    unit: &UnitCode,
    steps: usize,
    content: &ProposalFields,
) -> Result<(Automerge, Proposal)> {
    let (today, now_ms) = (ctx.today, ctx.now_ms);
    let id = DocId::from_bytes(rng.bytes16());
    let plan: Vec<(Action, u64)> = ten_steps()
        .into_iter()
        .take(steps)
        .map(|(a, lo, hi)| (a, rng.range(lo, hi)))
        .collect();
    let span: u64 = plan.iter().map(|(_, g)| g).sum::<u64>() + 1;
    let created = today
        .checked_sub_days(Days::new(span + rng.range(0, 900)))
        .context("date out of range")?;
    let created_at = office_ms(created, rng.range(0, 480))?.min(now_ms - 3_600_000);
    let mut doc = proposal::create(actor.clone(), &id, unit, created_at, content)?;
    let mut p = proposal::read(&doc)?;
    let (mut date, mut last_at, n) = (created, created_at, plan.len());
    for (k, (mut action, gap)) in plan.into_iter().enumerate() {
        date = date
            .checked_add_days(Days::new(gap))
            .context("date out of range")?;
        if let Action::ReportResults { finished } = &mut action {
            *finished = Some(date.checked_sub_days(Days::new(1)).unwrap_or(date));
        }
        let latest = now_ms - i64::try_from(n - k)? * 60_000;
        let at = office_ms(date, rng.range(0, 540))?
            .max(last_at + 60_000)
            .min(latest);
        last_at = at;
        let event = make_event(rng, ctx, &p, unit, action, date, at)?;
        proposal::append_event(&mut doc, &event)?;
        p.events.push(event);
    }
    Ok((doc, p))
}

/// Writes `n` proposals of ten events into an office's store, as the CLI would (each saved
/// whole, with its index row). Returns their ids and the sum of their compacted sizes.
pub(crate) fn write_office_docs(
    office: &mut Office,
    n: usize,
    rng: &mut Rng,
) -> Result<(Vec<DocId>, usize)> {
    let mut store = Store::open(&office.dir)?;
    let app = &office.app;
    let ctx = Ctx::of(app);
    let mut ids = Vec::with_capacity(n);
    let mut saved = 0usize;
    let mut done = 0;
    while done < n {
        let k = BATCH.min(n - done);
        let w = store.write()?;
        for _ in 0..k {
            let content = fields(rng, Detail::Plain);
            let (doc, p) = build_proposal(rng, &ctx, &app.actor, &app.unit, 10, &content)?;
            let at = p.events.last().map(|e| e.at).unwrap_or(p.created_at);
            let bytes = doc.save();
            saved += bytes.len();
            w.save_doc(&p.id, "proposal", &doc, None, at)?;
            let st = app.state(&p);
            w.put_proposal_row(&index_row(&p, &st, at))?;
            ids.push(p.id.clone());
        }
        w.commit()?;
        done += k;
    }
    Ok((ids, saved))
}

/// The Automerge actor of a unit's (generated) device.
pub(crate) fn unit_actor(unit: &UnitCode) -> ActorId {
    let mut b = [0u8; 16];
    for (i, c) in unit.as_str().bytes().enumerate() {
        b[i % 16] ^= c;
    }
    b[15] ^= 0x5a;
    ActorId::from(b)
}

/// Generates a hub store of `total` documents in `dir` through `Db::commit_docs`: small
/// proposals (one-sentence content; submitted, received, party opinion), spread over the
/// province's districts and communes, each unit's created by its own bound actor.
pub(crate) fn build_big(dir: &Path, total: usize) -> Result<()> {
    use doimoi_hub::store::{Db, Device, DocWrite};
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    let registry = Registry::embedded_default();
    let config = WorkflowConfig::default();
    let units: Vec<UnitCode> = registry
        .units()
        .iter()
        .filter(|u| {
            matches!(
                u.kind,
                doimoi_shared::org::UnitKind::District | doimoi_shared::org::UnitKind::Commune
            )
        })
        .map(|u| u.code.clone())
        .collect();
    let db = Db::open(dir, 1)?;
    // Generation only: no fsync per transaction (the store is checked complete at the end).
    db.writer().pragma_update(None, "synchronous", "OFF")?;
    let ctx = Ctx::now(&registry, &config);
    let now_ms = ctx.now_ms;
    let t = Instant::now();
    // Documents are made on every core, in chunks, and written here as they come.
    const CHUNK: usize = 500;
    let chunks = total.div_ceil(CHUNK);
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 8);
    type Chunk = Vec<(usize, String, Automerge)>;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Chunk>>(workers);
    std::thread::scope(|s| -> Result<()> {
        for w in 0..workers {
            let (tx, units, ctx) = (tx.clone(), &units, &ctx);
            s.spawn(move || {
                for c in (w..chunks).step_by(workers) {
                    let make = || -> Result<Chunk> {
                        let mut rng = Rng(SEED ^ 0x200_000 ^ ((c as u64) << 20));
                        let mut out = Vec::with_capacity(CHUNK);
                        for j in c * CHUNK..((c + 1) * CHUNK).min(total) {
                            let u = j % units.len();
                            let unit = &units[u];
                            let content = fields(&mut rng, Detail::Small);
                            let (doc, p) = build_proposal(
                                &mut rng,
                                ctx,
                                &unit_actor(unit),
                                unit,
                                3,
                                &content,
                            )?;
                            out.push((u, p.id.to_string(), doc));
                        }
                        Ok(out)
                    };
                    if tx.send(make()).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut done = 0;
        for chunk in rx {
            let chunk = chunk?;
            done += chunk.len();
            // One commit per unit's share of the chunk (the device binds the unit's actor).
            let mut by_unit: Vec<usize> = chunk.iter().map(|(u, _, _)| *u).collect();
            by_unit.sort_unstable();
            by_unit.dedup();
            for u in by_unit {
                let unit = &units[u];
                let device = Device {
                    id: 0,
                    unit: unit.clone(),
                };
                let writes: Vec<DocWrite<'_>> = chunk
                    .iter()
                    .filter(|(x, _, _)| *x == u)
                    .map(|(_, id, doc)| DocWrite {
                        id,
                        kind: "proposal",
                        unit: unit.as_str(),
                        doc,
                        before: None,
                        bind: vec![unit_actor(unit)],
                        // The generated store is for sync, not reports.
                        proj: &doimoi_hub::projection::Projected::None,
                        snapshot: None,
                        changes: None,
                    })
                    .collect();
                db.commit_docs(&writes, &device, now_ms)?;
            }
            if done % 20_000 < CHUNK {
                println!("  {done} documents ({:.0} s)", t.elapsed().as_secs_f64());
            }
        }
        Ok(())
    })?;
    let n = db.count_docs()?;
    drop(db);
    std::fs::write(
        dir.join(BUILT),
        format!("documents={n}\nseconds={:.0}\n", t.elapsed().as_secs_f64()),
    )?;
    Ok(())
}
