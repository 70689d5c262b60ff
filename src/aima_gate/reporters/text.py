"""Human-readable text, written for a person's first run: what was found (models and where from, evidence kinds,
narrowings, excluded folders), the failures and errors grouped by AIMA domain with their evidence
(``file:line: message``), the few next steps worth most, and one verdict line, always the last.

Passing and not-applicable findings are counted, not listed, unless ``verbose`` (``check -v``); the machine formats
always hold every finding.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain, compress, groupby
from operator import attrgetter
from typing import TYPE_CHECKING, Any, NamedTuple, cast

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


@dataclass(frozen=True)
class AsidePlan:
    """What of the text report a forked child makes (:class:`Started`): the findings by domain from the listed
    finding ``share`` of them before the end on (their lines are most of the report; 1: all of them, with every
    heading), and with ``inventory`` and ``steps`` the inventory and the next steps (a few lines, each a pass over
    every finding)."""

    share: float
    inventory: bool = False
    steps: bool = False


ALONE = AsidePlan(0.8)
"""The text report is the run's only output (``aima-gate check`` as a person runs it): this process makes the
inventory, the next steps, the verdict's counts and the first fifth of the findings. Timed at 5,000 models, the
report took 0.38 s, now 0.31 s; with 0.65 and 0.95 of the findings aside 20 ms more, with all of them 30 ms more."""
BEHIND = AsidePlan(1.0, steps=True)
"""The text report comes after outputs this process makes (the Markdown summary): the child makes all the findings
and the next steps, this process the inventory. Timed at 5,000 models behind the Markdown summary, the reports took
0.46 s (the whole text in the child), now 0.41 s; with the inventory aside too 0.50 s, with neither 0.46 s."""


class Started:
    """The text report, its parts in ``plan`` started now on the second core (core/aside.py): a child makes them
    while this process makes its other outputs and the rest of this one. What this process makes after the
    child's first part is made before the child's bytes are read, so that the two overlap. Reporters are pure: the
    bytes are the ones made here, and are made here whenever the child's are not known to be whole (or there is no
    spare core, or no plan).

    :meth:`written` yields the report's bytes, :meth:`pieces` its text; :meth:`cancel` stops the child when the
    report is no longer wanted."""

    def __init__(self, report: Report, *, verbose: bool = False, batch: int = 4096,
                 plan: AsidePlan | None = None) -> None:
        from aima_gate.core.aside import aside_all, can_aside

        self.report, self.verbose, self.batch = report, verbose, batch
        self.share = plan.share if plan is not None else 0.0
        self.inventory: Aside | None = None
        self.domains: Aside | None = None
        self.steps: Aside | None = None
        if plan is not None and can_aside():
            wanted = [(plan.inventory, self._inventory), (True, self._domains), (plan.steps, self._steps)]
            made = iter(aside_all([produce for asked, produce in wanted if asked]))
            self.inventory, self.domains, self.steps = (next(made) if asked else None for asked, _ in wanted)

    def written(self, paint: Callable[[str], str] | None = None) -> Iterator[bytes]:
        """The report as ``check`` writes it: its pieces (whole lines), each through ``paint`` (colours), in UTF-8
        with a lone surrogate (from a file name) written as its backslash escape. The child's bytes are already
        that: passed on as they are, unless painted."""
        try:
            for piece in self._parts():
                if isinstance(piece, str):
                    yield _as_written(paint(piece) if paint else piece)
                elif paint is None:
                    yield from piece.pieces()
                else:
                    yield from (_as_written(paint(lines)) for lines in _whole_lines(piece.pieces()))
        finally:
            self.cancel()  # the reader stopped early (a closed pipe); nothing once the pieces were read

    def pieces(self) -> Iterator[str]:
        """The report's text in pieces of whole lines (where the child made a part, a lone surrogate comes back as
        its backslash escape: see :meth:`written`)."""
        try:
            for piece in self._parts():
                yield piece if isinstance(piece, str) else "".join(_whole_lines(piece.pieces()))
        finally:
            self.cancel()

    def cancel(self) -> None:
        for made in (self.inventory, self.domains, self.steps):
            if made is not None:
                made.cancel()

    def _parts(self) -> Iterator[str | Aside]:
        """Pieces of escaped lines made here (see :func:`_batched`), and the parts the child made, in order."""
        if self.domains is None:
            return _batched(self._all_here(), self.batch)
        runs = groupby(self._with_child(), key=lambda block: type(block) is list)
        return chain.from_iterable(_batched(cast(Iterator[list[str]], run), self.batch) if here else
                                   cast("Iterator[Aside]", run) for here, run in runs)

    def _all_here(self) -> Iterator[list[str]]:
        report, verbose = self.report, self.verbose
        listing = _listing(report, verbose)
        yield from _start_blocks(report, verbose)
        yield inventory_lines(report, verbose=verbose)
        yield from _domain_blocks(report, listing, 0, None, verbose)
        yield from _steps_blocks(report)
        yield _verdict_block(report)

    def _with_child(self) -> Iterator[list[str] | Aside]:
        assert self.domains is not None
        report, verbose = self.report, self.verbose
        verdict = _verdict_block(report)  # (the exit code needs its counts anyway)
        yield from _start_blocks(report, verbose)
        yield inventory_lines(report, verbose=verbose) if self.inventory is None else self.inventory
        steps = list(_steps_blocks(report)) if self.steps is None else []
        if self.share < 1:
            listing = _listing(report, verbose)
            yield from _domain_blocks(report, listing, 0, _split_at(listing, self.share), verbose)
        yield self.domains
        if self.steps is not None:
            yield self.steps
        yield from steps
        yield verdict

    # The child's outputs, as written (the same encoding of the same text as this process's).
    def _inventory(self) -> Iterator[bytes]:
        return map(_as_written, _batched([inventory_lines(self.report, verbose=self.verbose)], self.batch))

    def _domains(self) -> Iterator[bytes]:
        listing = _listing(self.report, self.verbose)
        blocks = _domain_blocks(self.report, listing, _split_at(listing, self.share), None, self.verbose)
        return map(_as_written, _batched(blocks, self.batch))

    def _steps(self) -> Iterator[bytes]:
        return map(_as_written, _batched(_steps_blocks(self.report), self.batch))


def _as_written(text: str) -> bytes:
    # backslashreplace: a lone surrogate that reached a report (a file name) is written as the text "\\udcff"
    # (cli/check.py writes every output so).
    return text.encode("utf-8", "backslashreplace")


def _whole_lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """The text of a child's bytes (:func:`_as_written`: UTF-8), in pieces of whole lines: each of its pieces
    ends a line, and colouring colours whole lines."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
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


def _batched(blocks: Iterable[list[str]], batch: int) -> Iterator[str]:
    """Blocks of unescaped lines as pieces of up to ``batch`` escaped lines."""
    pending: list[str] = []
    for block in blocks:
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


def _split_at(listing: list[_Shown], share: float) -> int:
    """The index of the first listed finding (counted over every shown domain) of the last ``share`` of them."""
    total = sum(len(shown.listed) for shown in listing)
    return total - int(total * min(share, 1.0))


def _domain_blocks(report: Report, listing: list[_Shown], start: int, stop: int | None,
                   verbose: bool) -> Iterator[list[str]]:
    """The shown domains' lines from the listed finding ``start`` up to ``stop``, each domain's heading with its
    first finding; to the end (``stop`` None), then the passing line."""
    heads: dict[tuple[Any, ...], _Head] = {}
    offset = 0
    for shown in listing:
        if start <= offset and (stop is None or offset < stop):
            yield ["", shown.heading]
        end = len(shown.listed) if stop is None else max(stop - offset, 0)
        for f in shown.listed[max(start - offset, 0):end]:
            yield _finding_lines(report, f, heads)
        offset += len(shown.listed)
    if stop is None:
        passing = passing_line(report, [shown.domain for shown in listing], verbose)
        if passing:
            yield ["", passing]


def _steps_blocks(report: Report) -> Iterator[list[str]]:
    steps = next_steps_lines(report)
    if steps:
        yield ["", *steps]


def _verdict_block(report: Report) -> list[str]:
    s = report.summary
    verdict = report.verdict.upper()
    return ["", (
        f"Verdict: {verdict} (exit {int(report.exit_code)}): {s['blocking']} blocking; "
        f"{s['pass']} pass, {s['fail']} fail, {s['error']} error, {s['waived']} waived, "
        f"{s['not_applicable']} not applicable"
    )]
