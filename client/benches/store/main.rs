//! Store benchmark: a commune office (Xã Ch'ơm, unit 20335) with 10,000 proposals of about ten
//! procedure events each, then the figures that matter to a clerk: opening the store, listing,
//! searching, and whole `doimoi` commands (time and peak memory), each against its target.
//!
//! Run (release): `cargo bench -p doimoi-client --bench store`
//! Options after `--`: `--rebuild` rebuilds the cached store, `--runs N` (default 20).
//!
//! The store is built once into `target/bench-store-10k` (rebuilt when missing, incomplete or
//! with `--rebuild`): the real `doimoi init`, then documents written through the library exactly
//! as the CLI writes them (`proposal::create` / `edit` / `append_event` / `add_comment`, every
//! event checked with `check_next` first, index rows from `App::index_row`). Most documents are
//! saved whole (one snapshot); one in ten is saved the way the CLI saves them, one chunk per
//! command. Content is generated from a fixed seed, so every build is the same store.
//!
//! Measurements run on a fresh copy (`target/bench-store-10k-work`), so `proposal new` never
//! grows the cached store. Peak memory of a command is read with `getrusage(RUSAGE_CHILDREN)`
//! in a fresh helper process (this binary re-run with `--measure-rss`) that spawns that one
//! command and waits for it.
mod build;
mod measure;
use build::*;
use measure::*;

#[path = "../common/mod.rs"]
mod common;

use anyhow::{anyhow, bail, Context, Result};
use automerge::Automerge;
use chrono::Days;
use common::{fields, office_ms, person, Detail, Rng, OBJECTS, SIGNERS};
use doimoi_client::app::App;
use doimoi_client::store::{Store, Write};
use doimoi_shared::doc::proposal::{self, Comment, Proposal, ProposalFields};
use doimoi_shared::ids::{hex, DocId, UnitCode};
use doimoi_shared::text::{fold, nfc};
use doimoi_shared::workflow::{
    check_next, deciding_unit, Action, Determination, EvalResult, Event, Flag, Level,
    ProposalState, Side,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const PROPOSALS: usize = 10_000;

/// Documents per store transaction while building.
const BATCH: usize = 250;

const UNIT: &str = "20335";

const SEED: u64 = 0x646f_696d_6f69_2031;

const DEFAULT_RUNS: usize = 20;

/// Marker written last by a successful build (with a summary of what was built).
const BUILT: &str = "bench-built.txt";

/// Queries: a selective one (about 0.5 % of proposals) and a broad one (most of them).
const SELECTIVE: &str = "sâm Ngọc Linh";

const BROAD: &str = "sáng tạo";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--measure-rss") {
        return measure_rss_helper(args.get(1..).unwrap_or_default());
    }
    let rebuild = args.iter().any(|a| a == "--rebuild");
    let runs = match args.iter().position(|a| a == "--runs") {
        Some(i) => args
            .get(i + 1)
            .context("--runs needs a number")?
            .parse::<usize>()
            .context("--runs needs a number")?
            .max(1),
        None => DEFAULT_RUNS,
    };
    let bin = doimoi_bin()?;
    let target = target_dir()?;
    let cached = target.join("bench-store-10k");
    if rebuild || !cached.join(BUILT).exists() {
        let t = Instant::now();
        build_store(&bin, &cached)?;
        println!(
            "Built the store in {:.1} s: {}",
            t.elapsed().as_secs_f64(),
            cached.display()
        );
    } else {
        println!(
            "Using the cached store {} (pass `-- --rebuild` to rebuild it).",
            cached.display()
        );
    }
    let info = read_info(&cached)?;
    let work = target.join("bench-store-10k-work");
    fresh_copy(&cached, &work)?;
    measure(&bin, &work, &info, runs)
}

// ---------------------------------------------------------------------------------------------
// Locations

/// The `doimoi` binary cargo built for this bench (release profile), else the one next to it.
fn doimoi_bin() -> Result<PathBuf> {
    if let Some(p) = option_env!("CARGO_BIN_EXE_doimoi") {
        let p = PathBuf::from(p);
        if p.exists() {
            return Ok(p);
        }
    }
    let exe = std::env::current_exe().context("current_exe")?;
    let p = exe
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join("doimoi"))
        .context("no folder above the bench executable")?;
    if p.exists() {
        Ok(p)
    } else {
        bail!(
            "{} not found: run `cargo build --release -p doimoi-client` first.",
            p.display()
        )
    }
}

/// `target/` (the bench executable is `target/release/deps/store-…`).
fn target_dir() -> Result<PathBuf> {
    let exe = std::env::current_exe().context("current_exe")?;
    exe.ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .context("the bench executable is not under target/<profile>/deps")
}

fn fresh_copy(from: &Path, to: &Path) -> Result<()> {
    if to.exists() {
        std::fs::remove_dir_all(to).with_context(|| format!("removing {}", to.display()))?;
    }
    std::fs::create_dir_all(to)?;
    for name in ["doimoi.db", "doimoi.db-wal"] {
        let src = from.join(name);
        if src.exists() {
            std::fs::copy(&src, to.join(name))
                .with_context(|| format!("copying {}", src.display()))?;
        }
    }
    Ok(())
}

fn store_bytes(dir: &Path) -> u64 {
    ["doimoi.db", "doimoi.db-wal"]
        .iter()
        .filter_map(|n| std::fs::metadata(dir.join(n)).ok())
        .map(|m| m.len())
        .sum()
}
