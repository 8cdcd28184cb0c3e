// The office web app's one script: the live sync banner, "Đồng bộ ngay", autosave of the
// proposal form, live refresh of a proposal page, printing, and file uploads. Every page works
// without it except autosave and uploads.
"use strict";

function post(url, body, extra) {
  return fetch(url, Object.assign({
    method: "POST",
    credentials: "same-origin",
    headers: { "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded" },
    body: body,
  }, extra || {}));
}

function formBody(pairs) {
  const p = new URLSearchParams();
  for (const [k, v] of pairs) p.append(k, v);
  return p.toString();
}

// ---- the sync banner
function setText(id, text) {
  const el = document.getElementById(id);
  if (el && el.textContent !== text) el.textContent = text;
}

async function refreshBanner() {
  try {
    const r = await fetch("/api/trang-thai", { credentials: "same-origin", headers: { "Accept": "application/json" } });
    if (!r.ok) return;
    const b = await r.json();
    const banner = document.getElementById("sync");
    if (!banner) return;
    banner.dataset.state = b.state;
    setText("sync-headline", b.headline);
    setText("sync-last", b.last);
    setText("sync-pending", b.pending_text);
    setText("sync-error", b.error);
    const pending = document.getElementById("sync-pending");
    if (pending) pending.dataset.count = String(b.pending);
    // The home page and the list show what the store holds: new work (from the hub or
    // another device) appears by itself, unless the person is typing in a filter.
    if (banner.dataset.live === "1" && banner.dataset.version && b.version !== banner.dataset.version) {
      const a = document.activeElement;
      const typing = a && ["INPUT", "TEXTAREA", "SELECT"].includes(a.tagName);
      if (!typing) location.reload();
    }
  } catch (_) { /* the local server is stopping: nothing to show */ }
}

function startBanner() {
  if (!document.getElementById("sync")) return;
  setInterval(refreshBanner, 2000);
  const form = document.querySelector("#sync form");
  if (form) {
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      setText("sync-headline", "Đang đồng bộ…");
      try { await post("/dong-bo", ""); } catch (_) { /* shown by the next refresh */ }
      setTimeout(refreshBanner, 700);
    });
  }
}

// ---- autosave of the proposal form
function fieldValue(el) {
  if (el.type === "checkbox") return el.checked ? "1" : "0";
  return el.value;
}

function startAutosave() {
  const form = document.getElementById("proposal-form");
  if (!form) return;
  const state = document.getElementById("save-state");
  const dirty = new Set();
  let timer = null;
  let saving = false;
  const say = (t) => { if (state) state.textContent = t; };
  const fields = () => Array.from(form.elements).filter((e) => e.name && e.type !== "submit");

  async function save() {
    timer = null;
    if (saving) { timer = setTimeout(save, 300); return; }
    if (dirty.size === 0) return;
    let id = form.dataset.id;
    const names = Array.from(dirty);
    saving = true;
    try {
      let r;
      if (!id) {
        const title = form.elements["title"].value.trim();
        const proposer = form.elements["proposer"].value.trim();
        if (!title || !proposer) {
          say("Nhập tên đề xuất và người đề xuất để bắt đầu lưu tự động.");
          return;
        }
        dirty.clear();
        r = await post("/de-xuat/moi", formBody(fields().map((e) => [e.name, fieldValue(e)])));
      } else {
        dirty.clear();
        r = await post("/de-xuat/" + id + "/luu",
          formBody(names.map((n) => [n, fieldValue(form.elements[n])])));
      }
      const body = await r.json();
      if (!body.ok) {
        names.forEach((n) => dirty.add(n));
        say("Chưa lưu được: " + body.error);
        return;
      }
      if (!id && body.id) {
        id = body.id;
        form.dataset.id = id;
        form.action = "/de-xuat/" + id + "/sua";
        history.replaceState(null, "", "/de-xuat/" + id + "/sua");
        const actions = form.querySelector(".actions");
        if (actions && !document.getElementById("submit-proposal")) {
          const b = document.createElement("button");
          b.type = "submit";
          b.id = "submit-proposal";
          b.textContent = "Nộp đề xuất";
          b.setAttribute("formaction", "/de-xuat/" + id + "/nop");
          actions.appendChild(b);
        }
      }
      const now = new Date();
      say("Đã lưu tự động lúc " + now.toLocaleTimeString("vi-VN"));
      form.dataset.saved = String(Date.now());
    } catch (_) {
      names.forEach((n) => dirty.add(n));
      say("Chưa lưu được: mất kết nối với chương trình doimoi trên máy. Sẽ thử lại.");
      timer = setTimeout(save, 3000);
    } finally {
      saving = false;
    }
  }

  const touch = (ev) => {
    if (!ev.target.name) return;
    dirty.add(ev.target.name);
    say("Đang lưu…");
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, 600);
  };
  form.addEventListener("input", touch);
  form.addEventListener("change", touch);
  window.addEventListener("pagehide", () => {
    const id = form.dataset.id;
    if (id && dirty.size > 0) {
      const names = Array.from(dirty);
      post("/de-xuat/" + id + "/luu", formBody(names.map((n) => [n, fieldValue(form.elements[n])])), { keepalive: true });
    }
  });
}

// ---- a proposal page: live refresh, print
function startProposalPage() {
  const art = document.getElementById("proposal");
  if (!art) return;
  const print = document.getElementById("print");
  if (print) print.addEventListener("click", () => window.print());
  const id = art.dataset.id;
  const busy = () => {
    const a = document.activeElement;
    if (a && ["INPUT", "TEXTAREA", "SELECT"].includes(a.tagName)) return true;
    return document.querySelector("details[open]") !== null;
  };
  setInterval(async () => {
    try {
      const r = await fetch("/de-xuat/" + id + "/phien-ban", { credentials: "same-origin" });
      if (!r.ok) return;
      const v = await r.json();
      if (v.version && v.version !== art.dataset.version && !busy()) location.replace("/de-xuat/" + id);
    } catch (_) { /* try again */ }
  }, 2000);
}

// ---- uploads: the file's bytes posted with its name
function startUpload(formId, fileId, stateId, done) {
  const form = document.getElementById(formId);
  if (!form) return;
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const input = document.getElementById(fileId);
    const state = document.getElementById(stateId);
    const file = input && input.files && input.files[0];
    if (!file) { state.textContent = "Chọn một tệp trước."; return; }
    if (file.size > 20 * 1024 * 1024) { state.textContent = "Tệp quá lớn: tối đa 20 MB."; return; }
    state.textContent = "Đang gửi tệp…";
    try {
      const r = await fetch(form.dataset.action + "?ten=" + encodeURIComponent(file.name), {
        method: "POST", credentials: "same-origin",
        headers: { "Accept": "application/json", "Content-Type": "application/octet-stream" },
        body: file,
      });
      const body = await r.json();
      state.textContent = body.ok ? (body.message || "Đã đính kèm.") : ("Không thực hiện được: " + body.error);
      if (body.ok && done) done();
    } catch (_) {
      state.textContent = "Không gửi được tệp.";
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  startBanner();
  startAutosave();
  startProposalPage();
  startUpload("attach-form", "attach-file", "attach-state", () => location.reload());
  startUpload("import-form", "import-file", "import-state", null);
});
