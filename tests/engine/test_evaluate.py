"""The pure engine: subjects, applicability, waivers and determinism."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aima_gate.core.model import NO_SUBJECTS, UNUSED_WAIVER, Severity, Status, Waiver
from tests.conftest import TODAY
from tests.engine.helpers import art, make_policy, run

OWNER = {"path": "owner", "exists": True}


def test_a_required_policy_with_no_subjects_is_an_error_not_a_pass() -> None:
    findings = run(make_policy(OWNER), [art({"model_name": "x"}, kind="model_card", name="x")])
    assert len(findings) == 1
    f = findings[0]
    assert f.status is Status.ERROR
    assert f.subject.name == "(no model found)"
    assert "not a pass" in f.evidence[0].message


def test_an_optional_policy_with_no_subjects_is_not_applicable() -> None:
    findings = run(make_policy(OWNER, optional=True), [])
    assert [f.status for f in findings] == [Status.NOT_APPLICABLE]


def test_no_subjects_constant_is_a_gate_pseudo_policy() -> None:
    assert NO_SUBJECTS.startswith("aima-gate.")


def test_applies_to_where_filters_subjects() -> None:
    policy = make_policy(OWNER, applies_to={"kind": "model", "where": {"path": "stage", "equals": "production"}})
    findings = run(policy, [art({"name": "a", "stage": "production"}), art({"name": "b", "stage": "dev"}),
                            art({"name": "c", "stage": 3, "owner": "x"})])
    by_name = {f.subject.name: f.status for f in findings}
    assert by_name == {"a@1": Status.FAIL, "b@1": Status.NOT_APPLICABLE, "c@1": Status.NOT_APPLICABLE}
    erroring = make_policy(OWNER, applies_to={"kind": "model", "where": {"path": "d", "within_days": 3}})
    assert run(erroring, [art({"d": "not a date"})])[0].status is Status.ERROR


def test_finding_carries_policy_metadata_and_subject() -> None:
    policy = make_policy(OWNER, mappings={"nist_ai_rmf": ["GOVERN 1.6"]})
    f = run(policy, [art({"name": "a", "version": "2"}, file="reg/m.yml")])[0]
    assert f.policy_id == "test.policy"
    assert f.severity is Severity.HIGH
    assert (f.subject.kind, f.subject.name, f.subject.file) == ("model", "a@2", "reg/m.yml")
    assert (f.aima.domain, f.aima.practice, f.aima.stream, f.aima.level) == (  # type: ignore[union-attr]
        "governance", "policy-and-compliance", "B", 1)
    assert f.remediation == "Fix the test data."
    assert dict(f.mappings) == {"nist_ai_rmf": ("GOVERN 1.6",)}
    assert f.evidence and f.evidence[0].file == "reg/m.yml"


def test_every_finding_has_evidence_even_a_vacuous_pass() -> None:
    f = run(make_policy({"path": "owner", "exists": False}), [art({"name": "a"})])[0]
    assert f.status is Status.PASS and f.evidence


# -------------------------------------------------------------------------------------------------- waivers


def waiver(subject: str = "a@1", expires: str = "2026-12-31", policy: str = "test.policy") -> Waiver:
    return Waiver(policy, subject, "Accepted until the owner is assigned", "ml-platform", expires,
                  ".aima-gate.yml", 7)


def _by_policy(findings: list[Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for f in findings:
        out.setdefault(f.policy_id, []).append(f)
    return out


def test_active_waiver_waives_a_failure() -> None:
    findings = run(make_policy(OWNER), [art({"name": "a"})], waivers=[waiver()])
    assert [f.status for f in findings] == [Status.WAIVED]
    assert findings[0].waiver is not None
    assert findings[0].waiver["owner"] == "ml-platform"


def test_waiver_is_inclusive_of_its_expiry_day_and_matches_wildcards_and_files() -> None:
    assert run(make_policy(OWNER), [art({"name": "a"})], waivers=[waiver(expires=TODAY.isoformat())])[0].status \
        is Status.WAIVED
    assert run(make_policy(OWNER), [art({"name": "a"})], waivers=[waiver(subject="a@*")])[0].status is Status.WAIVED
    assert run(make_policy(OWNER), [art({"name": "a"}, file="registry/x.yml")],
               waivers=[waiver(subject="registry/*.yml")])[0].status is Status.WAIVED


def test_expired_waiver_fails_again_and_says_it_expired() -> None:
    findings = run(make_policy(OWNER), [art({"name": "a"})], waivers=[waiver(expires="2026-11-23")])
    assert len(findings) == 1
    f = findings[0]
    assert f.status is Status.FAIL
    note = f.evidence[-1]
    assert "expired on 2026-11-23" in note.message
    assert (note.file, note.line) == (".aima-gate.yml", 7)
    assert f.waiver is not None and f.waiver.get("expired") == "true"


def test_unused_waiver_is_reported() -> None:
    findings = run(make_policy(OWNER), [art({"name": "a", "owner": "t"})], waivers=[waiver()])
    groups = _by_policy(findings)
    assert groups["test.policy"][0].status is Status.PASS
    unused = groups[UNUSED_WAIVER]
    assert len(unused) == 1
    assert unused[0].status is Status.FAIL
    assert unused[0].severity is Severity.INFO
    assert (unused[0].evidence[0].file, unused[0].evidence[0].line) == (".aima-gate.yml", 7)
    assert "matched no failing finding" in unused[0].evidence[0].message


def test_errors_cannot_be_waived() -> None:
    policy = make_policy({"path": "d", "within_days": 5})
    findings = run(policy, [art({"name": "a", "d": "not a date"})], waivers=[waiver()])
    groups = _by_policy(findings)
    assert groups["test.policy"][0].status is Status.ERROR
    assert UNUSED_WAIVER in groups  # the waiver covered nothing


def test_waiver_for_another_policy_does_not_apply() -> None:
    findings = run(make_policy(OWNER), [art({"name": "a"})], waivers=[waiver(policy="other.policy")])
    assert _by_policy(findings)["test.policy"][0].status is Status.FAIL


# ---------------------------------------------------------------------------------------------- determinism

_models = st.lists(
    st.fixed_dictionaries({
        "owner": st.one_of(st.none(), st.sampled_from(["", "team-a", "team-b"])),
        "risk_tier": st.sampled_from(["low", "high", "unknown"]),
        "training_data": st.lists(st.fixed_dictionaries({"name": st.sampled_from(["d1", "d2"])},
                                                        optional={"source": st.just("s3://x")}), max_size=3),
    }),
    min_size=1, max_size=6,
)
POLICIES = [
    make_policy(OWNER),
    make_policy({"path": "risk_tier", "one_of": ["low", "high"]}, id="test.tier"),
    make_policy({"every": {"path": "training_data", "assert": {"path": "source", "exists": True}}}, id="test.lineage"),
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_models, st.randoms(use_true_random=False))
def test_property_evaluation_is_deterministic_and_order_independent(models: list[dict[str, Any]],
                                                                    rnd: Any) -> None:
    artifacts = [art({**m, "name": f"m{i}", "version": "1"}) for i, m in enumerate(models)]
    first = run(POLICIES, artifacts)
    assert run(POLICIES, artifacts) == first
    shuffled = list(artifacts)
    rnd.shuffle(shuffled)
    assert run(list(reversed(POLICIES)), shuffled) == first
    assert all(f.evidence for f in first)


def test_engine_reads_no_clock() -> None:
    arts = [art({"name": "a", "d": "2026-11-20"})]
    policy = make_policy({"path": "d", "within_days": 7})
    assert run(policy, arts, today=dt.date(2026, 11, 24))[0].status is Status.PASS
    assert run(policy, arts, today=dt.date(2027, 1, 1))[0].status is Status.FAIL


def test_findings_are_frozen() -> None:
    f = run(make_policy(OWNER), [art({"name": "a"})])[0]
    assert dataclasses.is_dataclass(f)
    try:
        f.status = Status.PASS  # type: ignore[misc]
    except dataclasses.FrozenInstanceError:
        pass
    else:  # pragma: no cover
        raise AssertionError("Finding must be frozen")
