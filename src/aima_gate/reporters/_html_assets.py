"""The inline stylesheet and script of the HTML report (``reporters/html.py``).

Kept apart from the page builder so each stays readable. Both are constants: the report's Content-Security-Policy
allows exactly these two blocks by their sha256 hash, so any change here changes the hashes (computed, never
hard-coded) and nothing else can run or style the page.

Colours are chosen for WCAG AA contrast (>= 4.5:1) against their background; ratios in the comments are for
the text colour on the background it is used on. Status is always spelled out in text; colour only repeats it.
"""

from __future__ import annotations

CSS = """
:root { color-scheme: light; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
  color: #1f2937; background: #ffffff; }  /* 14.7:1 */
main, header, footer { max-width: 1200px; margin: 0 auto; padding: 0 1rem; }
h1 { font-size: 1.8rem; margin: 1rem 0 .5rem; }
h2 { font-size: 1.4rem; margin: 2rem 0 .5rem; border-bottom: 2px solid #d1d5db; }
h3 { font-size: 1.1rem; margin: 1.2rem 0 .4rem; }
a { color: #1d4ed8; }  /* 6.7:1 */
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em;
  overflow-wrap: break-word; }
.skip { position: absolute; left: -10000px; }
.skip:focus { position: static; }
:focus-visible { outline: 3px solid #1d4ed8; outline-offset: 2px; }
.muted { color: #4b5563; }  /* 7.6:1 */
.verdict { display: inline-block; padding: .3rem .8rem; border-radius: 4px; font-weight: bold; color: #ffffff; }
.v-pass { background: #15803d; }   /* white on it: 5.0:1 */
.v-fail { background: #b91c1c; }   /* 6.5:1 */
.v-error { background: #6b21a8; }  /* 8.7:1 */
table { border-collapse: collapse; margin: .5rem 0; }
caption { text-align: left; }
th, td { border: 1px solid #d1d5db; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f4f6; }  /* #1f2937 on it: 13.3:1 */
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
/* Fixed layout: a long path or message without spaces wraps inside its cell instead of widening the page. */
#findings-table { width: 100%; table-layout: fixed; }
#findings-table td { overflow-wrap: break-word; }
col.c-status { width: 7.5rem; }
col.c-sev { width: 5.5rem; }
col.c-dom { width: 9.5rem; }
col.c-pol { width: 17%; }
col.c-subj { width: 17%; }
.badge { display: inline-block; padding: 0 .4rem; border-radius: 3px; font-weight: bold;
  border: 1px solid currentColor; }
.st-fail { color: #b91c1c; }    /* 6.5:1 on white */
.st-warn { color: #92400e; }    /* 7.1:1 */
.st-error { color: #6b21a8; }   /* 8.7:1 */
.st-waived { color: #374151; }  /* 10.3:1 */
ul.ev { margin: 0; padding-left: 1.1rem; }
.fix { margin-top: .3rem; }
.filters { display: flex; flex-wrap: wrap; gap: 1rem; align-items: end; margin: .5rem 0; }
.filters label { display: flex; flex-direction: column; font-weight: bold; }
.filters p { margin: 0 0 .3rem; }
select, button { font: inherit; padding: .25rem .5rem; color: #1f2937; background: #ffffff;
  border: 1px solid #4b5563; border-radius: 4px; }
button:disabled { color: #4b5563; background: #f3f4f6; }  /* 6.9:1 (WCAG exempts disabled controls; legible anyway) */
.pager { display: flex; gap: 1rem; align-items: center; margin: .5rem 0; }
.radar svg { max-width: 100%; height: auto; }
dl.generic dt { font-weight: bold; }
dl.generic dd { margin: 0 0 .4rem 1.2rem; }
footer { margin: 3rem auto 2rem; border-top: 1px solid #d1d5db; padding-top: .5rem; }
""".lstrip("\n")

# Plain ES2017, no library. Rows are built with textContent only, never innerHTML, so no string from the
# repository can become markup. The data block is JSON (see html.py for how it is kept inert).
JS = """
(function () {
  "use strict";
  var PAGE = 100;
  var data = JSON.parse(document.getElementById("aima-data").textContent);
  var S = data.strings;
  var LABEL = {error: "ERROR", fail: "FAIL", warn: "FAIL (not blocking)", waived: "WAIVED"};
  var domains = {};
  data.domains.forEach(function (d) { domains[d[0]] = d[1]; });
  var tbody = document.getElementById("findings-body");
  var status = document.getElementById("page-status");
  var prev = document.getElementById("page-prev");
  var next = document.getElementById("page-next");
  var sel = {dom: document.getElementById("filter-domain"), sev: document.getElementById("filter-severity"),
             st: document.getElementById("filter-status")};
  var shown = data.findings;
  var page = 0;

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }

  function row(f) {
    // f = [status, severity, domain, policy, title, subject, subject file, evidence, fix, note]
    var tr = el("tr");
    var c = el("td");
    c.appendChild(el("span", LABEL[f[0]], "badge st-" + f[0]));
    tr.appendChild(c);
    tr.appendChild(el("td", f[1]));
    tr.appendChild(el("td", domains[f[2]] || f[2]));
    c = el("td");
    c.appendChild(el("code", S[f[3]]));
    c.appendChild(el("div", S[f[4]]));
    tr.appendChild(c);
    c = el("td");
    c.appendChild(el("div", f[5]));
    c.appendChild(el("div", S[f[6]], "muted"));
    tr.appendChild(c);
    c = el("td");
    var ul = el("ul", null, "ev");
    f[7].forEach(function (e) {
      var li = el("li");
      li.appendChild(el("code", S[e[0]] + ":" + e[1]));
      li.appendChild(document.createTextNode(": " + e[2] + (e[3] !== null ? " (expected " + S[e[3]] + ")" : "")));
      ul.appendChild(li);
    });
    c.appendChild(ul);
    if (f[9]) { c.appendChild(el("div", f[9], "fix")); }
    c.appendChild(el("div", "Fix: " + S[f[8]], "fix"));
    tr.appendChild(c);
    return tr;
  }

  function draw() {
    var pages = Math.max(1, Math.ceil(shown.length / PAGE));
    page = Math.min(Math.max(page, 0), pages - 1);
    var start = page * PAGE;
    var end = Math.min(start + PAGE, shown.length);
    var frag = document.createDocumentFragment();
    for (var i = start; i < end; i++) { frag.appendChild(row(shown[i])); }
    tbody.replaceChildren(frag);
    status.textContent = data.findings.length === 0 ? "No failing, erroring or waived finding." :
      shown.length === 0 ? "No finding matches these filters." :
      "Showing " + (start + 1) + "\\u2013" + end + " of " + shown.length + " matching findings (page " +
      (page + 1) + " of " + pages + ").";
    document.getElementById("match-count").textContent = String(shown.length);
    prev.disabled = page === 0;
    next.disabled = page >= pages - 1;
  }

  function filter() {
    var d = sel.dom.value, v = sel.sev.value, s = sel.st.value;
    shown = data.findings.filter(function (f) {
      return (d === "*" || f[2] === d) && (v === "*" || f[1] === v) && (s === "*" || f[0] === s);
    });
    page = 0;
    draw();
  }

  [sel.dom, sel.sev, sel.st].forEach(function (s) { s.addEventListener("change", filter); });
  prev.addEventListener("click", function () { page -= 1; draw(); });
  next.addEventListener("click", function () { page += 1; draw(); });
  document.getElementById("filters").hidden = false;
  document.getElementById("pager").hidden = false;
  document.getElementById("nojs-note").hidden = true;
  filter();
  // Written last: a browser test reads it to know the script ran to the end without an exception.
  document.documentElement.setAttribute("data-aima-ready", "true");
}());
""".lstrip("\n")
