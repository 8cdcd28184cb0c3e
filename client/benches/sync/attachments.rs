//! Scenario 7: attachments. Commune 20335 attaches 1 MB to each of 100 proposals and syncs (the
//! documents, then the 100 blobs uploaded); a new device of its district 502 syncs (the
//! documents, then the 100 blobs downloaded and checked). The hub streams every blob to and
//! from its disk: its peak resident memory (VmHWM of a hub started for this scenario) must stay
//! under 150 MB.

use super::*;

const ATTACHMENTS: usize = 100;
const ATTACHMENT_BYTES: usize = 1_000_000;
const COMMUNE_ATT: &str = "20335";
const DISTRICT_ATT: &str = "502";

/// Passes until nothing is left to move (the hub's rate limit may leave some for the next).
fn sync_all(office: &mut Office) -> Result<(usize, SyncReport)> {
    let mut total = SyncReport::default();
    for pass in 1..=5 {
        let r = sync_once(&mut office.app, &office.hub, &mut |_, _| {})?;
        if !r.refused.is_empty() {
            let why: Vec<String> = office
                .app
                .store
                .refused()?
                .into_iter()
                .map(|c| c.reason)
                .collect();
            bail!("the hub refused {} documents: {why:?}", r.refused.len());
        }
        total.docs_up += r.docs_up;
        total.docs_down += r.docs_down;
        total.blobs_up += r.blobs_up;
        total.blob_bytes_up += r.blob_bytes_up;
        total.blobs_down += r.blobs_down;
        total.blob_bytes_down += r.blob_bytes_down;
        if !r.blobs_refused.is_empty() {
            bail!("blobs refused: {:?}", r.blobs_refused);
        }
        if r.blob_error.is_none() && r.blobs_waiting == 0 {
            return Ok((pass, total));
        }
        println!(
            "  pass {pass}: {:?}, {} waiting",
            r.blob_error, r.blobs_waiting
        );
        std::thread::sleep(Duration::from_secs(1));
    }
    bail!("blobs still not moved after 5 passes")
}

pub(crate) fn scenario_7(bins: &Bins, work: &Path, results: &mut Results) -> Result<()> {
    header(&format!(
        "7. attachments: commune {COMMUNE_ATT} attaches {ATTACHMENT_BYTES} bytes to each of {ATTACHMENTS} proposals, pushes; a device of district {DISTRICT_ATT} pulls"
    ));
    let hub = Hub::spawn(&bins.hub, &work.join("hub-attachments"))?;
    let mut commune = Office::writer(bins, &hub, COMMUNE_ATT, &work.join("att-commune"))?;
    let mut rng = Rng(SEED ^ 7);
    let (ids, _) = write_office_docs(&mut commune, ATTACHMENTS, &mut rng)?;
    for (i, id) in ids.iter().enumerate() {
        let mut bytes = vec![0u8; ATTACHMENT_BYTES];
        let mut x = rng.0 ^ (i as u64);
        for chunk in bytes.chunks_mut(8) {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let b = x.to_le_bytes();
            chunk.copy_from_slice(&b[..chunk.len()]);
        }
        let sha = hex(&<sha2::Sha256 as sha2::Digest>::digest(&bytes));
        let (mut doc, _) = commune.app.load_proposal(id)?;
        let before = doc.get_heads();
        proposal::add_attachment(
            &mut doc,
            &proposal::Attachment {
                sha256: sha.clone(),
                name: format!("bien-ban-{i:03}.pdf"),
                size: ATTACHMENT_BYTES as u64,
                at: commune.app.now_ms,
                unit: commune.app.unit.clone(),
            },
        )?;
        commune
            .app
            .save_proposal_with(&doc, Some(&before), Some((&sha, &bytes)))?;
    }
    let t = Instant::now();
    let (passes, up) = sync_all(&mut commune)?;
    let push = t.elapsed().as_secs_f64();
    println!(
        "  pushed in {push:.2} s ({passes} passes): {} documents, {} blobs, {} bytes",
        up.docs_up, up.blobs_up, up.blob_bytes_up
    );
    hub.note_rss();
    let mut district = Office::new(bins, &hub, DISTRICT_ATT, &work.join("att-district"))?;
    let t = Instant::now();
    let (passes, down) = sync_all(&mut district)?;
    let pull = t.elapsed().as_secs_f64();
    println!(
        "  pulled in {pull:.2} s ({passes} passes): {} documents, {} blobs, {} bytes",
        down.docs_down, down.blobs_down, down.blob_bytes_down
    );
    hub.note_rss();
    let all = (ATTACHMENTS * ATTACHMENT_BYTES) as u64;
    results.add(
        "7. blobs pushed / pulled",
        format!("{} / {}", up.blobs_up, down.blobs_down),
        "100 / 100",
        Some(up.blobs_up == ATTACHMENTS && down.blobs_down == ATTACHMENTS),
    );
    results.add(
        "7. blob bytes pushed / pulled (MB)",
        format!(
            "{:.0} / {:.0}",
            up.blob_bytes_up as f64 / 1e6,
            down.blob_bytes_down as f64 / 1e6
        ),
        "100 / 100",
        Some(up.blob_bytes_up == all && down.blob_bytes_down == all),
    );
    results.add(
        "7. push time (documents + blobs)",
        format!("{push:.2} s"),
        "",
        None,
    );
    results.add(
        "7. pull time (documents + blobs)",
        format!("{pull:.2} s"),
        "",
        None,
    );
    memory_targets(results, hub.pid(), 7, "the transfers", 150)?;
    Ok(())
}
