"""The ``spark-ml-folder`` route of model discovery (:mod:`aima_gate.collectors.model_inventory`): Spark ML
models saved with ``MLWriter`` (``model.save(path)``, ``model.write().save(path)``; Scala, Java or PySpark).

What Spark writes (``DefaultParamsWriter.saveMetadata`` in ``org/apache/spark/ml/util/ReadWrite.scala``, and
PySpark's ``DefaultParamsWriter`` the same way): ``<model>/metadata/part-00000``, one line of JSON with ``class``
(the model's JVM class), ``timestamp``, ``sparkVersion``, ``uid``, ``paramMap``, ``defaultParamMap`` and keys of
the model's own (``numFeatures``, ``numClasses``...), and the learned state in ``<model>/data/*.parquet``. A
``PipelineModel`` saves each stage the same way under ``<model>/stages/<n>_<uid>/``; other meta-models nest whole
models too (``CrossValidatorModel``'s ``bestModel/``, ``OneVsRestModel``'s ``model_<n>/``).

Contract: a folder is a Spark ML model when its ``metadata/part-00000`` parses as a JSON object whose ``class``
is a string starting with ``org.apache.spark.ml.``. The subject is the folder, ``<folder>@unversioned``,
discovered from that metadata file, with ``tags.spark_class`` and ``tags.spark_version`` from it. Only that file
is read, as text through the repository reader (confined, under the size limit); the Parquet data is never
opened. A Spark folder inside another (pipeline stages, nested models) is part of that model, and one inside a
folder an earlier route owns (MLflow's ``spark`` flavor keeps its model in ``<MLmodel folder>/sparkml/``) is
that route's model: neither is a subject of its own. A metadata file that is not JSON, or names no
``org.apache.spark.ml.`` class (old ``org.apache.spark.mllib`` models, an RDD saved as text into a folder named
``metadata``, bytes that are not UTF-8), is not a model; one that cannot be read (over the size limit, a link
out of the repository) is an error naming it, since whether it is a model is then unknown.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from aima_gate.collectors import CollectContext
from aima_gate.core.errors import AimaGateError

ROUTE = "spark-ml-folder"
METADATA = "metadata/part-00000"
"""Where Spark writes a saved model's metadata, relative to the model's folder (``saveAsTextFile`` of one line
into ``<model>/metadata``)."""
SPARK_ML_CLASS = "org.apache.spark.ml."


def spark_class(text: str, file: str) -> Mapping[str, Any] | None:
    """The metadata object when ``text`` is Spark ML model metadata (a JSON object whose ``class`` starts with
    ``org.apache.spark.ml.``), else None. Never raises for any text."""
    from aima_gate.safeio.loaders import load_json

    try:
        doc, _ = load_json(text, file)
    except AimaGateError:
        return None  # not JSON, so not what Spark writes there
    if isinstance(doc, Mapping) and isinstance(doc.get("class"), str) and doc["class"].startswith(SPARK_ML_CLASS):
        return doc
    return None


def _inside(path: str, folder: str) -> bool:
    return folder in ("", ".") or path == folder or path.startswith(folder + "/")


def spark_folders(ctx: CollectContext, owned: Sequence[str]) -> Iterator[tuple[str, str, Mapping[str, Any]]
                                                                         | AimaGateError]:
    """``(folder, metadata file, metadata)`` for each Spark ML model folder outside the folders in ``owned``
    (locations earlier routes claimed), outermost first; a file that cannot be read is yielded as its error."""
    taken = list(owned)
    # Outermost first, so a model is accepted before what it nests is looked at. By depth, not by name: in name
    # order CrossValidatorModel's "m/bestModel/metadata/..." sorts before its own "m/metadata/...".
    for file in sorted(ctx.repo.glob([f"**/{METADATA}", METADATA]), key=lambda f: (f.count("/"), f)):
        folder = posixpath.dirname(posixpath.dirname(file))
        if any(_inside(folder, loc) for loc in taken):
            continue
        # Imported only when a metadata file exists: the module pulls in tarfile/zipfile (and with them shutil and
        # tempfile), which a warm hook run on a repository without Spark models must not import.
        from aima_gate.integrity.model_files import in_virtualenv

        if in_virtualenv(ctx.repo, file):
            continue
        try:
            raw = ctx.repo.read_bytes(file)
        except AimaGateError as exc:  # over the size limit, or a link out of the repository
            yield exc
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue  # Spark writes UTF-8 JSON: bytes that are not UTF-8 are someone else's file
        meta = spark_class(text, file)
        if meta is None:
            continue
        taken.append(folder)
        yield folder, file, meta
