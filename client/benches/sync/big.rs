//! Scenario 6: the hub's memory with a large store (50,000 documents by default, 200,000 with
//! `--big`).

use super::*;

pub(crate) fn scenario_6(
    bins: &Bins,
    big_docs: usize,
    rebuild: bool,
    results: &mut Results,
) -> Result<()> {
    use doimoi_hub::store::Db;
    header(&format!("6. Hub memory with {big_docs} stored documents"));
    let cached = bins
        .target
        .join(format!("bench-sync-hub-{}k", big_docs / 1000));
    let built = std::fs::read_to_string(cached.join(BUILT)).unwrap_or_default();
    if rebuild || !built.contains(&format!("documents={big_docs}\n")) {
        println!(
            "  generating the store in {} (once; `-- --rebuild-big` regenerates it) …",
            cached.display()
        );
        let t = Instant::now();
        build_big(&cached, big_docs)?;
        println!("  generated in {:.0} s", t.elapsed().as_secs_f64());
    } else {
        println!("  using the cached store {}", cached.display());
    }
    // The report projection, once, in the cache (a store cached before it existed would
    // otherwise be projected by the hub at every start, inside the timings below).
    {
        let t = Instant::now();
        let db = Db::open(&cached, 1)?;
        if doimoi_hub::ops::ensure_projection(&db)?.is_some() {
            println!(
                "  projected the cached store for reports in {:.0} s (once)",
                t.elapsed().as_secs_f64()
            );
        }
    }
    let data = bins.target.join("bench-sync-work").join("hub-big");
    std::fs::create_dir_all(&data)?;
    for name in ["hub.db", "hub.db-wal"] {
        let src = cached.join(name);
        if src.exists() {
            std::fs::copy(&src, data.join(name))?;
        }
    }
    let db_mb = std::fs::metadata(data.join("hub.db"))?.len() as f64 / 1e6;
    // Documents to push to later, by unit (read before the hub starts).
    let units = [
        "20335", "20398", "20500", "20551", "20641", "20791", "20965", "506", "517", "512",
    ];
    let mut targets: Vec<(String, Vec<(String, Automerge)>)> = Vec::new();
    {
        let db = Db::open(&data, 1)?;
        let top = db.max_seq()?;
        for u in units {
            let rows = db.feed(0, Some(&[u.to_string()]), PUSHES_PER_UNIT)?;
            let mut docs = Vec::with_capacity(PUSHES_PER_UNIT);
            for r in &rows {
                let doc = db.load_doc(&r.doc_id)?.context("document")?;
                docs.push((r.doc_id.clone(), doc));
            }
            targets.push((u.to_string(), docs));
        }
        println!(
            "  {} documents, {db_mb:.0} MB of SQLite, feed top {top}",
            db.count_docs()?
        );
    }
    let hub = Hub::spawn(&bins.hub, &data)?;
    let pid = hub.pid();
    std::thread::sleep(Duration::from_millis(200));
    let base = status_kb(pid, "VmRSS:")?;
    println!("  hub started: VmRSS {:.0} MB", base as f64 / 1024.0);

    // Sở Nội vụ's new device: first sync, reading 30 feed pages (30,000 entries) and pulling
    // 3,000 documents.
    let snv = HubClient::new(&hub.url, &hub.token("49-SNV")?)?;
    let t = Instant::now();
    let mut req = SyncRequest {
        version: wire::PROTOCOL_VERSION,
        ..SyncRequest::default()
    };
    let mut announced: Vec<DocId> = Vec::new();
    let (mut up, mut down, mut trips) = (0, 0, 0);
    for _ in 0..30 {
        let (resp, u, d) = snv.sync(&req)?;
        up += u;
        down += d;
        trips += 1;
        announced.extend(resp.feed.iter().map(|e| e.id.clone()));
        req.cursor = resp.cursor;
        if let Some(r) = resp.registry {
            req.registry_version = r.version;
        }
        if let Some(c) = resp.calendar {
            req.calendar_version = c.version;
        }
        if !resp.more {
            break;
        }
    }
    let mut pulled = 0;
    for page in announced.chunks(500).take(6) {
        req.pull = page
            .iter()
            .map(|id| PullDoc {
                id: id.clone(),
                heads: Heads::default(),
            })
            .collect();
        let (resp, u, d) = snv.sync(&req)?;
        up += u;
        down += d;
        trips += 1;
        pulled += resp.results.len();
    }
    req.pull.clear();
    println!(
        "  SNV first sync: {} feed entries, {pulled} documents pulled, {trips} round trips, {} up, {} down, {:.1} s",
        announced.len(),
        kb(up),
        kb(down),
        t.elapsed().as_secs_f64()
    );
    hub.note_rss();

    // Pushes: a comment on PUSHES_PER_UNIT documents of each of 10 units, by a new device of
    // that unit, 100 documents a request (enough to fill the hub's document cache).
    let t = Instant::now();
    let mut pushed = 0;
    let mut rng = Rng(SEED ^ 66);
    for (unit, docs) in targets {
        let client = HubClient::new(&hub.url, &hub.token(&unit)?)?;
        let code = UnitCode::parse(&unit)?;
        let actor = ActorId::from(rng.bytes16());
        let mut push = Vec::new();
        for (id, doc) in docs {
            let before = doc.get_heads();
            let mut doc = doc.with_actor(actor.clone());
            let c = proposal::Comment {
                id: hex(&rng.bytes16()[..8]),
                at: chrono::Utc::now().timestamp_millis(),
                unit: code.clone(),
                by: person(&mut rng),
                text: "Đề nghị bổ sung số liệu.".into(),
            };
            proposal::add_comment(&mut doc, &c)?;
            push.push(PushDoc {
                id: DocId::parse(&id)?,
                kind: DocKind::Proposal,
                have: Heads::from_hashes(&before),
                changes: ByteBuf::from(doc.save_after(&before)),
                heads: Heads::from_hashes(&doc.get_heads()),
            });
        }
        for page in push.chunks(100) {
            let n = page.len();
            let (resp, _, _) = client.sync(&SyncRequest {
                version: wire::PROTOCOL_VERSION,
                push: page.to_vec(),
                feed_limit: 1,
                registry_version: req.registry_version,
                calendar_version: req.calendar_version,
                ..SyncRequest::default()
            })?;
            let ok = resp
                .results
                .iter()
                .filter(|r| r.outcome == wire::Outcome::Ok)
                .count();
            if ok != n {
                bail!("{unit}: {ok} of {n} pushes accepted");
            }
            pushed += n;
        }
    }
    println!(
        "  {pushed} documents changed by pushes from 10 units in {:.2} s",
        t.elapsed().as_secs_f64()
    );
    hub.note_rss();

    // No-op syncs of a district on the big store: hub CPU per request.
    let district = HubClient::new(&hub.url, &hub.token("502")?)?;
    let mut dreq = SyncRequest {
        version: wire::PROTOCOL_VERSION,
        registry_version: req.registry_version,
        calendar_version: req.calendar_version,
        ..SyncRequest::default()
    };
    loop {
        let (resp, _, _) = district.sync(&dreq)?;
        dreq.cursor = resp.cursor;
        if !resp.more {
            break;
        }
    }
    let cpu0 = hub.cpu_ticks()?;
    let start = Instant::now();
    let pace = Duration::from_secs_f64(1.0 / NOOP_RATE);
    for i in 0..NOOP_SYNCS {
        let due = start + pace * u32::try_from(i)?;
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        district.sync(&dreq)?;
    }
    std::thread::sleep(Duration::from_millis(50));
    let per_req = ticks_ms(hub.cpu_ticks()? - cpu0) / NOOP_SYNCS as f64;
    results.add(
        "6. district no-op, hub CPU per request (information)",
        format!("{per_req:.2} ms"),
        "",
        None,
    );
    hub.note_rss();

    // Then 300 offices at once, back to back, as in scenario 5.
    let tokens = commune_tokens(&hub)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let url = format!("{}/v1/sync", hub.url);
    let phase = rt.block_on(async move {
        let client = http_client()?;
        let peers = learn_peers(&client, &url, tokens).await?;
        if let (Ok(rss), Ok(anon)) = (status_kb(pid, "VmRSS:"), status_kb(pid, "RssAnon:")) {
            println!(
                "  (after each office's first request: hub VmRSS {:.0} MB, anonymous {:.0} MB)",
                rss as f64 / 1024.0,
                anon as f64 / 1024.0
            );
        }
        load_phase(&client, &url, &peers, pid, None).await
    })?;
    let n = (OFFICES * REQUESTS_PER_OFFICE) as f64;
    if phase.errors > 0 {
        bail!("{} of {n} requests failed", phase.errors);
    }
    println!(
        "  {OFFICES} offices: {n:.0} no-op requests in {:.2} s ({:.0} req/s)",
        phase.wall,
        n / phase.wall
    );
    if let (Ok(anon), Ok(file), Ok(threads)) = (
        status_kb(pid, "RssAnon:"),
        status_kb(pid, "RssFile:"),
        status_kb(pid, "Threads:"),
    ) {
        println!(
            "  (hub memory: anonymous {:.0} MB, file-backed {:.0} MB, {threads} threads)",
            anon as f64 / 1024.0,
            file as f64 / 1024.0
        );
    }
    memory_targets(results, pid, 6, "the syncs", 300)?;
    drop(hub);
    let _ = std::fs::remove_dir_all(&data);
    Ok(())
}
