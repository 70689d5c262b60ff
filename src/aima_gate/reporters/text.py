"""Human-readable text, written for a person's first run: what was found (models and where from, evidence kinds,
narrowings, excluded folders), the failures and errors grouped by AIMA domain with their evidence
(``file:line: message``), the few next steps worth most, and one verdict line, always the last.

Passing and not-applicable findings are counted, not listed, unless ``verbose`` (``check -v``); the machine formats
always hold every finding.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from itertools import chain, compress, groupby
from operator import attrgetter
from typing import TYPE_CHECKING, Any, NamedTuple

from aima_gate.aima.catalog import load_catalog
from aima_gate.core.errors import pointer_to_path
from aima_gate.core.model import Finding, Status
from aima_gate.core.report import Report
from aima_gate.integrity.import_report import summary_lines
from aima_gate.reporters._common import escape_terminal, found_detail, scope_notes
from aima_gate.reporters._overview import inventory_lines, next_steps_lines, passing_line

if TYPE_CHECKING:
    from aima_gate.core.aside import Aside

_SHOWN = (Status.ERROR, Status.FAIL, Status.WAIVED)
_SHOWN_IDS = frozenset(map(id, _SHOWN))
_STATUS, _AIMA = attrgetter("status"), attrgetter("aima")
_LABEL = {Status.ERROR: "ERROR", Status.FAIL: "FAIL", Status.WAIVED: "WAIVED", Status.PASS: "PASS",
          Status.NOT_APPLICABLE: "N/A"}


def _finding_lines(report: Report, f: Finding, heads: dict[tuple[Any, ...], _Head]) -> list[str]:
    """A finding's lines; ``heads`` keeps the lines that depend only on its policy and kind (see :class:`_Head`)."""
    key = (f.policy_id, f.title, f.remediation, id(f.status), id(f.severity), id(f.aima))
    head = heads.get(key)
    if head is None:
        head = heads[key] = _head(report, f)
    out = [f"{head.lead}{f.subject.name} ({f.subject.file})"]
    if head.title is not None:
        out.append(head.title)
    for e in f.evidence:
        where = f"{e.file}:{e.line}"
        path = pointer_to_path(e.pointer) if e.pointer else ""
        ptr = f" {path}" if path and not e.message.startswith(path) else ""
        expected = f" (expected {e.expected})" if e.expected and f.status is not Status.PASS else ""
        out.append(f"         {where}{ptr}: {e.message}{expected}")
        detail = found_detail(e)
        if detail:
            out.append(f"           found: {detail}")
    if f.waiver:
        w = f.waiver
        state = "EXPIRED " if w.get("expired") else ""
        out.append(f"         {state}waiver by {w['owner']} until {w['expires']}: {w['reason']}")
    if head.fix is not None:
        out.append(head.fix)
    return out


class _Head(NamedTuple):
    """The lines of a finding made of its policy id, title, remediation, status, severity and AIMA reference
    alone: the same for every finding of a policy's kind (tens of thousands of failures, a few hundred kinds)."""

    lead: str
    """The first line up to the subject."""
    title: str | None
    fix: str | None


def _head(report: Report, f: Finding) -> _Head:
    label = _LABEL[f.status]
    if f.status is Status.FAIL and not report.is_blocking(f):
        label = "WARN"
    return _Head(f"  {label:<6} [{f.severity.value}] {f.policy_id}: ",
                 None if f.status is Status.ERROR else f"         {f.title}",
                 f"         fix: {f.remediation}" if f.status in (Status.FAIL, Status.ERROR) else None)


def render(report: Report, *, verbose: bool = False) -> str:
    return "".join(iter_render(report, verbose=verbose))


def iter_render(report: Report, *, verbose: bool = False, batch: int = 4096) -> Iterator[str]:
    """The report in pieces of whole lines, each ending in a newline (tens of megabytes on large repositories are
    written as they are made, never held as one string); joined, they are :func:`render`. A piece is up to
    ``batch`` lines (or, made aside by :class:`Started`, up to a chunk of the child's bytes).

    Every line escaped as a whole: a repository-chosen string (file or model name, a quoted value) can never
    add a line (a forged "Verdict: PASS") or a terminal control sequence; only the joins here end lines."""
    return Started(report, verbose=verbose, batch=batch).pieces()


class Started:
    """The text report with its end started now on the second core (core/aside.py): a child renders the report
    from the listed finding ``aside_share`` (a fraction of them) from the end on, while this process renders the
    start. Reporters are pure: the bytes are the ones made here, and are made here whenever the child's are not
    known to be whole. With ``aside_share`` 0 (or no spare core) everything is made here, by the same code.

    :meth:`pieces` yields the report; :meth:`cancel` stops the child when the report is no longer wanted."""

    def __init__(self, report: Report, *, verbose: bool = False, batch: int = 4096,
                 aside_share: float = 0.0) -> None:
        from aima_gate.core.aside import aside, can_aside

        self.report, self.verbose, self.batch, self.share = report, verbose, batch, aside_share
        # Listed once, before the child is forked: it inherits the lists (each process would list every finding).
        self.listing = _listing(report, verbose)
        self.end: Aside | None = aside(self._end) if aside_share > 0 and can_aside() else None

    def pieces(self) -> Iterator[str]:
        try:
            yield from _batched(self._blocks(), self.batch)
        finally:
            self.cancel()  # the reader stopped early (a closed pipe); nothing once the pieces were read

    def cancel(self) -> None:
        if self.end is not None:
            self.end.cancel()

    def _blocks(self) -> Iterator[list[str] | str]:
        report, verbose, listing = self.report, self.verbose, self.listing
        yield from _start_blocks(report, verbose)
        yield inventory_lines(report, verbose=verbose)
        if self.end is None:
            yield from _domain_blocks(report, listing, 0, None)
            yield from _closing_blocks(report, listing, verbose)
            return
        yield from _domain_blocks(report, listing, 0, _split_at(listing, self.share))
        report.summary  # noqa: B018 - the verdict's counts: made here too (the exit code), while the child works
        yield from _whole_lines(self.end.pieces())

    def _end(self) -> Iterator[bytes]:
        """The child's output: the report from :func:`_split_at` on, in UTF-8 with lone surrogates passed through
        (:func:`_whole_lines` decodes them back to the very same text)."""
        listing = self.listing
        blocks = chain(_domain_blocks(self.report, listing, _split_at(listing, self.share), None),
                       _closing_blocks(self.report, listing, self.verbose))
        return (piece.encode("utf-8", "surrogatepass") for piece in _batched(blocks, self.batch))


ALONE_ASIDE_SHARE = 0.6
"""The share of the listed findings the child renders when the text report is the run's only output, as
``aima-gate check`` prints it. The child also makes the next steps and the verdict's counts; this process makes the
inventory. Timed at 5,000 models (the report rendered in 0.38 -> 0.30 s): 0.5 and 0.7 ended 40-50 ms later. With
other outputs ``check`` shares whole outputs instead: this split of the text behind a Markdown summary was
measured 60 ms slower than making the whole text in the child."""


def _whole_lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """The text of a child's bytes (:func:`_encoded`), in pieces of whole lines: each block of the report's
    pieces ends a line, and coloured output colours whole lines."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")("surrogatepass")
    rest = ""
    for chunk in chunks:
        text = rest + decoder.decode(chunk)
        cut = text.rfind("\n") + 1
        rest = text[cut:]
        if cut:
            yield text[:cut]
    rest += decoder.decode(b"", final=True)
    if rest:  # (never: the child's text ends with a line)
        yield rest


def _batched(blocks: Iterable[list[str] | str], batch: int) -> Iterator[str]:
    """Blocks of unescaped lines as pieces of up to ``batch`` escaped lines; a block that is a string (text made
    aside: escaped whole lines) passes as it is, after the lines before it."""
    pending: list[str] = []
    for block in blocks:
        if type(block) is str:
            if pending:
                yield _escaped(pending)
                pending = []
            yield block
            continue
        pending += block
        if len(pending) >= batch:
            full = len(pending) - len(pending) % batch
            for start in range(0, full, batch):
                yield _escaped(pending[start:start + batch])
            del pending[:full]
    if pending:
        yield _escaped(pending)


def _escaped(lines: list[str]) -> str:
    """The lines, each through :func:`escape_terminal`, joined and ended by newlines. A printable line is its own
    escape: a batch of printable lines (the usual case) is checked at C speed, without a call per line."""
    return "\n".join(lines if all(map(str.isprintable, lines)) else map(escape_terminal, lines)) + "\n"


class _Shown(NamedTuple):
    """A domain the report shows (its slug; "" for the gate's own findings), its heading line and the findings it
    lists, in order."""

    domain: str
    heading: str
    listed: list[Finding]


def _listing(report: Report, verbose: bool) -> list[_Shown]:
    """The domains shown, in the catalog's order: those with something to fix (a failure, error or waiver), or
    with ``verbose`` all of them."""
    catalog = load_catalog()
    names = {d.slug: d.name for d in catalog.domains}
    order = {d.slug: i for i, d in enumerate(catalog.domains)}
    groups: dict[str, list[Finding]] = defaultdict(list)
    for aima, same in groupby(report.findings, _AIMA):  # runs sharing an AIMA reference (a policy's findings)
        groups[aima.domain if aima else ""].extend(same)
    out = []
    for domain in sorted(groups, key=lambda d: order.get(d, -1)):
        items = groups[domain]
        counts = Counter(map(id, map(_STATUS, items)))  # by status object: Status's hash is Python code
        if not verbose and not any(counts[i] for i in _SHOWN_IDS):
            continue
        title = names.get(domain, "aima-gate (input and configuration)")
        passed, na = counts[id(Status.PASS)], counts[id(Status.NOT_APPLICABLE)]
        listed = items if verbose else list(
            compress(items, map(_SHOWN_IDS.__contains__, map(id, map(_STATUS, items)))))
        out.append(_Shown(domain, f"{title}: {passed} passed" + (f", {na} not applicable" if na else ""), listed))
    return out


def _split_at(listing: list[_Shown], share: float) -> int:
    """Where the listed findings made aside begin (their index, counted over every shown domain)."""
    total = sum(len(shown.listed) for shown in listing)
    return total - int(total * min(share, 1.0))


def _start_blocks(report: Report, verbose: bool) -> Iterator[list[str]]:
    yield [f"aima-gate {report.tool_version}: {len(report.policies)} policies, fail on {report.fail_on.value}+"]
    # Narrowings first, before any result: a reader must know what was not evaluated (policies.disable too).
    yield scope_notes(report)
    target = report.extra.get("target_level")
    if target:
        yield [f"Target AIMA level {target['level']} ({target['file']}): {target['advisory']} failure(s) of "
               "policies above it are advisory, not blocking"]
    baseline = report.extra.get("baseline")
    if baseline:
        state = f"EXPIRED on {baseline['expires']}: recorded debt blocks again" if baseline["expired"] else \
            f"{baseline['baselined']} failure(s) baselined (shown as waived)"
        fixed = [f"{d['policy_id']} on {d['subject']}" for d in baseline["fixed"]]
        yield [f"Baseline {baseline['file']} ({baseline['created']}): {state}"
               + (f"; fixed debt: {', '.join(fixed)}" if fixed else "")]
    yield list(summary_lines(report.extra, detailed=verbose))


def _domain_blocks(report: Report, listing: list[_Shown], start: int, stop: int | None) -> Iterator[list[str]]:
    """The shown domains' lines from the listed finding ``start`` up to ``stop`` (None: to the end): each domain's
    heading goes with its first finding."""
    heads: dict[tuple[Any, ...], _Head] = {}
    offset = 0
    for shown in listing:
        end = offset + len(shown.listed)
        if start <= offset and (stop is None or offset < stop):
            yield ["", shown.heading]
        for f in shown.listed[max(start - offset, 0):len(shown.listed) if stop is None else max(stop - offset, 0)]:
            yield _finding_lines(report, f, heads)
        offset = end


def _closing_blocks(report: Report, listing: list[_Shown], verbose: bool) -> Iterator[list[str]]:
    passing = passing_line(report, [shown.domain for shown in listing], verbose)
    if passing:
        yield ["", passing]
    steps = next_steps_lines(report)
    if steps:
        yield ["", *steps]
    s = report.summary
    verdict = report.verdict.upper()
    yield ["", (
        f"Verdict: {verdict} (exit {int(report.exit_code)}): {s['blocking']} blocking; "
        f"{s['pass']} pass, {s['fail']} fail, {s['error']} error, {s['waived']} waived, "
        f"{s['not_applicable']} not applicable"
    )]
