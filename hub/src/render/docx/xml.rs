//! The WordprocessingML writer: one `String` built by appending markup (no DOM), with the run
//! properties the document uses.

use super::*;

/// Run properties used in the document (inner XML of `w:rPr`).
pub(super) mod rpr {
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

pub(super) struct Xml {
    pub(super) s: String,
}

impl Xml {
    pub(super) fn raw(&mut self, x: &str) {
        self.s.push_str(x);
    }

    pub(super) fn text(&mut self, t: &str) {
        escape_into(&mut self.s, t);
    }

    pub(super) fn run(&mut self, rpr: &str, text: &str) {
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
    pub(super) fn p_open(&mut self, style: &str, extra: &str) {
        self.raw("<w:p><w:pPr><w:pStyle w:val=\"");
        self.raw(style);
        self.raw("\"/>");
        self.raw(extra);
        self.raw("</w:pPr>");
    }

    pub(super) fn p_close(&mut self) {
        self.raw("</w:p>");
    }

    /// A paragraph of one run.
    pub(super) fn p(&mut self, style: &str, rpr: &str, text: &str) {
        self.p_open(style, "");
        if !text.is_empty() {
            self.run(rpr, text);
        }
        self.p_close();
    }

    /// A body paragraph (justified, first-line indent).
    pub(super) fn body(&mut self, text: &str) {
        self.p("Normal", rpr::NONE, text);
    }

    /// A placeholder for people to write.
    pub(super) fn placeholder(&mut self) {
        self.p("Normal", rpr::I14, TO_WRITE);
    }

    pub(super) fn heading(&mut self, text: &str) {
        self.p("H", rpr::NONE, text);
    }

    /// An empty paragraph with a short rule under it, centred in `width` twips.
    pub(super) fn short_rule(&mut self, width: u32, rule: u32, before: u32) {
        let side = width.saturating_sub(rule) / 2;
        self.raw(&format!(
            "<w:p><w:pPr><w:pStyle w:val=\"C\"/><w:pBdr><w:bottom w:val=\"single\" w:sz=\"6\" \
             w:space=\"1\" w:color=\"000000\"/></w:pBdr><w:spacing w:before=\"{before}\"/><w:ind w:left=\"{side}\" \
             w:right=\"{side}\" w:firstLine=\"0\"/><w:rPr><w:sz w:val=\"4\"/><w:szCs \
             w:val=\"4\"/></w:rPr></w:pPr></w:p>"
        ));
    }

    /// Opens a table with fixed column widths; `grid` draws borders.
    pub(super) fn table_open(&mut self, widths: &[u32], grid: bool) {
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

    pub(super) fn table_close(&mut self) {
        self.raw("</w:tbl>");
    }

    pub(super) fn tr_open(&mut self, header: bool) {
        if header {
            self.raw("<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>");
        } else {
            self.raw("<w:tr><w:trPr><w:cantSplit/></w:trPr>");
        }
    }

    pub(super) fn tr_close(&mut self) {
        self.raw("</w:tr>");
    }

    /// Opens a top-aligned cell of a layout table (header block, signature block).
    pub(super) fn tc_layout(&mut self, width: u32) {
        self.raw(&format!(
            "<w:tc><w:tcPr><w:tcW w:w=\"{width}\" w:type=\"dxa\"/></w:tcPr>"
        ));
    }

    /// Opens a cell; `width` for header cells (0 = none), `span` columns, vertical merge.
    pub(super) fn tc_open(&mut self, width: u32, span: usize, vmerge: Option<bool>) {
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
    pub(super) fn cell(&mut self, style: &str, text: &str, indent: u32) {
        self.raw("<w:tc>");
        self.cell_p(style, text, indent);
        self.raw("</w:tc>");
    }

    pub(super) fn cell_p(&mut self, style: &str, text: &str, indent: u32) {
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

    pub(super) fn num_cell(&mut self, n: u64, bold: bool) {
        self.cell(if bold { "TNB" } else { "TN" }, &num(n), 0);
    }

    /// A header cell spanning `span` columns of `widths` from `first`, optionally merged down.
    pub(super) fn head_cell(
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
    pub(super) fn head_row(&mut self, titles: &[&str], widths: &[u32]) {
        self.tr_open(true);
        for (i, t) in titles.iter().enumerate() {
            self.head_cell(t, widths, i, 1, None);
        }
        self.tr_close();
    }
}
