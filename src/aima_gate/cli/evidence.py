"""``aima-gate evidence ...``: produce evidence files a repository lacks (registered in cli.py)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from aima_gate.cli.options import guarded, today_option
from aima_gate.core.clock import Clock
from aima_gate.core.errors import ConfigError


@click.group()
def evidence() -> None:
    """Produce evidence files (e.g. a fairness report) from data you already have."""


@evidence.command()
@click.option("--predictions", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="CSV with one row per scored example.")
@click.option("--label", required=True, help="Column holding the true outcome (binary).")
@click.option("--prediction", required=True, help="Column holding the model's decision (binary).")
@click.option("--sensitive", required=True, multiple=True, help="Protected-attribute column (repeatable).")
@click.option("--model", "model", help="Model name the report is about.")
@click.option("--version", "version", help="Model version the report is about.")
@click.option("--pos-label", help="Value of the positive outcome when the columns are not 0/1 or true/false.")
@click.option("--dataset", help="Dataset name to record (default: the CSV file name).")
@click.option("--bootstrap", type=click.IntRange(0, 10_000), default=0, show_default=True,
              help="Bootstrap resamples for 95% confidence intervals (0: none).")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the normalized bias report (JSON).")
@today_option
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@guarded
def fairness(predictions: Path, label: str, prediction: str, sensitive: tuple[str, ...], model: str | None,
             version: str | None, pos_label: str | None, dataset: str | None, bootstrap: int, output: Path,
             clock: Clock, debug: bool) -> None:
    """Compute a bias report (disparate impact, equalized odds, per-group support) with fairlearn."""
    from aima_gate.evidence.fairness import compute_report

    report = compute_report(predictions, label=label, prediction=prediction, sensitive=sensitive, model=model,
                            version=version, pos_label=pos_label, dataset=dataset, bootstrap=bootstrap,
                            now=clock.now())
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write the report: {exc}", file=str(output)) from None
    worst = min((a["fairness"].get("disparate_impact", 1.0) for a in report["attributes"]), default=1.0)
    click.echo(f"wrote {output}: {len(report['attributes'])} protected attribute(s), lowest disparate impact "
               f"{worst}")
