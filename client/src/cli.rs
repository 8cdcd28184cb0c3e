//! Command-line interface definitions (clap). Flag names are an interface other tools rely on:
//! add to them, never rename.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "doimoi",
    version,
    about = "doimoi — ghi nhận đề xuất đổi mới, sáng tạo và nhiệm vụ của đơn vị, làm việc cả khi không có mạng",
    propagate_version = true
)]
pub struct Cli {
    /// Data folder of this office's store (default: the platform's data folder).
    #[arg(long, global = true, env = "DOIMOI_DATA", value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Machine-readable JSON on stdout.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The org registry (units of the province).
    #[command(subcommand)]
    Org(OrgCmd),
    /// Set this installation up for one office (works with no network).
    Init(InitArgs),
    /// Innovation proposals and their procedure.
    #[command(subcommand)]
    Proposal(Box<ProposalCmd>),
    /// A remark on a proposal, from any unit that can see it.
    Comment(CommentArgs),
    /// The unit's yearly duties (dissemination, plan, self-inspection, reviews, …).
    #[command(subcommand)]
    Duty(DutyCmd),
    /// Search proposals (diacritics optional: "sang tao" finds "sáng tạo").
    Search(SearchArgs),
    /// Who did what when on a document, from its history.
    History(IdArg),
    /// Write a document's Automerge bytes to a file (hand it to another office).
    Export(ExportArgs),
    /// Merge a document file (from `doimoi export`) into this store.
    Import(ImportArgs),
    /// The working-day calendar.
    #[command(subcommand)]
    Calendar(CalendarCmd),
    /// One sync pass with the hub: push local changes, pull what is new.
    Sync,
    /// The office's background process: syncs by itself (after local changes, every 30 s, when
    /// the hub has news; with backoff while it is unreachable).
    Serve {
        /// Seconds between periodic syncs.
        #[arg(long, default_value_t = 30)]
        interval: u64,
    },
    /// Hub, last sync, pending changes, last error.
    Status,
    /// The consolidated report for UBND tỉnh, pulled from the hub.
    Report(ReportArgs),
    /// Local copies the hub refused, set aside.
    #[command(subcommand)]
    Refused(RefusedCmd),
    /// Rebuild the list/search index from the documents.
    Reindex,
    /// Fold every document's incremental changes into one snapshot.
    Compact,
}

#[derive(Debug, Subcommand)]
pub enum OrgCmd {
    /// List the units (the store's registry, or the embedded one before `init`).
    Show(OrgShowArgs),
    /// List the provinces of an embedded dataset.
    Provinces(StructureArg),
}

#[derive(Debug, Args)]
pub struct StructureArg {
    /// Administrative structure: 2024 (province–district–commune) or 2025 (two tiers).
    #[arg(long, default_value = "2024")]
    pub structure: String,
}

#[derive(Debug, Args)]
pub struct OrgShowArgs {
    /// A province of the embedded datasets, by name or code (default: the store's, or Quảng Nam).
    #[arg(long)]
    pub province: Option<String>,
    #[arg(long)]
    pub structure: Option<String>,
    /// Only units whose name or code matches (diacritics optional).
    #[arg(long)]
    pub find: Option<String>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Code of this office's unit (see `doimoi org show`).
    #[arg(long)]
    pub unit: String,
    /// Address of the hub this office syncs with.
    #[arg(long)]
    pub hub: Option<String>,
    /// This device's token, issued by the hub operator.
    #[arg(long)]
    pub token: Option<String>,
    /// Province of the embedded datasets, by name or code (default: Quảng Nam).
    #[arg(long)]
    pub province: Option<String>,
    /// 2024 or 2025 structure (default 2024).
    #[arg(long)]
    pub structure: Option<String>,
}

/// The proposal's fields, as flags (`proposal new` and `proposal edit`).
#[derive(Debug, Args, Default, Clone)]
pub struct FieldArgs {
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long)]
    pub proposer: Option<String>,
    #[arg(long)]
    pub position: Option<String>,
    /// The proposer is the head of the unit (the superior unit then decides).
    #[arg(long)]
    pub proposer_is_head: bool,
    /// The proposer is a deputy head (excluded from the collective vote).
    #[arg(long)]
    pub proposer_is_deputy: bool,
    /// The proposer is a leader or manager (Decree 73 applies).
    #[arg(long)]
    pub leader: bool,
    /// Legal basis: qd20, nd73 or both.
    #[arg(long)]
    pub basis: Option<String>,
    /// Field (lĩnh vực) of the proposal.
    #[arg(long)]
    pub field: Option<String>,
    #[arg(long)]
    pub necessity: Option<String>,
    #[arg(long)]
    pub content: Option<String>,
    #[arg(long)]
    pub subjects: Option<String>,
    #[arg(long)]
    pub scope: Option<String>,
    #[arg(long)]
    pub timeline: Option<String>,
    #[arg(long)]
    pub resources: Option<String>,
    #[arg(long)]
    pub feasibility: Option<String>,
    #[arg(long)]
    pub impact: Option<String>,
    #[arg(long)]
    pub expected: Option<String>,
    /// Proposed as a pilot.
    #[arg(long)]
    pub pilot: bool,
    /// Read the fields from a TOML file with the same names (e.g. `proposer-is-head = true`).
    #[arg(long, value_name = "proposal.toml")]
    pub file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct EditArgs {
    pub id: String,
    #[command(flatten)]
    pub fields: FieldArgs,
    /// Clear a flag set earlier: proposer-is-head, proposer-is-deputy, leader or pilot.
    #[arg(long, value_name = "FLAG")]
    pub unset: Vec<String>,
}

/// Options every procedure step takes.
#[derive(Debug, Args, Clone)]
pub struct StepArgs {
    /// The proposal id (or a unique prefix of it).
    pub id: String,
    /// The unit acting (default: this office's unit).
    #[arg(long, value_name = "CODE")]
    pub acting_unit: Option<String>,
    /// The person acting.
    #[arg(long)]
    pub by: Option<String>,
    /// Their position.
    #[arg(long)]
    pub position: Option<String>,
    #[arg(long)]
    pub note: Option<String>,
    /// The day the step took place, YYYY-MM-DD (default: today).
    #[arg(long)]
    pub date: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SideArg {
    For,
    Against,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ResultArg {
    Completed,
    Partly,
    NotCompleted,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DeterminationArg {
    NotLiable,
    Excluded,
    Considered,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LevelArg {
    Unit,
    Province,
}

#[derive(Debug, Subcommand)]
pub enum ProposalCmd {
    /// Create a draft proposal.
    New(FieldArgs),
    /// Change a proposal's fields.
    Edit(EditArgs),
    /// List proposals.
    List {
        /// Only this status (draft, submitted, received, vote_passed, vote_failed, approved, …).
        #[arg(long)]
        status: Option<String>,
    },
    /// Show one proposal with its state, deadlines, flags and events.
    Show(IdArg),
    /// Submit (needs the contents Decree 73 Art. 7.2 makes mandatory).
    Submit(StepArgs),
    /// Receive (starts the 7-working-day clock).
    Receive(StepArgs),
    /// Opinion of the same-level Party committee.
    PartyOpinion {
        #[command(flatten)]
        step: StepArgs,
        #[arg(
            long,
            conflicts_with = "disagree",
            required_unless_present = "disagree"
        )]
        agree: bool,
        #[arg(long)]
        disagree: bool,
    },
    /// The collective leadership's vote.
    Vote {
        #[command(flatten)]
        step: StepArgs,
        #[arg(long = "for", value_name = "N")]
        votes_for: u32,
        #[arg(long, value_name = "N")]
        against: u32,
        #[arg(long, value_name = "N", default_value_t = 0)]
        abstain: u32,
        /// How the head voted (decides a tie).
        #[arg(long, value_enum)]
        head_voted: Option<SideArg>,
        /// Members of the collective leadership (head and deputies); checks the tally and
        /// excludes a proposer who is a deputy.
        #[arg(long, value_name = "N")]
        members: Option<u32>,
    },
    /// Approve (after the vote; --by-head after a failed vote).
    Approve {
        #[command(flatten)]
        step: StepArgs,
        #[arg(long)]
        pilot: bool,
        #[arg(long)]
        by_head: bool,
    },
    Reject(StepArgs),
    /// Send to UBND tỉnh via Sở Nội vụ.
    Escalate(StepArgs),
    /// UBND tỉnh's answer to an escalation.
    Answer {
        #[command(flatten)]
        step: StepArgs,
        #[arg(long, conflicts_with = "reject", required_unless_present = "reject")]
        approve: bool,
        #[arg(long)]
        reject: bool,
        /// Approved as a pilot (with --approve).
        #[arg(long, requires = "approve")]
        pilot: bool,
    },
    Start(StepArgs),
    Suspend(StepArgs),
    Resume(StepArgs),
    Terminate(StepArgs),
    /// The implementers' written results report.
    ReportResults {
        #[command(flatten)]
        step: StepArgs,
        /// The day implementation finished, YYYY-MM-DD (default: the report's date).
        #[arg(long)]
        finished: Option<String>,
    },
    Evaluate {
        #[command(flatten)]
        step: StepArgs,
        #[arg(long, value_enum)]
        result: ResultArg,
        #[arg(long)]
        damage: bool,
    },
    /// Notify the evaluation's conclusion.
    Notify(StepArgs),
    Protect {
        #[command(flatten)]
        step: StepArgs,
        #[arg(long, value_enum)]
        determination: DeterminationArg,
    },
    Commend {
        #[command(flatten)]
        step: StepArgs,
        #[arg(long, value_enum)]
        level: LevelArg,
    },
    Discipline {
        #[command(flatten)]
        step: StepArgs,
        #[arg(long)]
        measure: String,
    },
    /// Settle a conflict: keep one of the contradictory events.
    Resolve {
        #[command(flatten)]
        step: StepArgs,
        /// The event id to keep (see `proposal show`).
        #[arg(long)]
        keep: String,
    },
    /// A remark on the proposal.
    Comment(CommentArgs),
    /// Attach a file (stored locally, referenced in the document by its SHA-256).
    Attach {
        id: String,
        file: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct CommentArgs {
    pub id: String,
    #[arg(long)]
    pub text: String,
    #[arg(long)]
    pub by: Option<String>,
}

#[derive(Debug, Args)]
pub struct IdArg {
    pub id: String,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    pub text: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    pub id: String,
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Decree 09 period: 2024 (15/12/2023–14/12/2024), 2024-H1, 2024-H2, 2024-Q1…Q4, or
    /// 2024-01-01..2024-12-31.
    #[arg(long)]
    pub period: String,
    /// The report as it stood on this day (YYYY-MM-DD): what the hub had received and what had
    /// happened by then.
    #[arg(long = "as-of", value_name = "YYYY-MM-DD")]
    pub as_of: Option<String>,
    /// How --as-of reads the records: received (what the hub had received by that day, the
    /// default) or happened (by the dates written on the records, whenever they arrived).
    #[arg(long = "as-of-mode", value_name = "received|happened")]
    pub as_of_mode: Option<String>,
    /// A unit's subtree instead of this office's whole scope.
    #[arg(long, value_name = "CODE")]
    pub unit: Option<String>,
    /// json, csv, xlsx, docx or html.
    #[arg(long, default_value = "json")]
    pub format: String,
    /// The file to write (json, csv and html go to the screen without it).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The document's number in the office's register of outgoing documents (125), written in
    /// the Word document's "Số:" line; left blank without it.
    #[arg(long, value_name = "SỐ")]
    pub number: Option<String>,
    /// The document's signing date (YYYY-MM-DD), for the Word document's place-and-date line
    /// (default: today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct DutyCommon {
    /// Year of the record (default: the year of --date).
    #[arg(long)]
    pub year: Option<i32>,
    /// YYYY-MM-DD.
    #[arg(long)]
    pub date: String,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReviewKindArg {
    Preliminary,
    Final,
}

#[derive(Debug, Subcommand)]
pub enum DutyCmd {
    /// A session disseminating the regulation (due 31/07/2023).
    Disseminate {
        #[command(flatten)]
        common: DutyCommon,
        /// Form: hội nghị, văn bản, trực tuyến…
        #[arg(long)]
        form: String,
        #[arg(long, default_value_t = 0)]
        participants: u32,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// The unit's own implementation plan (due 31/07/2023).
    Plan {
        #[command(flatten)]
        common: DutyCommon,
        /// Number/symbol, e.g. 12/KH-UBND.
        #[arg(long)]
        number: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// The annual self-inspection.
    SelfInspect {
        #[command(flatten)]
        common: DutyCommon,
        #[arg(long, default_value = "")]
        findings: String,
        #[arg(long, default_value = "")]
        report: String,
    },
    /// A preliminary (sơ kết) or final (tổng kết) review.
    Review {
        #[command(flatten)]
        common: DutyCommon,
        #[arg(long, value_enum)]
        kind: ReviewKindArg,
        #[arg(long, default_value = "")]
        form: String,
        #[arg(long, default_value = "")]
        report: String,
    },
    /// A commendation of a cadre.
    Commend {
        #[command(flatten)]
        common: DutyCommon,
        #[arg(long)]
        person: String,
        #[arg(long)]
        form: String,
        #[arg(long, value_enum)]
        level: LevelArg,
        /// The proposal it rewards.
        #[arg(long)]
        proposal: Option<String>,
    },
    /// A disciplinary measure.
    Discipline {
        #[command(flatten)]
        common: DutyCommon,
        #[arg(long)]
        subject: String,
        #[arg(long)]
        violation: String,
        #[arg(long)]
        measure: String,
    },
    /// A Sở Nội vụ inspection of a unit (recorded by Sở Nội vụ).
    Inspect {
        #[command(flatten)]
        common: DutyCommon,
        /// The inspected unit.
        #[arg(long)]
        unit: String,
        #[arg(long, default_value = "")]
        findings: String,
        #[arg(long, default_value = "")]
        recommendations: String,
    },
    /// Show the duties recorded.
    Show {
        #[arg(long)]
        year: Option<i32>,
        /// Another unit's record (default: this office's).
        #[arg(long)]
        unit: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum RefusedCmd {
    /// List the refused copies.
    List,
    /// Write a refused copy to a file (it can be inspected or imported elsewhere).
    Export {
        /// The number shown by `doimoi refused list`.
        n: i64,
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum CalendarCmd {
    /// Days off and make-up working days of a year.
    Show {
        #[arg(long)]
        year: Option<i32>,
    },
    /// Apply the Government's yearly announcement: a JSON file of overrides
    /// (`{"days_off":[{"date":…,"name":…}],"working_days":[…],"remove":[…]}`).
    Override { file: PathBuf },
    /// Working days: the date N working days after a date.
    Add { date: String, days: u32 },
}

impl ProposalCmd {
    /// Whether the command records something (everything but `list` and `show`).
    pub fn records(&self) -> bool {
        !matches!(self, ProposalCmd::List { .. } | ProposalCmd::Show(_))
    }
}
