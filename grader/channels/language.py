"""The language a student bundle or a Gradescope autograder speaks, carried in its course file.

Both carry a course file, ``mlgrade.toml`` at their root, and what runs there (the student's
``mlgrade check``, Gradescope's ``run_autograder``) reads its language as the command line does
(``grader.i18n.choose``: ``--lang``, else the course file's ``language``). So the language in use
when the bundle or the zip is built is the one its course file says:

- built from a course file, that file, byte for byte (its points and due dates must stay the
  instructor's): its ``language`` must be the language in use, or the build says what to change;
- built without one, in English: none, as before (English is the default);
- built without one, in another language: one written for it, that gives the language and the
  chosen exercises as the assignment ``all``.
"""

from __future__ import annotations

import json

from grader import course, i18n
from grader.errors import UsageProblem
from grader.i18n import _


def course_file(selection: course.Selection, problem: type[UsageProblem], what: str) -> bytes | None:
    """The course file that a bundle or an autograder (``what``, as the header of a written one
    names it) of ``selection`` carries, in the language in use; None where it carries none.
    Raises ``problem`` where the course file's language is not the language in use."""
    language = i18n.language()
    path = selection.course.path
    if path is not None:
        if selection.course.language != language:
            raise problem(
                _(
                    '{path} says language = "{course_language}", but this was asked for in {language}: what '
                    'runs there reads the language from the course file it carries, so set language = "{language}" '
                    "under [course] in {path}, or leave out --lang"
                ).format(path=path, course_language=selection.course.language, language=language)
            )
        return path.read_bytes()
    if language == i18n.ENGLISH:
        return None
    names = json.dumps(list(selection.names))
    return (
        f"# The course file of {what}, written by mlgrade: mlgrade reads the language from it.\n"
        f"[course]\nlanguage = {json.dumps(language)}\n\n"
        f"[assignments.{course.ALL}]\nexercises = {names}\n"
    ).encode()
