from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def reference_source(exercise: str) -> str:
    return (REPO / "solutions" / f"{exercise}.py").read_text()


@pytest.fixture
def make_submission(tmp_path: Path) -> Callable[..., Path]:
    """make_submission(name, {"least_squares": source, ...}) -> a submission folder."""

    def make(name: str, modules: dict[str, str]) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        for module, source in modules.items():
            (folder / f"{module}.py").write_text(source)
        return folder

    return make


def with_override(exercise: str, code: str) -> str:
    """The reference module with one function redefined: a submission correct but for ``code``."""
    return reference_source(exercise) + "\n\n" + code
