//! The working-day calendar: weekends, Vietnam's public holidays and the Government's yearly
//! swaps, kept as data (docs/domain.md §5).
//!
//! A day is a *working day* when it is Monday–Friday and not listed as a day off, or when it is
//! listed as a working day (a Saturday or Sunday made up for a swapped weekday). Procedural clocks
//! count working days starting the day after the triggering event: see
//! [`Calendar::add_working_days`] and [`Calendar::working_days_between`].
//!
//! The shipped data (`data/calendar-vn.json`, embedded at compile time) covers 2023–2027:
//! the official schedules for civil servants where the Government has decided them, otherwise the
//! Labour Code 2019 default (each year says which in its `source`, `note` and `default` fields).
//! Outside the covered years only Saturdays and Sundays are days off; [`Calendar::covers`] tells
//! whether a year is covered so callers can warn. The hub distributes corrections and new years
//! as [`CalendarOverrides`].
//!
//! File format (also what [`Calendar::to_json`] writes and serde produces for [`Calendar`]):
//!
//! ```json
//! {
//!   "version": 1,
//!   "years": {
//!     "2024": {
//!       "source": "…", "note": "…", "default": false,
//!       "days_off": [{"date": "2024-02-08", "name": "Tết Nguyên đán (29 tháng Chạp)"}],
//!       "working_days": [{"date": "2024-05-04", "name": "Làm bù cho ngày nghỉ 29/4/2024"}]
//!     }
//!   }
//! }
//! ```
//!
//! `days_off` lists every holiday, compensatory day and swapped day off (even one falling on a
//! weekend, for display); `working_days` lists the weekend days made working days.
//!
//! The calendar also carries the province's time limits that the law leaves to it: an optional
//! top-level `"answer_days": N` gives UBND tỉnh N working days to answer an escalated proposal
//! (no clock when absent). It travels to every office with the calendar, so the offices, the
//! hub's ingress check and the reports all count the same clock ([`Calendar::workflow_config`]).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// The only file-format version this module reads and writes.
pub const CALENDAR_VERSION: u32 = 1;

/// The calendar data shipped with the crate.
const EMBEDDED_JSON: &str = include_str!("../data/calendar-vn.json");

/// One dated entry: a day off or a working day, with the name shown to users (Vietnamese).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayEntry {
    pub date: NaiveDate,
    pub name: String,
}

/// What is known about one covered year: where its schedule comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearInfo {
    /// The decision(s) the year's schedule follows.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// Free-text summary for operators.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// True when the year is the Labour Code default, not yet an announced schedule.
    #[serde(default, rename = "default")]
    pub is_default: bool,
}

/// The working-day calendar. Serialises to (and deserialises from, with validation) the file
/// format described in the module documentation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "CalendarFile", into = "CalendarFile")]
pub struct Calendar {
    version: u32,
    description: Option<String>,
    /// Covered years and their provenance.
    years: BTreeMap<i32, YearInfo>,
    /// Holidays, compensatory days and swapped days off, by date.
    days_off: BTreeMap<NaiveDate, String>,
    /// Saturdays and Sundays made working days, by date.
    working_days: BTreeMap<NaiveDate, String>,
    /// Working days UBND tỉnh has to answer an escalation, when the province sets one.
    answer_days: Option<u32>,
}

/// Changes to the calendar entered by an operator, typically the Government's yearly
/// announcements. Applied with [`Calendar::with_overrides`]; overrides win over the base data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CalendarOverrides {
    /// Days to make days off (replacing a working-day entry on the same date).
    pub days_off: Vec<DayEntry>,
    /// Weekend days to make working days (replacing a day-off entry on the same date).
    pub working_days: Vec<DayEntry>,
    /// Dates whose entry (of either kind) is deleted, restoring the plain weekday/weekend rule.
    #[serde(default)]
    pub remove: Vec<NaiveDate>,
    /// Sets UBND tỉnh's time limit for answering an escalation, in working days (0 removes
    /// the clock); absent leaves it as it is.
    #[serde(default)]
    pub answer_days: Option<u32>,
}

/// Errors reading a calendar file. Messages are for users, in Vietnamese.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    #[error(
        "Tệp lịch ngày nghỉ không đúng định dạng (chi tiết kỹ thuật: {0}). Tệp cần là một đối tượng JSON dạng \
         {{\"version\": 1, \"years\": {{\"2025\": {{\"source\": \"…\", \"note\": \"…\", \
         \"days_off\": [{{\"date\": \"2025-01-01\", \"name\": \"Tết Dương lịch\"}}], \
         \"working_days\": [{{\"date\": \"2025-04-26\", \"name\": \"Làm bù …\"}}]}}}}}}, \
         ngày ghi theo dạng NNNN-TT-NN (năm-tháng-ngày)."
    )]
    Json(String),
    #[error(
        "Tệp lịch ngày nghỉ có phiên bản {0}, phần mềm chỉ đọc được phiên bản {supported}.",
        supported = CALENDAR_VERSION
    )]
    UnsupportedVersion(u32),
    #[error(
        "Tệp lịch ngày nghỉ có mục năm \"{0}\" không hợp lệ: tên mục phải là một năm, ví dụ \"2025\"."
    )]
    InvalidYear(String),
    #[error(
        "Tệp lịch ngày nghỉ ghi ngày {} trong mục năm {year}, nhưng ngày này không thuộc năm đó.",
        vn_date(.date)
    )]
    DateOutsideYear { date: NaiveDate, year: i32 },
    #[error("Tệp lịch ngày nghỉ khai báo ngày {} hai lần.", vn_date(.0))]
    DuplicateDate(NaiveDate),
    #[error(
        "Tệp lịch ngày nghỉ khai báo ngày {} vừa là ngày nghỉ vừa là ngày làm việc.",
        vn_date(.0)
    )]
    ConflictingDate(NaiveDate),
}

/// Formats a date the Vietnamese way, `dd/mm/yyyy`.
fn vn_date(d: &NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// The on-disk shape of one year.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct YearFile {
    #[serde(flatten)]
    info: YearInfo,
    /// False for a year present only because overrides added entries to it: such a year is not
    /// [`Calendar::covers`]ed. Omitted (true) for ordinary years.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    covered: bool,
    #[serde(default)]
    days_off: Vec<DayEntry>,
    #[serde(default)]
    working_days: Vec<DayEntry>,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

/// The on-disk shape of the whole file.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CalendarFile {
    version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    answer_days: Option<u32>,
    years: BTreeMap<String, YearFile>,
}

impl TryFrom<CalendarFile> for Calendar {
    type Error = CalendarError;

    fn try_from(file: CalendarFile) -> Result<Self, Self::Error> {
        if file.version != CALENDAR_VERSION {
            return Err(CalendarError::UnsupportedVersion(file.version));
        }
        let mut cal = Calendar {
            version: file.version,
            description: file.description,
            years: BTreeMap::new(),
            days_off: BTreeMap::new(),
            working_days: BTreeMap::new(),
            answer_days: file.answer_days.filter(|n| *n > 0),
        };
        for (key, year_file) in file.years {
            let year: i32 = match key.trim().parse() {
                Ok(y) if key.trim().len() == 4 => y,
                _ => return Err(CalendarError::InvalidYear(key)),
            };
            if cal.years.contains_key(&year) {
                return Err(CalendarError::InvalidYear(key));
            }
            let lists = [
                (year_file.days_off, &mut cal.days_off),
                (year_file.working_days, &mut cal.working_days),
            ];
            for (entries, map) in lists {
                for e in entries {
                    if e.date.year() != year {
                        return Err(CalendarError::DateOutsideYear { date: e.date, year });
                    }
                    if map.insert(e.date, e.name).is_some() {
                        return Err(CalendarError::DuplicateDate(e.date));
                    }
                }
            }
            if year_file.covered {
                cal.years.insert(year, year_file.info);
            }
        }
        if let Some(d) = cal
            .days_off
            .keys()
            .find(|d| cal.working_days.contains_key(d))
        {
            return Err(CalendarError::ConflictingDate(*d));
        }
        Ok(cal)
    }
}

impl From<Calendar> for CalendarFile {
    fn from(cal: Calendar) -> Self {
        let mut years: BTreeMap<i32, YearFile> = cal
            .years
            .into_iter()
            .map(|(y, info)| {
                let yf = YearFile {
                    info,
                    covered: true,
                    days_off: Vec::new(),
                    working_days: Vec::new(),
                };
                (y, yf)
            })
            .collect();
        let uncovered = || YearFile {
            info: YearInfo::default(),
            covered: false,
            days_off: Vec::new(),
            working_days: Vec::new(),
        };
        for (date, name) in cal.days_off {
            let yf = years.entry(date.year()).or_insert_with(uncovered);
            yf.days_off.push(DayEntry { date, name });
        }
        for (date, name) in cal.working_days {
            let yf = years.entry(date.year()).or_insert_with(uncovered);
            yf.working_days.push(DayEntry { date, name });
        }
        CalendarFile {
            version: cal.version,
            description: cal.description,
            answer_days: cal.answer_days,
            years: years
                .into_iter()
                .map(|(y, yf)| (y.to_string(), yf))
                .collect(),
        }
    }
}

impl Calendar {
    /// The calendar shipped with the crate (2023–2027). Parsing takes well under a millisecond;
    /// [`Calendar::embedded`] gives a shared instance without re-parsing.
    pub fn embedded_default() -> Calendar {
        // The embedded file is checked by this module's tests, so it always parses.
        Calendar::from_json(EMBEDDED_JSON).expect("embedded calendar-vn.json is valid")
    }

    /// A shared, lazily parsed copy of [`Calendar::embedded_default`].
    pub fn embedded() -> &'static Calendar {
        static CELL: OnceLock<Calendar> = OnceLock::new();
        CELL.get_or_init(Calendar::embedded_default)
    }

    /// A calendar with no holidays at all: only weekends are days off.
    pub fn weekends_only() -> Calendar {
        Calendar {
            version: CALENDAR_VERSION,
            description: None,
            years: BTreeMap::new(),
            days_off: BTreeMap::new(),
            working_days: BTreeMap::new(),
            answer_days: None,
        }
    }

    /// The procedure's time limits with this calendar's province-set ones applied.
    pub fn workflow_config(&self) -> crate::workflow::WorkflowConfig {
        crate::workflow::WorkflowConfig {
            answer_days: self.answer_days,
            ..crate::workflow::WorkflowConfig::default()
        }
    }

    /// UBND tỉnh's time limit for answering an escalation, in working days, if set.
    pub fn answer_days(&self) -> Option<u32> {
        self.answer_days
    }

    /// Parses and validates a calendar file (see the module documentation for the format).
    pub fn from_json(s: &str) -> Result<Calendar, CalendarError> {
        let file: CalendarFile =
            serde_json::from_str(s).map_err(|e| CalendarError::Json(e.to_string()))?;
        Calendar::try_from(file)
    }

    /// Writes the calendar in the file format; [`Calendar::from_json`] reads it back unchanged.
    pub fn to_json(&self) -> String {
        let file = CalendarFile::from(self.clone());
        // Serialising plain strings, dates and maps with string keys cannot fail.
        serde_json::to_string_pretty(&file).expect("calendar serialises to JSON")
    }

    /// This calendar with `o` applied: `remove` first deletes entries of either kind, then each
    /// day off and working day is set, replacing any entry of the other kind on the same date.
    /// If one date appears in both lists of `o`, the working day wins. Covered years are
    /// unchanged: overrides refine a calendar, they do not declare a year complete.
    pub fn with_overrides(&self, o: &CalendarOverrides) -> Calendar {
        let mut cal = self.clone();
        for d in &o.remove {
            cal.days_off.remove(d);
            cal.working_days.remove(d);
        }
        for e in &o.days_off {
            cal.working_days.remove(&e.date);
            cal.days_off.insert(e.date, e.name.clone());
        }
        for e in &o.working_days {
            cal.days_off.remove(&e.date);
            cal.working_days.insert(e.date, e.name.clone());
        }
        if let Some(n) = o.answer_days {
            cal.answer_days = (n > 0).then_some(n);
        }
        cal
    }

    /// Whether `d` is a working day: Monday–Friday and not a listed day off, or a listed
    /// working day. Outside the covered years this is simply "not Saturday or Sunday".
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        self.is_working_day_with(d, d.weekday().num_days_from_monday())
    }

    /// [`Calendar::is_working_day`] with the weekday (0 = Monday) already known.
    #[inline]
    fn is_working_day_with(&self, d: NaiveDate, weekday_from_monday: u32) -> bool {
        if weekday_from_monday >= 5 {
            self.working_days.contains_key(&d)
        } else {
            !self.days_off.contains_key(&d)
        }
    }

    /// The `n`-th working day after `start`; counting starts the day after `start` (which itself
    /// never counts, working day or not). `n == 0` returns `start`. Saturates at the last date
    /// chrono can represent. Does not allocate.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut d = start;
        let mut wd = start.weekday().num_days_from_monday();
        let mut left = n;
        while left > 0 {
            d = match d.succ_opt() {
                Some(next) => next,
                None => return d,
            };
            wd = if wd == 6 { 0 } else { wd + 1 };
            if self.is_working_day_with(d, wd) {
                left -= 1;
            }
        }
        d
    }

    /// The number of working days `d` with `from < d <= to`; if `to < from`, the negated count
    /// for the mirrored interval. So `working_days_between(s, add_working_days(s, n)) == n`.
    /// Does not allocate.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to < from {
            return -self.working_days_between(to, from);
        }
        let mut count = 0;
        let mut d = from;
        let mut wd = from.weekday().num_days_from_monday();
        while d < to {
            d = match d.succ_opt() {
                Some(next) => next,
                None => break,
            };
            wd = if wd == 6 { 0 } else { wd + 1 };
            if self.is_working_day_with(d, wd) {
                count += 1;
            }
        }
        count
    }

    /// Every listed day off in `year`, in date order, with its name (weekend holidays included;
    /// plain weekends are not listed).
    pub fn days_off_in(&self, year: i32) -> Vec<(NaiveDate, &str)> {
        let (Some(first), Some(last)) = (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) else {
            return Vec::new();
        };
        self.days_off
            .range(first..=last)
            .map(|(d, name)| (*d, name.as_str()))
            .collect()
    }

    /// Every listed working weekend day in `year`, in date order, with its name.
    pub fn working_days_in(&self, year: i32) -> Vec<(NaiveDate, &str)> {
        let (Some(first), Some(last)) = (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) else {
            return Vec::new();
        };
        self.working_days
            .range(first..=last)
            .map(|(d, name)| (*d, name.as_str()))
            .collect()
    }

    /// The name of the day off on `d`, if it is a listed day off.
    pub fn day_off_name(&self, d: NaiveDate) -> Option<&str> {
        self.days_off.get(&d).map(String::as_str)
    }

    /// Whether the data has holidays for `year`. Outside the covered years only Saturdays and
    /// Sundays are days off, so deadlines there may come out early: callers should warn.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// The covered years, ascending.
    pub fn covered_years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.keys().copied()
    }

    /// Provenance of a covered year.
    pub fn year_info(&self, year: i32) -> Option<&YearInfo> {
        self.years.get(&year)
    }

    /// The file-format version.
    pub fn version(&self) -> u32 {
        self.version
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    fn cal() -> &'static Calendar {
        Calendar::embedded()
    }

    #[test]
    fn embedded_parses_and_covers_2023_to_2027() {
        let c = Calendar::embedded_default();
        assert_eq!(c.version(), 1);
        assert_eq!(
            c.covered_years().collect::<Vec<_>>(),
            vec![2023, 2024, 2025, 2026, 2027]
        );
        assert!(!c.covers(2022));
        assert!(!c.covers(2028));
        assert!(c.year_info(2027).expect("2027").is_default);
        for y in 2023..=2026 {
            let info = c.year_info(y).expect("year");
            assert!(!info.is_default, "{y}");
            assert!(!info.source.is_empty() && !info.note.is_empty(), "{y}");
        }
    }

    #[test]
    fn embedded_parse_is_fast() {
        let t = std::time::Instant::now();
        for _ in 0..10 {
            std::hint::black_box(Calendar::embedded_default());
        }
        // ~10 parses; generous bound so slow CI machines pass (expected well under 1 ms each).
        assert!(t.elapsed() < std::time::Duration::from_millis(200));
    }

    #[test]
    fn embedded_data_is_consistent() {
        let c = cal();
        for y in c.covered_years() {
            // Eleven statutory days a year, each either a weekday or compensated on a weekday;
            // each swap adds one weekday off and one working weekend day.
            let weekday_off = c
                .days_off_in(y)
                .iter()
                .filter(|(d, _)| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
                .count();
            let swaps = c.working_days_in(y).len();
            assert_eq!(weekday_off, 11 + swaps, "year {y}");
            for (wd, _) in c.working_days_in(y) {
                assert!(matches!(wd.weekday(), Weekday::Sat | Weekday::Sun), "{wd}");
            }
            // Fixed-date holidays are always listed.
            for (m, day) in [(1, 1), (4, 30), (5, 1), (9, 2)] {
                assert!(c.day_off_name(d(y, m, day)).is_some(), "{y}-{m}-{day}");
            }
        }
        // Tết (lunar 1/1) and Giỗ Tổ (lunar 10/3), checked against Hồ Ngọc Đức's algorithm.
        for (tet, gio_to) in [
            (d(2023, 1, 22), d(2023, 4, 29)),
            (d(2024, 2, 10), d(2024, 4, 18)),
            (d(2025, 1, 29), d(2025, 4, 7)),
            (d(2026, 2, 17), d(2026, 4, 26)),
            (d(2027, 2, 6), d(2027, 4, 16)),
        ] {
            assert!(c.day_off_name(tet).expect("Tết").contains("mùng 1"));
            assert!(c
                .day_off_name(gio_to)
                .expect("Giỗ Tổ")
                .starts_with("Giỗ Tổ"));
        }
    }

    #[test]
    fn embedded_text_is_nfc_looking() {
        // No combining marks (U+0300–U+036F) anywhere: Vietnamese is precomposed.
        assert!(!EMBEDDED_JSON
            .chars()
            .any(|ch| ('\u{300}'..='\u{36f}').contains(&ch)));
    }

    #[test]
    fn weekdays_weekends_and_holidays() {
        let c = cal();
        assert!(c.is_working_day(d(2024, 2, 7))); // Wed before Tết
        assert!(!c.is_working_day(d(2024, 2, 8))); // 29 tháng Chạp
        assert!(!c.is_working_day(d(2024, 2, 14))); // compensatory
        assert!(c.is_working_day(d(2024, 2, 15)));
        assert!(!c.is_working_day(d(2024, 5, 5))); // Sunday 5/5
        assert!(c.is_working_day(d(2024, 5, 4))); // Saturday made up for 29/4
        assert!(!c.is_working_day(d(2024, 4, 29))); // swapped Monday
                                                    // Outside coverage only weekends count.
        assert!(c.is_working_day(d(2030, 1, 1)));
        assert!(!c.is_working_day(d(2030, 1, 5)));
    }

    #[test]
    fn receipt_before_tet_2024() {
        // Thu 1/2 + 7: Fri 2, Mon 5, Tue 6, Wed 7, (Thu 8 – Wed 14 off), Thu 15, Fri 16, Mon 19.
        assert_eq!(cal().add_working_days(d(2024, 2, 1), 7), d(2024, 2, 19));
    }

    #[test]
    fn swap_around_30_april_2024() {
        // Fri 26/4 + 3: 27/4–1/5 off except that Sat 4/5 is worked: Thu 2/5, Fri 3/5, Sat 4/5.
        assert_eq!(cal().add_working_days(d(2024, 4, 26), 3), d(2024, 5, 4));
        assert_eq!(cal().add_working_days(d(2024, 4, 26), 4), d(2024, 5, 6));
    }

    #[test]
    fn national_day_2025() {
        // Fri 29/8 + 2: 30/8–2/9 off, so Wed 3/9 and Thu 4/9.
        assert_eq!(cal().add_working_days(d(2025, 8, 29), 2), d(2025, 9, 4));
    }

    #[test]
    fn tet_2025_and_2026() {
        // Fri 24/1/2025 + 1: 25/1–2/2 off, no make-up Saturday: Mon 3/2.
        assert_eq!(cal().add_working_days(d(2025, 1, 24), 1), d(2025, 2, 3));
        // Fri 13/2/2026 + 1: 14/2–22/2 off: Mon 23/2.
        assert_eq!(cal().add_working_days(d(2026, 2, 13), 1), d(2026, 2, 23));
        // Tết Dương lịch 2026: 1/1–4/1 off, Sat 10/1 worked.
        assert_eq!(cal().add_working_days(d(2025, 12, 31), 1), d(2026, 1, 5));
        assert_eq!(cal().add_working_days(d(2026, 1, 9), 1), d(2026, 1, 10));
    }

    #[test]
    fn weekend_start_counts_from_next_day() {
        // Sat 6/7/2024 + 1 → Mon 8/7; Sunday start likewise.
        assert_eq!(cal().add_working_days(d(2024, 7, 6), 1), d(2024, 7, 8));
        assert_eq!(cal().add_working_days(d(2024, 7, 7), 1), d(2024, 7, 8));
        assert_eq!(cal().add_working_days(d(2024, 7, 6), 5), d(2024, 7, 12));
        // A start on a holiday is the same: Sat 10/2/2024 (Tết) + 1 → Thu 15/2.
        assert_eq!(cal().add_working_days(d(2024, 2, 10), 1), d(2024, 2, 15));
    }

    #[test]
    fn zero_days_is_the_start() {
        assert_eq!(cal().add_working_days(d(2024, 2, 10), 0), d(2024, 2, 10));
        assert_eq!(
            cal().working_days_between(d(2024, 2, 10), d(2024, 2, 10)),
            0
        );
    }

    #[test]
    fn between_counts_half_open_interval_and_mirrors() {
        let c = cal();
        // (Thu 1/2, Mon 19/2] has 7 working days.
        assert_eq!(c.working_days_between(d(2024, 2, 1), d(2024, 2, 19)), 7);
        assert_eq!(c.working_days_between(d(2024, 2, 19), d(2024, 2, 1)), -7);
        // Whole Tết break: (Wed 7/2, Wed 14/2] has none.
        assert_eq!(c.working_days_between(d(2024, 2, 7), d(2024, 2, 14)), 0);
        // A plain year outside coverage: 2030 has 261 weekdays.
        assert_eq!(
            c.working_days_between(d(2029, 12, 31), d(2030, 12, 31)),
            261
        );
        // 2024: 262 weekdays − 12 weekday days off + 1 working Saturday.
        assert_eq!(
            c.working_days_between(d(2023, 12, 31), d(2024, 12, 31)),
            251
        );
    }

    #[test]
    fn between_is_inverse_of_add() {
        let c = cal();
        let mut start = d(2022, 12, 1);
        while start <= d(2028, 1, 31) {
            for n in [0u32, 1, 2, 3, 5, 7, 10, 15, 30, 60] {
                let end = c.add_working_days(start, n);
                assert!(end >= start);
                assert_eq!(
                    c.working_days_between(start, end),
                    i64::from(n),
                    "{start} + {n}"
                );
                assert_eq!(c.working_days_between(end, start), -i64::from(n));
                if n > 0 {
                    assert!(c.is_working_day(end), "{start} + {n} = {end}");
                    // The day before the result still had one working day to go.
                    let before = end.pred_opt().expect("date");
                    assert_eq!(c.working_days_between(start, before), i64::from(n) - 1);
                }
            }
            start = start.succ_opt().expect("date");
        }
    }

    #[test]
    fn add_saturates_at_max_date() {
        let c = Calendar::weekends_only();
        assert_eq!(c.add_working_days(NaiveDate::MAX, 3), NaiveDate::MAX);
        assert!(c.working_days_between(NaiveDate::MAX, NaiveDate::MAX) == 0);
    }

    #[test]
    fn overrides_add_day_off_and_working_saturday() {
        let base = cal();
        let o = CalendarOverrides {
            answer_days: None,
            days_off: vec![DayEntry {
                date: d(2027, 11, 24),
                name: "Ngày Văn hóa Việt Nam".into(),
            }],
            working_days: vec![DayEntry {
                date: d(2027, 11, 27),
                name: "Làm bù".into(),
            }],
            remove: vec![],
        };
        let c = base.with_overrides(&o);
        assert!(base.is_working_day(d(2027, 11, 24)));
        assert!(!c.is_working_day(d(2027, 11, 24)));
        assert!(!base.is_working_day(d(2027, 11, 27)));
        assert!(c.is_working_day(d(2027, 11, 27)));
        // Tue 23/11 + 3: Thu 25, Fri 26, Sat 27.
        assert_eq!(c.add_working_days(d(2027, 11, 23), 3), d(2027, 11, 27));
        assert_eq!(base.add_working_days(d(2027, 11, 23), 3), d(2027, 11, 26));
        assert!(c
            .days_off_in(2027)
            .contains(&(d(2027, 11, 24), "Ngày Văn hóa Việt Nam")));
    }

    #[test]
    fn overrides_win_and_remove_deletes_either_kind() {
        let base = cal();
        // The Government moves the 2027 National Day adjacent day from 3/9 to 1/9.
        let o = CalendarOverrides {
            answer_days: None,
            days_off: vec![DayEntry {
                date: d(2027, 9, 1),
                name: "Quốc khánh (ngày liền kề 01/9)".into(),
            }],
            working_days: vec![],
            remove: vec![d(2027, 9, 3), d(2024, 5, 4)],
        };
        let c = base.with_overrides(&o);
        assert!(!c.is_working_day(d(2027, 9, 1)));
        assert!(c.is_working_day(d(2027, 9, 3)));
        assert!(!c.is_working_day(d(2024, 5, 4))); // the make-up Saturday is gone
        assert!(c.day_off_name(d(2027, 9, 3)).is_none());
        // A day off override replaces a working-day entry and vice versa.
        let o2 = CalendarOverrides {
            answer_days: None,
            days_off: vec![DayEntry {
                date: d(2024, 5, 4),
                name: "x".into(),
            }],
            working_days: vec![DayEntry {
                date: d(2024, 2, 10),
                name: "y".into(),
            }],
            remove: vec![],
        };
        let c2 = base.with_overrides(&o2);
        assert!(!c2.is_working_day(d(2024, 5, 4)));
        assert!(c2.is_working_day(d(2024, 2, 10)));
        assert!(c2.day_off_name(d(2024, 2, 10)).is_none());
        assert!(Calendar::from_json(&c2.to_json()).is_ok());
        // Overrides do not change coverage.
        assert_eq!(c.covered_years().count(), 5);
    }

    #[test]
    fn json_round_trip() {
        let c = Calendar::embedded_default();
        let back = Calendar::from_json(&c.to_json()).expect("round trip");
        assert_eq!(back, c);
        // With overrides in an uncovered year, coverage survives the round trip.
        let o = CalendarOverrides {
            answer_days: None,
            days_off: vec![DayEntry {
                date: d(2028, 1, 1),
                name: "Tết Dương lịch".into(),
            }],
            ..CalendarOverrides::default()
        };
        let c2 = c.with_overrides(&o);
        let back2 = Calendar::from_json(&c2.to_json()).expect("round trip");
        assert_eq!(back2, c2);
        assert!(!back2.covers(2028));
        assert!(!back2.is_working_day(d(2028, 1, 1))); // Saturday anyway, but listed
        assert_eq!(back2.days_off_in(2028).len(), 1);
        // serde on Calendar uses the same format.
        let via_serde: Calendar =
            serde_json::from_str(&serde_json::to_string(&c).expect("ser")).expect("de");
        assert_eq!(via_serde, c);
    }

    #[test]
    fn overrides_deserialize_without_remove() {
        let o: CalendarOverrides = serde_json::from_str(
            r#"{"days_off":[{"date":"2028-01-26","name":"Tết"}],"working_days":[]}"#,
        )
        .expect("overrides");
        assert!(o.remove.is_empty());
        assert_eq!(o.days_off[0].date, d(2028, 1, 26));
    }

    #[test]
    fn malformed_json_is_reported_in_vietnamese() {
        for bad in [
            "",
            "{",
            "[]",
            r#"{"years": {}}"#,
            r#"{"version": 1, "years": {"2024": {"days_off": [{"date": "2024-13-01", "name": "x"}]}}}"#,
            r#"{"version": 1, "years": {"2024": {"days_off": [{"day": "2024-01-01"}]}}}"#,
        ] {
            let err = Calendar::from_json(bad).expect_err(bad);
            assert!(matches!(err, CalendarError::Json(_)), "{bad}: {err:?}");
            let msg = err.to_string();
            assert!(
                msg.starts_with("Tệp lịch ngày nghỉ không đúng định dạng"),
                "{msg}"
            );
            assert!(msg.contains("\"days_off\""), "{msg}");
        }
    }

    #[test]
    fn invalid_contents_are_rejected() {
        let e = Calendar::from_json(r#"{"version": 2, "years": {}}"#).expect_err("version");
        assert!(matches!(e, CalendarError::UnsupportedVersion(2)));
        assert!(e.to_string().contains("phiên bản 2"));

        let e = Calendar::from_json(r#"{"version": 1, "years": {"năm": {}}}"#).expect_err("year");
        assert!(matches!(e, CalendarError::InvalidYear(_)));

        let e = Calendar::from_json(
            r#"{"version": 1, "years": {"2024": {"days_off": [{"date": "2025-01-01", "name": "x"}]}}}"#,
        )
        .expect_err("outside");
        assert!(e.to_string().contains("01/01/2025"), "{e}");

        let e = Calendar::from_json(
            r#"{"version": 1, "years": {"2024": {"days_off": [{"date": "2024-01-01", "name": "x"}, {"date": "2024-01-01", "name": "y"}]}}}"#,
        )
        .expect_err("dup");
        assert!(matches!(e, CalendarError::DuplicateDate(_)));

        let e = Calendar::from_json(
            r#"{"version": 1, "years": {"2024": {"days_off": [{"date": "2024-05-04", "name": "x"}], "working_days": [{"date": "2024-05-04", "name": "y"}]}}}"#,
        )
        .expect_err("conflict");
        assert!(matches!(e, CalendarError::ConflictingDate(_)));
        assert!(e.to_string().contains("04/05/2024"), "{e}");
    }

    #[test]
    fn days_off_in_lists_in_order() {
        let v = cal().days_off_in(2024);
        assert_eq!(v.first().map(|x| x.0), Some(d(2024, 1, 1)));
        assert!(v.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(v.iter().all(|(dd, _)| dd.year() == 2024));
        assert!(cal().days_off_in(2030).is_empty());
    }
}
