"""The package build (the metadata is in pyproject.toml): setuptools' ``build_py``, plus the
translations (``grader/i18n.py``) compiled from their sources, ``grader/locale/*/LC_MESSAGES/*.po``,
to the ``.mo`` files mlgrade reads, with Babel (a build requirement). The ``.mo`` are not in the
repository: a wheel gets them here, an editable install (``make install``) in the source tree."""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
CATALOGS = "grader/locale/*/LC_MESSAGES/*.po"


def compile_catalog(po: Path, mo: Path) -> None:
    """Compile one catalog, refusing what ``pybabel compile`` would leave out or get wrong: a
    fuzzy entry is not compiled, and an entry whose format differs from its msgid fails."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as source:
        catalog = read_po(source)
    problems = [f"{po}: {message.id!r}: {error}" for message, errors in catalog.check() for error in errors]
    if problems:
        raise SystemExit("cannot compile the translations:\n" + "\n".join(problems))
    mo.parent.mkdir(parents=True, exist_ok=True)
    with mo.open("wb") as target:
        write_mo(target, catalog, use_fuzzy=False)


class build_py_with_catalogs(build_py):  # noqa: N801 - named as setuptools names its commands
    """build_py, then each catalog compiled next to its source: into the build (a wheel), or
    into the source tree itself for an editable install."""

    def run(self) -> None:
        super().run()
        for po, mo in self._catalogs().items():
            compile_catalog(po, mo)

    def _catalogs(self) -> dict[Path, Path]:
        into = ROOT if self.editable_mode else Path(self.build_lib)
        return {po: into / po.relative_to(ROOT).with_suffix(".mo") for po in sorted(ROOT.glob(CATALOGS))}

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        return [*super().get_outputs(include_bytecode), *(str(mo) for mo in self._catalogs().values())]


setup(cmdclass={"build_py": build_py_with_catalogs})
