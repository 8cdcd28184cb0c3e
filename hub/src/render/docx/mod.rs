//! DOCX in the Decree 30/2020 layout (docs/domain.md §8), written by hand as WordprocessingML and
//! zipped: A4 portrait, Times New Roman, margins 20/20/30/15 mm, page numbers centred in the
//! top margin from page 2 on; the header block (governing and issuing bodies, number, national
//! motto, place and date), "BÁO CÁO" and the summary line, the addressee, the numbered
//! sections with the figures written into sentences and placeholders for the narrative, the
//! recipients and signature block; then the annexes on landscape pages (tables by unit).
//!
//! The XML is built into one `String` (no DOM): a province report of 12,000 units makes tables
//! of tens of thousands of rows, so every cell is a handful of bytes of markup.
//!
//! Files: `issuer.rs` (who issues, to whom, who signs: the rules, free of any format),
//! `xml.rs` (the WordprocessingML writer), `body.rs` (header block, sections, signature),
//! `annexes.rs` (the annex tables), `package.rs` (the package's fixed parts); this file puts
//! the document and the package together.

mod annexes;
mod body;
mod issuer;
mod package;
mod xml;

use annexes::*;
use body::*;
use issuer::*;
use package::*;
use xml::*;

use super::narrative::{narrative, Block};
use super::{
    bases_sorted, date, date_words, escape_into, fields_sorted, local_place, lower_first, num,
    place, status_count, status_label, statuses, step_short, step_timeliness, timeliness_values,
    unit_lines, DocInfo, RenderError, UnitLine, TIMELINESS_LABELS,
};
use chrono::Datelike;
use doimoi_shared::org::UnitKind;
use doimoi_shared::report::{labels, DutyCount, DutyStatus, Figures, ListItem, Report, UnitReport};
use doimoi_shared::workflow::{Status, Step};
use std::io::Write;

pub(super) const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
pub(super) const R_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// Placeholder for the narrative parts, written by people.
pub(super) const TO_WRITE: &str = "[Nội dung do người soạn thảo bổ sung]";

/// Twips (1/20 pt): page sizes and margins.
pub(super) const A4_W: u32 = 11906;
pub(super) const A4_H: u32 = 16838;
pub(super) const MM: f64 = 56.692;
/// Usable width of the portrait pages (210 − 30 − 15 mm).
pub(super) const PORTRAIT_TEXT: u32 = 9354;
/// Usable width of the landscape annex pages (297 − 20 − 20 mm).
pub(super) const LANDSCAPE_TEXT: u32 = 14570;
/// Indentation of a unit name per level of depth (4 mm).
pub(super) const DEPTH_INDENT: u32 = 227;

pub(super) fn mm(x: f64) -> u32 {
    (x * MM).round() as u32
}

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
    sections(&mut x, report, info, &who);
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
    // Each annex is a landscape section of its own, numbered from 1; the last one's
    // properties close the body.
    annexes(&mut x, report, info, &who);
    x.raw(&annex_sect_pr());
    x.raw("</w:body></w:document>");
    x.s
}

/// The properties of an annex's section: a new landscape page, page numbers from 1 (none on
/// its first page, as in the body).
pub(super) fn annex_sect_pr() -> String {
    format!(
        "<w:sectPr>{HEADER_REFS}<w:type w:val=\"nextPage\"/><w:pgSz w:w=\"{A4_H}\" w:h=\"{A4_W}\" \
         w:orient=\"landscape\"/><w:pgMar w:top=\"{m}\" w:right=\"{m}\" w:bottom=\"{m}\" \
         w:left=\"{m}\" w:header=\"{h}\" w:footer=\"{h}\" w:gutter=\"0\"/>\
         <w:pgNumType w:start=\"1\"/><w:cols w:space=\"720\"/><w:titlePg/></w:sectPr>",
        m = mm(20.0),
        h = mm(10.0),
    )
}

pub(super) const HEADER_REFS: &str = "<w:headerReference w:type=\"default\" r:id=\"rId3\"/><w:headerReference w:type=\"first\" r:id=\"rId4\"/>";
