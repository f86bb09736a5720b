"""Where a submission's grading time goes, per check kind (not a test).

    .venv/bin/python bench/where_time_goes.py [--submission solutions] [--repeat 2] [--exercises 8]

Grades one submission (default: the references, every check passing) with every exercise
of the bank, ``--repeat`` times in one grading process, and splits each check's wall time into

- student calls: the worker round trip of each call of the student's function (sending the
  arguments, the call itself in the worker, the answer back, decoding, the output contract);
- reference: the reference solution's answers (or a check's own truth), in the grader;
- comparisons: ``checks.compare`` and the tolerance arithmetic;
- generation and bookkeeping: the rest of the check: hypothesis drawing the examples, its
  own bookkeeping, properties' own arithmetic.

Only the first grading starts the worker (the template, at the sandbox level); the repeats
show the cost of a submission once everything is warm, which is what a class pays per
submission. Everything but the student calls is the same for every submission of a class.
The last columns count the student calls, those answered from a stream, and those asked
again and answered without the worker (``StudentCalls.answered``).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from class_grading import bank_as_it_was  # noqa: E402  (bench/, beside this script)

from grader import bank, checks, engine  # noqa: E402

PARTS = ("student calls", "reference", "comparisons")
spent: dict[str, float] = defaultdict(float)
calls: dict[str, int] = defaultdict(int)
streamed: dict[str, int] = defaultdict(int)  # student calls answered from a stream, by check kind
again: dict[str, int] = defaultdict(int)  # student calls asked before, answered without the worker


def timed(part: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[part] += time.perf_counter() - start
            calls[part] += 1

    return wrapper


@contextmanager
def instrumented() -> Iterator[None]:
    """Time the three parts wherever the checks reach them."""
    patches = [
        (engine.StudentCalls, "__call__", "student calls"),
        (engine.ReferenceCalls, "__call__", "reference"),
        (checks, "compare", "comparisons"),
    ]
    originals = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    for owner, name, part in patches:
        setattr(owner, name, timed(part, getattr(owner, name)))
    is_streamed, exchange = engine.StudentCalls._streamed, engine.StudentCalls._exchange
    originals += [(engine.StudentCalls, "_streamed", is_streamed), (engine.StudentCalls, "_exchange", exchange)]

    def counted(self: engine.StudentCalls, question: bytes | None) -> bool:
        answered = is_streamed(self, question)
        streamed[type(running[0]).__name__] += answered
        return answered

    def counted_again(self: engine.StudentCalls, function: str, call: Any, keep: Any, question: Any, *rest: Any) -> Any:
        again[type(running[0]).__name__] += question is not None and question in self.answered
        return exchange(self, function, call, keep, question, *rest)

    engine.StudentCalls._streamed = counted  # type: ignore[method-assign]
    engine.StudentCalls._exchange = counted_again  # type: ignore[method-assign]
    try:
        yield
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)


running: list[Any] = [None]  # the check being run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submission", type=Path, default=REPO / "solutions")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument(
        "--exercises", type=int, choices=(8, 14, 18), default=18, help="the bank as it was at 8, 14 or 18"
    )
    args = parser.parse_args()
    exercises = bank.load(bank_as_it_was(args.exercises))
    kinds: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    run_check = engine.run_check

    def per_kind(check: checks.Check, ctx: checks.Context) -> Any:
        before = dict(spent)
        asked = calls["student calls"]
        running[0] = check
        start = time.perf_counter()
        result = run_check(check, ctx)
        total = time.perf_counter() - start
        kind = kinds[type(check).__name__]
        for part in PARTS:
            kind[part] += spent.get(part, 0.0) - before.get(part, 0.0)
        kind["total"] += total
        kind["checks"] += 1
        kind["calls"] += calls["student calls"] - asked
        return result

    engine.run_check = per_kind  # type: ignore[assignment]
    for run in range(args.repeat):
        spent.clear()
        calls.clear()
        streamed.clear()
        again.clear()
        kinds.clear()
        start = time.perf_counter()
        with instrumented():
            result = engine.grade(args.submission, exercises, engine.Options())
        wall = time.perf_counter() - start
        in_checks = sum(k["total"] for k in kinds.values())
        print(f"run {run + 1}: {wall:.2f} s wall, score {result.score:g}/{result.max_score:g}")
        print(f"  outside the checks (worker start, module imports, staging): {wall - in_checks:6.2f} s")
        print(
            f"  {'kind':16s} {'checks':>6s} {'total':>7s} "
            + " ".join(f"{p:>14s}" for p in PARTS)
            + "  generation+rest  calls streamed again"
        )
        for name, kind in sorted(kinds.items(), key=lambda kv: -kv[1]["total"]):
            rest = kind["total"] - sum(kind[p] for p in PARTS)
            cells = " ".join(f"{kind[p]:14.2f}" for p in PARTS)
            asked = f"{int(kind['calls']):6d} {streamed[name]:8d} {again[name]:5d}"
            print(f"  {name:16s} {int(kind['checks']):6d} {kind['total']:7.2f} {cells}  {rest:14.2f}  {asked}")
        rest = in_checks - sum(spent[p] for p in PARTS)
        cells = " ".join(f"{spent[p]:14.2f}" for p in PARTS)
        asked = f"{calls['student calls']:6d} {sum(streamed.values()):8d} {sum(again.values()):5d}"
        print(
            f"  {'all':16s} {sum(int(k['checks']) for k in kinds.values()):6d} {in_checks:7.2f} {cells}  {rest:14.2f}"
            f"  {asked}"
        )
        per_call = spent["student calls"] / max(calls["student calls"], 1) * 1000
        print(
            f"  student calls: {calls['student calls']}, {per_call:.2f} ms each; reference calls: {calls['reference']}"
        )


if __name__ == "__main__":
    main()
