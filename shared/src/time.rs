//! Vietnam's calendar day. Offices record the day a step took place in Vietnam (+07:00, no
//! daylight saving); deadlines, "today" and "as of" all count in those days. The one place
//! that knows the offset; callers pass the instant (the core never reads the clock).

use chrono::{FixedOffset, NaiveDate, Offset, TimeZone};

/// Vietnam's offset from UTC, in seconds.
const OFFSET_SECS: i32 = 7 * 3600;

/// Vietnam's offset (+07:00).
pub fn vietnam() -> FixedOffset {
    // 7 hours is within chrono's bounds; the fallback (UTC) cannot happen.
    FixedOffset::east_opt(OFFSET_SECS).unwrap_or_else(|| chrono::Utc.fix())
}

/// The calendar day in Vietnam at `ms` (milliseconds since the Unix epoch, UTC).
pub fn day_at(ms: i64) -> NaiveDate {
    vietnam()
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| t.date_naive())
        .unwrap_or_default()
}

/// The first instant (ms since the epoch) after `day` ends in Vietnam; `i64::MAX` for the last
/// representable day.
pub fn end_of_day_ms(day: NaiveDate) -> i64 {
    let Some(next) = day.succ_opt() else {
        return i64::MAX;
    };
    next.and_hms_opt(0, 0, 0)
        .and_then(|t| vietnam().from_local_datetime(&t).single())
        .map_or(i64::MAX, |t| t.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_turns_at_midnight_in_vietnam() {
        // 2024-12-14 17:00 UTC = 2024-12-15 00:00 +07:00.
        let turn = 1_734_195_600_000;
        assert_eq!(day_at(turn - 1).to_string(), "2024-12-14");
        assert_eq!(day_at(turn).to_string(), "2024-12-15");
        let d = NaiveDate::from_ymd_opt(2024, 12, 14).expect("date");
        assert_eq!(end_of_day_ms(d), turn);
        assert_eq!(end_of_day_ms(NaiveDate::MAX), i64::MAX);
    }
}
