"""One ``model`` subject per model, however many routes found it (:mod:`aima_gate.collectors.model_inventory`).

A discovered candidate is merged into (dropped in favour of) the first subject that already accounts for it:

- a registry-file entry whose references (``artifacts``, ``model_card``, ...) or ``location`` overlap the
  candidate's location (a file inside its folder, its folder inside the entry's location, or the same file), or
  whose name is the candidate's folder or file name (``models/intent-router/MLmodel`` is entry ``intent-router``);
- an MLflow registry version (server, sqlite or file store) whose source run is the candidate's run (and whose
  ``source`` ends with the candidate's artifact path, when both are known) or whose ``source`` is
  ``models:/<model id>`` of the candidate;
- an earlier discovered candidate sharing an identity (MLflow ``model_id``, ``model_uuid``, run id and artifact
  path), or whose folder holds the candidate's folder, or with the same name and version.

The subject kept lists every route in ``found_by``. Pure: no I/O, so ``init`` and ``check`` count alike.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from typing import Any, cast

from aima_gate.core.model import Artifact

ROUTE_OF_SOURCE = {"file": "registry-file", "mlflow": "mlflow-registry", "mlflow-file-store": "mlflow-file-store"}


def _overlap(path: str, location: str) -> bool:
    if location in ("", "."):
        return True
    return path == location or path.startswith(location + "/") or location.startswith(path + "/")


def _disc(art: Artifact) -> Mapping[str, Any]:
    value = art.data.get("discovered")
    return value if isinstance(value, Mapping) else {}


def _mlflow(art: Artifact) -> Mapping[str, Any]:
    value = art.data.get("mlflow")
    return value if isinstance(value, Mapping) else {}


def _claims(owner: Artifact, cand: Artifact) -> bool:
    source = owner.data.get("source")
    location = str(_disc(cand).get("location", cand.file))
    if source == "file":
        paths = [path for _kind, path, _ptr in owner.references]
        if isinstance(owner.data.get("location"), str):
            paths.append(str(owner.data["location"]))
        base = posixpath.basename(location.rstrip("/"))
        named = bool(base) and str(owner.data.get("name")) in (base, posixpath.splitext(base)[0])
        return named or any(_overlap(p, location) for p in paths)
    if source in ("mlflow", "mlflow-file-store"):
        info, theirs = _mlflow(owner), _mlflow(cand)
        src = str(info.get("source") or "")
        if src.startswith("models:/") and theirs.get("model_id") and src[len("models:/"):].split("/")[0] == str(
                theirs["model_id"]):
            return True
        run_id = info.get("run_id")
        if run_id and str(theirs.get("run_id")) == str(run_id):
            path = theirs.get("artifact_path")
            return not path or not src or src.rstrip("/").endswith("/" + str(path).strip("/"))
    return False


def _same(kept: Artifact, cand: Artifact) -> bool:
    a, b = _disc(kept), _disc(cand)
    if set(a.get("keys") or ()) & set(b.get("keys") or ()) or kept.name == cand.name:
        return True
    loc_a, loc_b = str(a.get("location", kept.file)), str(b.get("location", cand.file))
    return loc_a != kept.file and (loc_b == loc_a or loc_b.startswith(loc_a + "/"))


def merge_models(artifacts: Sequence[Artifact]) -> list[Artifact]:
    """``artifacts`` with discovered models that another subject accounts for removed, in the same order;
    every ``model`` subject gets ``found_by`` (each route and file that found it)."""
    found_by: dict[int, list[Any]] = {}
    dropped: set[int] = set()
    governed: list[int] = []
    discovered: list[int] = []
    for i, art in enumerate(artifacts):  # one pass, each model's source read once
        if art.kind != "model":
            continue
        source = art.data.get("source")
        if source == "discovered":
            discovered.append(i)
        else:
            governed.append(i)
            route = ROUTE_OF_SOURCE.get(str(source), str(source))
            found_by[i] = [{"route": route, "file": art.file}]
    direct = {i: next((g for g in governed if _claims(artifacts[g], artifacts[i])), None) for i in discovered}
    owner_of: dict[int, int] = {}  # each discovered candidate seen so far -> the subject it is (itself if kept)
    # Candidates a registry or MLflow version claims go first, so their copies elsewhere (same MLflow ids, inside
    # their folder) join the same subject whatever order they were found in.
    for i in sorted(discovered, key=lambda i: direct[i] is None):
        cand = artifacts[i]
        routes = list(cand.data.get("found_by") or [])
        owner = direct[i]
        if owner is None:
            owner = next((owner_of[k] for k in owner_of if _same(artifacts[k], cand)), None)
        if owner is None:
            owner_of[i] = i
            found_by[i] = routes
        else:
            owner_of[i] = owner
            dropped.add(i)
            found_by[owner].extend(r for r in routes if r not in found_by[owner])
    # The models replaced in place in a copy of the list, then the dropped ones taken out: no look-up per artifact
    # (20,000 in a hook run at 5,000 models, a quarter of them models).
    out: list[Artifact | None] = list(artifacts)
    for i, routes in found_by.items():
        if i in dropped:
            continue
        art = artifacts[i]
        with_key = getattr(art.data, "with_key", None)  # data decoded on demand (read back from the cache)
        if with_key is not None:  # stays so: a partial run decodes only the models it evaluates
            data = with_key("found_by", routes)
        else:
            data = dict(art.data.items())
            data["found_by"] = routes
        # Made directly: dataclasses.replace() inspects the fields on every call (every model of a run).
        out[i] = Artifact(art.kind, art.name, art.file, data, art.line, art.lines, art.references)
    if not dropped:
        return cast("list[Artifact]", out)
    for i in dropped:
        out[i] = None
    return [a for a in out if a is not None]
