//! The only code that knows Automerge paths. Typed read and write of the two document kinds:
//! [`proposal`] (a cadre's innovation proposal with its event log) and [`unit_year`] (one unit's
//! duties in one year).
//!
//! Conventions every document follows:
//! - `schema` (Int) and `kind` (Str) at the root; a reader refuses a newer schema or another kind.
//! - Every container is created once, in the document's first change, and never re-created
//!   (two concurrent `put_object` on one key would hide one of them).
//! - Short values (codes, names, titles, flags) are scalars: last writer wins. Long prose is
//!   Automerge Text, edited with `update_text`, so concurrent edits merge character by character.
//! - All strings are NFC before they are written.
//! - Records in lists (events, comments, dissemination sessions, …) are flat maps of scalars,
//!   appended and never edited, so concurrent appends all survive.

pub mod proposal;
pub mod salvage;
pub mod unit_year;

use automerge::transaction::{CommitOptions, Transactable, Transaction};
use automerge::{AutomergeError, ObjId, ObjType, ReadDoc, ScalarValue, Value, ValueRef, ROOT};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The schema version written into every document by this build.
pub const SCHEMA_VERSION: i64 = 1;

/// Why a document could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum DocError {
    #[error("Tệp không phải tài liệu doimoi hợp lệ ({0}). Kiểm tra lại tệp: chỉ nhập tệp được tạo bằng `doimoi export`.")]
    Corrupt(String),
    #[error("Tài liệu này là loại \"{found}\", không phải \"{expected}\".")]
    WrongKind { expected: String, found: String },
    #[error("Tài liệu dùng phiên bản lược đồ {0}, mới hơn phiên bản phần mềm này hỗ trợ ({SCHEMA_VERSION}). Hãy cập nhật doimoi.")]
    NewerSchema(i64),
    #[error("Lỗi Automerge: {0}")]
    Automerge(#[from] AutomergeError),
    /// A text longer than its field allows ([`crate::limits`]).
    #[error("Chưa ghi: {0}.")]
    TooLong(#[from] crate::limits::TooLong),
}

/// The kind of a doimoi document, read from its root. The serde names are the root's `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    Proposal,
    UnitYear,
}

impl DocKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Proposal => "proposal",
            DocKind::UnitYear => "unit_year",
        }
    }

    pub fn parse(s: &str) -> Option<DocKind> {
        [DocKind::Proposal, DocKind::UnitYear]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// Reads and checks the `schema` and `kind` of a document.
pub fn kind_of<D: ReadDoc>(doc: &D) -> Result<DocKind, DocError> {
    kind_from(
        get_i64(doc, &ROOT, "schema")?,
        get_str(doc, &ROOT, "kind")?.as_deref(),
    )
}

/// The document kind from the root's `schema` and `kind`.
fn kind_from(schema: Option<i64>, kind: Option<&str>) -> Result<DocKind, DocError> {
    let schema = schema.ok_or_else(|| DocError::Corrupt("thiếu phiên bản lược đồ".into()))?;
    if schema > SCHEMA_VERSION {
        return Err(DocError::NewerSchema(schema));
    }
    match kind {
        Some("proposal") => Ok(DocKind::Proposal),
        Some("unit_year") => Ok(DocKind::UnitYear),
        Some(other) => Err(DocError::Corrupt(format!(
            "loại tài liệu không biết: {other}"
        ))),
        None => Err(DocError::Corrupt("thiếu loại tài liệu".into())),
    }
}

pub(crate) fn expect_kind<D: ReadDoc>(doc: &D, kind: DocKind) -> Result<(), DocError> {
    kind_is(kind_of(doc)?, kind)
}

/// `found` must be `kind`.
fn kind_is(found: DocKind, kind: DocKind) -> Result<(), DocError> {
    if found == kind {
        Ok(())
    } else {
        Err(DocError::WrongKind {
            expected: kind.as_str().into(),
            found: found.as_str().into(),
        })
    }
}

/// Commit options for one user action: the message `"{action}@{unit}"` names what was done and
/// by which unit (read back by `history`), the time is in seconds.
pub(crate) fn commit(action: &str, unit: &str, now_ms: i64) -> CommitOptions {
    CommitOptions::default()
        .with_message(format!("{action}@{unit}"))
        .with_time(now_ms.div_euclid(1000))
}

/// Splits a commit message written by [`commit`] into (action, unit).
pub fn parse_commit_message(message: &str) -> (&str, &str) {
    message.split_once('@').unwrap_or((message, ""))
}

/// A map's winning values, read in one pass over its keys (a lookup per key costs a seek
/// each); the accessors read values as [`get_str`], [`get_i64`] and [`get_bool`] do.
pub(crate) struct MapFields {
    values: std::collections::HashMap<String, (Option<ScalarValue>, ObjId, Option<ObjType>)>,
}

impl MapFields {
    pub(crate) fn read<D: ReadDoc>(doc: &D, obj: &ObjId) -> MapFields {
        let values = doc
            .map_range(obj, ..)
            .map(|item| {
                let key = item.key.to_string();
                let id = item.id();
                let v = match item.value {
                    ValueRef::Object(t) => (None, id, Some(t)),
                    other => match other.into_value() {
                        Value::Scalar(s) => (Some(s.into_owned()), id, None),
                        Value::Object(t) => (None, id, Some(t)),
                    },
                };
                (key, v)
            })
            .collect();
        MapFields { values }
    }

    fn scalar(&self, key: &str) -> Option<&ScalarValue> {
        self.values.get(key).and_then(|(s, _, _)| s.as_ref())
    }

    pub(crate) fn str(&self, key: &str) -> Option<String> {
        match self.scalar(key) {
            Some(ScalarValue::Str(s)) => Some(s.to_string()),
            _ => None,
        }
    }

    pub(crate) fn i64(&self, key: &str) -> Option<i64> {
        match self.scalar(key) {
            Some(ScalarValue::Int(i)) => Some(*i),
            Some(ScalarValue::Uint(u)) => i64::try_from(*u).ok(),
            Some(ScalarValue::Timestamp(t)) => Some(*t),
            _ => None,
        }
    }

    pub(crate) fn bool(&self, key: &str) -> bool {
        matches!(self.scalar(key), Some(ScalarValue::Boolean(true)))
    }

    /// Every key with the id of its winning value (the op that set it, or the object) and the
    /// object's type when it holds one.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (&str, &ObjId, Option<ObjType>)> {
        self.values
            .iter()
            .map(|(k, (_, id, t))| (k.as_str(), id, *t))
    }

    /// The object under `key` and its type, if it holds one.
    pub(crate) fn obj(&self, key: &str) -> Option<(&ObjId, ObjType)> {
        self.values
            .get(key)
            .and_then(|(_, id, t)| t.map(|t| (id, t)))
    }

    pub(crate) fn kind(&self) -> Result<DocKind, DocError> {
        kind_from(self.i64("schema"), self.str("kind").as_deref())
    }

    pub(crate) fn expect_kind(&self, kind: DocKind) -> Result<(), DocError> {
        kind_is(self.kind()?, kind)
    }

    /// The text under `key` (a plain string is read as its text; anything else as empty).
    pub(crate) fn text<D: ReadDoc>(&self, doc: &D, key: &str) -> Result<String, DocError> {
        match self.obj(key) {
            Some((id, ObjType::Text)) => Ok(doc.text(id)?),
            Some(_) => Ok(String::new()),
            None => Ok(match self.scalar(key) {
                Some(ScalarValue::Str(s)) => s.to_string(),
                _ => String::new(),
            }),
        }
    }

    /// The records of the list under `key`, as [`read_records`] reads them.
    pub(crate) fn records<D: ReadDoc, T: DeserializeOwned>(
        &self,
        doc: &D,
        key: &str,
    ) -> Result<Vec<Result<T, String>>, DocError> {
        match self.obj(key) {
            Some((list, ObjType::List)) => records_of(doc, list, key),
            _ => Err(DocError::Corrupt(format!("thiếu mục \"{key}\""))),
        }
    }
}

pub(crate) fn get_scalar<D: ReadDoc>(
    doc: &D,
    obj: &ObjId,
    key: &str,
) -> Result<Option<ScalarValue>, DocError> {
    Ok(match doc.get(obj, key)? {
        Some((Value::Scalar(s), _)) => Some(s.into_owned()),
        _ => None,
    })
}

pub(crate) fn get_str<D: ReadDoc>(
    doc: &D,
    obj: &ObjId,
    key: &str,
) -> Result<Option<String>, DocError> {
    Ok(match get_scalar(doc, obj, key)? {
        Some(ScalarValue::Str(s)) => Some(s.to_string()),
        _ => None,
    })
}

pub(crate) fn get_i64<D: ReadDoc>(
    doc: &D,
    obj: &ObjId,
    key: &str,
) -> Result<Option<i64>, DocError> {
    Ok(match get_scalar(doc, obj, key)? {
        Some(ScalarValue::Int(i)) => Some(i),
        Some(ScalarValue::Uint(u)) => i64::try_from(u).ok(),
        Some(ScalarValue::Timestamp(t)) => Some(t),
        _ => None,
    })
}

pub(crate) fn get_bool<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str) -> Result<bool, DocError> {
    Ok(matches!(
        get_scalar(doc, obj, key)?,
        Some(ScalarValue::Boolean(true))
    ))
}

/// The object id stored under `key`, which must be a container of type `ty`.
pub(crate) fn get_obj<D: ReadDoc>(
    doc: &D,
    obj: &ObjId,
    key: &str,
    ty: ObjType,
) -> Result<ObjId, DocError> {
    match doc.get(obj, key)? {
        Some((Value::Object(t), id)) if t == ty => Ok(id),
        _ => Err(DocError::Corrupt(format!("thiếu mục \"{key}\""))),
    }
}

/// Appends a record (any struct serialising to a flat JSON object of strings, integers,
/// booleans and nulls) to the list `list` as a map of scalars.
pub(crate) fn push_record<T: Serialize>(
    tx: &mut Transaction<'_>,
    list: &ObjId,
    record: &T,
) -> Result<(), DocError> {
    let at = tx.length(list);
    let map = tx.insert_object(list, at, ObjType::Map)?;
    put_record(tx, &map, record)
}

/// Makes the text object `text` read `new` through splices of only what changed: the common
/// start and end are kept, and the middles are diffed character by character within 50 ms
/// (past that, the rest of the middle is replaced whole). Concurrent edits elsewhere in the
/// text merge; the cost follows the edit, not the text's length.
pub(crate) fn set_text(tx: &mut Transaction<'_>, text: &ObjId, new: &str) -> Result<(), DocError> {
    let old = tx.text(text)?;
    if old == new {
        return Ok(());
    }
    let old_c: Vec<char> = old.chars().collect();
    let new_c: Vec<char> = new.chars().collect();
    let pre = old_c.iter().zip(&new_c).take_while(|(a, b)| a == b).count();
    let room = old_c.len().min(new_c.len()) - pre;
    let suf = old_c
        .iter()
        .rev()
        .zip(new_c.iter().rev())
        .take(room)
        .take_while(|(a, b)| a == b)
        .count();
    let (om, nm) = (
        &old_c[pre..old_c.len() - suf],
        &new_c[pre..new_c.len() - suf],
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(50);
    let ops =
        similar::capture_diff_slices_deadline(similar::Algorithm::Myers, om, nm, Some(deadline));
    // From the end backwards: each splice leaves the positions before it as they were.
    for op in ops.iter().rev() {
        let (tag, o, n) = op.as_tag_tuple();
        if tag == similar::DiffTag::Equal {
            continue;
        }
        let insert: String = nm[n].iter().collect();
        let del = isize::try_from(o.len()).unwrap_or(isize::MAX);
        tx.splice_text(text, pre + o.start, del, &insert)?;
    }
    Ok(())
}

/// Writes `record`'s fields into the (new, empty) map `map`.
pub(crate) fn put_record<T: Serialize>(
    tx: &mut Transaction<'_>,
    map: &ObjId,
    record: &T,
) -> Result<(), DocError> {
    let value = serde_json::to_value(record).map_err(|e| DocError::Corrupt(e.to_string()))?;
    crate::limits::check_object(&value)?;
    let serde_json::Value::Object(fields) = value else {
        return Err(DocError::Corrupt("bản ghi phải là một đối tượng".into()));
    };
    write_fields(tx, map, &fields)
}

fn write_fields(
    tx: &mut Transaction<'_>,
    map: &ObjId,
    fields: &serde_json::Map<String, serde_json::Value>,
) -> Result<(), DocError> {
    for (k, v) in fields {
        match v {
            serde_json::Value::Null => {}
            serde_json::Value::Bool(b) => tx.put(map, k.as_str(), *b)?,
            serde_json::Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    tx.put(map, k.as_str(), i)?
                } else if let Some(u) = n.as_u64() {
                    tx.put(map, k.as_str(), u)?
                } else {
                    return Err(DocError::Corrupt(format!("số không nguyên ở \"{k}\"")));
                }
            }
            serde_json::Value::String(s) => tx.put(map, k.as_str(), crate::text::nfc(s))?,
            serde_json::Value::Array(items) => {
                let list = tx.put_object(map, k.as_str(), ObjType::List)?;
                for (i, item) in items.iter().enumerate() {
                    match item {
                        serde_json::Value::String(s) => tx.insert(&list, i, crate::text::nfc(s))?,
                        other => tx.insert(&list, i, other.to_string())?,
                    }
                }
            }
            serde_json::Value::Object(_) => {
                return Err(DocError::Corrupt(format!("bản ghi lồng nhau ở \"{k}\"")));
            }
        }
    }
    Ok(())
}

/// Reads every record of the list under `key`. A record that does not decode as `T` (written
/// by a newer or tampered client) is returned as `Err` with its index, never dropped silently.
pub(crate) fn read_records<D: ReadDoc, T: DeserializeOwned>(
    doc: &D,
    obj: &ObjId,
    key: &str,
) -> Result<Vec<Result<T, String>>, DocError> {
    let list = get_obj(doc, obj, key, ObjType::List)?;
    records_of(doc, &list, key)
}

/// The records of `list` (named `key` in messages).
fn records_of<D: ReadDoc, T: DeserializeOwned>(
    doc: &D,
    list: &ObjId,
    key: &str,
) -> Result<Vec<Result<T, String>>, DocError> {
    // One pass over the list's elements (a lookup per index costs a seek each).
    let items: Vec<(usize, Option<ObjId>)> = doc
        .list_range(list, ..)
        .map(|item| {
            let record = matches!(item.value, ValueRef::Object(ObjType::Map)).then(|| item.id());
            (item.index, record)
        })
        .collect();
    let mut out = Vec::with_capacity(items.len());
    for (i, record) in items {
        let Some(item) = record else {
            out.push(Err(format!("{key}[{i}] không phải bản ghi")));
            continue;
        };
        let json = record_json(doc, &item)?;
        out.push(serde_json::from_value(json).map_err(|e| format!("{key}[{i}]: {e}")));
    }
    Ok(out)
}

pub(crate) fn record_json<D: ReadDoc>(doc: &D, map: &ObjId) -> Result<serde_json::Value, DocError> {
    let mut fields = serde_json::Map::new();
    // One pass over the map's keys and winning values (a lookup per key costs a seek each),
    // the values read where they lie (no owned copy before the JSON one).
    for item in doc.map_range(map, ..) {
        let v = match &item.value {
            ValueRef::Scalar(s) => scalar_ref_json(s),
            ValueRef::Object(ObjType::List) => serde_json::Value::Array(
                doc.list_range(item.id(), ..)
                    .filter_map(|i| match &i.value {
                        ValueRef::Scalar(s) => Some(scalar_ref_json(s)),
                        ValueRef::Object(_) => None,
                    })
                    .collect(),
            ),
            ValueRef::Object(ObjType::Text) => serde_json::Value::String(doc.text(item.id())?),
            ValueRef::Object(_) => continue,
        };
        fields.insert(item.key.to_string(), v);
    }
    Ok(serde_json::Value::Object(fields))
}

fn scalar_ref_json(s: &automerge::ScalarValueRef<'_>) -> serde_json::Value {
    use automerge::ScalarValueRef as S;
    match s {
        S::Str(s) => serde_json::Value::String(s.to_string()),
        S::Int(i) | S::Timestamp(i) => serde_json::Value::from(*i),
        S::Uint(u) => serde_json::Value::from(*u),
        S::Boolean(b) => serde_json::Value::Bool(*b),
        S::F64(f) => serde_json::Value::from(*f),
        _ => serde_json::Value::Null,
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn set_text_splices_only_the_change_and_merges_with_concurrent_edits() {
        use automerge::transaction::Transactable;
        let mut a = Automerge::new().with_actor(ActorId::from([1u8; 16]));
        let mut tx = a.transaction();
        let t = tx.put_object(ROOT, "t", ObjType::Text).expect("text");
        tx.splice_text(&t, 0, 0, "Sửa cầu xã A, nâng cấp đường")
            .expect("splice");
        tx.commit();
        let mut b = a.fork().with_actor(ActorId::from([2u8; 16]));
        let edit = |d: &mut Automerge, new: &str| {
            let mut tx = d.transaction();
            set_text(&mut tx, &t, new).expect("set");
            tx.commit();
        };
        edit(&mut a, "Sửa cầu xã An Mỹ, nâng cấp đường");
        edit(&mut b, "Sửa cầu xã A, nâng cấp đường liên thôn");
        a.merge(&mut b).expect("merge");
        assert_eq!(
            a.text(&t).expect("text"),
            "Sửa cầu xã An Mỹ, nâng cấp đường liên thôn"
        );
        // 100 KB replaced by another 100 KB: bounded, and the result is exact.
        let long_a: String = (0..20_000).map(|i| format!("{} ", i % 97)).collect();
        let long_b: String = (0..20_000).map(|i| format!("{} ", (i * 7) % 89)).collect();
        let started = std::time::Instant::now();
        edit(&mut a, &long_a);
        edit(&mut a, &long_b);
        assert_eq!(a.text(&t).expect("text"), long_b);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }
    use super::*;
    use automerge::{ActorId, Automerge};

    fn scalar_json(s: &ScalarValue) -> serde_json::Value {
        match s {
            ScalarValue::Str(s) => serde_json::Value::String(s.to_string()),
            ScalarValue::Int(i) | ScalarValue::Timestamp(i) => serde_json::Value::from(*i),
            ScalarValue::Uint(u) => serde_json::Value::from(*u),
            ScalarValue::Boolean(b) => serde_json::Value::Bool(*b),
            ScalarValue::F64(f) => serde_json::Value::from(*f),
            _ => serde_json::Value::Null,
        }
    }

    /// `record_json` as it was: a lookup per key.
    fn by_lookups(doc: &Automerge, map: &ObjId) -> serde_json::Value {
        let mut fields = serde_json::Map::new();
        for key in doc.keys(map) {
            let v = match doc.get(map, key.as_str()).expect("get") {
                Some((Value::Scalar(s), _)) => scalar_json(&s),
                Some((Value::Object(ObjType::List), list)) => serde_json::Value::Array(
                    (0..doc.length(&list))
                        .filter_map(|j| match doc.get(&list, j).expect("get") {
                            Some((Value::Scalar(s), _)) => Some(scalar_json(&s)),
                            _ => None,
                        })
                        .collect(),
                ),
                Some((Value::Object(ObjType::Text), t)) => {
                    serde_json::Value::String(doc.text(&t).expect("text"))
                }
                _ => continue,
            };
            fields.insert(key, v);
        }
        serde_json::Value::Object(fields)
    }

    #[test]
    fn record_json_reads_winning_values_like_lookups() {
        let mut a = Automerge::new().with_actor(ActorId::from([1u8; 16]));
        let mut tx = a.transaction();
        let rec = tx.put_object(ROOT, "r", ObjType::Map).expect("map");
        tx.put(&rec, "x", "a0").expect("put");
        tx.put(&rec, "n", 5i64).expect("put");
        tx.put(&rec, "gone", true).expect("put");
        let prev = tx.put_object(&rec, "prev", ObjType::List).expect("list");
        tx.insert(&prev, 0, "e1").expect("insert");
        tx.insert(&prev, 1, "e2").expect("insert");
        let text = tx.put_object(&rec, "t", ObjType::Text).expect("text");
        tx.splice_text(&text, 0, 0, "chữ").expect("splice");
        tx.commit();
        let mut b = a.fork().with_actor(ActorId::from([2u8; 16]));
        let mut tx = a.transaction();
        tx.put(&rec, "x", "from a").expect("put");
        tx.delete(&rec, "gone").expect("delete");
        tx.commit();
        let mut tx = b.transaction();
        tx.put(&rec, "x", "from b").expect("put");
        tx.put(&rec, "n", 7i64).expect("put");
        tx.put(&rec, "z", false).expect("put");
        tx.commit();
        a.merge(&mut b).expect("merge");
        let got = record_json(&a, &rec).expect("read");
        assert_eq!(got, by_lookups(&a, &rec));
        assert_eq!(got["x"], "from b");
        assert!(got.get("gone").is_none());
        assert_eq!(got["prev"], serde_json::json!(["e1", "e2"]));
        assert_eq!(got["t"], "chữ");
    }
}
