"""The AIMA catalog: the shipped JSON is generated from the reference YAML, and has the V1 shape."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from aima_gate.aima.catalog import FRAMEWORKS, LEVELS, STREAMS, load_catalog
from tests.conftest import REPO_ROOT

CATALOG_DIR = REPO_ROOT / "src" / "aima_gate" / "aima" / "catalog"


def _build_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_catalog", REPO_ROOT / "tools" / "build_catalog.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_json_is_in_sync_with_the_reference_yaml() -> None:
    rendered = _build_tool().render()
    shipped = (CATALOG_DIR / "aima_v1.json").read_text(encoding="utf-8")
    assert rendered == shipped, "aima_v1.json is stale: run `python tools/build_catalog.py`"


def test_eight_domains_24_practices_144_cells() -> None:
    catalog = load_catalog()
    assert len(catalog.domains) == 8
    assert all(len(d.practices) == 3 for d in catalog.domains)
    assert len(catalog.practices()) == 24
    cells = catalog.cells()
    assert len(cells) == 144 == len(set(cells))
    for practice in catalog.practices():
        assert set(practice.stream_names) == set(STREAMS)
        assert set(practice.questions) == {(s, lv) for s in STREAMS for lv in LEVELS}
        assert all(q.strip() for q in practice.questions.values())


def test_slugs_are_unique_and_well_formed() -> None:
    import re

    catalog = load_catalog()
    domain_slugs = [d.slug for d in catalog.domains]
    assert len(set(domain_slugs)) == 8
    keys = [p.key for p in catalog.practices()]
    assert len(set(keys)) == 24
    for slug in domain_slugs + [p.slug for p in catalog.practices()]:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug), slug


def test_reference_checks() -> None:
    catalog = load_catalog()
    assert catalog.check_ref("governance", "policy-and-compliance", "B", 1) is None
    assert catalog.check_ref("governance", "nope", "A", 1)
    assert catalog.check_ref("nope", "policy-and-compliance", "A", 1)
    assert catalog.check_ref("governance", "policy-and-compliance", "C", 1)
    assert catalog.check_ref("governance", "policy-and-compliance", "A", 0)
    assert set(catalog.reference_ids) == set(FRAMEWORKS)
    assert catalog.check_mapping("owasp_llm", "LLM01:2025") is None
    assert catalog.check_mapping("owasp_llm", "LLM01") is not None
    assert catalog.check_mapping("eu_ai_act", "Art. 10(2)") is None
    assert catalog.check_mapping("eu_ai_act", "Annex IV") is None
    assert catalog.check_mapping("nist_ai_rmf", "GOVERN 1.6") is None
    assert catalog.check_mapping("soc2", "CC1") is not None


def test_practice_mappings_use_known_ids() -> None:
    catalog = load_catalog()
    for practice in catalog.practices():
        for framework, ids in practice.mappings.items():
            for ident in ids:
                assert catalog.check_mapping(framework, ident) is None, (practice.key, framework, ident)


def test_catalog_json_is_packaged_next_to_the_code() -> None:
    import aima_gate.aima.catalog as pkg

    assert (Path(pkg.__file__).parent / "aima_v1.json").is_file()
