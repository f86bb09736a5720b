"""What a worker may use, and the environment it runs in: both decided by the grader.

The grader enforces ``call_seconds`` and ``start_seconds`` itself, with a deadline on every
read (grader/isolation/supervisor.py); the worker sets the others on itself as hard limits
before any student code runs (grader/isolation/seal.py), so the student cannot raise them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Resource limits for one worker. The defaults suit every exercise of the course."""

    call_seconds: float = 10.0  # wall time of one call of a student function
    start_seconds: float = 60.0  # starting the worker: importing torch on a loaded machine
    memory_bytes: int = 2 * 2**30  # address space the student's code may map (seal.py: on top of torch's)
    cpu_seconds: int = 600  # CPU time of the worker over its whole life
    output_bytes: int = 8 * 2**20  # what the student's code may print, and any file it writes
    processes: int = 32  # processes and threads beyond the worker's first
    open_files: int = 256
    answer_bytes: int = 64 * 2**20  # one answer over the pipe


def worker_env(home: str, tmp: str) -> dict[str, str]:
    """A worker's whole environment: nothing of the grader's but PATH and a few library knobs."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TMPDIR": tmp,
        "HOME": home,
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "PYTHONHASHSEED": "0",
        "LANG": "C.UTF-8",
    }
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "CUDA_VISIBLE_DEVICES"):
        if key in os.environ:
            env[key] = os.environ[key]
    if os.name == "nt":  # Windows: Python cannot start without SYSTEMROOT, and finds tmp and home by these
        env["SYSTEMROOT"] = os.environ.get("SYSTEMROOT", r"C:\Windows")
        env |= {"TEMP": tmp, "TMP": tmp, "USERPROFILE": home}
    return env
