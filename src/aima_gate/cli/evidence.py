"""``aima-gate evidence ...``: produce evidence files a repository lacks (registered in cli.py)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from aima_gate.cli.check import write_report
from aima_gate.cli.options import guarded, today_option
from aima_gate.core.clock import Clock


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
@click.option("--threshold", type=float,
              help="Decision threshold when --prediction holds scores or probabilities (score >= T is positive).")
@click.option("--bins", multiple=True, metavar="COLUMN=EDGES",
              help="Bin a numeric sensitive column, e.g. age=0,30,45,65,120 (left-closed; repeatable).")
@click.option("--min-support", type=click.IntRange(1), default=30, show_default=True,
              help="Groups with fewer rows are flagged and left out of the between-group ratios.")
@click.option("--dataset", help="Dataset name to record (default: the CSV file name).")
@click.option("--bootstrap", type=click.IntRange(0, 10_000), default=0, show_default=True,
              help="Bootstrap resamples for 95% confidence intervals (0: none).")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the normalized bias report (JSON).")
@today_option
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@guarded
def fairness(predictions: Path, label: str, prediction: str, sensitive: tuple[str, ...], model: str | None,
             version: str | None, pos_label: str | None, threshold: float | None, bins: tuple[str, ...],
             min_support: int, dataset: str | None, bootstrap: int, output: Path, clock: Clock,
             debug: bool) -> None:
    """Compute a bias report (disparate impact, equalized odds, per-group support) with fairlearn."""
    from aima_gate.evidence.fairness import compute_report, parse_bins

    report = compute_report(predictions, label=label, prediction=prediction, sensitive=sensitive, model=model,
                            version=version, pos_label=pos_label, dataset=dataset, bootstrap=bootstrap,
                            threshold=threshold, bins=parse_bins(bins), min_support=min_support, now=clock.now())
    write_report(output, (json.dumps(report, indent=2, sort_keys=True) + "\n").encode("utf-8"), "fairness",
                 Path.cwd())
    worst = min((a["fairness"].get("disparate_impact", 1.0) for a in report["attributes"]), default=1.0)
    click.echo(f"wrote {output}: {len(report['attributes'])} protected attribute(s), lowest disparate impact "
               f"{worst}")
    _warn_small_groups(report, min_support)


def _warn_small_groups(report: dict[str, object], min_support: int) -> None:
    """Say which groups are too small to judge (bias_report.min-group-support fails them in the gate)."""
    for attr in report["attributes"]:  # type: ignore[attr-defined]
        for group in attr.get("excluded_groups", []):
            click.echo(f"warning: {attr['name']}={group['name']} has {group['n']} row(s), fewer than {min_support}: "
                       "left out of the ratios; collect more data or merge groups", err=True)
