//! `doimoi calendar …`: the working-day calendar and the yearly overrides.

use super::Out;
use crate::app::{keys, parse_date, App};
use crate::cli::CalendarCmd;
use crate::error::CliError;
use chrono::Datelike;
use doimoi_shared::calendar::CalendarOverrides;
use serde_json::json;

pub fn run(app: App, cmd: CalendarCmd, out: Out) -> Result<(), CliError> {
    match cmd {
        CalendarCmd::Show { year } => {
            let year = year.unwrap_or_else(|| app.today.year());
            let days: Vec<_> = app
                .calendar
                .days_off_in(year)
                .into_iter()
                .map(|(d, name)| json!({"date": d.to_string(), "name": name}))
                .collect();
            out.emit(
                &json!({"year": year, "covered": app.calendar.covers(year), "days_off": days}),
                || {
                    let mut s = format!("Ngày nghỉ năm {year}:\n");
                    if !app.calendar.covers(year) {
                        s.push_str(
                            "  (chưa có dữ liệu ngày lễ năm này: chỉ tính thứ Bảy, Chủ nhật)\n",
                        );
                    }
                    for (d, name) in app.calendar.days_off_in(year) {
                        s.push_str(&format!("  {}  {name}\n", d.format("%d/%m/%Y")));
                    }
                    s
                },
            )
        }
        CalendarCmd::Override { file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| CliError::io(format!("Không đọc được tệp {}", file.display()), e))?;
            let o: CalendarOverrides = serde_json::from_str(&text).map_err(|e| {
                CliError::Usage(format!(
                    "Tệp {} không đúng định dạng ({e}). Dạng đúng: {{\"days_off\":[{{\"date\":\"2027-02-04\",\"name\":\"…\"}}],\"working_days\":[…],\"remove\":[\"2027-09-03\"]}}.",
                    file.display()
                ))
            })?;
            let cal = app.calendar.with_overrides(&o);
            app.store.set_meta(keys::CALENDAR, &cal.to_json())?;
            out.emit(&json!({"days_off": o.days_off.len(), "working_days": o.working_days.len(), "removed": o.remove.len()}), || {
                format!(
                    "Đã cập nhật lịch: {} ngày nghỉ, {} ngày làm bù, {} ngày bỏ.",
                    o.days_off.len(),
                    o.working_days.len(),
                    o.remove.len()
                )
            })
        }
        CalendarCmd::Add { date, days } => {
            let d = parse_date(&date, "ngày")?;
            let due = app.calendar.add_working_days(d, days);
            out.emit(
                &json!({"from": d.to_string(), "days": days, "due": due.to_string()}),
                || {
                    format!(
                        "{days} ngày làm việc sau {}: {}",
                        d.format("%d/%m/%Y"),
                        due.format("%d/%m/%Y")
                    )
                },
            )
        }
    }
}
