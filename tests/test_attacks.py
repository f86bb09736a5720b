"""The attack suite (SECURITY.md): each module in tests/attacks/ leaves the work undone and
tries to score anyway, or to hurt the run. Each is graded in one run with a correct
submission, at both isolation levels. The attack must gain no point over a submission that
honestly returns zeros of the right shape, the grader must finish,
the correct submission must get full marks, and nothing outside the worker may change: the
output folder, the attacker's own files, and no process of the worker left behind."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import LEVELS, REPO, max_score, with_override

from grader import batch, engine
from grader.isolation import Limits, sandbox

pytestmark = pytest.mark.slow  # 52 gradings, each with a worker per submission

ATTACKS = sorted((Path(__file__).parent / "attacks").glob("*.py"))

# Each attack is the module's ``attack``, graded as fit; the other functions are stubs.
STUBS = """

fit = attack


def fit_line(x, y):
    raise NotImplementedError


def predict(X, w):
    raise NotImplementedError


def ridge_fit(X, y, lam):
    raise NotImplementedError
"""

# What an honest "return zeros of the right shape" earns (the shape checks): the baseline
ZEROS = "import torch\n\n\ndef attack(X, y):\n    return torch.zeros(X.shape[1] + 1, dtype=X.dtype)\n" + STUBS
SENTINEL = '[{"sentinel": "grades.json as it was before grading"}]'


def stray_workers() -> list[str]:
    """Worker processes still alive a few seconds after grading: this test's own (descendants
    of this process) and orphans (reparented to init, as an escaped fork would be). The
    kernel ends a sandbox's processes asynchronously once its pid namespace's first dies."""
    for _ in range(50):
        found = _workers()
        if not found:
            break
        time.sleep(0.1)
    return found


def _parent(pid: str) -> str:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rpartition(")")[2].split()[1]  # the field after the state


def _cmdline(pid: str) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")


def _is_worker(pid: str) -> bool:
    """A cold worker (python -m grader.isolation.worker), or a warm one: a child of the fork server,
    which has its template's command line. The template itself lives on, by design."""
    if "grader.isolation.worker" in _cmdline(pid):
        return True

    def forked_python(p: str) -> bool:  # not bwrap, whose command line names the template too
        cmdline = _cmdline(p)
        return "grader.isolation.forkserver" in cmdline and not cmdline.startswith("bwrap")

    return forked_python(pid) and forked_python(_parent(pid))


def _workers() -> list[str]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if not _is_worker(pid):
                continue
            cmdline = _cmdline(pid)
            chain = [_parent(pid)]
            while chain[-1] not in ("0", "1"):
                chain.append(_parent(chain[-1]))
        except (OSError, IndexError):
            continue
        if str(os.getpid()) in chain or chain[0] == "1":
            found.append(cmdline[:200])
    return found


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The checks the zeros submission passes."""
    folder = tmp_path_factory.mktemp("zeros")
    (folder / "least_squares.py").write_text(ZEROS)
    (result,) = batch.grade_all([folder], ["least_squares"], engine.Options(sandbox="off"))
    passed = {c.name for c in result.exercises[0].checks if c.passed}
    assert 0 < result.score < 2, passed  # the shape checks, nothing more
    return passed


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("attack", ATTACKS, ids=lambda p: p.stem)
def test_attack_gains_nothing(
    attack: Path, level: str, make_submission: Callable[..., Path], tmp_path: Path, baseline: set[str]
) -> None:
    out = tmp_path / "out"
    (out / "feedback").mkdir(parents=True)
    (out / "grades.json").write_text(SENTINEL)
    source = attack.read_text().replace("@REPO@", str(REPO)).replace("@OUT@", str(out)) + STUBS
    attacker = make_submission("attacker", {"least_squares": source})
    correct = make_submission("correct", {"least_squares": with_override("least_squares", "")})
    mode = "require" if level == sandbox.SANDBOX else "off"
    options = engine.Options(limits=Limits(call_seconds=3.0), sandbox=mode)

    hostile, honest = batch.grade_all([attacker, correct], ["least_squares"], options)

    assert hostile.isolation == honest.isolation == level
    checks = hostile.exercises[0].checks
    gained = [(c.name, c.message) for c in checks if c.passed and c.name not in baseline]
    assert not gained, "the attack scored more than returning zeros"
    assert not hostile.grader_failed and not hostile.error
    assert all(c.message for c in checks if not c.passed), "every lost point says why"
    assert not any("LEAKED" in c.message for c in checks), [c.message for c in checks if "LEAKED" in c.message]
    assert honest.score == honest.max_score == max_score(["least_squares"]), [
        (c.name, c.message) for e in honest.exercises for c in e.checks
    ]
    # nothing outside the worker changed
    assert (out / "grades.json").read_text() == SENTINEL
    assert sorted(p.name for p in out.iterdir()) == ["feedback", "grades.json"]
    assert not any((out / "feedback").iterdir())
    assert (attacker / "least_squares.py").read_text() == source
    assert sorted(p.name for p in attacker.iterdir()) == ["least_squares.py"]
    assert stray_workers() == []
