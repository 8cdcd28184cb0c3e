//! How long each text may be (in characters), enforced by the one core: the client refuses a
//! longer text before writing it, the hub's ingress check refuses a change that makes one
//! longer (docs/domain.md §3 and PROTOCOL.md §12 list them). Every renderer handles the longest
//! allowed text (an Excel cell holds 32,767 characters: the longest field is below that).

/// The limit of a field, by its key in the documents. Keys not listed (ids, codes, dates) are
/// written by the software, not typed.
pub fn limit(key: &str) -> Option<usize> {
    Some(match key {
        // The proposal's short fields.
        "title" => 500,
        "proposer" | "position" | "by" => 200,
        "field" => 200,
        // The proposal plan's prose (Decree 73 Art. 7.2), each.
        k if crate::doc::proposal::PROSE.contains(&k) => PROSE_LIMIT,
        // Records: a step's note, a comment, an attachment's name.
        "note" => 2_000,
        "text" => 5_000,
        "name" => 255,
        // Duty records.
        "person" | "subject" | "form" | "measure" | "number" => 500,
        "findings" | "recommendations" | "report" | "violation" => 5_000,
        _ => return None,
    })
}

/// The longest prose field of a proposal plan.
pub const PROSE_LIMIT: usize = 20_000;

/// A text longer than its field allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("mục \"{label}\" dài {len} ký tự, vượt giới hạn {limit} ký tự: hãy rút gọn (phần chi tiết có thể đưa vào tệp đính kèm)")]
pub struct TooLong {
    pub key: String,
    pub label: &'static str,
    pub len: usize,
    pub limit: usize,
}

/// The Vietnamese name of a field, for messages.
pub fn label(key: &str) -> &'static str {
    match key {
        "title" => "tên đề xuất",
        "proposer" => "người đề xuất",
        "position" => "chức vụ",
        "by" => "người thực hiện",
        "field" => "lĩnh vực",
        "necessity" => "sự cần thiết",
        "content" => "nội dung",
        "subjects" => "đối tượng",
        "scope" => "phạm vi",
        "timeline" => "thời gian thực hiện",
        "resources" => "nguồn lực",
        "feasibility" => "tính khả thi",
        "impact" => "tác động",
        "expected" => "hiệu quả dự kiến",
        "note" => "ghi chú",
        "text" => "nội dung ý kiến",
        "name" => "tên tệp",
        "person" => "họ và tên",
        "subject" => "người bị kỷ luật",
        "form" => "hình thức",
        "measure" => "hình thức kỷ luật",
        "number" => "số, ký hiệu",
        "findings" => "kết quả",
        "recommendations" => "kiến nghị",
        "report" => "báo cáo",
        "violation" => "hành vi vi phạm",
        _ => "nội dung",
    }
}

/// Whether `value` fits the limit of `key` (counted in characters).
pub fn check(key: &str, value: &str) -> Result<(), TooLong> {
    check_len(key, value.chars().count())
}

/// [`check`] for a length already known.
pub fn check_len(key: &str, len: usize) -> Result<(), TooLong> {
    match limit(key) {
        Some(limit) if len > limit => Err(TooLong {
            key: key.to_string(),
            label: label(key),
            len,
            limit,
        }),
        _ => Ok(()),
    }
}

/// Every string of a record or a set of fields (a JSON object) within its limit.
pub fn check_object(fields: &serde_json::Value) -> Result<(), TooLong> {
    if let serde_json::Value::Object(m) = fields {
        for (k, v) in m {
            if let serde_json::Value::String(s) = v {
                check(k, s)?;
            }
        }
    }
    Ok(())
}

/// The given fields of a proposal within their limits.
pub fn check_fields(f: &crate::doc::proposal::ProposalFields) -> Result<(), TooLong> {
    for (key, value) in [
        ("title", &f.title),
        ("proposer", &f.proposer),
        ("position", &f.position),
        ("field", &f.field),
    ] {
        if let Some(v) = value {
            check(key, v)?;
        }
    }
    for key in crate::doc::proposal::PROSE {
        if let Some(v) = f.prose(key) {
            check(key, v)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_count_characters_and_say_the_limit() {
        assert!(check("title", &"đ".repeat(500)).is_ok());
        let e = check("title", &"đ".repeat(501)).expect_err("too long");
        assert_eq!(e.limit, 500);
        assert!(e.to_string().contains("tên đề xuất") && e.to_string().contains("500"));
        assert!(check("content", &"a".repeat(PROSE_LIMIT)).is_ok());
        assert!(check("content", &"a".repeat(PROSE_LIMIT + 1)).is_err());
        // The longest field fits an Excel cell.
        const { assert!(PROSE_LIMIT < 32_767) };
        assert!(check("id", &"x".repeat(10_000)).is_ok());
    }
}
