"""A worker in the caller's own process, for a notebook kernel: no isolation at all.

``nbgrader autograde`` runs a student's notebook in a kernel, and the notebook's grade cells
grade the functions defined there. :class:`InProcess` answers the grader's calls as a worker
would (the same conversions, seeds, forbidden-call recorder and input digests, through
:class:`grader.isolation.worker.Worker`), from the namespace the functions were defined in.
It has the ``call`` of :class:`grader.isolation.supervisor.Supervisor`, so the grading
pipeline cannot tell the two apart; only the guarantees differ (SECURITY.md).
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from grader.isolation import wire
from grader.isolation.config import WorkerConfig
from grader.isolation.limits import Limits
from grader.isolation.messages import N_, Message
from grader.isolation.worker import Worker


class _NamespaceWorker(Worker):
    """The worker's call handling, answering from a namespace instead of an imported module."""

    namespace: Mapping[str, Any] = {}

    def module(self, name: str) -> types.ModuleType | BaseException:
        module = types.ModuleType(name)
        module.__dict__.update(self.namespace)
        return module

    def call(self, request: dict[str, Any], blobs: list[bytes]) -> tuple[dict[str, Any], list[bytes]]:
        name = request["function"]
        if not callable(self.namespace.get(name)):
            text = N_("{function} is not defined in this notebook: run the cell with your code first")
            missing = NameError(Message(text, function=name))
            return self.error("missing", missing), []
        return super().call(request, blobs)


class InProcess:
    """Calls the functions of a namespace (a notebook's globals) in this process.

    One per process: creating it wraps the forbidden library functions, once for all the
    exercises (``forbidden``: every pattern of every exercise). ``use`` points it at the
    namespace of the next grading, and at the folder tracebacks are shown relative to.
    """

    def __init__(self, device: str, forbidden: list[str]) -> None:
        # the kernel imports the grader again in its next cell; it sets no limits on itself
        config = replace(WorkerConfig.of(device, forbidden, Limits()), blocked_packages=())
        self._worker = _NamespaceWorker(config, ".")

    def use(self, namespace: Mapping[str, Any], root: str) -> None:
        self._worker.namespace = namespace
        self._worker.root = root

    def call(
        self,
        module: str,
        function: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        keep: str | None = None,
        opaque: list[int] | None = None,
        timeout: float | None = None,  # not enforceable in this process: the kernel's own timeout is
    ) -> tuple[dict[str, Any], list[bytes]]:
        return self._worker.call(*wire.call_request(module, function, args, kwargs, keep, opaque))
