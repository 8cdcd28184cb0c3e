//! DOCX in the Decree 30/2020 layout (docs/domain.md §8), written by hand as WordprocessingML and
//! zipped: A4 portrait, Times New Roman, margins 20/20/30/15 mm, page numbers centred in the
//! top margin from page 2 on; the header block (governing and issuing bodies, number, national
//! motto, place and date), "BÁO CÁO" and the summary line, the addressee, the numbered
//! sections with the figures written into sentences and placeholders for the narrative, the
//! recipients and signature block; then the annexes on landscape pages (tables by unit).
//!
//! The XML is built into one `String` (no DOM): a province report of 12,000 units makes tables
//! of tens of thousands of rows, so every cell is a handful of bytes of markup.

use super::{
    approved_total, date, date_words, escape_into, evaluation, lower_first, num, place,
    status_count, status_label, statuses, step_short, step_timeliness, timeliness_values,
    unit_lines, DocInfo, RenderError, TIMELINESS_LABELS,
};
use chrono::Datelike;
use doimoi_shared::org::UnitKind;
use doimoi_shared::report::{
    labels, DutyCount, DutyStatus, Figures, ListItem, Report, DUTY_DEADLINE, NEW_UNIT_DUTY_DAYS,
};
use doimoi_shared::workflow::{EvalResult, Status, Step};
use std::io::Write;

const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const R_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// Placeholder for the narrative parts, written by people.
const TO_WRITE: &str = "[Nội dung do người soạn thảo bổ sung]";

/// Twips (1/20 pt): page sizes and margins.
const A4_W: u32 = 11906;
const A4_H: u32 = 16838;
const MM: f64 = 56.692;
/// Usable width of the portrait pages (210 − 30 − 15 mm).
const PORTRAIT_TEXT: u32 = 9354;
/// Usable width of the landscape annex pages (297 − 20 − 20 mm).
const LANDSCAPE_TEXT: u32 = 14570;
/// Indentation of a unit name per level of depth (4 mm).
const DEPTH_INDENT: u32 = 227;

fn mm(x: f64) -> u32 {
    (x * MM).round() as u32
}

/// Who issues the report, to whom, and who signs: from the scope's kind.
struct Issuer {
    /// Upper case, not bold ("UBND TỈNH QUẢNG NAM"); none for a body with no governing body.
    governing: Option<String>,
    /// Upper case, bold ("SỞ NỘI VỤ").
    issuing: String,
    /// The issuing body in a sentence ("Sở Nội vụ").
    sender: String,
    /// "BC-SNV".
    symbol: String,
    /// "Ủy ban nhân dân tỉnh Quảng Nam".
    addressee: String,
    /// The addressee in the closing sentence.
    addressee_short: String,
    /// Recipients' lines ("- Như trên;").
    copies: Vec<String>,
    /// Signature block lines above the name (upper case).
    signature: Vec<String>,
}

/// "UBND " + the unit's name upper-cased without "Ủy ban nhân dân" ("Huyện Đông Giang" →
/// "UBND HUYỆN ĐÔNG GIANG").
fn ubnd_upper(name: &str) -> String {
    let rest = name
        .trim()
        .strip_prefix("Ủy ban nhân dân ")
        .or_else(|| name.trim().strip_prefix("UBND "))
        .unwrap_or(name.trim());
    format!("UBND {}", rest.to_uppercase())
}

/// The People's Committee of a territorial unit ("Huyện Đông Giang" → "Ủy ban nhân dân huyện
/// Đông Giang"); names that already say so are kept.
fn committee(name: &str) -> String {
    let n = name.trim();
    if n.starts_with("Ủy ban nhân dân") {
        n.to_string()
    } else {
        format!("Ủy ban nhân dân {}", lower_first(n))
    }
}

/// The symbol part of a body's code ("49-SNV" → "SNV").
fn code_suffix(code: &str) -> &str {
    code.split_once('-').map_or(code, |(_, s)| s)
}

fn ubnd_signature() -> Vec<String> {
    vec![
        "TM. ỦY BAN NHÂN DÂN".to_string(),
        "KT. CHỦ TỊCH".to_string(),
        "PHÓ CHỦ TỊCH".to_string(),
    ]
}

fn body_signature(name: &str, kind: UnitKind) -> Vec<String> {
    let pair = |a: &str, b: &str| vec![a.to_string(), b.to_string()];
    if kind == UnitKind::Association {
        return pair("TM. BAN THƯỜNG VỤ", "CHỦ TỊCH");
    }
    let n = name.trim();
    if n.starts_with("Sở ") {
        pair("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")
    } else if n.starts_with("Ban ") {
        pair("KT. TRƯỞNG BAN", "PHÓ TRƯỞNG BAN")
    } else if n.starts_with("Văn phòng") {
        pair("KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG")
    } else if n.starts_with("Thanh tra") {
        pair("KT. CHÁNH THANH TRA", "PHÓ CHÁNH THANH TRA")
    } else {
        vec!["THỦ TRƯỞNG ĐƠN VỊ".to_string()]
    }
}

fn issuer(report: &Report, info: &DocInfo) -> Issuer {
    let province = &report.province;
    let province_upper = ubnd_upper(&province.name);
    // "tỉnh Quảng Nam" of "Ủy ban nhân dân tỉnh Quảng Nam".
    let province_tail = province
        .name
        .strip_prefix("Ủy ban nhân dân ")
        .unwrap_or(&province.name)
        .to_string();
    let home_affairs_full = report
        .home_affairs
        .as_ref()
        .map(|h| format!("{} {}", h.name, province_tail));
    let lines = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let scope = &report.scope;
    match report.scope_kind {
        UnitKind::Province | UnitKind::HomeAffairs => match &report.home_affairs {
            Some(h) => Issuer {
                governing: Some(province_upper),
                issuing: h.name.to_uppercase(),
                sender: h.name.clone(),
                symbol: format!("BC-{}", code_suffix(h.code.as_str())),
                addressee: province.name.clone(),
                addressee_short: "Ủy ban nhân dân tỉnh".to_string(),
                copies: lines(&[
                    "- Như trên;",
                    "- Chủ tịch, các Phó Chủ tịch UBND tỉnh (b/c);",
                    "- Lưu: VT, CCVC.",
                ]),
                signature: lines(&["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]),
            },
            None => Issuer {
                governing: None,
                issuing: province_upper,
                sender: province.name.clone(),
                symbol: "BC-UBND".to_string(),
                addressee: "Bộ Nội vụ".to_string(),
                addressee_short: "Bộ Nội vụ".to_string(),
                copies: lines(&["- Như trên;", "- Lưu: VT."]),
                signature: ubnd_signature(),
            },
        },
        UnitKind::District => Issuer {
            governing: Some(province_upper),
            issuing: ubnd_upper(&scope.name),
            sender: committee(&scope.name),
            symbol: "BC-UBND".to_string(),
            addressee: home_affairs_full
                .clone()
                .unwrap_or_else(|| province.name.clone()),
            addressee_short: report
                .home_affairs
                .as_ref()
                .map_or_else(|| province.name.clone(), |h| h.name.clone()),
            copies: lines(&["- Như trên;", "- UBND tỉnh (b/c);", "- Lưu: VT."]),
            signature: ubnd_signature(),
        },
        UnitKind::Department | UnitKind::Association => Issuer {
            governing: (report.scope_kind == UnitKind::Department).then_some(province_upper),
            issuing: scope.name.to_uppercase(),
            sender: scope.name.clone(),
            symbol: format!("BC-{}", code_suffix(scope.code.as_str())),
            addressee: home_affairs_full
                .clone()
                .unwrap_or_else(|| province.name.clone()),
            addressee_short: report
                .home_affairs
                .as_ref()
                .map_or_else(|| province.name.clone(), |h| h.name.clone()),
            copies: lines(&["- Như trên;", "- UBND tỉnh (b/c);", "- Lưu: VT."]),
            signature: body_signature(&scope.name, report.scope_kind),
        },
        UnitKind::Commune => {
            let superior = info
                .superior
                .as_ref()
                .map_or(province.name.as_str(), |s| s.name.as_str());
            let to = committee(superior);
            Issuer {
                governing: Some(ubnd_upper(superior)),
                issuing: ubnd_upper(&scope.name),
                sender: committee(&scope.name),
                symbol: "BC-UBND".to_string(),
                addressee: to.clone(),
                addressee_short: to,
                copies: lines(&["- Như trên;", "- Lưu: VT."]),
                signature: ubnd_signature(),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// XML builder
// ---------------------------------------------------------------------------------------------

/// Run properties used in the document (inner XML of `w:rPr`).
mod rpr {
    pub const NONE: &str = "";
    pub const B: &str = "<w:b/><w:bCs/>";
    pub const I: &str = "<w:i/><w:iCs/>";
    pub const BI12: &str = "<w:b/><w:bCs/><w:i/><w:iCs/><w:sz w:val=\"24\"/><w:szCs w:val=\"24\"/>";
    pub const S11: &str = "<w:sz w:val=\"22\"/><w:szCs w:val=\"22\"/>";
    pub const S13: &str = "<w:sz w:val=\"26\"/><w:szCs w:val=\"26\"/>";
    pub const B12: &str = "<w:b/><w:bCs/><w:sz w:val=\"24\"/><w:szCs w:val=\"24\"/>";
    pub const B13: &str = "<w:b/><w:bCs/><w:sz w:val=\"26\"/><w:szCs w:val=\"26\"/>";
    pub const BU13: &str =
        "<w:b/><w:bCs/><w:sz w:val=\"26\"/><w:szCs w:val=\"26\"/><w:u w:val=\"single\"/>";
    pub const I14: &str = "<w:i/><w:iCs/>";
}

struct Xml {
    s: String,
}

impl Xml {
    fn raw(&mut self, x: &str) {
        self.s.push_str(x);
    }

    fn text(&mut self, t: &str) {
        escape_into(&mut self.s, t);
    }

    fn run(&mut self, rpr: &str, text: &str) {
        self.raw("<w:r>");
        if !rpr.is_empty() {
            self.raw("<w:rPr>");
            self.raw(rpr);
            self.raw("</w:rPr>");
        }
        if text.starts_with(' ') || text.ends_with(' ') {
            self.raw("<w:t xml:space=\"preserve\">");
        } else {
            self.raw("<w:t>");
        }
        self.text(text);
        self.raw("</w:t></w:r>");
    }

    /// Opens a paragraph of `style` with extra paragraph properties (in schema order after
    /// `w:pStyle`).
    fn p_open(&mut self, style: &str, extra: &str) {
        self.raw("<w:p><w:pPr><w:pStyle w:val=\"");
        self.raw(style);
        self.raw("\"/>");
        self.raw(extra);
        self.raw("</w:pPr>");
    }

    fn p_close(&mut self) {
        self.raw("</w:p>");
    }

    /// A paragraph of one run.
    fn p(&mut self, style: &str, rpr: &str, text: &str) {
        self.p_open(style, "");
        if !text.is_empty() {
            self.run(rpr, text);
        }
        self.p_close();
    }

    /// A body paragraph (justified, first-line indent).
    fn body(&mut self, text: &str) {
        self.p("Normal", rpr::NONE, text);
    }

    /// A placeholder for people to write.
    fn placeholder(&mut self) {
        self.p("Normal", rpr::I14, TO_WRITE);
    }

    fn heading(&mut self, text: &str) {
        self.p("H", rpr::NONE, text);
    }

    /// An empty paragraph with a short rule under it, centred in `width` twips.
    fn short_rule(&mut self, width: u32, rule: u32, before: u32) {
        let side = width.saturating_sub(rule) / 2;
        self.raw(&format!(
            "<w:p><w:pPr><w:pStyle w:val=\"C\"/><w:pBdr><w:bottom w:val=\"single\" w:sz=\"6\" \
             w:space=\"1\" w:color=\"000000\"/></w:pBdr><w:spacing w:before=\"{before}\"/><w:ind w:left=\"{side}\" \
             w:right=\"{side}\" w:firstLine=\"0\"/><w:rPr><w:sz w:val=\"4\"/><w:szCs \
             w:val=\"4\"/></w:rPr></w:pPr></w:p>"
        ));
    }

    /// Opens a table with fixed column widths; `grid` draws borders.
    fn table_open(&mut self, widths: &[u32], grid: bool) {
        let total: u32 = widths.iter().sum();
        self.raw("<w:tbl><w:tblPr>");
        if grid {
            self.raw("<w:tblStyle w:val=\"Grid\"/>");
        }
        self.raw(&format!(
            "<w:tblW w:w=\"{total}\" w:type=\"dxa\"/>{}<w:tblLayout w:type=\"fixed\"/>",
            if grid { "<w:jc w:val=\"center\"/>" } else { "" }
        ));
        if !grid {
            self.raw("<w:tblCellMar><w:left w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"0\" w:type=\"dxa\"/></w:tblCellMar>");
        }
        self.raw("<w:tblLook w:val=\"0000\"/></w:tblPr><w:tblGrid>");
        for w in widths {
            self.raw(&format!("<w:gridCol w:w=\"{w}\"/>"));
        }
        self.raw("</w:tblGrid>");
    }

    fn table_close(&mut self) {
        self.raw("</w:tbl>");
    }

    fn tr_open(&mut self, header: bool) {
        if header {
            self.raw("<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>");
        } else {
            self.raw("<w:tr><w:trPr><w:cantSplit/></w:trPr>");
        }
    }

    fn tr_close(&mut self) {
        self.raw("</w:tr>");
    }

    /// Opens a top-aligned cell of a layout table (header block, signature block).
    fn tc_layout(&mut self, width: u32) {
        self.raw(&format!(
            "<w:tc><w:tcPr><w:tcW w:w=\"{width}\" w:type=\"dxa\"/></w:tcPr>"
        ));
    }

    /// Opens a cell; `width` for header cells (0 = none), `span` columns, vertical merge.
    fn tc_open(&mut self, width: u32, span: usize, vmerge: Option<bool>) {
        self.raw("<w:tc>");
        if width > 0 || span > 1 || vmerge.is_some() {
            self.raw("<w:tcPr>");
            if width > 0 {
                self.raw(&format!("<w:tcW w:w=\"{width}\" w:type=\"dxa\"/>"));
            }
            if span > 1 {
                self.raw(&format!("<w:gridSpan w:val=\"{span}\"/>"));
            }
            match vmerge {
                Some(true) => self.raw("<w:vMerge w:val=\"restart\"/>"),
                Some(false) => self.raw("<w:vMerge/>"),
                None => {}
            }
            self.raw("<w:vAlign w:val=\"center\"/></w:tcPr>");
        }
    }

    /// A one-paragraph cell of `style`, its text indented by `indent` twips.
    fn cell(&mut self, style: &str, text: &str, indent: u32) {
        self.raw("<w:tc>");
        self.cell_p(style, text, indent);
        self.raw("</w:tc>");
    }

    fn cell_p(&mut self, style: &str, text: &str, indent: u32) {
        if indent > 0 {
            self.p_open(style, &format!("<w:ind w:left=\"{indent}\"/>"));
        } else {
            self.p_open(style, "");
        }
        if !text.is_empty() {
            self.run(rpr::NONE, text);
        }
        self.p_close();
    }

    fn num_cell(&mut self, n: u64, bold: bool) {
        self.cell(if bold { "TNB" } else { "TN" }, &num(n), 0);
    }

    /// A header cell spanning `span` columns of `widths` from `first`, optionally merged down.
    fn head_cell(
        &mut self,
        text: &str,
        widths: &[u32],
        first: usize,
        span: usize,
        vmerge: Option<bool>,
    ) {
        let w: u32 = widths.iter().skip(first).take(span).sum();
        self.tc_open(w, span, vmerge);
        self.cell_p("TH", text, 0);
        self.raw("</w:tc>");
    }

    /// A one-row header: one cell per column.
    fn head_row(&mut self, titles: &[&str], widths: &[u32]) {
        self.tr_open(true);
        for (i, t) in titles.iter().enumerate() {
            self.head_cell(t, widths, i, 1, None);
        }
        self.tr_close();
    }
}

// ---------------------------------------------------------------------------------------------
// The document
// ---------------------------------------------------------------------------------------------

pub(super) fn render(report: &Report, info: &DocInfo) -> Result<Vec<u8>, RenderError> {
    let document = document(report, info);
    let files: [(&str, &str); 10] = [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", ROOT_RELS),
        ("docProps/app.xml", APP),
        ("docProps/core.xml", &core(report, info)),
        ("word/_rels/document.xml.rels", DOCUMENT_RELS),
        ("word/document.xml", &document),
        ("word/styles.xml", STYLES),
        ("word/settings.xml", SETTINGS),
        ("word/header1.xml", HEADER_PAGE),
        ("word/header2.xml", HEADER_EMPTY),
    ];
    let err = |e: &dyn std::fmt::Display| RenderError::Docx(e.to_string());
    let t = info.today;
    let time = zip::DateTime::from_date_and_time(
        u16::try_from(t.year()).unwrap_or(1980),
        t.month() as u8,
        t.day() as u8,
        0,
        0,
        0,
    )
    .unwrap_or_default();
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
        .last_modified_time(time);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::with_capacity(
        document.len() / 8 + 16_384,
    )));
    for (name, content) in files {
        zip.start_file(name, options).map_err(|e| err(&e))?;
        zip.write_all(content.as_bytes()).map_err(|e| err(&e))?;
    }
    let cursor = zip.finish().map_err(|e| err(&e))?;
    Ok(cursor.into_inner())
}

fn core(report: &Report, info: &DocInfo) -> String {
    let mut title = String::new();
    escape_into(
        &mut title,
        &format!("Báo cáo {}", lower_first(&report.title)),
    );
    let day = info.today.format("%Y-%m-%d");
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" \
         xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\
         <dc:title>{title}</dc:title><dc:creator>doimoi</dc:creator><dc:language>vi-VN</dc:language>\
         <dcterms:created xsi:type=\"dcterms:W3CDTF\">{day}T00:00:00Z</dcterms:created>\
         <dcterms:modified xsi:type=\"dcterms:W3CDTF\">{day}T00:00:00Z</dcterms:modified>\
         </cp:coreProperties>"
    )
}

fn document(report: &Report, info: &DocInfo) -> String {
    // Annex rows dominate: about 6 kB of markup per unit over the three unit tables.
    let mut x = Xml {
        s: String::with_capacity(32_768 + report.units.len() * 6_500),
    };
    x.raw("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n");
    x.raw(&format!(
        "<w:document xmlns:w=\"{W_NS}\" xmlns:r=\"{R_NS}\"><w:body>"
    ));
    let who = issuer(report, info);
    header_block(&mut x, report, info, &who);
    sections(&mut x, report, &who);
    signature(&mut x, &who);
    // End of the portrait section.
    x.raw(&format!(
        "<w:p><w:pPr><w:sectPr>{HEADER_REFS}<w:pgSz w:w=\"{A4_W}\" w:h=\"{A4_H}\"/>\
         <w:pgMar w:top=\"{t}\" w:right=\"{r}\" w:bottom=\"{t}\" w:left=\"{l}\" w:header=\"{h}\" \
         w:footer=\"{h}\" w:gutter=\"0\"/><w:cols w:space=\"720\"/><w:titlePg/></w:sectPr></w:pPr></w:p>",
        t = mm(20.0),
        r = mm(15.0),
        l = mm(30.0),
        h = mm(10.0),
    ));
    annexes(&mut x, report, info, &who);
    x.raw(&format!(
        "<w:sectPr>{HEADER_REFS}<w:type w:val=\"nextPage\"/><w:pgSz w:w=\"{A4_H}\" w:h=\"{A4_W}\" \
         w:orient=\"landscape\"/><w:pgMar w:top=\"{m}\" w:right=\"{m}\" w:bottom=\"{m}\" \
         w:left=\"{m}\" w:header=\"{h}\" w:footer=\"{h}\" w:gutter=\"0\"/><w:cols w:space=\"720\"/></w:sectPr>",
        m = mm(20.0),
        h = mm(10.0),
    ));
    x.raw("</w:body></w:document>");
    x.s
}

const HEADER_REFS: &str = "<w:headerReference w:type=\"default\" r:id=\"rId3\"/><w:headerReference w:type=\"first\" r:id=\"rId4\"/>";

fn header_block(x: &mut Xml, report: &Report, info: &DocInfo, who: &Issuer) {
    let left = 3_700;
    let right = PORTRAIT_TEXT - left;
    x.table_open(&[left, right], false);
    x.tr_open(false);
    // Left: governing body, issuing body, rule, number.
    x.tc_layout(left);
    if let Some(g) = &who.governing {
        x.p("Hdr", rpr::S13, g);
    }
    x.p("Hdr", rpr::B13, &who.issuing);
    let chars = who.issuing.chars().count().min(30) as u32;
    x.short_rule(left, (chars * 150 / 2).clamp(700, 2_000), 40);
    x.p_open("Hdr", "<w:spacing w:before=\"120\"/>");
    x.run(rpr::S13, &format!("Số:        /{}", who.symbol));
    x.p_close();
    x.raw("</w:tc>");
    // Right: national name, motto, place and date.
    x.tc_layout(right);
    x.p("Hdr", rpr::B12, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM");
    x.p("Hdr", rpr::BU13, "Độc lập - Tự do - Hạnh phúc");
    x.p_open("Hdr", "<w:spacing w:before=\"240\"/>");
    x.run(
        rpr::I,
        &format!(
            "{}, {}",
            place(&report.province.name),
            date_words(info.today)
        ),
    );
    x.p_close();
    x.raw("</w:tc>");
    x.tr_close();
    x.table_close();

    x.p_open("C", "<w:spacing w:before=\"360\"/>");
    x.run(rpr::B, "BÁO CÁO");
    x.p_close();
    x.p("C", rpr::B, &report.title);
    x.short_rule(PORTRAIT_TEXT, 2_400, 120);
    x.p_open("C", "<w:spacing w:before=\"240\" w:after=\"120\"/>");
    x.run(rpr::NONE, &format!("Kính gửi: {}.", who.addressee));
    x.p_close();
}

fn duty_sentence(
    d: &DutyCount,
    done_phrase: &str,
    not_done_phrase: &str,
    deadline: &str,
) -> String {
    if d.units == 0 {
        return format!("Không có đơn vị thuộc phạm vi báo cáo phải {done_phrase}.");
    }
    format!(
        "Có {}/{} đơn vị đã {done_phrase}, trong đó {} đơn vị đúng hạn ({deadline}), {} đơn vị trễ hạn; {} đơn vị {not_done_phrase}.",
        num(d.on_time + d.late),
        num(d.units),
        num(d.on_time),
        num(d.late),
        num(d.not_done),
    )
}

fn sections(x: &mut Xml, report: &Report, who: &Issuer) {
    let t = &report.totals;
    let cutoff = date(report.cutoff);
    x.body(&format!(
        "{} báo cáo {} (số liệu tính từ ngày {} đến hết ngày {}) như sau:",
        who.sender,
        lower_first(&report.title),
        date(report.period.start),
        cutoff
    ));

    // I.
    x.heading("I. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO, PHỔ BIẾN, QUÁN TRIỆT");
    x.placeholder();
    let later_units = report
        .units
        .iter()
        .filter_map(|u| u.disseminated.as_ref())
        .any(|d| d.deadline != DUTY_DEADLINE);
    let deadline = if later_units {
        format!(
            "hạn ngày {}; đơn vị thành lập sau ngày này: trong {} ngày kể từ ngày thành lập",
            date(DUTY_DEADLINE),
            NEW_UNIT_DUTY_DAYS
        )
    } else {
        format!("hạn ngày {}", date(DUTY_DEADLINE))
    };
    x.body(&duty_sentence(
        &t.dissemination,
        "tổ chức phổ biến, quán triệt Quy định",
        "chưa thực hiện",
        &deadline,
    ));
    x.body(&duty_sentence(
        &t.plans,
        "ban hành kế hoạch thực hiện",
        "chưa ban hành",
        &deadline,
    ));
    x.body(&format!(
        "Trong kỳ, các đơn vị đã tổ chức {} cuộc sơ kết và {} cuộc tổng kết việc thực hiện (chi tiết tại Phụ lục III).",
        num(t.reviews.preliminary),
        num(t.reviews.final_)
    ));

    // II.
    x.heading("II. KẾT QUẢ THỰC HIỆN");
    x.heading("1. Tiếp nhận, xem xét và phê duyệt đề xuất");
    let s = |st: Status| num(status_count(t, st));
    let mut received = format!(
        "Trong kỳ, các đơn vị đã tiếp nhận {} đề xuất đổi mới, sáng tạo của cán bộ (chi tiết theo đơn vị và trạng thái tại Phụ lục I).",
        num(t.proposals)
    );
    if t.carried_over.proposals > 0 {
        received.push_str(&format!(
            " Ngoài ra, {} đề xuất nộp từ kỳ trước tiếp tục được xem xét, thực hiện trong kỳ.",
            num(t.carried_over.proposals)
        ));
    }
    x.body(&received);
    let in_review = [
        Status::Submitted,
        Status::Received,
        Status::VoteFailed,
        Status::VotePassed,
    ]
    .into_iter()
    .map(|st| status_count(t, st))
    .sum::<u64>();
    x.body(&format!(
        "Đến ngày {cutoff}, có {} đề xuất đang được xem xét (đã nộp, đã tiếp nhận hoặc đã biểu quyết, chưa có quyết định).",
        num(in_review)
    ));
    x.body(&format!(
        "Số đề xuất được phê duyệt: {}, trong đó {} đề xuất được phê duyệt theo kết quả biểu quyết của tập thể lãnh đạo, {} đề xuất do người đứng đầu quyết định phê duyệt bằng văn bản, {} đề xuất được phê duyệt theo ý kiến của Ủy ban nhân dân tỉnh; {} đề xuất được phê duyệt thực hiện thí điểm.",
        num(approved_total(t)),
        num(t.approved.by_vote),
        num(t.approved.by_head_decision),
        num(t.approved.by_province),
        num(t.approved.pilot),
    ));
    x.body(&format!(
        "Số đề xuất không được phê duyệt: {}.",
        s(Status::Rejected)
    ));
    x.body(&format!(
        "Số đề xuất trình Ủy ban nhân dân tỉnh cho ý kiến: {}, trong đó {} đề xuất đã có ý kiến trả lời, {} đề xuất đang chờ ý kiến (danh sách tại Phụ lục IV).",
        num(t.escalations.total),
        num(t.escalations.answered),
        num(t.escalations.pending),
    ));

    x.heading("2. Tổ chức thực hiện và đánh giá kết quả");
    x.body(&format!(
        "Đến ngày {cutoff}, trong số các đề xuất nộp trong kỳ: {} đề xuất đang triển khai thực hiện, {} đề xuất tạm dừng, {} đề xuất chấm dứt thực hiện, {} đề xuất đã báo cáo kết quả, chờ đánh giá; {} đề xuất hoàn thành, {} đề xuất hoàn thành một phần, {} đề xuất không hoàn thành.",
        s(Status::Implementing),
        s(Status::Suspended),
        s(Status::Terminated),
        s(Status::ResultsReported),
        s(Status::Completed),
        s(Status::PartlyCompleted),
        s(Status::NotCompleted),
    ));
    let evals: u64 = EvalResult::ALL.into_iter().map(|e| evaluation(t, e)).sum();
    x.body(&format!(
        "Trong kỳ đã đánh giá kết quả thực hiện {} đề xuất: {} hoàn thành, {} hoàn thành một phần, {} không hoàn thành; {} trường hợp có thiệt hại.",
        num(evals),
        num(evaluation(t, EvalResult::Completed)),
        num(evaluation(t, EvalResult::Partly)),
        num(evaluation(t, EvalResult::NotCompleted)),
        num(t.evaluations_with_damage),
    ));

    x.heading("3. Thời hạn thực hiện các bước");
    x.body("Việc thực hiện các bước có thời hạn (tính theo các bước có thời hạn bắt đầu trong kỳ, chi tiết theo đơn vị tại Phụ lục II):");
    for step in Step::ALL {
        let v = step_timeliness(t, step);
        let line = if timeliness_values(&v).iter().all(|n| *n == 0) {
            format!("- {}: chưa phát sinh.", labels::step(step))
        } else {
            format!(
                "- {}: {} đúng hạn, {} trễ hạn, {} đang trong hạn, {} quá hạn chưa thực hiện.",
                labels::step(step),
                num(v.on_time),
                num(v.late),
                num(v.open),
                num(v.overdue)
            )
        };
        x.body(&line);
    }
    if !report.lists.overdue.is_empty() {
        x.body(&format!(
            "Có {} bước đã quá hạn nhưng chưa thực hiện tính đến ngày {cutoff} (danh sách tại Phụ lục IV).",
            num(report.lists.overdue.len() as u64)
        ));
    }

    x.heading("4. Bảo vệ cán bộ năng động, sáng tạo");
    let p = &t.protection;
    x.body(&format!(
        "Trong kỳ đã xem xét, kết luận việc bảo vệ {} trường hợp, trong đó {} trường hợp hoàn thành, không bị xem xét trách nhiệm; {} trường hợp được loại trừ trách nhiệm; {} trường hợp có thiệt hại được xem xét loại trừ, miễn hoặc giảm nhẹ trách nhiệm.",
        num(p.not_liable + p.excluded + p.considered),
        num(p.not_liable),
        num(p.excluded),
        num(p.considered),
    ));

    x.heading("5. Khen thưởng, xử lý vi phạm");
    x.body(&format!(
        "Có {} trường hợp được khen thưởng ở cấp đơn vị; {} trường hợp được đề nghị Chủ tịch Ủy ban nhân dân tỉnh khen thưởng.",
        num(t.commendations.unit_level),
        num(t.commendations.proposed_to_province),
    ));
    x.body(&format!(
        "Số trường hợp vi phạm bị xử lý kỷ luật: {}.",
        num(t.disciplines)
    ));

    x.heading("6. Công tác kiểm tra");
    x.body(&format!(
        "Các đơn vị đã tự kiểm tra {} cuộc; Sở Nội vụ đã kiểm tra {} cuộc tại các đơn vị.",
        num(t.self_inspections),
        num(t.inspections),
    ));

    x.heading("7. Tình hình cập nhật kết quả của các đơn vị");
    let c = &t.completeness;
    let mut line = format!(
        "Có {}/{} đơn vị đã cập nhật kết quả thực hiện nhiệm vụ trong kỳ trên hệ thống",
        num(c.reported),
        num(c.expected)
    );
    if c.expected > c.reported {
        line.push_str(&format!(
            "; {} đơn vị chưa cập nhật (chi tiết tại Phụ lục III).",
            num(c.expected - c.reported)
        ));
    } else {
        line.push('.');
    }
    x.body(&line);
    if !report.lists.conflicts.is_empty() {
        x.body(&format!(
            "Có {} đề xuất có dữ liệu xung đột cần đơn vị rà soát, xử lý (danh sách tại Phụ lục IV).",
            num(report.lists.conflicts.len() as u64)
        ));
    }

    // III–V: written by people.
    x.heading("III. ĐÁNH GIÁ CHUNG");
    x.heading("1. Ưu điểm");
    x.placeholder();
    x.heading("2. Hạn chế, nguyên nhân");
    x.placeholder();
    x.heading("IV. NHIỆM VỤ THỜI GIAN TỚI");
    x.placeholder();
    x.heading("V. KIẾN NGHỊ, ĐỀ XUẤT");
    x.placeholder();
    x.body(&format!(
        "Trên đây là báo cáo {} của {}, kính báo cáo {}./.",
        lower_first(&report.title),
        who.sender,
        who.addressee_short
    ));
}

fn signature(x: &mut Xml, who: &Issuer) {
    let left = 4_400;
    let right = PORTRAIT_TEXT - left;
    x.p("L", rpr::NONE, "");
    x.table_open(&[left, right], false);
    x.tr_open(false);
    x.tc_layout(left);
    x.p("L", rpr::BI12, "Nơi nhận:");
    for c in &who.copies {
        x.p("L", rpr::S11, c);
    }
    x.raw("</w:tc>");
    x.tc_layout(right);
    for l in &who.signature {
        x.p("C", rpr::B, l);
    }
    for _ in 0..4 {
        x.p("C", rpr::NONE, "");
    }
    x.p("C", rpr::B, "[Họ và tên]");
    x.raw("</w:tc>");
    x.tr_close();
    x.table_close();
}

// ---------------------------------------------------------------------------------------------
// Annexes
// ---------------------------------------------------------------------------------------------

fn annex_title(
    x: &mut Xml,
    report: &Report,
    info: &DocInfo,
    who: &Issuer,
    number: &str,
    title: &str,
    first: bool,
) {
    let extra = if first {
        "<w:keepNext/>"
    } else {
        "<w:keepNext/><w:pageBreakBefore/>"
    };
    x.p_open("PL", extra);
    x.run(rpr::NONE, &format!("Phụ lục {number}"));
    x.p_close();
    x.p("PL", rpr::NONE, &title.to_uppercase());
    x.p_open("C", "<w:keepNext/>");
    x.run(
        rpr::I,
        &format!(
            "(Kèm theo Báo cáo số        /{} {} của {})",
            who.symbol,
            date_words(info.today),
            who.sender
        ),
    );
    x.p_close();
    x.p_open("C", "<w:keepNext/><w:spacing w:after=\"120\"/>");
    x.run(
        rpr::I,
        &format!(
            "Kỳ báo cáo: {} (từ ngày {} đến ngày {}); số liệu tính đến ngày {}",
            report.period.label,
            date(report.period.start),
            date(report.period.end),
            date(report.cutoff)
        ),
    );
    x.p_close();
}

fn sub_title(x: &mut Xml, text: &str) {
    x.p_open(
        "L",
        "<w:keepNext/><w:spacing w:before=\"200\" w:after=\"80\"/>",
    );
    x.run(rpr::B, text);
    x.p_close();
}

fn indent(depth: u32) -> u32 {
    depth.min(6) * DEPTH_INDENT
}

fn annexes(x: &mut Xml, report: &Report, info: &DocInfo, who: &Issuer) {
    annex_statuses(x, report, info, who);
    annex_timeliness(x, report, info, who);
    annex_duties(x, report, info, who);
    annex_lists(x, report, info, who);
    sub_title(x, "Ghi chú về cách tính số liệu");
    for n in &report.notes {
        x.p("L", rpr::S11, &format!("- {n}"));
    }
}

fn annex_statuses(x: &mut Xml, report: &Report, info: &DocInfo, who: &Issuer) {
    annex_title(
        x,
        report,
        info,
        who,
        "I",
        "Tổng hợp đề xuất theo đơn vị và trạng thái",
        true,
    );
    let n_status = statuses().count();
    let name_w = 3_170;
    let stt_w = 500;
    let num_w = (LANDSCAPE_TEXT - name_w - stt_w) / (n_status as u32 + 1);
    let mut widths = vec![stt_w, name_w];
    widths.resize(n_status + 3, num_w);
    let mut titles = vec!["STT", "Đơn vị", "Số đề xuất nộp trong kỳ"];
    titles.extend(statuses().map(Status::label_vi));
    x.table_open(&widths, true);
    x.head_row(&titles, &widths);
    let mut stt = 0u64;
    for line in unit_lines(report) {
        x.tr_open(false);
        let bold = line.subtree;
        if bold {
            x.cell("TN", "", 0);
        } else {
            stt += 1;
            x.cell("TN", &stt.to_string(), 0);
        }
        x.cell(
            if bold { "TCB" } else { "TC" },
            &line.name(),
            indent(line.unit.depth),
        );
        x.num_cell(line.figures.proposals, bold);
        for st in statuses() {
            x.num_cell(status_count(line.figures, st), bold);
        }
        x.tr_close();
    }
    x.tr_open(false);
    x.cell("TN", "", 0);
    x.cell("TCB", "Tổng cộng", 0);
    x.num_cell(report.totals.proposals, true);
    for st in statuses() {
        x.num_cell(status_count(&report.totals, st), true);
    }
    x.tr_close();
    x.table_close();
    if report.totals.carried_over.proposals > 0 || report.totals.drafts > 0 {
        x.p(
            "L",
            rpr::S11,
            &format!(
                "Ngoài ra: {} đề xuất nộp từ kỳ trước chuyển sang; {} dự thảo chưa nộp (không tính vào bảng).",
                num(report.totals.carried_over.proposals),
                num(report.totals.drafts)
            ),
        );
    }
}

fn annex_timeliness(x: &mut Xml, report: &Report, info: &DocInfo, who: &Issuer) {
    annex_title(
        x,
        report,
        info,
        who,
        "II",
        "Tình hình thực hiện đúng hạn các bước",
        false,
    );
    // 1. By step.
    sub_title(x, "1. Tổng hợp theo bước");
    let widths = [500, 5_070, 1_800, 1_800, 1_800, 1_800, 1_800];
    x.table_open(&widths, true);
    let mut titles = vec!["STT", "Bước"];
    titles.extend(TIMELINESS_LABELS);
    titles.push("Tổng số");
    x.head_row(&titles, &widths);
    for (i, step) in Step::ALL.into_iter().enumerate() {
        let v = timeliness_values(&step_timeliness(&report.totals, step));
        x.tr_open(false);
        x.cell("TN", &(i + 1).to_string(), 0);
        x.cell("TC", labels::step(step), 0);
        for n in v {
            x.num_cell(n, false);
        }
        x.num_cell(v.iter().sum(), false);
        x.tr_close();
    }
    x.table_close();

    // 2. By unit: each step over its four outcomes.
    sub_title(x, "2. Theo đơn vị");
    let stt_w = 500;
    let cells = Step::ALL.len() * 4;
    let num_w = 560;
    let name_w = LANDSCAPE_TEXT - stt_w - num_w * cells as u32;
    let mut widths = vec![stt_w, name_w];
    widths.resize(cells + 2, num_w);
    x.table_open(&widths, true);
    x.tr_open(true);
    x.head_cell("STT", &widths, 0, 1, Some(true));
    x.head_cell("Đơn vị", &widths, 1, 1, Some(true));
    for (i, step) in Step::ALL.into_iter().enumerate() {
        x.head_cell(step_short(step.as_str()), &widths, 2 + 4 * i, 4, None);
    }
    x.tr_close();
    x.tr_open(true);
    x.head_cell("", &widths, 0, 1, Some(false));
    x.head_cell("", &widths, 1, 1, Some(false));
    for i in 0..Step::ALL.len() {
        for (j, l) in TIMELINESS_LABELS.iter().enumerate() {
            x.head_cell(l, &widths, 2 + 4 * i + j, 1, None);
        }
    }
    x.tr_close();
    let mut stt = 0u64;
    let row = |x: &mut Xml, f: &Figures, bold: bool| {
        for step in Step::ALL {
            for n in timeliness_values(&step_timeliness(f, step)) {
                x.num_cell(n, bold);
            }
        }
    };
    for line in unit_lines(report) {
        x.tr_open(false);
        if line.subtree {
            x.cell("TN", "", 0);
        } else {
            stt += 1;
            x.cell("TN", &stt.to_string(), 0);
        }
        x.cell(
            if line.subtree { "TCB" } else { "TC" },
            &line.name(),
            indent(line.unit.depth),
        );
        row(x, line.figures, line.subtree);
        x.tr_close();
    }
    x.tr_open(false);
    x.cell("TN", "", 0);
    x.cell("TCB", "Tổng cộng", 0);
    row(x, &report.totals, true);
    x.tr_close();
    x.table_close();
}

fn duty_cells(x: &mut Xml, d: Option<&DutyStatus>, with_number: bool) {
    match d {
        Some(d) => {
            let state = match (d.done, d.on_time) {
                (true, true) => "Đúng hạn",
                (true, false) => "Trễ hạn",
                (false, _) => "Chưa",
            };
            if with_number {
                x.cell("TC", d.number.as_deref().unwrap_or(""), 0);
            }
            x.cell("TN", &d.date.map(date).unwrap_or_default(), 0);
            x.cell("TN", state, 0);
        }
        None => {
            let n = if with_number { 3 } else { 2 };
            for _ in 0..n {
                x.cell("TN", "—", 0);
            }
        }
    }
}

fn annex_duties(x: &mut Xml, report: &Report, info: &DocInfo, who: &Issuer) {
    annex_title(
        x,
        report,
        info,
        who,
        "III",
        "Tình hình thực hiện nhiệm vụ của các đơn vị",
        false,
    );
    // STT, unit | dissemination: date, state | plan: number, date, state | self-inspections,
    // inspections, preliminary, final reviews | commendations: unit, province | discipline |
    // reported.
    let widths = [
        500, 3_064, 1_050, 1_000, 1_350, 1_050, 1_000, 820, 820, 700, 700, 820, 820, 700, 1_126,
    ];
    x.table_open(&widths, true);
    x.tr_open(true);
    x.head_cell("STT", &widths, 0, 1, Some(true));
    x.head_cell("Đơn vị", &widths, 1, 1, Some(true));
    x.head_cell("Phổ biến, quán triệt", &widths, 2, 2, None);
    x.head_cell("Kế hoạch thực hiện", &widths, 4, 3, None);
    x.head_cell("Tự kiểm tra", &widths, 7, 1, Some(true));
    x.head_cell("Sở Nội vụ kiểm tra", &widths, 8, 1, Some(true));
    x.head_cell("Sơ kết", &widths, 9, 1, Some(true));
    x.head_cell("Tổng kết", &widths, 10, 1, Some(true));
    x.head_cell("Khen thưởng", &widths, 11, 2, None);
    x.head_cell("Kỷ luật", &widths, 13, 1, Some(true));
    x.head_cell("Đã cập nhật trong kỳ", &widths, 14, 1, Some(true));
    x.tr_close();
    x.tr_open(true);
    x.head_cell("", &widths, 0, 1, Some(false));
    x.head_cell("", &widths, 1, 1, Some(false));
    for (i, t) in ["Ngày", "Tình trạng", "Số, ký hiệu", "Ngày", "Tình trạng"]
        .iter()
        .enumerate()
    {
        x.head_cell(t, &widths, 2 + i, 1, None);
    }
    for i in 7..=10 {
        x.head_cell("", &widths, i, 1, Some(false));
    }
    x.head_cell("Cấp đơn vị", &widths, 11, 1, None);
    x.head_cell("Đề nghị tỉnh", &widths, 12, 1, None);
    x.head_cell("", &widths, 13, 1, Some(false));
    x.head_cell("", &widths, 14, 1, Some(false));
    x.tr_close();
    let counts = |x: &mut Xml, f: &Figures, bold: bool| {
        for n in [
            f.self_inspections,
            f.inspections,
            f.reviews.preliminary,
            f.reviews.final_,
            f.commendations.unit_level,
            f.commendations.proposed_to_province,
            f.disciplines,
        ] {
            x.num_cell(n, bold);
        }
    };
    for (i, u) in report.units.iter().enumerate() {
        x.tr_open(false);
        x.cell("TN", &(i + 1).to_string(), 0);
        x.cell("TC", &u.name, indent(u.depth));
        duty_cells(x, u.disseminated.as_ref(), false);
        duty_cells(x, u.plan.as_ref(), true);
        counts(x, &u.figures, false);
        let reported = match (u.has_duties, u.reported) {
            (false, _) => "—",
            (true, true) => "Có",
            (true, false) => "Chưa",
        };
        x.cell("TN", reported, 0);
        x.tr_close();
    }
    let t = &report.totals;
    let sum = |d: &DutyCount| {
        format!(
            "{} đúng hạn; {} trễ hạn; {} chưa",
            num(d.on_time),
            num(d.late),
            num(d.not_done)
        )
    };
    x.tr_open(false);
    x.cell("TN", "", 0);
    x.cell("TCB", "Tổng cộng", 0);
    x.tc_open(0, 2, None);
    x.cell_p("TNB", &sum(&t.dissemination), 0);
    x.raw("</w:tc>");
    x.tc_open(0, 3, None);
    x.cell_p("TNB", &sum(&t.plans), 0);
    x.raw("</w:tc>");
    counts(x, t, true);
    x.cell(
        "TNB",
        &format!(
            "{}/{}",
            num(t.completeness.reported),
            num(t.completeness.expected)
        ),
        0,
    );
    x.tr_close();
    x.table_close();
}

fn annex_lists(x: &mut Xml, report: &Report, info: &DocInfo, who: &Issuer) {
    annex_title(
        x,
        report,
        info,
        who,
        "IV",
        "Danh sách đề xuất cần theo dõi",
        false,
    );
    let lists = &report.lists;
    let empty = |x: &mut Xml| x.p("L", rpr::I, "Không có.");

    sub_title(x, "1. Đề xuất đang chờ Ủy ban nhân dân tỉnh cho ý kiến");
    if lists.escalations_pending.is_empty() {
        empty(x);
    } else {
        let widths = [500, 4_000, 8_070, 2_000];
        list_table(
            x,
            &widths,
            &["STT", "Đơn vị", "Tên đề xuất", "Ngày trình"],
            &lists.escalations_pending,
            |x, it| {
                x.cell("TN", &it.date.map(date).unwrap_or_default(), 0);
            },
        );
    }

    sub_title(x, "2. Các bước đã quá hạn nhưng chưa thực hiện");
    if lists.overdue.is_empty() {
        empty(x);
    } else {
        let widths = [500, 3_400, 5_070, 2_300, 1_300, 2_000];
        list_table(
            x,
            &widths,
            &["STT", "Đơn vị", "Tên đề xuất", "Bước", "Hạn", "Trạng thái"],
            &lists.overdue,
            |x, it| {
                x.cell("TC", step_short(&it.step), 0);
                x.cell("TN", &it.date.map(date).unwrap_or_default(), 0);
                x.cell("TC", status_label(&it.status), 0);
            },
        );
    }

    sub_title(x, "3. Đề xuất có dữ liệu xung đột cần rà soát, xử lý");
    if lists.conflicts.is_empty() {
        empty(x);
    } else {
        let widths = [500, 4_000, 7_570, 2_500];
        list_table(
            x,
            &widths,
            &["STT", "Đơn vị", "Tên đề xuất", "Trạng thái"],
            &lists.conflicts,
            |x, it| {
                x.cell("TC", status_label(&it.status), 0);
            },
        );
    }
}

fn list_table(
    x: &mut Xml,
    widths: &[u32],
    titles: &[&str],
    items: &[ListItem],
    rest: impl Fn(&mut Xml, &ListItem),
) {
    x.table_open(widths, true);
    x.head_row(titles, widths);
    for (i, it) in items.iter().enumerate() {
        x.tr_open(false);
        x.cell("TN", &(i + 1).to_string(), 0);
        x.cell("TC", &it.unit_name, 0);
        x.cell("TC", &it.title, 0);
        rest(x, it);
        x.tr_close();
    }
    x.table_close();
}

// ---------------------------------------------------------------------------------------------
// Fixed parts
// ---------------------------------------------------------------------------------------------

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/><Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/><Override PartName="/word/header2.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>"#;

const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/></Relationships>"#;

const DOCUMENT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header2.xml"/></Relationships>"#;

const APP: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>doimoi</Application></Properties>"#;

const SETTINGS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:zoom w:percent="100"/><w:defaultTabStop w:val="720"/><w:characterSpacingControl w:val="doNotCompress"/><w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat></w:settings>"#;

/// The page number, centred (pages after the first).
const HEADER_PAGE: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:hdr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:p><w:pPr><w:pStyle w:val="Header"/></w:pPr><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>2</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p></w:hdr>"#;

/// The first page's header: empty (no page number on page 1).
const HEADER_EMPTY: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:hdr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:p><w:pPr><w:pStyle w:val="Header"/></w:pPr></w:p></w:hdr>"#;

const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:eastAsia="Times New Roman" w:hAnsi="Times New Roman" w:cs="Times New Roman"/><w:color w:val="000000"/><w:sz w:val="28"/><w:szCs w:val="28"/><w:lang w:val="vi-VN" w:eastAsia="en-US" w:bidi="ar-SA"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:before="120" w:after="0" w:line="288" w:lineRule="auto"/><w:ind w:firstLine="567"/><w:jc w:val="both"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="H"><w:name w:val="Body Heading"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/></w:pPr><w:rPr><w:b/><w:bCs/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="C"><w:name w:val="Centered"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:before="0" w:line="240" w:lineRule="auto"/><w:ind w:firstLine="0"/><w:jc w:val="center"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Hdr"><w:name w:val="Header Block"/><w:basedOn w:val="C"/><w:rPr><w:sz w:val="26"/><w:szCs w:val="26"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="PL"><w:name w:val="Annex Title"/><w:basedOn w:val="C"/><w:pPr><w:keepNext/></w:pPr><w:rPr><w:b/><w:bCs/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="L"><w:name w:val="Left Compact"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:before="0" w:line="240" w:lineRule="auto"/><w:ind w:firstLine="0"/><w:jc w:val="left"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Header"><w:name w:val="header"/><w:basedOn w:val="C"/></w:style>
<w:style w:type="paragraph" w:styleId="TC"><w:name w:val="Table Text"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:before="20" w:after="20" w:line="240" w:lineRule="auto"/><w:ind w:left="0" w:firstLine="0"/><w:jc w:val="left"/></w:pPr><w:rPr><w:sz w:val="18"/><w:szCs w:val="18"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="TN"><w:name w:val="Table Number"/><w:basedOn w:val="TC"/><w:pPr><w:jc w:val="center"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="TH"><w:name w:val="Table Head"/><w:basedOn w:val="TN"/><w:rPr><w:b/><w:bCs/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="TCB"><w:name w:val="Table Text Bold"/><w:basedOn w:val="TC"/><w:rPr><w:b/><w:bCs/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="TNB"><w:name w:val="Table Number Bold"/><w:basedOn w:val="TN"/><w:rPr><w:b/><w:bCs/></w:rPr></w:style>
<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>
<w:style w:type="table" w:styleId="Grid"><w:name w:val="Table Grid"/><w:basedOn w:val="TableNormal"/><w:tblPr><w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:left w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:bottom w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:right w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:insideH w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="000000"/></w:tblBorders><w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>
</w:styles>"#;
