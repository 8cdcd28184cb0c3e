//! Scenarios 1 to 4: a no-op sync, 1,000 new documents pushed, one event on 100 of 2,000, a fresh
//! device pulling 2,000.

use super::*;

pub(crate) fn scenarios_1_to_5(
    bins: &Bins,
    work: &Path,
    wants: &dyn Fn(u32) -> bool,
    results: &mut Results,
) -> Result<()> {
    let hub = Hub::spawn(&bins.hub, &work.join("hub"))?;
    println!(
        "\nHub {} (pid {}), data {}",
        hub.url,
        hub.pid(),
        hub.data.display()
    );
    let mut rng = Rng(SEED);

    // Setup: district 513 with 2,000 documents, then district 507 with 5,000, both pushed.
    let mut small = None;
    if wants(3) || wants(4) {
        header(&format!(
            "Setup: district {DISTRICT_SMALL} writes {DISTRICT_SMALL_DOCS} proposals (10 events each) and pushes them"
        ));
        let mut office = Office::writer(bins, &hub, DISTRICT_SMALL, &work.join("d513"))?;
        let t = Instant::now();
        let (ids, size) = write_office_docs(&mut office, DISTRICT_SMALL_DOCS, &mut rng)?;
        println!(
            "  written locally in {:.1} s ({} compacted)",
            t.elapsed().as_secs_f64(),
            kb(size)
        );
        let t = Instant::now();
        let r = office.sync()?;
        println!(
            "  pushed in {:.2} s: {} round trips, {} up, {} down, {} documents",
            t.elapsed().as_secs_f64(),
            r.round_trips,
            kb(r.bytes_up),
            kb(r.bytes_down),
            r.docs_up
        );
        if r.docs_up != DISTRICT_SMALL_DOCS {
            bail!("pushed {} documents, not {DISTRICT_SMALL_DOCS}", r.docs_up);
        }
        hub.note_rss();
        small = Some((office, ids));
    }
    if wants(1) {
        header(&format!(
            "Setup: district {DISTRICT_BIG} writes {DISTRICT_BIG_DOCS} proposals (10 events each) and pushes them"
        ));
        let mut office = Office::writer(bins, &hub, DISTRICT_BIG, &work.join("d507"))?;
        let t = Instant::now();
        let (_, size) = write_office_docs(&mut office, DISTRICT_BIG_DOCS, &mut rng)?;
        println!(
            "  written locally in {:.1} s ({} compacted)",
            t.elapsed().as_secs_f64(),
            kb(size)
        );
        let t = Instant::now();
        let r = office.sync()?;
        println!(
            "  pushed in {:.2} s: {} round trips, {} up, {} down, {} documents",
            t.elapsed().as_secs_f64(),
            r.round_trips,
            kb(r.bytes_up),
            kb(r.bytes_down),
            r.docs_up
        );
        if r.docs_up != DISTRICT_BIG_DOCS {
            bail!("pushed {} documents, not {DISTRICT_BIG_DOCS}", r.docs_up);
        }
        hub.note_rss();
        scenario_1(&hub, &mut office, results)?;
        hub.note_rss();
    }
    if wants(2) {
        scenario_2(bins, &hub, work, &mut rng, results)?;
        hub.note_rss();
    }
    if let Some((mut office, ids)) = small {
        if wants(3) {
            scenario_3(&mut office, &ids, &mut rng, results)?;
            hub.note_rss();
        }
        if wants(4) {
            scenario_4(bins, &hub, work, results)?;
            hub.note_rss();
        }
    }
    if wants(5) {
        scenario_5(&hub, results)?;
        hub.note_rss();
    }
    header("Hub A memory after scenarios 1–5 (information)");
    let (rss, hwm) = (
        status_kb(hub.pid(), "VmRSS:")?,
        status_kb(hub.pid(), "VmHWM:")?,
    );
    results.add(
        "hub VmRSS / VmHWM",
        format!("{:.0} / {:.0} MB", rss as f64 / 1024.0, hwm as f64 / 1024.0),
        "",
        None,
    );
    Ok(())
}

pub(crate) fn scenario_1(hub: &Hub, office: &mut Office, results: &mut Results) -> Result<()> {
    header(&format!(
        "1. No-op sync of district {DISTRICT_BIG} holding {DISTRICT_BIG_DOCS} documents ({NOOP_SYNCS} syncs at {NOOP_RATE:.0}/s, under the hub's 50 requests/s per token)"
    ));
    let (docs, _) = office.app.store.count_docs()?;
    println!("  the office holds {docs} documents");
    // Warm-up: the first pass after the push may still read the feed's last page.
    office.sync()?;
    let pace = Duration::from_secs_f64(1.0 / NOOP_RATE);
    let mut walls = Vec::with_capacity(NOOP_SYNCS);
    let (mut max_rt, mut max_up, mut max_down, mut moved) = (0, 0, 0, 0);
    let cpu0 = hub.cpu_ticks()?;
    let start = Instant::now();
    for i in 0..NOOP_SYNCS {
        let due = start + pace * u32::try_from(i)?;
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let t = Instant::now();
        let r = office.sync()?;
        walls.push(t.elapsed().as_secs_f64() * 1000.0);
        max_rt = max_rt.max(r.round_trips);
        max_up = max_up.max(r.bytes_up);
        max_down = max_down.max(r.bytes_down);
        moved += r.docs_up + r.docs_down;
    }
    // Let the last answers' work settle before reading the hub's CPU time.
    std::thread::sleep(Duration::from_millis(50));
    let cpu = hub.cpu_ticks()? - cpu0;
    if moved != 0 {
        bail!("the no-op syncs moved {moved} documents");
    }
    let per_req = ticks_ms(cpu) / NOOP_SYNCS as f64;
    let w = spread(walls);
    results.add(
        "1. round trips per no-op sync (max)",
        max_rt.to_string(),
        "= 1",
        Some(max_rt == 1),
    );
    results.add(
        "1. bytes up per no-op sync (max)",
        kb(max_up),
        "< 1 KB",
        Some(max_up < 1000),
    );
    results.add(
        "1. bytes down per no-op sync (max)",
        kb(max_down),
        "< 1 KB",
        Some(max_down < 1000),
    );
    results.add(
        &format!("1. hub CPU per request ({cpu} ticks / {NOOP_SYNCS})"),
        format!("{per_req:.2} ms"),
        "< 2 ms",
        Some(per_req < 2.0),
    );
    results.add(
        "1. wall time per no-op sync, p50 / p95 / max",
        format!("{:.1} / {:.1} / {:.1} ms", w.p50, w.p95, w.max),
        "",
        None,
    );
    Ok(())
}

pub(crate) fn scenario_2(
    bins: &Bins,
    hub: &Hub,
    work: &Path,
    rng: &mut Rng,
    results: &mut Results,
) -> Result<()> {
    header(&format!(
        "2. Commune {COMMUNE} pushes {COMMUNE_DOCS} new proposals of 10 events each"
    ));
    let mut office = Office::writer(bins, hub, COMMUNE, &work.join("c20437"))?;
    let (_, own) = write_office_docs(&mut office, COMMUNE_DOCS, rng)?;
    let t = Instant::now();
    let r = office.sync()?;
    let secs = t.elapsed().as_secs_f64();
    if r.docs_up != COMMUNE_DOCS {
        bail!("pushed {} documents, not {COMMUNE_DOCS}", r.docs_up);
    }
    let ratio = r.bytes_up as f64 / own as f64;
    results.add(
        "2. round trips",
        r.round_trips.to_string(),
        "<= 5",
        Some(r.round_trips <= 5),
    );
    results.add(
        "2. bytes up / documents' compacted size",
        format!("{} / {} = {ratio:.3}x", kb(r.bytes_up), kb(own)),
        "<= 1.3x",
        Some(ratio <= 1.3),
    );
    results.add("2. bytes down", kb(r.bytes_down), "", None);
    results.add(
        "2. end-to-end time",
        format!("{:.0} ms", secs * 1000.0),
        "< 1 s",
        Some(secs < 1.0),
    );
    Ok(())
}

pub(crate) fn scenario_3(
    office: &mut Office,
    ids: &[DocId],
    rng: &mut Rng,
    results: &mut Results,
) -> Result<()> {
    header(&format!(
        "3. District {DISTRICT_SMALL} (holding {DISTRICT_SMALL_DOCS}, synced) records one event on each of 100 documents"
    ));
    let mut new_bytes = 0usize;
    let unit = office.app.unit.clone();
    for id in ids.iter().take(100) {
        let (mut doc, p) = office.app.load_proposal(id)?;
        let before: Vec<ChangeHash> = doc.get_heads();
        let last = p.events.last().context("no events")?;
        let date = last
            .date
            .checked_add_days(Days::new(rng.range(1, 10)))
            .context("date")?
            .min(office.app.today);
        let at = (last.at + 86_400_000).min(office.app.now_ms - 1000);
        let event = make_event(
            rng,
            &Ctx::of(&office.app),
            &p,
            &unit,
            Action::Commend { level: Level::Unit },
            date,
            at,
        )?;
        proposal::append_event(&mut doc, &event)?;
        new_bytes += doc.save_after(&before).len();
        office.app.save_proposal(&doc, Some(&before))?;
    }
    let t = Instant::now();
    let r = office.sync()?;
    let secs = t.elapsed().as_secs_f64();
    if r.docs_up != 100 {
        bail!("pushed {} documents, not 100", r.docs_up);
    }
    let ratio = r.bytes_up as f64 / new_bytes as f64;
    results.add("3. round trips", r.round_trips.to_string(), "", None);
    results.add(
        "3. bytes up / new changes' own bytes",
        format!("{} / {} = {ratio:.2}x", kb(r.bytes_up), kb(new_bytes)),
        "<= 2x",
        Some(ratio <= 2.0),
    );
    results.add("3. bytes down", kb(r.bytes_down), "", None);
    results.add(
        "3. time",
        format!("{:.0} ms", secs * 1000.0),
        "< 300 ms",
        Some(secs < 0.3),
    );
    Ok(())
}

pub(crate) fn scenario_4(bins: &Bins, hub: &Hub, work: &Path, results: &mut Results) -> Result<()> {
    header(&format!(
        "4. A new device of district {DISTRICT_SMALL} pulls its {DISTRICT_SMALL_DOCS} documents"
    ));
    let mut office = Office::new(bins, hub, DISTRICT_SMALL, &work.join("d513-new"))?;
    let t = Instant::now();
    let r = office.sync()?;
    let secs = t.elapsed().as_secs_f64();
    let (docs, _) = office.app.store.count_docs()?;
    let rows = office.app.store.list_proposals(None)?.len();
    if docs != i64::try_from(DISTRICT_SMALL_DOCS)? || rows != DISTRICT_SMALL_DOCS {
        bail!("the new device holds {docs} documents and {rows} index rows, not {DISTRICT_SMALL_DOCS}");
    }
    results.add(
        "4. round trips / bytes down",
        format!("{} / {}", r.round_trips, kb(r.bytes_down)),
        "",
        None,
    );
    results.add(
        "4. time",
        format!("{:.2} s", secs),
        "< 2 s",
        Some(secs < 2.0),
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Scenario 5: many offices over raw HTTP
