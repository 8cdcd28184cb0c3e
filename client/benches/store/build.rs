//! Building the 10,000-proposal store once: the real `doimoi init`, then documents written through
//! the library as the CLI writes them, along procedure paths drawn from a fixed seed.

use super::*;

#[derive(Clone, Copy)]
pub(crate) enum Role {
    /// The proposer's unit (this office).
    Own,
    /// The unit whose head decides (this office, or its district when the proposer is the head).
    Deciding,
    /// UBND tỉnh.
    Province,
}

pub(crate) struct Step {
    pub(crate) action: Action,
    pub(crate) role: Role,
    /// Calendar days after the previous step (or after creation for the first).
    pub(crate) gap: u64,
}

pub(crate) struct Plan<'r> {
    pub(crate) rng: &'r mut Rng,
    pub(crate) steps: Vec<Step>,
    /// Result and damage of the evaluation, once planned.
    pub(crate) evaluated: Option<(EvalResult, bool)>,
}

impl Plan<'_> {
    pub(crate) fn add(&mut self, action: Action, role: Role, lo: u64, hi: u64) -> &mut Self {
        let gap = self.rng.range(lo, hi);
        self.steps.push(Step { action, role, gap });
        self
    }
    pub(crate) fn submit(&mut self) -> &mut Self {
        self.add(Action::Submit, Role::Own, 1, 20)
    }
    pub(crate) fn receive(&mut self) -> &mut Self {
        self.add(Action::Receive, Role::Deciding, 0, 3)
    }
    pub(crate) fn opinion(&mut self) -> &mut Self {
        self.add(Action::PartyOpinion { agree: true }, Role::Deciding, 1, 3)
    }
    pub(crate) fn vote(&mut self, pass: bool) -> &mut Self {
        let members = u32::try_from(self.rng.range(7, 9)).unwrap_or(7);
        let votes_for = if pass {
            members / 2 + 1 + u32::try_from(self.rng.range(0, 2)).unwrap_or(0)
        } else {
            u32::try_from(self.rng.range(0, 3)).unwrap_or(0)
        };
        let rest = members - votes_for;
        let against = rest - u32::try_from(self.rng.range(0, u64::from(rest.min(1)))).unwrap_or(0);
        let abstain = rest - against;
        let head_voted = if self.rng.chance(200) {
            Some(if pass { Side::For } else { Side::Against })
        } else {
            None
        };
        let action = Action::Vote {
            votes_for,
            against,
            abstain,
            head_voted,
            members: None,
        };
        self.add(action, Role::Deciding, 0, 2)
    }
    /// Gap before a decision: usually within the 7 working days, sometimes late.
    pub(crate) fn decision_gap(&mut self) -> (u64, u64) {
        if self.rng.chance(120) {
            (9, 20)
        } else {
            (0, 3)
        }
    }
    pub(crate) fn approve(&mut self, by_head: bool) -> &mut Self {
        let (lo, hi) = self.decision_gap();
        let pilot = self.rng.chance(80);
        self.add(Action::Approve { pilot, by_head }, Role::Deciding, lo, hi)
    }
    pub(crate) fn reject(&mut self) -> &mut Self {
        let (lo, hi) = self.decision_gap();
        self.add(Action::Reject, Role::Deciding, lo, hi)
    }
    pub(crate) fn escalate(&mut self) -> &mut Self {
        let (lo, hi) = self.decision_gap();
        self.add(Action::Escalate, Role::Deciding, lo, hi)
    }
    pub(crate) fn answer(&mut self) -> &mut Self {
        self.add(
            Action::Answer {
                approve: true,
                pilot: false,
            },
            Role::Province,
            10,
            40,
        )
    }
    pub(crate) fn start(&mut self) -> &mut Self {
        self.add(Action::Start, Role::Own, 1, 15)
    }
    pub(crate) fn suspend(&mut self) -> &mut Self {
        self.add(Action::Suspend, Role::Deciding, 20, 90)
    }
    pub(crate) fn resume(&mut self) -> &mut Self {
        self.add(Action::Resume, Role::Deciding, 5, 30)
    }
    pub(crate) fn terminate(&mut self) -> &mut Self {
        self.add(Action::Terminate, Role::Deciding, 5, 30)
    }
    pub(crate) fn report(&mut self) -> &mut Self {
        // `finished` is set when dates are known (a few days before the report).
        self.add(Action::ReportResults { finished: None }, Role::Own, 30, 200)
    }
    pub(crate) fn evaluate(&mut self, result: EvalResult) -> &mut Self {
        let damage = result != EvalResult::Completed && self.rng.chance(300);
        self.evaluated = Some((result, damage));
        self.add(Action::Evaluate { result, damage }, Role::Deciding, 1, 5)
    }
    pub(crate) fn protect(&mut self) -> &mut Self {
        let determination = match self.evaluated {
            Some((EvalResult::Completed, _)) | None => Determination::NotLiable,
            Some((_, false)) => Determination::Excluded,
            Some((_, true)) => Determination::Considered,
        };
        // Decree 73 fixes the determination; under Regulation 20 the same one is recorded.
        self.add(Action::Protect { determination }, Role::Deciding, 1, 10)
    }
    pub(crate) fn notify(&mut self) -> &mut Self {
        self.add(Action::Notify, Role::Deciding, 0, 3)
    }
    pub(crate) fn commend(&mut self) -> &mut Self {
        self.add(
            Action::Commend { level: Level::Unit },
            Role::Deciding,
            3,
            20,
        )
    }
    /// submit, receive, party opinion, vote, approve, start.
    pub(crate) fn approved_and_started(&mut self) -> &mut Self {
        self.submit()
            .receive()
            .opinion()
            .vote(true)
            .approve(false)
            .start()
    }
    /// … report, party opinion, evaluate.
    pub(crate) fn reported_and_evaluated(&mut self, result: EvalResult) -> &mut Self {
        self.report().opinion().evaluate(result)
    }
}

/// Chooses a procedure path. Returns the steps and how recent the proposal must be (days of
/// the window its creation date is drawn from).
pub(crate) fn plan(rng: &mut Rng) -> (Vec<Step>, u64) {
    let roll = rng.next_u64() % 1000;
    let sub = rng.next_u64() % 100;
    let mut p = Plan {
        rng,
        steps: Vec::with_capacity(12),
        evaluated: None,
    };
    let window = match roll {
        // Completed (10, 11 or 12 events).
        0..=329 => {
            p.approved_and_started()
                .reported_and_evaluated(EvalResult::Completed);
            match sub {
                0..=54 => p.protect(),
                55..=74 => p.notify(),
                75..=89 => p.notify().protect(),
                _ => p.notify().protect().commend(),
            };
            1500
        }
        // Vote failed, approved by the head's written decision, completed or partly.
        330..=359 => {
            let r = if sub < 60 {
                EvalResult::Completed
            } else {
                EvalResult::Partly
            };
            p.submit()
                .receive()
                .opinion()
                .vote(false)
                .approve(true)
                .start()
                .reported_and_evaluated(r)
                .protect();
            1500
        }
        // Escalated to UBND tỉnh, approved by its answer, completed.
        360..=389 => {
            p.submit()
                .receive()
                .opinion()
                .vote(sub < 70)
                .escalate()
                .answer()
                .start()
                .reported_and_evaluated(EvalResult::Completed);
            1500
        }
        390..=489 => {
            p.approved_and_started()
                .reported_and_evaluated(EvalResult::Partly)
                .protect();
            1500
        }
        490..=539 => {
            p.approved_and_started()
                .reported_and_evaluated(EvalResult::NotCompleted)
                .protect();
            1500
        }
        540..=619 => {
            p.approved_and_started()
                .suspend()
                .resume()
                .report()
                .opinion();
            700
        }
        620..=769 => {
            p.approved_and_started().suspend().resume();
            if sub < 60 {
                p.suspend().resume();
            }
            500
        }
        770..=799 => {
            p.submit()
                .receive()
                .opinion()
                .vote(true)
                .opinion()
                .approve(false)
                .start()
                .suspend()
                .resume()
                .suspend();
            500
        }
        800..=839 => {
            p.approved_and_started()
                .suspend()
                .resume()
                .suspend()
                .terminate();
            900
        }
        // Stopped earlier in the procedure.
        840..=899 => {
            if sub < 75 {
                p.submit().receive().opinion().vote(true).approve(false);
            } else {
                p.submit()
                    .receive()
                    .opinion()
                    .vote(false)
                    .opinion()
                    .approve(true);
            }
            200
        }
        900..=924 => {
            p.submit().receive().opinion().vote(false).reject();
            600
        }
        925..=934 => {
            p.submit().receive().opinion().vote(true).escalate();
            120
        }
        935..=949 => {
            p.submit().receive().opinion().vote(true);
            60
        }
        950..=959 => {
            p.submit().receive().opinion().vote(false);
            60
        }
        960..=974 => {
            p.submit().receive();
            if sub < 50 {
                p.opinion();
            }
            45
        }
        975..=984 => {
            p.submit();
            30
        }
        _ => 60, // draft
    };
    (p.steps, window)
}

pub(crate) fn by_for(
    rng: &mut Rng,
    action: &Action,
    proposer: &str,
    own_position: &str,
) -> (String, String, String) {
    let signer = rng.pick(SIGNERS).to_string();
    match action {
        Action::Submit => (
            proposer.to_string(),
            own_position.to_string(),
            String::new(),
        ),
        Action::Receive => (
            person(rng),
            "Công chức Văn phòng - Thống kê".into(),
            "Hồ sơ đủ thành phần theo Điều 7.2".into(),
        ),
        Action::PartyOpinion { .. } => (
            signer,
            "Bí thư Đảng ủy xã".into(),
            "Thống nhất chủ trương".into(),
        ),
        Action::Vote { .. } => (
            String::new(),
            String::new(),
            format!("Họp tập thể lãnh đạo ngày thứ {}", rng.range(2, 6)),
        ),
        Action::Approve { .. } | Action::Reject => (
            signer,
            "Chủ tịch UBND".into(),
            format!("Quyết định số {}/QĐ-UBND", rng.range(10, 480)),
        ),
        Action::Answer { .. } => (
            String::new(),
            "UBND tỉnh".into(),
            format!("Văn bản số {}/UBND-NC", rng.range(100, 9000)),
        ),
        Action::Evaluate { .. } => (
            signer,
            "Chủ tịch UBND".into(),
            "Theo báo cáo của Hội đồng đánh giá".into(),
        ),
        _ => (person(rng), String::new(), String::new()),
    }
}

// ---------------------------------------------------------------------------------------------
// Building the store

#[derive(Default)]
pub(crate) struct BuildStats {
    pub(crate) statuses: BTreeMap<String, usize>,
    pub(crate) flags: BTreeMap<String, usize>,
    pub(crate) events: usize,
    pub(crate) events_hist: BTreeMap<usize, usize>,
    pub(crate) chunked: usize,
    pub(crate) edited: usize,
    pub(crate) comments: usize,
    pub(crate) show_whole: Option<String>,
    pub(crate) show_chunked: Option<String>,
}

pub(crate) fn build_store(bin: &Path, dir: &Path) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir)?;
    let out = Command::new(bin)
        .args(["init", "--unit", UNIT, "--data"])
        .arg(dir)
        .output()
        .with_context(|| format!("running {}", bin.display()))?;
    if !out.status.success() {
        bail!(
            "doimoi init failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut app = App::open(dir)?;
    // A second connection does the writes, so `app` stays free for `index_row`/`state`.
    let mut store = Store::open(dir)?;
    let mut rng = Rng(SEED);
    let mut stats = BuildStats::default();
    let t = Instant::now();
    let mut done = 0;
    while done < PROPOSALS {
        let n = BATCH.min(PROPOSALS - done);
        let w = store.write()?;
        for i in 0..n {
            let chunked = (done + i) % 10 == 3;
            build_one(&mut app, &w, &mut rng, chunked, &mut stats)?;
        }
        w.commit()?;
        done += n;
        if done.is_multiple_of(2000) {
            println!(
                "  {done} proposals written ({:.1} s)",
                t.elapsed().as_secs_f64()
            );
        }
    }
    drop(store);
    drop(app);
    // Check: the index has every proposal and no flag a valid path would not give.
    let app = App::open(dir)?;
    let rows = app.store.list_proposals(None)?;
    if rows.len() != PROPOSALS {
        bail!("the index has {} rows, not {PROPOSALS}", rows.len());
    }
    if let Some(bad) = rows.iter().find(|r| {
        r.flags
            .iter()
            .any(|f| matches!(f, Flag::InvalidEvent | Flag::Conflict))
    }) {
        bail!("proposal {} has flags {:?}", bad.id, bad.flags);
    }
    drop(app);
    let mut info = String::new();
    info.push_str(&format!("proposals={PROPOSALS}\nevents={}\n", stats.events));
    info.push_str(&format!(
        "chunked={}\nedited={}\ncomments={}\n",
        stats.chunked, stats.edited, stats.comments
    ));
    info.push_str(&format!(
        "show_whole={}\nshow_chunked={}\n",
        stats.show_whole.unwrap_or_default(),
        stats.show_chunked.unwrap_or_default()
    ));
    for (k, v) in &stats.statuses {
        info.push_str(&format!("status.{k}={v}\n"));
    }
    for (k, v) in &stats.flags {
        info.push_str(&format!("flag.{k}={v}\n"));
    }
    for (k, v) in &stats.events_hist {
        info.push_str(&format!("events_per_doc.{k:02}={v}\n"));
    }
    std::fs::write(dir.join(BUILT), info)?;
    Ok(())
}

/// Writes one proposal the way the CLI would have: `new`, maybe `edit`, its steps, maybe
/// comments. `chunked`: one save (snapshot, then one chunk per command) and one index-row
/// update per command, as the CLI does; otherwise the finished document is saved whole.
pub(crate) fn build_one(
    app: &mut App,
    w: &Write<'_>,
    rng: &mut Rng,
    chunked: bool,
    stats: &mut BuildStats,
) -> Result<()> {
    let id = DocId::from_bytes(rng.bytes16());
    let mut full = fields(rng, Detail::Rich);
    let proposer_is_head = rng.chance(30);
    if proposer_is_head {
        full.proposer_is_head = Some(true);
        full.position = Some("Chủ tịch UBND xã".into());
        full.leader = Some(true);
    } else if rng.chance(70) {
        full.proposer_is_deputy = Some(true);
        full.position = Some("Phó Chủ tịch UBND xã".into());
        full.leader = Some(true);
    }
    let (mut steps, window) = plan(rng);

    // Dates: the whole path ends on or before today.
    let today = app.today;
    let span: u64 = steps.iter().map(|s| s.gap).sum::<u64>() + 1;
    let back = span + rng.range(0, window);
    let created = today
        .checked_sub_days(Days::new(back))
        .context("date out of range")?;
    let created_at = office_ms(created, rng.range(0, 480))?.min(app.now_ms - 3_600_000);
    // One in five drafts is written in two goes: the basics, then the prose by `edit`.
    let edited = rng.chance(200);
    let first = if edited {
        ProposalFields {
            necessity: None,
            subjects: None,
            scope: None,
            timeline: None,
            resources: None,
            feasibility: None,
            impact: None,
            expected: None,
            ..full.clone()
        }
    } else {
        full.clone()
    };
    let save = |app: &mut App,
                doc: &Automerge,
                before: Option<&[automerge::ChangeHash]>,
                at: i64|
     -> Result<(Proposal, ProposalState)> {
        app.now_ms = at;
        w.save_doc(&id, "proposal", doc, before, at)?;
        let p = proposal::read(doc)?;
        let st = app.state(&p);
        w.put_proposal_row(&app.index_row(&p, &st))?;
        Ok((p, st))
    };
    // What the last save wrote (the final document once everything is saved).
    let mut saved = None;
    let unit = app.unit.clone();
    let mut doc = proposal::create(app.actor.clone(), &id, &unit, created_at, &first)?;
    if chunked {
        saved = Some(save(app, &doc, None, created_at)?);
    }
    let mut last_at = created_at;
    if edited {
        let rest = ProposalFields {
            necessity: full.necessity.clone(),
            subjects: full.subjects.clone(),
            scope: full.scope.clone(),
            timeline: full.timeline.clone(),
            resources: full.resources.clone(),
            feasibility: full.feasibility.clone(),
            impact: full.impact.clone(),
            expected: full.expected.clone(),
            ..ProposalFields::default()
        };
        let before = doc.get_heads();
        last_at = created_at + i64::try_from(rng.range(10, 300))? * 60_000;
        if proposal::edit(&mut doc, &rest, &unit, last_at)? && chunked {
            saved = Some(save(app, &doc, Some(&before), last_at)?);
        }
        stats.edited += 1;
    }
    let mut p: Proposal = proposal::read(&doc)?;
    let facts = p.facts();
    // The deciding unit as the structure stood on the submission day (set at the submit step).
    let mut deciding = deciding_unit(&facts, &app.registry);
    let province: UnitCode = app.registry.province().code.clone();
    let proposer = p.proposer.clone();
    let own_position = p.position.clone();
    let n = steps.len();
    let mut date = created;
    for (k, step) in steps.iter_mut().enumerate() {
        date = date
            .checked_add_days(Days::new(step.gap))
            .context("date out of range")?;
        if let Action::ReportResults { finished } = &mut step.action {
            let prev = p.events.last().map(|e| e.date).unwrap_or(created);
            let fin = date
                .checked_sub_days(Days::new(rng.range(0, 4)))
                .unwrap_or(date)
                .max(prev);
            *finished = Some(fin);
        }
        // Recorded during office hours that day, never after now, always after the last write.
        let latest = app.now_ms - i64::try_from(n - k)? * 60_000;
        let at = office_ms(date, rng.range(0, 540))?
            .max(last_at + 60_000)
            .min(latest);
        last_at = at;
        if matches!(step.action, Action::Submit) {
            deciding = doimoi_shared::workflow::deciding_unit_on(&facts, &app.registry, Some(date));
        }
        let unit = match step.role {
            Role::Own => app.unit.clone(),
            Role::Deciding => deciding.clone(),
            Role::Province => province.clone(),
        };
        let (by, position, note) = by_for(rng, &step.action, &proposer, &own_position);
        let (seq, prev) = p.next_position();
        let event = Event {
            id: hex(&rng.bytes16()[..8]),
            seq,
            prev,
            at,
            date,
            unit,
            by: nfc(by.trim()),
            position: nfc(position.trim()),
            note: if note.trim().is_empty() && !app.calendar.is_working_day(date) {
                "Làm việc ngày nghỉ".into()
            } else {
                nfc(note.trim())
            },
            action: step.action.clone(),
        };
        if date > today {
            bail!("generated a step in the future ({date})");
        }
        if matches!(event.action, Action::Submit) && !p.missing_for_submit().is_empty() {
            bail!("submit with missing fields: {:?}", p.missing_for_submit());
        }
        check_next(
            &facts,
            &p.events,
            &event,
            &app.registry,
            &app.calendar,
            &app.config,
        )
        .map_err(|reason| {
            anyhow!(
                "generated step {} of {id} refused: {reason}",
                event.action.name()
            )
        })?;
        let before = doc.get_heads();
        proposal::append_event(&mut doc, &event)?;
        if chunked {
            saved = Some(save(app, &doc, Some(&before), at)?);
        }
        p.events.push(event);
    }
    // Comments from colleagues on some proposals.
    let comments = if rng.chance(150) { rng.range(1, 3) } else { 0 };
    for _ in 0..comments {
        let at = (last_at + i64::try_from(rng.range(1, 72))? * 3_600_000).min(app.now_ms - 1000);
        last_at = last_at.max(at);
        let c = Comment {
            id: hex(&rng.bytes16()[..8]),
            at,
            unit: app.unit.clone(),
            by: person(rng),
            text: nfc(&format!(
                "Đề nghị bổ sung số liệu về {} và làm rõ {}.",
                rng.pick(OBJECTS),
                rng.pick(&["kinh phí", "tiến độ", "đối tượng áp dụng", "cách đánh giá"])
            )),
        };
        let before = doc.get_heads();
        proposal::add_comment(&mut doc, &c)?;
        if chunked {
            saved = Some(save(app, &doc, Some(&before), at)?);
        }
        stats.comments += 1;
    }
    if !chunked {
        saved = Some(save(app, &doc, None, last_at)?);
    }
    // Tally what was written, from the index row's own derivation.
    let (p, st) = saved.context("nothing saved")?;
    *stats
        .statuses
        .entry(st.status.as_str().to_string())
        .or_default() += 1;
    for f in &st.flags {
        *stats.flags.entry(f.as_str().to_string()).or_default() += 1;
    }
    stats.events += p.events.len();
    *stats.events_hist.entry(p.events.len()).or_default() += 1;
    if chunked {
        stats.chunked += 1;
    }
    if p.events.len() >= 10 && st.status.as_str() == "completed" {
        let slot = if chunked {
            &mut stats.show_chunked
        } else {
            &mut stats.show_whole
        };
        if slot.is_none() {
            *slot = Some(id.to_string());
        }
    }
    Ok(())
}
