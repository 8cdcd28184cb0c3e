//! Validated identifiers. Each is a newtype with a private field, built only through `parse`
//! (parse, don't validate), so code that holds one never re-checks it.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// Why an identifier was refused. Messages are Vietnamese because they reach the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("Mã đơn vị \"{0}\" không hợp lệ: chỉ dùng chữ cái không dấu, chữ số và dấu gạch ngang (ví dụ 20335, 502, 49-SNV).")]
    UnitCode(String),
    #[error("Mã tài liệu \"{0}\" không hợp lệ: mã gồm 32 ký tự 0-9, a-f (xem bằng lệnh `doimoi proposal list`).")]
    DocId(String),
}

/// Code of an organisational unit: official administrative codes for provinces (2 digits),
/// districts (3) and communes (5); `PP-ABBR` for provincial departments and associations.
/// Stored upper-case ASCII.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct UnitCode(String);

impl UnitCode {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let t = s.trim();
        let ok = !t.is_empty()
            && t.len() <= 40
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if ok {
            Ok(UnitCode(t.to_ascii_uppercase()))
        } else {
            Err(IdError::UnitCode(s.to_string()))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl<'de> Deserialize<'de> for UnitCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        UnitCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Id of a document (proposal, unit-year record): 32 lower-case hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct DocId(String);

impl DocId {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let t = s.trim().to_ascii_lowercase();
        if t.len() == 32 && t.chars().all(|c| c.is_ascii_hexdigit()) {
            Ok(DocId(t))
        } else {
            Err(IdError::DocId(s.to_string()))
        }
    }
    /// Builds an id from 16 random bytes supplied by the caller (the core never draws randomness).
    pub fn from_bytes(b: [u8; 16]) -> Self {
        DocId(hex(&b))
    }
    /// The id of the unit-year record of `unit` for `year`: derived, so every replica that
    /// creates it independently names the same document.
    pub fn unit_year(unit: &UnitCode, year: i32) -> Self {
        // FNV-1a 128-bit over a fixed label: stable across versions and platforms.
        let mut h: u128 = 0x6c62272e07bb014262b821756295c58d;
        for b in format!("unit-year/{}/{}", unit.as_str(), year).bytes() {
            h ^= u128::from(b);
            h = h.wrapping_mul(0x0000000001000000000000000000013B);
        }
        DocId::from_bytes(h.to_be_bytes())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for DocId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DocId::parse(&s).map_err(serde::de::Error::custom)
    }
}

pub fn hex(b: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push(char::from(D[usize::from(x >> 4)]));
        s.push(char::from(D[usize::from(x & 15)]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_codes_are_upper_case_ascii() {
        assert_eq!(
            UnitCode::parse(" 49-snv ").map(|c| c.to_string()),
            Ok("49-SNV".into())
        );
        assert!(UnitCode::parse("Sở").is_err());
        assert!(UnitCode::parse("").is_err());
    }

    #[test]
    fn doc_ids_are_32_hex() {
        let id = DocId::from_bytes([0xab; 16]);
        assert_eq!(DocId::parse(&id.to_string().to_uppercase()), Ok(id));
        assert!(DocId::parse("xyz").is_err());
    }

    #[test]
    fn unit_year_ids_are_stable_and_distinct() {
        let u = UnitCode::parse("20335").expect("valid code");
        assert_eq!(DocId::unit_year(&u, 2024), DocId::unit_year(&u, 2024));
        assert_ne!(DocId::unit_year(&u, 2024), DocId::unit_year(&u, 2025));
    }
}
