"""MLflow model registry as a source of ``model`` subjects (``aima-gate[mlflow]``; mlflow imported only here).

Where: ``--mlflow-uri`` wins, else ``mlflow.tracking_uri`` in the config, else ``MLFLOW_TRACKING_URI`` when the
config says ``mlflow: {use_env: true}``. ``sqlite:///`` (embedded) and ``http(s)://`` servers are supported.

Reading is paged and bulk: registered models and model versions come from ``search_registered_models`` /
``search_model_versions`` pages (tags and aliases arrive inside each page), source runs from ``search_runs``
pages filtered on ``run_id IN (...)`` batches. Never one request per model, version or tag.

Each non-archived model version becomes one ``model`` subject with the same fields as a registry-file entry
(docs/artifacts.md#model), ``source: mlflow`` and ``mlflow {...}`` details. Mapping:
``name``; ``version`` = version tag ``version`` if set (a release version such as 2.3.0), else the MLflow
version number; ``owner``/``risk_tier``/``intended_use`` from version tags, else registered-model tags;
``stage`` = ``current_stage`` unless ``None``, and ``stage``/``risk_tier``/``aliases`` normalised by
collectors/vocabulary.py (an unknown tag value is an error naming ``models:/name/version``); ``aliases``
from the registry; ``training_data`` from the source run's dataset inputs (``mlflow.log_input``) and
``training_data.<name>`` tags or params;
``model_card``/``bias_report``/``explainability_report`` tags that are repository-relative paths become
references, so the runner collects those files and reports missing ones.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from aima_gate.collectors import CollectContext, Result
from aima_gate.collectors.references import REFERENCE_FIELDS
from aima_gate.collectors.vocabulary import normalize_entry
from aima_gate.core.errors import AimaGateError, ArtifactError, ConfigError, InputError
from aima_gate.core.model import Artifact, LineIndex

PAGE_SIZE = 1000
RUN_BATCH = 100
HTTP_WORKERS = 4
"""Concurrent paged requests against an HTTP server (each request is still one page or one batch of runs)."""
FIELD_TAGS = ("owner", "risk_tier", "intended_use")
EVIDENCE_TAGS = ("model_card", "bias_report", "explainability_report", "threat_model")
SOURCE_NAME = "MLflow registry"
PROTECTED_TAG = "protected_attributes"
"""Tag declaring the model's protected attributes (``sex, ethnicity`` or a JSON list), as registry files do."""


def mlflow_settings(ctx: CollectContext) -> Mapping[str, Any]:
    value = ctx.settings.get("mlflow") if isinstance(ctx.settings, Mapping) else None
    return value if isinstance(value, Mapping) else {}


def registry_uri(ctx: CollectContext) -> str | None:
    """The URI to read, or None when the MLflow source is not in use."""
    cfg = mlflow_settings(ctx)
    uri = ctx.cli.get("mlflow_uri")
    if uri:
        return str(uri)
    if cfg.get("enabled") is False:
        return None
    if cfg.get("tracking_uri"):
        return _from_repo_root(str(cfg["tracking_uri"]), ctx.repo.root)
    if cfg.get("use_env"):
        env = os.environ.get("MLFLOW_TRACKING_URI")
        if not env:
            raise ConfigError("mlflow.use_env is set but MLFLOW_TRACKING_URI is empty", file=".aima-gate.yml",
                              hint="export MLFLOW_TRACKING_URI or set mlflow.tracking_uri")
        return env
    if cfg.get("enabled"):
        raise ConfigError("mlflow.enabled is true but no tracking_uri is set (and use_env is not enabled)",
                          file=".aima-gate.yml", hint="set mlflow.tracking_uri, or pass --mlflow-uri")
    return None


def _from_repo_root(uri: str, root: Path) -> str:
    """A relative ``sqlite:///path`` in the config is relative to the repository root, not the working folder."""
    if uri.startswith("sqlite:///") and not uri[len("sqlite:///"):].startswith("/"):
        return f"sqlite:///{(root / uri[len('sqlite:///'):]).resolve()}"
    return uri


def _shown(uri: str) -> str:
    """The URI without credentials (never echo a password in a report)."""
    if "@" in uri and "://" in uri:
        scheme, rest = uri.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return uri


def _precheck(uri: str, root: Path) -> None:
    scheme = uri.split(":", 1)[0].lower() if ":" in uri else ""
    if scheme == "sqlite":
        path = uri[len("sqlite:///"):] if uri.startswith("sqlite:///") else ""
        target = Path(path) if path.startswith("/") else Path.cwd() / path
        if not path or not target.is_file():
            raise ArtifactError(f"MLflow registry {uri}: database file {target} does not exist", file=_shown(uri),
                                hint="MLflow would create an empty registry there; point --mlflow-uri at the "
                                     "existing sqlite:///path/to/mlflow.db")
        return
    if scheme not in ("http", "https"):
        raise ArtifactError(f"unsupported MLflow URI {_shown(uri)!r}: expected sqlite:///path or http(s)://host",
                            file=_shown(uri))
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(uri.rstrip("/") + "/health", timeout=10):  # noqa: S310 - scheme checked
            pass
    except urllib.error.HTTPError:
        return  # the server answered; the API calls below say what is wrong
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"cannot reach the MLflow server at {_shown(uri)}: {getattr(exc, 'reason', exc)}",
                            file=_shown(uri), hint="check the URI and that the server is running") from None


def _client(uri: str) -> Any:
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")
    try:
        from mlflow import MlflowClient
    except ImportError:
        raise ConfigError("reading an MLflow registry needs the mlflow package",
                          hint="pip install 'aima-gate[mlflow]'") from None
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def _paged(search: Any, **kwargs: Any) -> Iterator[Any]:
    token = None
    while True:
        page = search(max_results=PAGE_SIZE, page_token=token, **kwargs)
        yield from page
        token = page.token
        if not token:
            return


def _runs(client: Any, run_ids: list[str], experiments: list[str], workers: int) -> dict[str, Any]:
    """Source runs by id, fetched through search_runs in batches of RUN_BATCH ids (batches in parallel over HTTP)."""
    batches = [", ".join(f"'{r}'" for r in run_ids[i:i + RUN_BATCH] if r.isalnum())
               for i in range(0, len(run_ids), RUN_BATCH)]

    def fetch(quoted: str) -> list[Any]:
        return list(_paged(client.search_runs, experiment_ids=experiments,
                           filter_string=f"attributes.run_id IN ({quoted})"))

    found: dict[str, Any] = {}
    for runs in _map(fetch, [b for b in batches if b], workers):
        found.update((run.info.run_id, run) for run in runs)
    return found


def _map(fn: Any, items: list[Any], workers: int) -> list[Any]:
    """``map`` over a thread pool for HTTP servers (I/O bound); sequential for embedded stores."""
    if workers <= 1 or len(items) <= 1:
        return [fn(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, items))


def _dataset_inputs(run: Any) -> list[dict[str, Any]]:
    out = []
    inputs = getattr(getattr(run, "inputs", None), "dataset_inputs", None) or []
    for item in inputs:
        ds = item.dataset
        source = ds.source
        try:  # MLflow stores the source as JSON, e.g. {"uri": "s3://..."} or {"url": ...}
            parsed = json.loads(source)
            if isinstance(parsed, dict):
                source = parsed.get("uri") or parsed.get("url") or parsed.get("path") or source
        except (TypeError, ValueError):
            pass
        entry = {"name": ds.name, "source": str(source) if source else None, "version": ds.digest,
                 "source_type": ds.source_type}
        out.append({k: v for k, v in entry.items() if v})
    return out


def _lineage_tags(*maps: Mapping[str, str]) -> list[dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for mapping in maps:
        for key, value in mapping.items():
            if key.startswith("training_data.") and len(key) > len("training_data."):
                out.setdefault(key[len("training_data."):], {"source": value})
    return [{"name": name, **v} for name, v in sorted(out.items())]


def _protected(value: str | None, subject: str) -> list[str]:
    """A ``protected_attributes`` tag: a JSON list of names, else comma-separated names."""
    if not value:
        return []
    if value.strip().startswith("["):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if not (isinstance(parsed, list) and all(isinstance(v, str) for v in parsed)):
            raise ArtifactError(f"tag {PROTECTED_TAG} {value[:80]!r} is neither a JSON list of names nor "
                                "comma-separated names", file=subject, hint='e.g. "sex, ethnicity"')
        return [v.strip() for v in parsed if v.strip()]
    return [v.strip() for v in value.split(",") if v.strip()]


def normalize_version(ctx: CollectContext, mv: Any, registered: Any, run: Any,
                      vocabulary_errors: list[AimaGateError] | None = None) -> Artifact:
    vtags: dict[str, str] = dict(mv.tags or {})
    mtags: dict[str, str] = dict(getattr(registered, "tags", None) or {})
    run_tags = dict(run.data.tags) if run is not None else {}
    run_params = dict(run.data.params) if run is not None else {}
    number = str(mv.version)
    # Version search results may leave aliases out; the registered model carries them as {alias: version}.
    model_aliases = getattr(registered, "aliases", None) or {}
    if isinstance(model_aliases, list):  # older clients: [RegisteredModelAlias(alias, version)]
        model_aliases = {a.alias: a.version for a in model_aliases}
    aliases = sorted({*(getattr(mv, "aliases", None) or []),
                      *(alias for alias, version in model_aliases.items() if str(version) == number)})
    data: dict[str, Any] = {"name": mv.name, "version": vtags.get("version") or number, "source": "mlflow",
                            "mlflow_sync": True}
    for key in FIELD_TAGS:
        value = vtags.get(key) or mtags.get(key)
        if value:
            data[key] = value
    stage = mv.current_stage
    if stage and stage != "None":
        data["stage"] = stage
    data["aliases"] = aliases
    # The same closed vocabularies as registry files (collectors/vocabulary.py): "Production" -> production.
    data, errors = normalize_entry(data, ctx.settings, file=f"models:/{mv.name}/{number}", line_of=lambda _p: None)
    if vocabulary_errors is not None:
        vocabulary_errors.extend(errors)
    elif errors:
        raise errors[0]
    protected = _protected(vtags.get(PROTECTED_TAG) or mtags.get(PROTECTED_TAG), f"models:/{mv.name}/{number}")
    if protected:
        data["protected_attributes"] = protected
    description = mv.description or getattr(registered, "description", None)
    if description:
        data["description"] = description
    lineage = _dataset_inputs(run) if run is not None else []
    seen = {d["name"] for d in lineage}
    lineage += [d for d in _lineage_tags(vtags, run_tags, run_params) if d["name"] not in seen]
    if lineage:
        data["training_data"] = lineage
    refs: list[tuple[str, str, str]] = []
    subject_file = f"models:/{mv.name}/{number}"
    for key in EVIDENCE_TAGS:
        value = vtags.get(key) or mtags.get(key)
        if not value:
            continue
        data[key] = value
        if "://" not in value:
            try:
                path = ctx.repo.resolve_reference(value, base_file="")
            except InputError as exc:
                raise ArtifactError(f"tag {key}: {exc.diagnosis}", file=subject_file) from None
            refs.append((REFERENCE_FIELDS.get(key, key), path, f"/{key}"))
    data["tags"] = {**mtags, **vtags}
    data["mlflow"] = {"version_number": number, "status": mv.status, "run_id": mv.run_id, "source": mv.source,
                      "current_stage": mv.current_stage, "registered_model_tags": mtags,
                      "run_params": run_params, "run_tags": {k: v for k, v in run_tags.items()
                                                             if not k.startswith("mlflow.log-model")}}
    if mv.creation_timestamp:
        import datetime as _dt

        created = _dt.datetime.fromtimestamp(mv.creation_timestamp / 1000, tz=_dt.timezone.utc)
        data["registered_at"] = created.date().isoformat()
    return Artifact(kind="model", name=f"{data['name']}@{data['version']}", file=subject_file, data=data,
                    line=1, lines=LineIndex({}), references=tuple(refs))


def collect(ctx: CollectContext) -> Iterable[Result]:
    uri = registry_uri(ctx)
    if uri is None:
        return []
    _precheck(uri, ctx.repo.root)
    client = _client(uri)
    include_archived = bool(mlflow_settings(ctx).get("include_archived", False))
    try:
        workers = HTTP_WORKERS if uri.lower().startswith(("http://", "https://")) else 1
        models, all_versions, experiments = _map(lambda search: list(_paged(search)), [
            client.search_registered_models, client.search_model_versions, client.search_experiments], workers)
        registered = {m.name: m for m in models}
        if not registered:
            raise ArtifactError(f"the MLflow registry at {_shown(uri)} has no registered models", file=_shown(uri),
                                hint="check the URI (a wrong sqlite path or server reads as an empty registry)")
        versions = [mv for mv in all_versions if include_archived or mv.current_stage != "Archived"]
        runs = _runs(client, sorted({mv.run_id for mv in versions if mv.run_id}),
                     [e.experiment_id for e in experiments], workers)
    except ArtifactError:
        raise
    except Exception as exc:  # mlflow raises MlflowException, requests/sqlalchemy errors: all a tool failure
        message = str(getattr(exc, "message", exc)).splitlines()[0][:300]
        raise ArtifactError(f"cannot read the MLflow registry at {_shown(uri)}: {type(exc).__name__}: {message}",
                            file=_shown(uri), hint="check the URI, credentials and server version") from None
    errors: list[AimaGateError] = []
    subjects: list[Result] = [normalize_version(ctx, mv, registered.get(mv.name), runs.get(mv.run_id or ""), errors)
                              for mv in sorted(versions, key=lambda v: (v.name, int(v.version)))]
    return [*subjects, *errors]
