"""Model integrity: GPG detached signatures, digest manifests, OpenSSF model-signing bundles and unsafe
serialization scanning. Shared by the ``signature``, ``manifest`` and ``model_file`` collectors.

Nothing here loads, imports or executes an artifact: pickles are walked opcode by opcode, signatures are checked
by the real ``gpg`` in an isolated temporary home holding only the keys the repository pins, and every large
file is streamed in fixed-size chunks.
"""
