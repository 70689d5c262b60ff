"""One clock for the whole program: --today / AIMA_GATE_TODAY pin the evaluation date and the evidence stamps of
every command; without them the system date (UTC) is used."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from aima_gate.core.clock import TODAY_ENV, Clock, parse_day
from tests.conftest import EXAMPLES, TODAY, run_cli
from tests.evidence.test_fairness import fairness, predictions


def test_pinned_clock_stamps_midnight_of_its_day() -> None:
    clock = Clock.at(dt.date(2030, 2, 3))
    assert clock.now() == dt.datetime(2030, 2, 3, tzinfo=dt.timezone.utc)
    assert clock.now().date() == clock.today


@pytest.mark.parametrize("value", ["2026-11-24T00:00", "2026-11-24 ", "2026-11-24x", "24/11/2026", "2026-13-01", ""])
def test_a_day_is_a_date_and_nothing_else(value: str) -> None:
    with pytest.raises(ValueError, match="is not a date"):
        parse_day(value)


def test_env_pins_library_callers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TODAY_ENV, "2031-05-06")
    assert Clock.current() == Clock.at(dt.date(2031, 5, 6))
    monkeypatch.delenv(TODAY_ENV)
    before = dt.datetime.now(dt.timezone.utc).date()
    current = Clock.current()
    assert not current.pinned and before <= current.today <= dt.datetime.now(dt.timezone.utc).date()


def _score_as_of(*args: str, env: dict[str, str] | None = None) -> str:
    proc = run_cli("score", str(EXAMPLES / "credit-scoring"), "--format", "json", *args, env=env)
    assert proc.stdout, proc.stderr
    return str(json.loads(proc.stdout)["as_of"])


def test_score_honours_the_flag_and_the_environment() -> None:
    assert _score_as_of("--today", "2026-11-25") == "2026-11-25"
    assert _score_as_of(env={TODAY_ENV: "2026-11-26"}) == "2026-11-26"
    assert _score_as_of("--today", "2026-11-25", env={TODAY_ENV: "2026-11-26"}) == "2026-11-25"  # the flag wins


def test_unpinned_run_uses_the_system_date() -> None:
    before = dt.datetime.now(dt.timezone.utc).date().isoformat()
    proc = run_cli("score", str(EXAMPLES / "credit-scoring"), "--format", "json", unset=(TODAY_ENV,))
    after = dt.datetime.now(dt.timezone.utc).date().isoformat()
    assert json.loads(proc.stdout)["as_of"] in {before, after}


@pytest.mark.parametrize("command", [("check",), ("score",)])
def test_a_bad_day_is_an_input_error(command: tuple[str, ...]) -> None:
    proc = run_cli(*command, str(EXAMPLES / "credit-scoring"), "--today", "2026-11-24T10:00")
    assert proc.returncode == 2 and "is not a date (YYYY-MM-DD)" in proc.stderr


def test_evidence_is_stamped_with_the_pinned_day(tmp_path: Path) -> None:
    code, output, report = fairness(tmp_path, predictions(tmp_path / "preds.csv", bias=0.0, rows=200),
                                    "--today", "2027-03-04")
    assert code == 0, output
    assert report is not None and report["generated_at"] == "2027-03-04T00:00:00Z"
    code, output, report = fairness(tmp_path, predictions(tmp_path / "preds.csv", bias=0.0, rows=200))
    assert code == 0, output
    assert report is not None and report["generated_at"] == f"{TODAY.isoformat()}T00:00:00Z"  # env from conftest
