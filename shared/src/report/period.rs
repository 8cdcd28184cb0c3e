//! Reporting periods: Decree 09/2019 cut-offs and plain date ranges.

use super::{PeriodOut, ReportError};
use chrono::{Datelike, NaiveDate};

/// What kind of period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodKind {
    /// 15/12 of the previous year to 14/12.
    Year,
    /// 15/12 of the previous year to 14/6.
    FirstHalf,
    /// 15/6 to 14/12.
    SecondHalf,
    /// Quarter 1–4: the 15th of the month before the quarter to the 14th of its last month.
    Quarter(u8),
    /// Any date range, both ends included.
    Range,
}

/// A reporting period, both ends included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub kind: PeriodKind,
    pub start: NaiveDate,
    pub end: NaiveDate,
    year: i32,
    /// The day the report is made, when the period is not over yet: its figures stop there
    /// (nothing after today is counted, no step is overdue before its day). Set with
    /// [`Period::made_on`].
    pub until: Option<NaiveDate>,
}

fn ymd(y: i32, m: u32, d: u32) -> Result<NaiveDate, ReportError> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| ReportError::Date(format!("{y}-{m}-{d}")))
}

/// Parses an ISO date (YYYY-MM-DD).
/// Parses an ISO date (YYYY-MM-DD) of the years a report can concern (2000–2100).
pub fn parse_date(s: &str) -> Result<NaiveDate, ReportError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| (2000..=2100).contains(&d.year()))
        .ok_or_else(|| ReportError::Date(s.to_string()))
}

impl Period {
    /// The period as a report made on `today` sees it: cut at `today` when it is not over.
    pub fn made_on(mut self, today: NaiveDate) -> Period {
        self.until = (today < self.end).then_some(today.max(self.start));
        self
    }

    /// `2024`, `2024-H1` (also `2024-6T`), `2024-H2`, `2024-Q1`…`2024-Q4`, or
    /// `YYYY-MM-DD..YYYY-MM-DD`. Case and spaces do not matter.
    pub fn parse(spec: &str) -> Result<Period, ReportError> {
        let bad = || ReportError::Period(spec.to_string());
        let s = spec.trim().to_ascii_uppercase();
        if let Some((a, b)) = s.split_once("..") {
            let (start, end) = (parse_date(a)?, parse_date(b)?);
            if end < start {
                return Err(bad());
            }
            return Ok(Period {
                until: None,
                kind: PeriodKind::Range,
                start,
                end,
                year: end.year(),
            });
        }
        let (y, rest) = match s.split_once('-') {
            Some((y, r)) => (y, Some(r)),
            None => (s.as_str(), None),
        };
        if y.len() != 4 {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        if !(2000..=2100).contains(&year) {
            return Err(bad());
        }
        let kind = match rest {
            None => PeriodKind::Year,
            Some("H1" | "6T" | "6TH") => PeriodKind::FirstHalf,
            Some("H2") => PeriodKind::SecondHalf,
            Some("Q1") => PeriodKind::Quarter(1),
            Some("Q2") => PeriodKind::Quarter(2),
            Some("Q3") => PeriodKind::Quarter(3),
            Some("Q4") => PeriodKind::Quarter(4),
            Some(_) => return Err(bad()),
        };
        let (start, end) = match kind {
            PeriodKind::Year => (ymd(year - 1, 12, 15)?, ymd(year, 12, 14)?),
            PeriodKind::FirstHalf => (ymd(year - 1, 12, 15)?, ymd(year, 6, 14)?),
            PeriodKind::SecondHalf => (ymd(year, 6, 15)?, ymd(year, 12, 14)?),
            PeriodKind::Quarter(q) => {
                let last = u32::from(q) * 3;
                let start = if q == 1 {
                    ymd(year - 1, 12, 15)?
                } else {
                    ymd(year, last - 3, 15)?
                };
                (start, ymd(year, last, 14)?)
            }
            PeriodKind::Range => return Err(bad()),
        };
        Ok(Period {
            until: None,
            kind,
            start,
            end,
            year,
        })
    }

    /// The year the period reports on (a Decree 09 year ends on 14/12 of it).
    pub fn year(&self) -> i32 {
        self.year
    }

    /// The canonical spelling.
    pub fn code(&self) -> String {
        match self.kind {
            PeriodKind::Year => format!("{}", self.year),
            PeriodKind::FirstHalf => format!("{}-H1", self.year),
            PeriodKind::SecondHalf => format!("{}-H2", self.year),
            PeriodKind::Quarter(q) => format!("{}-Q{q}", self.year),
            PeriodKind::Range => format!("{}..{}", self.start, self.end),
        }
    }

    /// Vietnamese wording, as in a report's title.
    pub fn label(&self) -> String {
        let d = |x: NaiveDate| x.format("%d/%m/%Y").to_string();
        match self.kind {
            PeriodKind::Year => format!("năm {}", self.year),
            PeriodKind::FirstHalf => format!("6 tháng đầu năm {}", self.year),
            PeriodKind::SecondHalf => format!("6 tháng cuối năm {}", self.year),
            PeriodKind::Quarter(q) => {
                let roman = ["I", "II", "III", "IV"][usize::from(q.clamp(1, 4)) - 1];
                format!("quý {roman} năm {}", self.year)
            }
            PeriodKind::Range => format!("từ ngày {} đến ngày {}", d(self.start), d(self.end)),
        }
    }

    pub fn contains(&self, d: NaiveDate) -> bool {
        self.start <= d && d <= self.end
    }

    pub fn out(&self) -> PeriodOut {
        PeriodOut {
            code: self.code(),
            label: self.label(),
            start: self.start,
            end: self.end,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).expect("date")
    }

    #[test]
    fn decree_09_cut_offs() {
        let y = Period::parse("2024").expect("year");
        assert_eq!((y.start, y.end), (d("2023-12-15"), d("2024-12-14")));
        assert_eq!(y.label(), "năm 2024");
        let h = Period::parse(" 2024-6t ").expect("six months");
        assert_eq!((h.start, h.end), (d("2023-12-15"), d("2024-06-14")));
        assert_eq!(h.code(), "2024-H1");
        let h2 = Period::parse("2024-H2").expect("second half");
        assert_eq!((h2.start, h2.end), (d("2024-06-15"), d("2024-12-14")));
        let q1 = Period::parse("2024-q1").expect("q1");
        assert_eq!((q1.start, q1.end), (d("2023-12-15"), d("2024-03-14")));
        let q3 = Period::parse("2024-Q3").expect("q3");
        assert_eq!((q3.start, q3.end), (d("2024-06-15"), d("2024-09-14")));
        assert_eq!(q3.label(), "quý III năm 2024");
        let r = Period::parse("2024-01-01..2024-12-31").expect("range");
        assert_eq!((r.start, r.end), (d("2024-01-01"), d("2024-12-31")));
        assert_eq!(r.code(), "2024-01-01..2024-12-31");
    }

    #[test]
    fn bad_periods_say_what_to_write() {
        for bad in [
            "+262143-12-31..2024-01-01",
            "-262144-01-01..2024-12-14",
            "",
            "24",
            "2024-Q5",
            "2024-12-31..2024-01-01",
            "năm 2024",
            "2024-13-01..2024-12-01",
        ] {
            let e = Period::parse(bad).expect_err(bad);
            assert!(
                e.to_string().contains("2024-H1") || e.to_string().contains("YYYY-MM-DD"),
                "{e}"
            );
        }
    }
}
