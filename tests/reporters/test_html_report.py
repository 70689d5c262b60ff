"""The HTML report: escaping of hostile repository strings, determinism, its Content-Security-Policy, its size at
5,000 models, and the page itself in a real headless Chromium (Debian's ``chromium``).

The browser tests load the file with ``--dump-dom`` (the DOM after the page's script ran) and, in a second
invocation, ``--screenshot``. The script writes ``data-aima-ready="true"`` on ``<html>`` as its last act, so an
exception anywhere shows as the marker missing; with ``--enable-logging=stderr`` every console message (console
calls, uncaught exceptions, Content-Security-Policy violations) appears as a ``CONSOLE`` line, and the page logs
nothing of its own, so any such line fails the test. The interactive test drives the page over the DevTools
protocol (``tests/reporters/cdp.py``, through ``--remote-debugging-pipe``: no port): it changes the filters, tabs
to the pager with the keyboard and presses Enter, and asserts no console message, exception or CSP report.
Screenshots are kept in ``tests/reporters/artifacts/`` (gitignored) and their paths printed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
from pathlib import Path

import pytest

from aima_gate.core.model import UNUSED_WAIVER, AimaRef, Evidence, Finding, Severity, Status, Subject
from aima_gate.core.report import Report
from aima_gate.reporters import _html_sections, get_renderer, html
from tests.conftest import TODAY, run_cli
from tests.realcomponents import executable
from tests.reporters.cdp import Browser
from tests.reporters.test_reporters import FIXTURE

ARTIFACTS = Path(__file__).parent / "artifacts"
SIZE_LIMIT = 10 * 1024 * 1024
"""The HTML of a 5,000-model report stays under this (measured: see test_html_stays_light_at_5000_models)."""
HOSTILE = ("</script><script>document.title='pwned'</script><!-- <img src=x onerror=alert(1)> \"' & "
           "\u2028\u2029\u202e\x07")
AIMA = AimaRef("governance", "policy-and-compliance", "B", 1)


def finding(policy: str, name: str, status: Status = Status.FAIL, severity: Severity = Severity.HIGH,
            message: str = "owner is missing", line: int = 1, waiver: dict[str, str] | None = None,
            aima: AimaRef | None = AIMA) -> Finding:
    return Finding(policy, f"Policy {policy}", status, severity, Subject("model", name, "registry/models.yml"), aima,
                   (Evidence("registry/models.yml", line, "/owner", None, "present", message),), "Add an owner.",
                   waiver=waiver)


def big_report(models: int = 5000) -> Report:
    """Four policies per model: one fails for every model, one passes, one is not applicable, one is waived."""
    waiver = {"reason": "migrating (GOV-9)", "owner": "gov@example.com", "expires": "2027-01-31",
              "file": ".aima-gate.yml", "line": "4"}
    findings = []
    for i in range(models):
        name = f"model-{i:05d}@1.0.{i % 7}"
        findings += [
            finding("p.owner", name, message=f"$.models[{i}].owner is missing; the registry entry names no team",
                    line=i * 12 + 3),
            finding("p.card", name, Status.PASS, message="$.card exists"),
            finding("p.tier", name, Status.NOT_APPLICABLE, Severity.LOW),
            finding("p.lineage", name, Status.WAIVED, Severity.MEDIUM, waiver=waiver),
        ]
    return Report("0.1.0", "sha256:" + "0" * 64, Severity.MEDIUM, tuple(findings), (), ".")


def hostile_report() -> Report:
    waiver = {"reason": HOSTILE, "owner": HOSTILE, "expires": "2027-01-31", "file": ".aima-gate.yml", "line": "1"}
    return Report("0.1.0", "sha256:" + "0" * 64, Severity.LOW, (
        finding("p.owner", HOSTILE, message=HOSTILE),
        finding("p.lineage", f"x{HOSTILE}", Status.WAIVED, waiver=waiver),
        finding(UNUSED_WAIVER, HOSTILE, severity=Severity.INFO, message=HOSTILE),
    ), (), ".", extra={"disabled_policies": {"file": ".aima-gate.yml", "policies": [HOSTILE]},
                       "scope": {"only": [HOSTILE], "nested": {"deeper": [[{"x": HOSTILE}]]}},
                       "baseline": [{"fingerprint": "ab" * 32, "note": HOSTILE}]})


def data_block(page: str) -> str:
    match = re.search(r'<script type="application/json" id="aima-data">(.*?)</script>', page, re.S)
    assert match
    return match.group(1)


def test_hostile_strings_are_escaped_everywhere() -> None:
    page = get_renderer("html")(hostile_report())
    assert "<script>document.title" not in page and "<img src=x" not in page and "<!-- <img" not in page
    assert "\u2028" not in page and "\u2029" not in page and "\u202e" not in page and "\x07" not in page
    assert page.count("<script") == 2 and page.count("</script>") == 2  # the data block and the page's script
    block = data_block(page)
    assert "<" not in block and ">" not in block and "&" not in block
    data = json.loads(block)
    cleaned = _html_sections.clean(HOSTILE)
    assert cleaned.startswith("</script>") and "\\u202e" in cleaned and "\\u0007" in cleaned
    assert data["findings"][0][5] == cleaned  # the script shows the same (cleaned) text, via textContent
    assert "&lt;/script&gt;&lt;script&gt;document.title=&#x27;pwned&#x27;" in page
    assert "&quot;&#x27; &amp;" in page
    for section in ("h-waivers", "h-scope"):
        assert f'aria-labelledby="{section}"' in page
    assert page.count("Disabled policies") == 1 and "Baseline" in page and "Scope" in page


def test_output_is_deterministic_and_locked_down() -> None:
    page = get_renderer("html")(hostile_report())
    assert page == get_renderer("html")(hostile_report())
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert csp and "default-src 'none'" in csp.group(1)
    for tag, directive in (("style", "style-src"), ("script", "script-src")):
        match = re.search(rf"<{tag}>(.*?)</{tag}>", page, re.S)
        assert match
        digest = base64.b64encode(hashlib.sha256(match.group(1).encode()).digest()).decode()
        assert f"{directive} 'sha256-{digest}'" in csp.group(1)
    assert not re.search(r"\b(src|href)=\"(https?:|//)", page), "nothing may be fetched"
    assert "unsafe-inline" not in page and " style=" not in page  # inline style attributes would need it


def test_page_structure_is_accessible() -> None:
    page = get_renderer("html")(big_report(20))
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert page.count("<h1>") == 1 and page.count("<h2 ") >= 5
    for ident in ("filter-domain", "filter-severity", "filter-status"):
        assert f'<label for="{ident}">' in page and f'<select id="{ident}">' in page
    assert '<th scope="col">Status</th>' in page and "<caption" in page
    assert ">FAIL</span>" in page and ">WAIVED</span>" in page  # status in words, not colour alone
    assert ":focus-visible" in page


def test_html_stays_light_at_5000_models(capsys: pytest.CaptureFixture[str]) -> None:
    rep = big_report(5000)
    page = get_renderer("html")(rep)
    size = len(page.encode())
    json_size = len(get_renderer("json")(rep).encode())
    with capsys.disabled():
        print(f"\nHTML report of 5,000 models (20,000 findings): {size / 1e6:.2f} MB "
              f"(JSON report {json_size / 1e6:.1f} MB)")
    assert size < SIZE_LIMIT
    data = json.loads(data_block(page))
    assert len(data["findings"]) == 10000  # failures and waived findings; passing ones are counts only
    assert "$.card exists" not in page
    assert page.count("<tr><td><span class=\"badge") == html.PAGE  # only the first page is markup
    assert "findings were left out" not in page
    empty = get_renderer("html")(Report("0.1.0", "sha256:" + "0" * 64, Severity.LOW, (), (), "."))
    assert "No failing, erroring or waived finding." in empty and "No waiver applies to this run." in empty


def test_budget_leaves_the_least_severe_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html, "BUDGET", 200 * 1024)
    rep = Report("0.1.0", "sha256:" + "0" * 64, Severity.MEDIUM, (
        *(finding("p.low", f"m{i}", severity=Severity.LOW, message="x" * 300) for i in range(2000)),
        finding("p.crit", "critical-one", severity=Severity.CRITICAL)), (), ".")
    page = get_renderer("html")(rep)
    data = json.loads(data_block(page))
    assert data["findings"][0][3] == data["strings"].index("p.crit")
    assert "findings were left out" in page and len(page.encode()) < 400 * 1024


def test_worst_case_strings_and_sections_stay_bounded() -> None:
    """Long messages, many evidence items and a huge baseline: still under the stated limit."""
    evidence = tuple(Evidence(f"f{i}.yml", i, "", None, "x" * 5000, "y" * 5000) for i in range(50))
    findings = [Finding("p.big", "t" * 5000, Status.FAIL, Severity.HIGH, Subject("model", f"m{i}" + "n" * 5000, "r"),
                        AIMA, evidence, "z" * 5000) for i in range(600)]
    baseline = [{"fingerprint": f"{i:064x}", "nested": [{"deep": [[[[[["x"]]]]]]}]} for i in range(100000)]
    rep = Report("0.1.0", "sha256:" + "0" * 64, Severity.LOW, tuple(findings), (), ".", extra={"baseline": baseline})
    page = get_renderer("html")(rep)
    assert len(page.encode()) < SIZE_LIMIT
    assert "findings were left out" in page and "more in the JSON report" in page
    assert "more evidence items are in the JSON report" in page and "more characters)" in page


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_text_contrast_is_at_least_4_5() -> None:
    """Every text colour of the stylesheet and of the radar's labels, on every background it can sit on (WCAG AA)."""
    from aima_gate.aima.radar import radar_svg
    from aima_gate.reporters._html_assets import CSS

    backgrounds = set(re.findall(r"background: (#[0-9a-f]{6})", CSS))
    verdicts = set(re.findall(r"\.v-\w+ \{ background: (#[0-9a-f]{6})", CSS))
    assert verdicts and backgrounds >= {"#ffffff", "#f3f4f6"}
    for colour in set(re.findall(r"(?<![-\w])color: (#[0-9a-f]{6})", CSS)):
        on = verdicts if colour == "#ffffff" else backgrounds - verdicts
        for background in on:
            assert contrast(colour, background) >= 4.5, (colour, background)
    maturity = {"level": 0, "score": 0.0, "as_of": "2026-11-24",
                "domains": [{"name": f"d{i}", "level": 1, "score": 1.0} for i in range(8)]}
    for colour in set(re.findall(r'<text [^>]*fill="(#[0-9a-f]{6})"', radar_svg(maturity))):
        assert contrast(colour, "#ffffff") >= 4.5, colour


# --- in a real browser -----------------------------------------------------------------------------------------

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--enable-logging=stderr", "--v=0")


def chromium(page: Path, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = executable("chromium")
    proc = subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={tmp / 'profile'}", *args, page.as_uri()],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    console = [line for line in proc.stderr.splitlines() if re.search(r"CONSOLE[:(]", line)]
    assert not console, "the page logged to the console (an error, a CSP violation?):\n" + "\n".join(console)
    return proc


def load(page: Path, tmp: Path) -> str:
    dom = chromium(page, tmp, "--dump-dom").stdout
    assert 'data-aima-ready="true"' in dom, "the page's script did not run to the end"
    return dom


def screenshot(page: Path, tmp: Path, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / name
    shot.unlink(missing_ok=True)
    chromium(page, tmp, f"--screenshot={shot}", "--window-size=1280,2000")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    print(f"screenshot: {shot}")
    return shot


def body_rows(dom: str) -> int:
    match = re.search(r'<tbody id="findings-body">(.*?)</tbody>', dom, re.S)
    assert match
    return match.group(1).count("<tr>")


@pytest.mark.slow
def test_fixture_report_in_chromium(tmp_path: Path) -> None:
    """The report the CLI writes (--report html=FILE) works in a real browser: the script ran, filled the pager
    and the count, revealed the filters, logged nothing, and the page looks right (screenshot)."""
    out = tmp_path / "report.html"
    proc = run_cli("check", ".", "--today", TODAY.isoformat(), f"--report=html={out}", cwd=FIXTURE)
    assert proc.returncode == 1, proc.stderr
    dom = load(out, tmp_path)
    assert "Showing 1–5 of 5 matching findings (page 1 of 1)." in dom
    assert '>5</output> matching' in dom and body_rows(dom) == 5
    assert '<form id="filters" class="filters">' in dom and '<p id="nojs-note" class="muted" hidden="">' in dom
    assert "<svg" in dom and "AIMA maturity by domain" in dom
    assert "DATA-77" in dom and "retired-model@*" in dom  # the applied and the unused waiver
    screenshot(out, tmp_path, "fixture-report.png")


@pytest.mark.slow
def test_hostile_and_large_reports_in_chromium(tmp_path: Path) -> None:
    """Hostile strings stay text (no script of theirs runs, the CSP reports nothing), an empty report works and
    5,000 models page."""
    hostile = tmp_path / "hostile.html"
    hostile.write_text(get_renderer("html")(hostile_report()), encoding="utf-8")
    dom = load(hostile, tmp_path)
    assert "<title>aima-gate report: FAIL</title>" in dom and "pwned</title>" not in dom
    assert "&lt;/script&gt;&lt;script&gt;document.title='pwned'&lt;/script&gt;" in dom
    empty = tmp_path / "empty.html"
    empty.write_text(get_renderer("html")(Report("0.1.0", "sha256:" + "0" * 64, Severity.LOW, (), (), ".")),
                     encoding="utf-8")
    dom = load(empty, tmp_path)
    assert "No failing, erroring or waived finding." in dom and body_rows(dom) == 0
    big = tmp_path / "big.html"
    big.write_text(get_renderer("html")(big_report(5000)), encoding="utf-8")
    dom = load(big, tmp_path)
    assert "Showing 1–100 of 10000 matching findings (page 1 of 100)." in dom and body_rows(dom) == 100
    screenshot(big, tmp_path, "large-report.png")


def mixed_report(models: int = 150) -> Report:
    """Per model: a blocking failure (Governance), a non-blocking one (Responsible AI), a waived one (Data
    Management); plus one input error. Fails on high."""
    waiver = {"reason": "DATA-77", "owner": "data@example.com", "expires": "2027-01-31", "file": ".aima-gate.yml",
              "line": "9"}
    rai = AimaRef("responsible-ai", "transparency-and-explainability", "B", 2)
    data = AimaRef("data-management", "data-training", "A", 1)
    findings = [finding("aima-gate.input-error", "cards/broken.md", Status.ERROR, aima=None, message="bad YAML")]
    for i in range(models):
        name = f"model-{i:03d}@1.0"
        findings += [finding("p.owner", name, line=i + 1),
                     finding("p.card", name, severity=Severity.MEDIUM, aima=rai),
                     finding("p.lineage", name, Status.WAIVED, Severity.LOW, waiver=waiver, aima=data)]
    return Report("0.1.0", "sha256:" + "0" * 64, Severity.HIGH, tuple(findings), (), ".")


@pytest.mark.slow
def test_filters_paging_and_keyboard_in_chromium(tmp_path: Path) -> None:
    """Driven over the DevTools protocol: the filters narrow the table, the pager pages, the keyboard reaches and
    works every control with a visible focus ring, and nothing is logged (no exception, no CSP violation)."""
    page = tmp_path / "mixed.html"
    page.write_text(get_renderer("html")(mixed_report()), encoding="utf-8")
    flags = tuple(f for f in CHROMIUM_FLAGS if not f.startswith(("--enable-logging", "--v=")))
    browser = Browser(executable("chromium"), flags, tmp_path / "profile", tmp_path / "chromium.log")
    try:
        browser.open(page.as_uri())
        assert browser.eval("document.documentElement.getAttribute('data-aima-ready')") == "true"
        status = "document.getElementById('page-status').textContent"
        assert browser.eval(status) == "Showing 1–100 of 451 matching findings (page 1 of 5)."
        assert browser.eval("document.querySelector('#findings-body td').textContent") == "ERROR"

        def choose(select: str, value: str) -> None:
            browser.eval(f"(function () {{ var s = document.getElementById('{select}'); s.value = '{value}';"
                         "s.dispatchEvent(new Event('change')); }())")

        badges = ("Array.from(document.querySelectorAll('#findings-body .badge'))"
                  ".map(function (b) { return b.textContent; })")
        choose("filter-status", "waived")
        assert browser.eval(status) == "Showing 1–100 of 150 matching findings (page 1 of 2)."
        assert set(browser.eval(badges)) == {"WAIVED"}
        assert "Waived until 2027-01-31 by data@example.com: DATA-77" in browser.eval("document.body.innerText")
        choose("filter-domain", "governance")
        assert browser.eval(status) == "No finding matches these filters."
        choose("filter-status", "warn")
        choose("filter-domain", "responsible-ai")
        assert browser.eval("document.getElementById('match-count').textContent") == "150"
        assert set(browser.eval(badges)) == {"FAIL (not blocking)"}
        choose("filter-domain", "")
        choose("filter-status", "*")
        assert set(browser.eval(badges)) == {"ERROR"}  # the gate's own findings have their own "domain"
        choose("filter-domain", "*")

        reached = []
        for _ in range(40):  # Tab through the page: every control is reachable by keyboard
            browser.key("Tab", 9)
            reached.append(browser.eval("document.activeElement.id || document.activeElement.tagName"))
            if reached[-1] == "page-next":
                break
        assert {"filter-domain", "filter-severity", "filter-status", "page-next"} <= set(reached), reached
        assert browser.eval("getComputedStyle(document.activeElement).outlineStyle") == "solid"
        browser.key("Enter", 13)
        assert browser.eval(status) == "Showing 101–200 of 451 matching findings (page 2 of 5)."
        assert browser.eval("document.getElementById('page-prev').disabled") is False
        assert browser.problems() == []
        ARTIFACTS.mkdir(exist_ok=True)
        print(f"screenshot: {browser.screenshot(ARTIFACTS / 'keyboard-page-2.png')}")
    finally:
        browser.close()
