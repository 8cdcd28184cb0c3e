//! Sync benchmark: the real release `doimoi-hub` (spawned on a port the OS picks) and offices
//! that are in-process [`App`]s calling [`sync_once`], so every pass is timed precisely. Each
//! figure is printed next to its target with PASS/FAIL, and a summary closes the run.
//!
//! Run (release): `cargo bench -p doimoi-client --bench sync`
//! Options after `--`:
//! - `--big`: scenario 6 on the full 200,000-document store (generated once, about 6 minutes on
//!   2 cores, then cached); without it scenario 6 uses 50,000 documents (about 80 s, cached).
//! - `--big-docs N`: scenario 6 on N documents; `--rebuild-big` regenerates its cached store;
//!   `--skip-big` skips scenario 6.
//! - `--only 1,3,5`: only some scenarios (3 and 4 share the district they build).
//! - `--micro`: per-document costs (build, save, load, check, read) and nothing else.
//! - `--hub-micro`: the hub's handling of scenario 2's two pushes of 500 new documents,
//!   in-process (no HTTP, no client), on a fresh store each round: a steady figure to profile;
//!   `--prefill N` alternates rounds with a store that first took N documents of a district.
//!
//! `DOIMOI_BENCH_KEEP=1` keeps the work folder (`target/bench-sync-work`, with the hub's log);
//! `DOIMOI_BENCH_HUB_LOG=debug` sets the hub's `RUST_LOG` (default `info`), e.g. for the push's
//! check and commit times.
//!
//! The hub binary is `target/release/doimoi-hub`; the bench runs
//! `cargo build --release -p doimoi-hub` first when it is missing or older than the hub's or
//! the shared crate's sources. The hub logs (at `info` by default) into its data folder (`hub.log`).
//!
//! Scenarios (one hub for 1–5, in this order, so the hub's document cache is as cold as in
//! real use when it matters):
//! - setup: district 513 (Thăng Bình) writes 2,000 proposals and pushes them; district 507
//!   (Điện Bàn) writes 5,000 and pushes them (times printed for information).
//! 1. no-op sync of district 507 (5,000 documents, synced), 200 times at 40/s (under the hub's
//!    50 requests/s per token): round trips, bytes each way, hub CPU per request
//!    (`/proc/<hub>/stat` utime+stime delta / 200, USER_HZ = 100, i.e. 10 ms a tick), and wall
//!    time per sync.
//! 2. commune 20437 (Tây Giang) pushes 1,000 new proposals of 10 events each: round trips,
//!    bytes up against the documents' own compacted size (sum of `save().len()`), time.
//! 3. district 513 records one event on each of 100 of its documents and syncs: bytes up
//!    against the new changes' own bytes (sum of `save_after(heads before)`), time. The hub's
//!    document cache no longer holds those documents: 6,000 others were pushed since.
//! 4. a new device of district 513 pulls its 2,000 documents: time.
//! 5. 300 offices (one token each, cycling over the province's 234 communes) do no-op syncs
//!    over raw HTTP from one async client (`reqwest` on a current-thread tokio runtime, sharing
//!    the 2 cores with the hub): the cursor, registry and calendar versions are learnt with one
//!    request each, then 20 requests per office back to back (closed loop: throughput), then
//!    20 per office at 2,000 requests/s in all (open loop: latency from the scheduled send).
//!    Each token sends 41 requests, far under the rate limit (50/s, burst 200).
//! 6. hub memory with many stored documents: the store is generated directly through
//!    `doimoi_hub::store::Db::commit_docs` (small proposals: short content, three events;
//!    cached in `target/bench-sync-hub-<N>k`, copied to a work folder each run). The real hub
//!    then serves Sở Nội vụ's first sync (30 feed pages, 3,000 documents pulled) and pushes of a
//!    comment to 250 documents of each of 10 units (filling its document cache), 200 no-op
//!    syncs of a district, and 300 offices' no-op syncs at once (as in 5, closed loop); then
//!    VmRSS/VmHWM are read from `/proc/<hub>/status`.
//! 7. attachments (`attachments.rs`), on a hub of its own: commune 20335 attaches 1 MB to each
//!    of 100 proposals and syncs (100 blobs uploaded), a new device of district 502 syncs (100
//!    blobs downloaded and checked); the hub's VmRSS and VmHWM (peak) must stay under 150 MB.
//! 8. prose-heavy proposals (`prose.rs`), on a hub of its own, through whole `doimoi sync`
//!    processes: commune 20335 pushes 1,000 new proposals (about 3 KB of prose, 2–6 comments
//!    each; target 0.6 s), then 10 edits on each (10,000 changes; 1.0 s); a new device pulls
//!    all 1,000 (0.8 s, 1.2 MB down). Time, bytes each way, CPU of the `doimoi` process and of
//!    the hub, and the hub's store on disk.
//!
//! Documents are written through the library as the CLI writes them (`proposal::create` /
//! `append_event`, every event checked with `check_next`, index rows from `index_row`), from a
//! fixed seed; the approach and the content generator come from `benches/store.rs`.
mod attachments;
mod big;
mod generate;
mod harness;
mod load;
mod micro;
mod prose;
mod scenarios;
use attachments::*;
use big::*;
use generate::*;
use harness::*;
use load::*;
use micro::*;
use prose::*;
use scenarios::*;

#[path = "../common/mod.rs"]
mod common;

use anyhow::{anyhow, bail, Context, Result};
use automerge::{ActorId, Automerge, ChangeHash};
use chrono::{Days, NaiveDate};
use common::{fields, office_ms, person, Detail, Rng};
use doimoi_client::app::{index_row, vn_offset, App};
use doimoi_client::store::Store;
use doimoi_client::sync::hub_client::HubClient;
use doimoi_client::sync::{sync_once, SyncReport};
use doimoi_shared::doc::proposal::{self, Proposal, ProposalFields};
use doimoi_shared::doc::DocKind;
use doimoi_shared::ids::{hex, DocId, UnitCode};
use doimoi_shared::org::Registry;
use doimoi_shared::text::nfc;
use doimoi_shared::wire::{self, Heads, PullDoc, PushDoc, SyncRequest, SyncResponse};
use doimoi_shared::workflow::{
    check_next, Action, Determination, EvalResult, Event, Level, WorkflowConfig,
};
use serde_bytes::ByteBuf;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

const SEED: u64 = 0x646f_696d_6f69_2032;

/// Documents per store transaction while writing an office's documents.
const BATCH: usize = 250;

/// Clock ticks per second of `/proc/<pid>/stat` (USER_HZ, 100 on Linux).
const USER_HZ: f64 = 100.0;

const DISTRICT_SMALL: &str = "513";

const DISTRICT_SMALL_DOCS: usize = 2_000;

const DISTRICT_BIG: &str = "507";

const DISTRICT_BIG_DOCS: usize = 5_000;

const COMMUNE: &str = "20437";

const COMMUNE_DOCS: usize = 1_000;

const NOOP_SYNCS: usize = 200;

/// No-op syncs per second in scenario 1, below the hub's 50 requests/s per token.
const NOOP_RATE: f64 = 40.0;

const OFFICES: usize = 300;

const REQUESTS_PER_OFFICE: usize = 20;

const OPEN_LOOP_RATE: f64 = 2_000.0;

/// Documents of the generated hub store in scenario 6: `--big` for the full 200,000 (its first
/// generation takes about 6 minutes on 2 cores), 50,000 otherwise (about 80 s); both are
/// cached in `target/`.
const BIG_DOCS: usize = 200_000;

const DEFAULT_BIG_DOCS: usize = 50_000;

const BUILT: &str = "bench-built.txt";

/// Documents changed by pushes in scenario 6, per unit (10 units).
const PUSHES_PER_UNIT: usize = 250;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let skip_big = args.iter().any(|a| a == "--skip-big");
    let rebuild_big = args.iter().any(|a| a == "--rebuild-big");
    let big_docs = match args.iter().position(|a| a == "--big-docs") {
        Some(i) => args
            .get(i + 1)
            .context("--big-docs needs a number")?
            .parse::<usize>()
            .context("--big-docs needs a number")?
            .max(1000),
        None if args.iter().any(|a| a == "--big") => BIG_DOCS,
        None => DEFAULT_BIG_DOCS,
    };
    let only: Option<Vec<u32>> = match args.iter().position(|a| a == "--only") {
        Some(i) => Some(
            args.get(i + 1)
                .context("--only needs a list such as 1,3,5")?
                .split(',')
                .map(|s| s.trim().parse::<u32>().context("--only needs numbers"))
                .collect::<Result<_>>()?,
        ),
        None => None,
    };
    let wants = |n: u32| only.as_ref().is_none_or(|o| o.contains(&n));
    if args.iter().any(|a| a == "--micro") {
        return micro();
    }
    if args.iter().any(|a| a == "--prose-micro") {
        return prose_micro();
    }
    if args.iter().any(|a| a == "--hub-micro") {
        let prefill = match args.iter().position(|a| a == "--prefill") {
            Some(i) => args
                .get(i + 1)
                .and_then(|n| n.parse().ok())
                .context("--prefill takes a number of documents")?,
            None => 0,
        };
        return hub_micro(prefill);
    }
    let started = Instant::now();
    let bins = Bins::find()?;
    println!(
        "doimoi: {}\ndoimoi-hub: {}",
        bins.doimoi.display(),
        bins.hub.display()
    );
    let work = bins.target.join("bench-sync-work");
    if work.exists() {
        std::fs::remove_dir_all(&work).with_context(|| format!("removing {}", work.display()))?;
    }
    std::fs::create_dir_all(&work)?;
    let mut results = Results::default();

    if (1..=5).any(wants) {
        scenarios_1_to_5(&bins, &work, &wants, &mut results)?;
    }
    if wants(7) {
        scenario_7(&bins, &work, &mut results)?;
    }
    if wants(8) {
        scenario_8(&bins, &work, &mut results)?;
    }
    if wants(6) && !skip_big {
        scenario_6(&bins, big_docs, rebuild_big, &mut results)?;
    } else if wants(6) {
        println!("\nScenario 6 skipped (--skip-big).");
    }
    if std::env::var_os("DOIMOI_BENCH_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&work);
    }
    results.summary();
    println!(
        "\nTotal bench time {:.0} s.",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Results

struct Row {
    name: String,
    value: String,
    target: String,
    pass: Option<bool>,
}

#[derive(Default)]
struct Results {
    rows: Vec<Row>,
}

impl Results {
    /// Records and prints one figure. `pass: None` is information without a target.
    fn add(&mut self, name: &str, value: String, target: &str, pass: Option<bool>) {
        let verdict = match pass {
            Some(true) => "PASS",
            Some(false) => "FAIL",
            None => "",
        };
        println!("  {name:<50} {value:>24}  {target:<12} {verdict}");
        self.rows.push(Row {
            name: name.to_string(),
            value,
            target: target.to_string(),
            pass,
        });
    }

    fn summary(&self) {
        println!("\nSummary");
        for r in self.rows.iter().filter(|r| r.pass.is_some()) {
            println!(
                "  {:<50} {:>24}  {:<12} {}",
                r.name,
                r.value,
                r.target,
                if r.pass == Some(true) { "PASS" } else { "FAIL" }
            );
        }
        let failed = self.rows.iter().filter(|r| r.pass == Some(false)).count();
        let total = self.rows.iter().filter(|r| r.pass.is_some()).count();
        println!("  {} of {total} targets met.", total - failed);
    }
}

fn header(title: &str) {
    println!("\n{title}");
}

fn kb(bytes: usize) -> String {
    if bytes < 10_000 {
        format!("{bytes} B")
    } else {
        format!("{:.1} KB", bytes as f64 / 1000.0)
    }
}

struct Spread {
    p50: f64,
    p95: f64,
    p99: f64,
    max: f64,
}

fn spread(mut xs: Vec<f64>) -> Spread {
    xs.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let i = ((xs.len() as f64 - 1.0) * q).round() as usize;
        xs.get(i).copied().unwrap_or(f64::NAN)
    };
    Spread {
        p50: at(0.50),
        p95: at(0.95),
        p99: at(0.99),
        max: xs.last().copied().unwrap_or(f64::NAN),
    }
}
