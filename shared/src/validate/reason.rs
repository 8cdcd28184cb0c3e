//! Why the ingress check refuses a change: one variant per rule. People (and the office whose
//! copy is set aside) read the [`Display`](std::fmt::Display) form, in Vietnamese.

use crate::ids::UnitCode;

/// The rule a refused change breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Reason {
    /// Reading the change made Automerge fail (forged or corrupt data).
    #[error("thay đổi không đọc được (dữ liệu Automerge không hợp lệ)")]
    Unreadable,
    /// A second change without dependencies: it would re-create the document's root.
    #[error("một thay đổi không nối vào lịch sử của tài liệu (tạo lại gốc tài liệu)")]
    SecondRoot,
    /// The document's root does not read as a doimoi document.
    #[error("tài liệu không hợp lệ: {0}")]
    InvalidDocument(String),
    #[error("tài liệu thiếu đơn vị sở hữu")]
    NoOwner,
    #[error("không được đổi đơn vị sở hữu của tài liệu")]
    OwnerChanged,
    /// A unit-year record's id is derived from (unit, year).
    #[error("mã hồ sơ nhiệm vụ không khớp với đơn vị và năm")]
    UnitYearId,
    /// A unit-year record's first change is deterministic.
    #[error("thay đổi đầu tiên của hồ sơ nhiệm vụ không đúng mẫu")]
    UnitYearGenesis,
    /// The change's actor is bound to another office.
    #[error("thay đổi của thiết bị {actor} đã gắn với đơn vị {bound}, không phải {office}")]
    ForeignActor {
        actor: String,
        bound: UnitCode,
        office: UnitCode,
    },
    /// Only the owning unit creates its proposal.
    #[error("chỉ đơn vị {owner} được tạo đề xuất của mình")]
    NotCreator { owner: UnitCode },
    /// An op names as its predecessor an op on another object or key.
    #[error("một thao tác thay thế giá trị của mục khác (tham chiếu không hợp lệ)")]
    ForeignPredecessor,
    #[error("thao tác không hợp lệ ở gốc tài liệu")]
    RootOp,
    /// Keys and containers set once, by the first change.
    #[error("mục \"{key}\" chỉ được đặt khi tạo tài liệu")]
    SetOnce { key: String },
    /// A prose field is a text: edited, never replaced.
    #[error("mục \"{key}\" là văn bản, chỉ sửa được nội dung")]
    ProseIsText { key: String },
    /// The proposal's content is the owning unit's.
    #[error("chỉ đơn vị {owner} được sửa nội dung đề xuất (mục \"{key}\")")]
    NotOwnerContent { owner: UnitCode, key: String },
    /// Fields that decide authority are frozen once the log has events.
    #[error("mục \"{key}\" quyết định thẩm quyền, không sửa được sau khi đã nộp")]
    FrozenAfterSubmit { key: String },
    /// A unit-year record is written by its own unit.
    #[error("chỉ đơn vị {owner} được sửa hồ sơ nhiệm vụ của mình")]
    NotOwnerUnitYear { owner: UnitCode },
    /// An op on an object the document cannot place.
    #[error("đối tượng không rõ{}", detail.as_ref().map(|d| format!(": {d}")).unwrap_or_default())]
    UnknownObject { detail: Option<String> },
    #[error("đối tượng không gắn vào tài liệu")]
    DetachedObject,
    #[error("mục \"{list}\" phải là danh sách bản ghi")]
    NotARecordList { list: &'static str },
    #[error("danh sách \"{list}\" chỉ chứa bản ghi (phần tử {index} không phải bản ghi)")]
    NotARecord { list: &'static str, index: usize },
    /// Record lists only grow by new records.
    #[error("danh sách \"{list}\" chỉ được ghi thêm bản ghi, không được xóa hay sửa")]
    AppendOnly { list: String },
    #[error("bản ghi đã có trong \"{list}\" không được xóa")]
    RecordRemoved { list: &'static str },
    #[error("bản ghi đã có trong \"{list}\" không được sửa")]
    RecordEdited { list: String },
    #[error("bản ghi {id} trùng mã với một bản ghi đã có")]
    DuplicateRecordId { id: String },
    /// A text longer than its field allows (`crate::limits`).
    #[error("{0}")]
    TooLong(crate::limits::TooLong),
    /// The plan's first issue is written once; a later issue is a revision beside it.
    #[error("kế hoạch của đơn vị đã ban hành không được ghi đè: ban hành lại thì ghi thành bản ban hành lại, giữ bản ban hành lần đầu")]
    PlanOverwritten,
    /// Something in the plan map that is neither the first issue nor a new revision.
    #[error("mục \"{key}\" không thuộc kế hoạch của đơn vị (chỉ có bản ban hành lần đầu và các bản ban hành lại)")]
    PlanKey { key: String },
    /// A new record names another unit than the office that sent it.
    #[error("bản ghi {id} trong \"{list}\" của tài liệu {doc} ghi đơn vị thực hiện {named}, nhưng được gửi bởi đơn vị {office}: mỗi đơn vị chỉ ghi các bước của chính mình")]
    ActsForAnother {
        id: String,
        list: &'static str,
        doc: String,
        named: String,
        office: UnitCode,
    },
    /// A new duty record that cannot be what it says.
    #[error("bản ghi {id} của hồ sơ nhiệm vụ {doc} không hợp lệ: {refusal}")]
    Entry {
        id: String,
        doc: String,
        refusal: crate::doc::unit_year::EntryRefusal,
    },
    /// A new event the procedure refuses (docs/domain.md §4.2): the same rule the office's own
    /// check applies, so only a forged or tampered record gets here.
    #[error("bước \"{step}\" (bản ghi {id}) của đề xuất {doc} không hợp lệ: {refusal}")]
    Procedure {
        id: String,
        step: &'static str,
        doc: String,
        refusal: crate::workflow::Refusal,
    },
}
