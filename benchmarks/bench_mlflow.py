"""Time reading N registered models (one version each, with tags and a source run) from a local MLflow server.

    .venv/bin/python benchmarks/bench_mlflow.py [--models 1000]

Populates a sqlite registry in-process (fast), serves it with a real ``mlflow server`` on 127.0.0.1, then times
(1) the collector alone (paged reads over HTTP) and (2) the whole ``aima-gate check --mlflow-uri`` CLI run, and
counts the server's API requests from its access log (paged: a handful, never one per model or tag).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def populate(uri: str, models: int) -> float:
    from mlflow import MlflowClient

    start = time.perf_counter()
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    exp = client.create_experiment("bench")
    for i in range(models):
        run = client.create_run(exp)
        client.log_param(run.info.run_id, "training_data.applications", f"s3://bucket/apps/{i}")
        name = f"model-{i:05d}"
        client.create_registered_model(name, tags={"owner": f"team-{i % 17}", "risk_tier": "low"})
        client.create_model_version(name, f"s3://models/{name}/1", run_id=run.info.run_id,
                                    tags={"version": "1.0.0"}, await_creation_for=0)
    return time.perf_counter() - start


def free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def server(db: Path, log: Path):  # type: ignore[no-untyped-def]
    port = free_port()
    exe = Path(sys.executable).with_name("mlflow")
    with log.open("w") as out:
        proc = subprocess.Popen([str(exe), "server", "--backend-store-uri", f"sqlite:///{db}", "--host", "127.0.0.1",
                                 "--port", str(port), "--workers", "1"], stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                with contextlib.suppress(OSError), urllib.request.urlopen(url + "/health", timeout=2):
                    break
                time.sleep(0.3)
            else:
                raise SystemExit("mlflow server did not start")
            yield url
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db = work / "mlflow.db"
        took = populate(f"sqlite:///{db}", args.models)
        print(f"populated {args.models} registered models in {took:.1f} s")
        repo = work / "repo"
        repo.mkdir()
        (repo / "README.md").write_text("benchmark repository\n")
        with server(db, work / "server.log") as url:
            from aima_gate.collectors import CollectContext
            from aima_gate.collectors.mlflow_registry import collect
            from aima_gate.core.clock import Clock
            from aima_gate.safeio.repo import Repo

            ctx = CollectContext(Repo(repo), {}, {}, Clock.system(), {"mlflow_uri": url})
            before = (work / "server.log").read_text().count("/api/")
            start = time.perf_counter()
            subjects = list(collect(ctx))
            collect_s = time.perf_counter() - start
            requests = (work / "server.log").read_text().count("/api/") - before
            exe = Path(sys.executable).with_name("aima-gate")
            start = time.perf_counter()
            proc = subprocess.run([str(exe), "check", str(repo), "--mlflow-uri", url, "--format", "json",
                                   "--policy", "model.owner-and-risk-tier"], capture_output=True, text=True)
            cli_s = time.perf_counter() - start
        assert len(subjects) == args.models, len(subjects)
        assert proc.returncode == 0, proc.stderr[-2000:]
        print(f"collector: {len(subjects)} model versions in {collect_s:.2f} s over {requests} API requests")
        print(f"aima-gate check --mlflow-uri (whole CLI run, 1 policy): {cli_s:.2f} s")


if __name__ == "__main__":
    main()
