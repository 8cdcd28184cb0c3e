//! `--micro` (per-document costs of the client's and hub's steps) and `--hub-micro` (the hub's
//! handling of scenario 2, in-process).

use super::*;

pub(crate) fn hub_micro(prefill: usize) -> Result<()> {
    let registry = Registry::embedded_default();
    let config = WorkflowConfig::default();
    let ctx = Ctx::now(&registry, &config);
    let mut rng = Rng(SEED);
    let mut pages_of = |unit: &UnitCode, actor: u8, n: usize| -> Result<Vec<Vec<PushDoc>>> {
        let actor = ActorId::from([actor; 16]);
        let mut pages: Vec<Vec<PushDoc>> = Vec::new();
        for k in 0..n {
            if k % 500 == 0 {
                pages.push(Vec::with_capacity(500));
            }
            let content = fields(&mut rng, Detail::Plain);
            let (doc, p) = build_proposal(&mut rng, &ctx, &actor, unit, 10, &content)?;
            if let Some(page) = pages.last_mut() {
                page.push(PushDoc {
                    id: p.id.clone(),
                    kind: DocKind::Proposal,
                    have: Heads::default(),
                    changes: ByteBuf::from(doc.save()),
                    heads: Heads::from_hashes(&doc.get_heads()),
                });
            }
        }
        Ok(pages)
    };
    let unit = UnitCode::parse(COMMUNE)?;
    let pages = pages_of(&unit, 9, COMMUNE_DOCS)?;
    let district = UnitCode::parse(DISTRICT_BIG)?;
    let before = pages_of(&district, 8, prefill)?;
    let push = |inner: &doimoi_hub::state::Inner,
                device: &doimoi_hub::store::Device,
                pages: &[Vec<PushDoc>]|
     -> Result<Vec<f64>> {
        let mut times = Vec::new();
        for page in pages {
            let req = SyncRequest {
                version: wire::PROTOCOL_VERSION,
                cursor: 0,
                push: page.clone(),
                pull: Vec::new(),
                feed_limit: 1,
                registry_version: 0,
                calendar_version: 0,
                whole_feed: false,
            };
            let r = Instant::now();
            let answer = doimoi_hub::sync::handle(inner, device, req, ctx.now_ms)
                .map_err(|e| anyhow!("{e}"))?;
            times.push(r.elapsed().as_secs_f64() * 1000.0);
            if let Some(bad) = answer
                .results
                .iter()
                .find(|d| !matches!(d.outcome, wire::Outcome::Ok))
            {
                bail!("the hub did not accept {}: {:?}", bad.id, bad.outcome);
            }
        }
        Ok(times)
    };
    // Rounds alternate between an empty store and, with `--prefill N`, one that first took N
    // documents of another unit (as the full run's hub has), so drift hits both alike.
    let variants: Vec<usize> = if prefill > 0 {
        vec![0, prefill]
    } else {
        vec![0]
    };
    let rounds = 5;
    let mut totals: Vec<Vec<f64>> = vec![Vec::new(); variants.len()];
    for round in 0..rounds {
        for (v, &held) in variants.iter().enumerate() {
            let dir = tempfile::tempdir()?;
            let db = doimoi_hub::store::Db::open(dir.path(), 4)?;
            let token = |db: &doimoi_hub::store::Db, u: &UnitCode| -> Result<_> {
                let id = db.add_token(&format!("bench-{}-{round}", u.as_str()), u, ctx.now_ms)?;
                Ok(doimoi_hub::store::Device {
                    id,
                    unit: u.clone(),
                })
            };
            let device = token(&db, &unit)?;
            let other = token(&db, &district)?;
            let hub_config = doimoi_hub::config::Config {
                data: dir.path().to_path_buf(),
                ..Default::default()
            };
            let inner = doimoi_hub::state::Inner::new(
                db,
                hub_config,
                tokio_util::sync::CancellationToken::new(),
                "bench".into(),
            )
            .map_err(|e| anyhow!("{e}"))?;
            if held > 0 {
                push(&inner, &other, &before)?;
            }
            let t = Instant::now();
            let times = push(&inner, &device, &pages)?;
            let total = t.elapsed().as_secs_f64() * 1000.0;
            println!(
                "round {} (store holding {held}): {} ms ({})",
                round + 1,
                total.round(),
                times
                    .iter()
                    .map(|t| format!("{t:.0}"))
                    .collect::<Vec<_>>()
                    .join(" + ")
            );
            totals[v].push(total);
        }
    }
    for (v, held) in variants.iter().enumerate() {
        let t = std::mem::take(&mut totals[v]);
        let min = t.iter().copied().fold(f64::INFINITY, f64::min);
        let s = spread(t);
        println!(
            "hub handling of {COMMUNE_DOCS} new documents in pages of 500, store holding {held}: median {:.0} ms (min {min:.0}, max {:.0})",
            s.p50, s.max
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Per-document costs (`--micro`): what one pushed or pulled proposal costs either side.

pub(crate) fn micro() -> Result<()> {
    let registry = Registry::embedded_default();
    let config = WorkflowConfig::default();
    let ctx = Ctx::now(&registry, &config);
    let unit = UnitCode::parse(COMMUNE)?;
    let actor = ActorId::from([7u8; 16]);
    let mut rng = Rng(SEED);
    let n = 200;
    let mut docs = Vec::with_capacity(n);
    let t = Instant::now();
    for _ in 0..n {
        let content = fields(&mut rng, Detail::Plain);
        docs.push(build_proposal(&mut rng, &ctx, &actor, &unit, 10, &content)?.0);
    }
    let per = |t: Instant| t.elapsed().as_secs_f64() * 1000.0 / n as f64;
    println!("build (create + 10 events):  {:.3} ms", per(t));
    let t = Instant::now();
    let mut small_saved = 0;
    for _ in 0..n {
        let content = fields(&mut rng, Detail::Small);
        let (d, _) = build_proposal(&mut rng, &ctx, &actor, &unit, 3, &content)?;
        small_saved += d.save().len();
    }
    println!(
        "small (create + 3 events):   {:.3} ms ({} B saved)",
        per(t),
        small_saved / n
    );
    let t = Instant::now();
    let saved: Vec<Vec<u8>> = docs.iter().map(|d| d.save()).collect();
    println!(
        "save:                        {:.3} ms ({} B)",
        per(t),
        saved[0].len()
    );
    let rss0 = status_kb(std::process::id(), "VmRSS:")?;
    let t = Instant::now();
    let held: Vec<Automerge> = saved
        .iter()
        .map(|b| Automerge::load(b))
        .collect::<Result<_, _>>()?;
    println!("load:                        {:.3} ms", per(t));
    let rss1 = status_kb(std::process::id(), "VmRSS:")?;
    println!(
        "memory of a loaded document: {:.0} KB (RSS growth over {n} held)",
        rss1.saturating_sub(rss0) as f64 / n as f64
    );
    drop(held);
    let t = Instant::now();
    for b in &saved {
        Automerge::load_unverified_heads(b)?;
    }
    println!("load_unverified_heads:       {:.3} ms", per(t));
    let t = Instant::now();
    for b in &saved {
        let mut d = Automerge::new();
        d.load_incremental(b)?;
    }
    println!("load_incremental into empty: {:.3} ms", per(t));
    let raw: Vec<Vec<u8>> = docs
        .iter()
        .map(|d| {
            d.get_changes(&[])
                .into_iter()
                .flat_map(|c| c.raw_bytes().to_vec())
                .collect()
        })
        .collect();
    let t = Instant::now();
    for b in &raw {
        Automerge::load(b)?;
    }
    println!(
        "load of the raw changes:     {:.3} ms ({} B)",
        per(t),
        raw[0].len()
    );
    let t = Instant::now();
    for b in &raw {
        let mut d = Automerge::new();
        d.load_incremental(b)?;
    }
    println!("load_incremental raw changes: {:.3} ms", per(t));
    let t = Instant::now();
    for d in &docs {
        d.get_changes(&[]);
    }
    println!("get_changes(&[]):            {:.3} ms", per(t));
    let t = Instant::now();
    for d in &docs {
        d.get_changes_meta(&[]);
    }
    println!("get_changes_meta(&[]):       {:.3} ms", per(t));
    let t = Instant::now();
    for d in &docs {
        for c in d.get_changes(&[]) {
            c.decode();
        }
    }
    println!("get_changes + decode:        {:.3} ms", per(t));
    let t = Instant::now();
    for d in &docs {
        let genesis: Vec<ChangeHash> = d
            .get_changes_meta(&[])
            .iter()
            .filter(|c| c.deps.is_empty())
            .map(|c| c.hash)
            .collect();
        for c in d.get_changes(&genesis) {
            c.decode();
        }
    }
    println!("get_changes + decode after the first: {:.3} ms", per(t));
    let stats = automerge::ReadDoc::stats(&docs[0]);
    println!(
        "a document: {} ops in {} changes",
        stats.num_ops, stats.num_changes
    );
    let bound = |_: &ActorId| None;
    let t = Instant::now();
    for d in &docs {
        doimoi_shared::validate::check_changes(
            d,
            &[],
            &unit,
            &registry,
            doimoi_shared::calendar::Calendar::embedded(),
            &bound,
        )
        .map_err(|r| anyhow!(r.reason))?;
    }
    println!("check_changes (whole doc):   {:.3} ms", per(t));
    let t = Instant::now();
    for d in &docs {
        proposal::read(d)?;
    }
    println!("proposal::read:              {:.3} ms", per(t));
    let t = Instant::now();
    for d in &docs {
        proposal::read_without_prose(d)?;
    }
    println!("proposal::read_without_prose: {:.3} ms", per(t));
    let req = SyncRequest {
        version: wire::PROTOCOL_VERSION,
        cursor: 0,
        push: saved
            .iter()
            .zip(&docs)
            .map(|(b, d)| PushDoc {
                id: DocId::from_bytes(rng.bytes16()),
                kind: DocKind::Proposal,
                have: Heads::default(),
                changes: ByteBuf::from(b.clone()),
                heads: Heads::from_hashes(&d.get_heads()),
            })
            .collect(),
        pull: Vec::new(),
        feed_limit: 0,
        registry_version: 0,
        calendar_version: 0,
        whole_feed: false,
    };
    let t = Instant::now();
    let body = wire::encode(&req)?;
    println!(
        "wire::encode of {n} pushed:   {:.3} ms per document ({} B)",
        per(t),
        body.len() / n
    );
    let t = Instant::now();
    let _: SyncRequest = wire::decode(&body, 1 << 30)?;
    println!(
        "wire::decode of {n} pushed:   {:.3} ms per document",
        per(t)
    );
    let t = Instant::now();
    let body = wire::encode_as(&req, wire::Encoding::Zstd)?;
    println!(
        "zstd encode of {n} pushed:    {:.3} ms per document ({} B)",
        per(t),
        body.len() / n
    );
    let t = Instant::now();
    let _: SyncRequest = wire::decode_as(&body, 1 << 30, wire::Encoding::Zstd)?;
    println!(
        "zstd decode of {n} pushed:    {:.3} ms per document",
        per(t)
    );
    let calendar = doimoi_shared::calendar::Calendar::embedded_default();
    let read: Vec<Proposal> = docs
        .iter()
        .map(proposal::read_without_prose)
        .collect::<Result<_, _>>()?;
    let t = Instant::now();
    for p in &read {
        doimoi_shared::report::ProposalRow::project(p, &registry, &calendar, &config);
    }
    println!("report row (project):        {:.3} ms", per(t));
    let t = Instant::now();
    for d in &docs {
        d.get_heads();
    }
    println!("get_heads:                   {:.3} ms", per(t));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Scenarios 1–5
