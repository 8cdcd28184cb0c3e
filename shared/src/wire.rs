//! The sync protocol's wire types (`POST /v1/sync`), a compatibility promise kept apart from
//! the domain types: versioned, new fields `#[serde(default)]`. Bodies are CBOR compressed with
//! gzip ([`encode`], [`decode`]); see `PROTOCOL.md` for the exchange.
//!
//! Change hashes travel as one byte string of concatenated 32-byte hashes ([`Heads`]).

use crate::doc::DocKind;
use crate::ids::{DocId, UnitCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use std::io::{Read, Write};

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;
/// Media type of request and response bodies.
pub const CONTENT_TYPE: &str = "application/vnd.doimoi.sync+cbor";
/// Header naming the body's encoding when none other is agreed (what every version reads).
pub const CONTENT_ENCODING: &str = "gzip";

/// How a body is compressed (`Content-Encoding`). gzip is what every version speaks; zstd
/// costs a tenth of gzip's time to compress for fewer bytes, and is what this version's client
/// sends and asks for (`Accept-Encoding: zstd`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Gzip,
    Zstd,
}

impl Encoding {
    /// The `Content-Encoding` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Gzip => "gzip",
            Encoding::Zstd => "zstd",
        }
    }

    /// From a `Content-Encoding` value; `None` for an encoding this version cannot read.
    pub fn parse(s: &str) -> Option<Encoding> {
        match s.trim() {
            "gzip" | "x-gzip" => Some(Encoding::Gzip),
            "zstd" => Some(Encoding::Zstd),
            _ => None,
        }
    }

    /// The encoding to answer in, from an `Accept-Encoding` value: zstd when the caller
    /// accepts it, gzip otherwise.
    pub fn accepted(accept: &str) -> Encoding {
        let zstd = accept.split(',').any(|part| {
            let mut it = part.split(';');
            let name = it.next().unwrap_or("").trim();
            let refused = it.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            name == "zstd" && !refused
        });
        if zstd {
            Encoding::Zstd
        } else {
            Encoding::Gzip
        }
    }
}

/// A set of change hashes: concatenated 32-byte hashes, sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Heads(pub ByteBuf);

impl Heads {
    pub fn from_hashes(hashes: &[automerge::ChangeHash]) -> Self {
        Heads(ByteBuf::from(crate::heads::encode(hashes)))
    }

    /// The hashes; `None` when the bytes are not a whole number of hashes.
    pub fn hashes(&self) -> Option<Vec<automerge::ChangeHash>> {
        crate::heads::decode(&self.0)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One round trip from an office to the hub.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncRequest {
    pub version: u32,
    /// Feed position up to which the office has handled the hub's news.
    #[serde(default)]
    pub cursor: u64,
    /// Documents with local changes the hub has not confirmed.
    #[serde(default)]
    pub push: Vec<PushDoc>,
    /// Documents the office wants brought up to date.
    #[serde(default)]
    pub pull: Vec<PullDoc>,
    /// Most feed entries wanted in the answer (0 = the hub's default).
    #[serde(default)]
    pub feed_limit: u32,
    /// The registry version the office holds.
    #[serde(default)]
    pub registry_version: u32,
    /// The calendar version the office holds.
    #[serde(default)]
    pub calendar_version: u32,
    /// The office holds nothing from this hub yet (a new device's first sync): the answer
    /// carries every document its feed entries name, whole, in `results` (after the results
    /// asked for), so the first pull takes no round trip of its own and names each document
    /// once. Written only when true.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub whole_feed: bool,
}

/// Local changes of one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushDoc {
    pub id: DocId,
    /// `proposal` or `unit_year`.
    pub kind: DocKind,
    /// The hub heads this office last confirmed; `changes` holds everything since.
    #[serde(default)]
    pub have: Heads,
    /// The changes (or a whole saved document when `have` is empty).
    pub changes: ByteBuf,
    /// The office's heads once `changes` are applied.
    pub heads: Heads,
}

/// A document to bring up to date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullDoc {
    pub id: DocId,
    /// The office's current heads (empty when it does not hold the document).
    #[serde(default)]
    pub heads: Heads,
}

/// The hub's answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncResponse {
    pub version: u32,
    /// One per pushed, then per pulled document.
    #[serde(default)]
    pub results: Vec<DocResult>,
    /// Documents in the office's scope changed after `cursor`, oldest first.
    #[serde(default)]
    pub feed: Vec<FeedEntry>,
    /// The feed position reached by `feed`.
    #[serde(default)]
    pub cursor: u64,
    /// More feed entries wait beyond `cursor`.
    #[serde(default)]
    pub more: bool,
    /// The registry (JSON) and its version, when the office's is outdated.
    #[serde(default)]
    pub registry: Option<Versioned>,
    /// The calendar (JSON) and its version, when the office's is outdated.
    #[serde(default)]
    pub calendar: Option<Versioned>,
    /// The hub store's epoch: new when the store was restored from a backup. An office that
    /// sees it change offers all its documents again and reads the feed from the start.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub epoch: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Versioned {
    pub version: u32,
    pub json: String,
}

/// What became of one pushed or pulled document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocResult {
    pub id: DocId,
    /// The document's kind; none (an empty string on the wire) when the hub does not hold it.
    #[serde(default, with = "kind_or_empty")]
    pub kind: Option<DocKind>,
    pub outcome: Outcome,
    /// The hub's heads after this request.
    #[serde(default)]
    pub heads: Heads,
    /// Hub changes the office lacks (or the whole document when its heads are unknown to the
    /// hub, or after a rejection).
    #[serde(default)]
    pub changes: ByteBuf,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Outcome {
    /// Merged (or nothing was new).
    Ok,
    /// Refused before anything was written: the change and why. `changes` then holds the hub's
    /// whole document (empty if the hub has none).
    Rejected { change: String, reason: String },
    /// The pushed changes depend on changes the hub lacks: push again with empty `have`.
    Resend,
    /// The hub does not hold this document.
    NotFound,
}

/// `Option<DocKind>` as the wire has always carried it: a string, empty for none.
mod kind_or_empty {
    use crate::doc::DocKind;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(kind: &Option<DocKind>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(kind.map_or("", DocKind::as_str))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DocKind>, D::Error> {
        let s = String::deserialize(d)?;
        if s.is_empty() {
            return Ok(None);
        }
        DocKind::parse(&s)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("loại tài liệu không biết: {s}")))
    }
}

/// A document changed on the hub.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedEntry {
    pub id: DocId,
    pub kind: DocKind,
    /// The document's owner.
    pub unit: UnitCode,
    pub heads: Heads,
}

/// An error body (JSON) for any non-2xx answer: a stable code and a message for people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    /// The document concerned, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

/// Answer of `GET /v1/events?cursor=N`: the newest feed position in the caller's scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct News {
    pub cursor: u64,
    pub news: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("nội dung nén hỏng hoặc bị cắt: {0}")]
    Compression(String),
    #[error("nội dung không đúng định dạng giao thức: {0}")]
    Format(String),
    #[error("nội dung giải nén vượt quá {0} byte")]
    TooLarge(usize),
    /// Decompressing grew far beyond what was sent: a compression bomb, not sync data.
    #[error("nội dung nén bất thường: {sent} byte gửi lên giải nén ra hơn {decoded} byte")]
    Bomb { sent: usize, decoded: usize },
    /// The receiver's memory for decoding is taken by other requests.
    #[error("máy chủ đang bận giải nén các yêu cầu lớn khác")]
    Busy,
}

/// Bounds on decoding a body: its decoded size, how much larger than the body it may grow
/// (past the first `ratio_free` bytes), and a gate asked before every chunk of growth (`grow`
/// receives the new total; refusing stops the decoding with [`WireError::Busy`]).
pub struct DecodeLimits<'a> {
    pub max: usize,
    pub max_ratio: usize,
    pub ratio_free: usize,
    pub grow: &'a dyn Fn(usize) -> bool,
}

/// The chunk a body is decompressed by: the limits are checked between chunks, so a body never
/// holds more than one chunk beyond them.
const DECODE_CHUNK: usize = 256 * 1024;

/// Decompressed as `encoding` says, chunk by chunk within `limits`, then CBOR.
pub fn decode_limited<T: DeserializeOwned>(
    body: &[u8],
    encoding: Encoding,
    limits: &DecodeLimits<'_>,
) -> Result<T, WireError> {
    let compression = |e: std::io::Error| WireError::Compression(e.to_string());
    let mut reader: Box<dyn Read + '_> = match encoding {
        Encoding::Gzip => Box::new(flate2::read::GzDecoder::new(body)),
        Encoding::Zstd => {
            let mut decoder = zstd::stream::read::Decoder::new(body).map_err(compression)?;
            decoder
                .window_log_max(ZSTD_WINDOW_LOG_MAX)
                .map_err(compression)?;
            Box::new(decoder)
        }
    };
    let mut out: Vec<u8> = Vec::new();
    loop {
        let at = out.len();
        let next = at + DECODE_CHUNK;
        if at > limits.max {
            return Err(WireError::TooLarge(limits.max));
        }
        if at > limits.ratio_free && at / body.len().max(1) > limits.max_ratio {
            return Err(WireError::Bomb {
                sent: body.len(),
                decoded: at,
            });
        }
        if !(limits.grow)(next) {
            return Err(WireError::Busy);
        }
        out.resize(next, 0);
        let mut filled = at;
        while filled < next {
            match reader.read(&mut out[filled..next]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(compression(e)),
            }
        }
        out.truncate(filled);
        if filled < next {
            break;
        }
    }
    if out.len() > limits.max {
        return Err(WireError::TooLarge(limits.max));
    }
    ciborium::from_reader(out.as_slice()).map_err(|e| WireError::Format(e.to_string()))
}

/// CBOR, then gzip.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, WireError> {
    encode_as(value, Encoding::Gzip)
}

/// CBOR, then compressed as `encoding` says.
pub fn encode_as<T: Serialize>(value: &T, encoding: Encoding) -> Result<Vec<u8>, WireError> {
    let mut cbor = Vec::new();
    ciborium::into_writer(value, &mut cbor).map_err(|e| WireError::Format(e.to_string()))?;
    let compression = |e: std::io::Error| WireError::Compression(e.to_string());
    match encoding {
        Encoding::Gzip => {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(&cbor).map_err(compression)?;
            gz.finish().map_err(compression)
        }
        Encoding::Zstd if cbor.len() < ZSTD_BIG => {
            zstd::bulk::compress(&cbor, ZSTD_LEVEL).map_err(compression)
        }
        Encoding::Zstd => {
            // A big body (a first pull, a push of many documents) is mostly documents that
            // share keys, actors and words: level 3 with long-distance matching over an 8 MiB
            // window finds them across documents (a fifth smaller than level 1 on prose-heavy
            // proposals, for a few milliseconds per megabyte).
            let mut c = zstd::bulk::Compressor::new(ZSTD_BIG_LEVEL).map_err(compression)?;
            c.set_parameter(zstd::zstd_safe::CParameter::EnableLongDistanceMatching(
                true,
            ))
            .map_err(compression)?;
            c.set_parameter(zstd::zstd_safe::CParameter::WindowLog(ZSTD_WINDOW_LOG_MAX))
                .map_err(compression)?;
            c.compress(&cbor).map_err(compression)
        }
    }
}

/// Bodies from this size on are compressed harder ([`encode_as`]).
const ZSTD_BIG: usize = 1 << 20;

/// zstd's level for big bodies.
const ZSTD_BIG_LEVEL: i32 = 5;

/// The largest window a zstd body may use (8 MiB: what big bodies use, [`encode_as`]).
const ZSTD_WINDOW_LOG_MAX: u32 = 23;

/// zstd's level for bodies: its fastest standard level (already smaller than gzip's fastest).
const ZSTD_LEVEL: i32 = 1;

/// gunzip (at most `max` bytes), then CBOR.
pub fn decode<T: DeserializeOwned>(body: &[u8], max: usize) -> Result<T, WireError> {
    decode_as(body, max, Encoding::Gzip)
}

/// Decompressed as `encoding` says (at most `max` bytes), then CBOR.
pub fn decode_as<T: DeserializeOwned>(
    body: &[u8],
    max: usize,
    encoding: Encoding,
) -> Result<T, WireError> {
    let mut out = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    let compression = |e: std::io::Error| WireError::Compression(e.to_string());
    match encoding {
        Encoding::Gzip => {
            flate2::read::GzDecoder::new(body)
                .take(limit)
                .read_to_end(&mut out)
                .map_err(compression)?;
        }
        Encoding::Zstd => {
            let mut decoder = zstd::stream::read::Decoder::new(body).map_err(compression)?;
            // A frame may ask for a window of up to 2^31 bytes; ours use far less (level 1).
            decoder
                .window_log_max(ZSTD_WINDOW_LOG_MAX)
                .map_err(compression)?;
            decoder
                .take(limit)
                .read_to_end(&mut out)
                .map_err(compression)?;
        }
    }
    if out.len() > max {
        return Err(WireError::TooLarge(max));
    }
    ciborium::from_reader(out.as_slice()).map_err(|e| WireError::Format(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip_and_damage_is_detected() {
        let req = SyncRequest {
            version: PROTOCOL_VERSION,
            cursor: 42,
            push: vec![PushDoc {
                id: DocId::from_bytes([0xab; 16]),
                kind: DocKind::Proposal,
                have: Heads::default(),
                changes: ByteBuf::from(vec![1, 2, 3]),
                heads: Heads(ByteBuf::from(vec![7; 32])),
            }],
            ..SyncRequest::default()
        };
        let bytes = encode(&req).expect("encode");
        let back: SyncRequest = decode(&bytes, 1 << 20).expect("decode");
        assert_eq!(back, req);
        assert!(decode::<SyncRequest>(&bytes[..bytes.len() / 2], 1 << 20).is_err());
        assert!(decode::<SyncRequest>(b"garbage", 1 << 20).is_err());
        assert!(matches!(
            decode::<SyncRequest>(&bytes, 8),
            Err(WireError::TooLarge(8))
        ));
        assert_eq!(back.push[0].heads.hashes().map(|h| h.len()), Some(1));
    }

    #[test]
    fn both_encodings_round_trip_and_cap_what_they_inflate() {
        let req = SyncRequest {
            version: PROTOCOL_VERSION,
            push: vec![PushDoc {
                id: DocId::from_bytes([0xaa; 16]),
                kind: DocKind::Proposal,
                have: Heads::default(),
                changes: ByteBuf::from(vec![7u8; 100_000]),
                heads: Heads::default(),
            }],
            ..Default::default()
        };
        for enc in [Encoding::Gzip, Encoding::Zstd] {
            let body = encode_as(&req, enc).expect("encode");
            assert!(body.len() < 2_000, "{enc:?}: {} bytes", body.len());
            let back: SyncRequest = decode_as(&body, 1 << 20, enc).expect("decode");
            assert_eq!(back.push[0].changes, req.push[0].changes);
            // A body that inflates past the limit is refused, not read whole.
            assert!(matches!(
                decode_as::<SyncRequest>(&body, 50_000, enc),
                Err(WireError::TooLarge(50_000))
            ));
            // Cut in half, or read as the other encoding: an error, never a panic.
            assert!(decode_as::<SyncRequest>(&body[..body.len() / 2], 1 << 20, enc).is_err());
            let other = if enc == Encoding::Gzip {
                Encoding::Zstd
            } else {
                Encoding::Gzip
            };
            assert!(decode_as::<SyncRequest>(&body, 1 << 20, other).is_err());
        }
        assert_eq!(Encoding::parse("gzip"), Some(Encoding::Gzip));
        assert_eq!(Encoding::parse(" zstd "), Some(Encoding::Zstd));
        assert_eq!(Encoding::parse("br"), None);
        assert_eq!(Encoding::accepted("gzip, zstd;q=0.9"), Encoding::Zstd);
        assert_eq!(Encoding::accepted("zstd;q=0, gzip"), Encoding::Gzip);
        assert_eq!(Encoding::accepted(""), Encoding::Gzip);
        assert_eq!(Encoding::accepted("br"), Encoding::Gzip);
    }
}
