"""``mlgrade report GRADES_DIR``: the class report, what an instructor opens the morning after a
deadline (SPEC: "The class report").

It reads the grades.json that ``mlgrade grade --out`` wrote and writes one HTML page that needs
no network to view: the styles, the figures (matplotlib, as inline SVG) and a few lines of
script (sortable tables) are all inside it. Every check is named and graded, so the page can
say which *property* the class got wrong: "43% fail `softmax is stable for |z| up to 1e4`".

Failure rates count the submissions that wrote the function: a stub left untouched fails every
check of it, and would hide the checks that people who tried got wrong (the untouched are
counted apart, as "not started"). Everything that comes from a submission (names, messages) is
escaped. The statistics (:func:`statistics_of`) need no plotting library; the figures need
matplotlib, the ``report`` extra.
"""

from __future__ import annotations

import datetime
import html
import io
import json
import re
import statistics
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from grader import i18n
from grader.errors import UsageProblem
from grader.i18n import _, ngettext
from grader.report import ISOLATION, message_not_started
from grader.results import SubmissionResult

GRADER_FAILED = "the grader itself failed"  # how grader.batch words its error, in English
MESSAGE_CHARS = 240  # of a check's most frequent message, shown in the table


class MissingPlotting(UsageProblem):
    """matplotlib is not installed: the report's figures need it."""


@dataclass
class CheckStat:
    """One check across the class."""

    exercise: str
    function: str
    name: str
    visibility: str
    max_points: float
    wrote: int = 0  # submissions that wrote the function (not a stub)
    failed: int = 0  # of them, how many fail this check
    not_started: int = 0
    messages: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        """The failure rate among the submissions that wrote the function."""
        return self.failed / self.wrote if self.wrote else 0.0

    @property
    def message(self) -> tuple[str, int]:
        """The most frequent failure message (its first line), and how many failures gave it."""
        return self.messages.most_common(1)[0] if self.messages else ("", 0)


@dataclass
class ExerciseStat:
    name: str
    max_score: float
    scores: list[float]
    not_started: int

    @property
    def full_marks(self) -> int:
        return sum(1 for s in self.scores if round(s, 6) >= round(self.max_score, 6))


@dataclass
class FunctionStat:
    exercise: str
    function: str
    max_points: float
    mean: float  # mean points over the class


@dataclass
class ClassStats:
    results: list[SubmissionResult]  # graded ones (the grader did not fail on them)
    grader_failed: list[str]
    exercises: list[ExerciseStat]
    functions: list[FunctionStat]
    checks: list[CheckStat]  # from the most failed
    max_score: float
    assignment: str
    course: str
    due: str
    versions: list[str]
    isolation: list[str]
    digest: str

    @property
    def totals(self) -> list[float]:
        return [r.score for r in self.results]


def read(grades_dir: Path) -> list[SubmissionResult]:
    """The results in GRADES_DIR/grades.json (a usage problem, saying why, where there are none)."""
    path = grades_dir / "grades.json" if grades_dir.is_dir() else grades_dir
    if not path.is_file():
        raise UsageProblem(
            _("{folder}: no grades.json there; give the folder of `mlgrade grade --out DIR`").format(folder=grades_dir)
        )
    try:
        return [SubmissionResult.from_json(r) for r in json.loads(path.read_text(encoding="utf-8"))]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UsageProblem(
            _("{path} is not a grades.json mlgrade wrote ({error})").format(path=path, error=exc)
        ) from None


def _first_line(message: str) -> str:
    """A message in one line, its whitespace collapsed, cut at MESSAGE_CHARS: what failures are
    counted by (a message's start names what went wrong; its end, often the input, varies)."""
    line = " ".join(message.split())
    return line if len(line) <= MESSAGE_CHARS else line[: MESSAGE_CHARS - 1] + "…"


def _when(iso: str) -> str:
    """An ISO date-time as people read it (a due date: 2027-03-14 23:59 +08:00)."""
    try:
        moment = datetime.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    zone = moment.strftime("%z")
    return moment.strftime("%Y-%m-%d %H:%M") + (f" {zone[:-2]}:{zone[-2:]}" if zone else "")


def _common(values: Sequence[str]) -> list[str]:
    return sorted({v for v in values if v})


def grader_failed(result: SubmissionResult) -> bool:
    """Whether the grader failed on it (grades.json says so, and an older one in its error, as
    batch wrote it in English)."""
    return result.grader_failed or result.error.startswith(GRADER_FAILED)


def statistics_of(results: Sequence[SubmissionResult], exercises: Sequence[str] | None = None) -> ClassStats:
    """The class's statistics, over the ``exercises`` named (default: every one graded)."""
    graded = [r for r in results if not grader_failed(r)]
    if exercises is not None:
        keep = set(exercises)
        graded = [
            SubmissionResult(r.submission, [e for e in r.exercises if e.name in keep], r.isolation, r.error, **_meta(r))
            for r in graded
        ]
    names = list(dict.fromkeys(e.name for r in graded for e in r.exercises))
    checks: dict[tuple[str, str, str], CheckStat] = {}
    function_points: dict[tuple[str, str], list[float]] = {}
    function_max: dict[tuple[str, str], float] = {}
    exercise_stats = []
    for name in names:
        scores, maxima, not_started = [], [], 0
        for r in graded:
            found = next((e for e in r.exercises if e.name == name), None)
            if found is None:
                continue
            scores.append(found.score)
            maxima.append(found.max_score)
            not_started += all(message_not_started(c.message) for c in found.checks) and bool(found.checks)
            by_function: dict[str, list[Any]] = {}
            for c in found.checks:
                by_function.setdefault(c.function, []).append(c)
            for function, its in by_function.items():
                stub = all(message_not_started(c.message) for c in its)
                function_points.setdefault((name, function), []).append(sum(c.points for c in its))
                function_max[(name, function)] = sum(c.max_points for c in its)
                for c in its:
                    stat = checks.setdefault(
                        (name, function, c.name), CheckStat(name, function, c.name, c.visibility, c.max_points)
                    )
                    if stub:
                        stat.not_started += 1
                        continue
                    stat.wrote += 1
                    if not c.passed:
                        stat.failed += 1
                        stat.messages[_first_line(c.message)] += 1
        exercise_stats.append(ExerciseStat(name, max(maxima, default=0.0), scores, not_started))
    functions = [
        FunctionStat(e, f, function_max[(e, f)], statistics.fmean(points)) for (e, f), points in function_points.items()
    ]
    ordered = sorted(checks.values(), key=lambda s: (-s.rate, -s.failed, s.exercise, s.function, s.name))
    records = [r.grader for r in graded]
    return ClassStats(
        results=graded,
        grader_failed=[r.submission for r in results if grader_failed(r)],
        exercises=exercise_stats,
        functions=functions,
        checks=ordered,
        max_score=max((r.max_score for r in graded), default=0.0),
        assignment=", ".join(_common([str(g.get("assignment") or "") for g in records])),
        course=", ".join(_common([str((g.get("course") or {}).get("name") or "") for g in records])),
        due=", ".join(_common([str(g.get("due") or "") for g in records])),
        versions=_common([str(g.get("version") or "") for g in records]),
        isolation=_common([r.isolation for r in graded]),
        digest=", ".join(d[:12] for d in _common([str((g.get("course") or {}).get("sha256") or "") for g in records])),
    )


def _meta(r: SubmissionResult) -> dict[str, Any]:
    return {"path": r.path, "graded_at": r.graded_at, "grader": r.grader}


# -- figures ---------------------------------------------------------------------------------

BLUE, ORANGE, GREY = "#3b6ea8", "#d9822b", "#8a8f98"


def _matplotlib() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise MissingPlotting(
            _("the class report's figures need matplotlib: pip install 'mlgrade[report]' (make install does this)")
        ) from None
    matplotlib.rcParams.update(
        {
            "svg.fonttype": "none",  # text stays text: the page's font, selectable, small
            "svg.hashsalt": "mlgrade",  # the same grades give the same page
            "font.family": "sans-serif",
            "font.size": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    from matplotlib.figure import Figure

    return Figure


def _svg(figure: Any) -> str:
    buffer = io.StringIO()
    with warnings.catch_warnings():
        # Chinese labels: the page's font draws them (svg.fonttype none); matplotlib's has no glyphs for them
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # inline: no XML declaration or doctype


def _bins(maximum: float, count: int = 12) -> list[float]:
    maximum = maximum or 1.0
    return [maximum * i / count for i in range(count + 1)]


def class_histogram(stats: ClassStats) -> str:
    Figure = _matplotlib()
    figure = Figure(figsize=(7.2, 2.8))
    ax = figure.subplots()
    totals = stats.totals
    ax.hist(totals, bins=_bins(stats.max_score, 20), color=BLUE, edgecolor="white")
    if totals:
        mean, median = statistics.fmean(totals), statistics.median(totals)
        ax.axvline(mean, color=ORANGE, linewidth=2, label=_("mean {mean}").format(mean=f"{mean:.1f}"))
        ax.axvline(
            median, color=GREY, linewidth=2, linestyle="--", label=_("median {median}").format(median=f"{median:.1f}")
        )
        ax.legend(frameon=False, loc="upper left")
    ax.set_xlim(0, stats.max_score or 1)
    ax.set_xlabel(_("total score (of {max_score})").format(max_score=f"{stats.max_score:g}"))
    ax.set_ylabel(_("submissions"))
    ax.yaxis.get_major_locator().set_params(integer=True)
    return _svg(figure)


def exercise_histograms(stats: ClassStats) -> str:
    Figure = _matplotlib()
    n = len(stats.exercises)
    columns = min(4, max(n, 1))
    rows = (n + columns - 1) // columns or 1
    figure = Figure(figsize=(2.6 * columns, 2.1 * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    for ax, exercise in zip(axes.flat, stats.exercises, strict=False):
        ax.hist(exercise.scores, bins=_bins(exercise.max_score, 8), color=BLUE, edgecolor="white")
        ax.set_title(exercise.name, fontsize=10)
        ax.set_xlim(0, exercise.max_score or 1)
        ax.set_xlabel(_("points (of {max_score})").format(max_score=f"{exercise.max_score:g}"), fontsize=8)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.tick_params(labelsize=8)
    return _svg(figure)


def function_means(stats: ClassStats) -> str:
    Figure = _matplotlib()
    functions = stats.functions
    figure = Figure(figsize=(7.2, 0.28 * len(functions) + 0.8))
    ax = figure.subplots()
    labels = [f"{f.exercise}.{f.function}" for f in functions]
    shares = [100 * f.mean / f.max_points if f.max_points else 0.0 for f in functions]
    exercises = list(dict.fromkeys(f.exercise for f in functions))
    palette = [BLUE, ORANGE, "#5a9e6f", "#8e6bb0", "#c45c5c", "#4f9fb0", "#a38b3b", GREY]
    colors = [palette[exercises.index(f.exercise) % len(palette)] for f in functions]
    positions = list(range(len(functions)))[::-1]
    ax.barh(positions, shares, color=colors, height=0.7)
    ax.set_yticks(positions, labels, fontsize=8)
    ax.set_xlim(0, 100)
    # NOTE: {percent} is a percent sign (a literal one would read as a %-format to gettext's tools)
    ax.set_xlabel(_("mean score, {percent} of the function's points").format(percent="%"))
    for y, share in zip(positions, shares, strict=True):
        inside = share > 88  # a long bar carries its label inside, in white
        x, align, color = (share - 1, "right", "white") if inside else (share + 1, "left", "black")
        ax.text(x, y, f"{share:.0f}%", va="center", ha=align, fontsize=8, color=color)
    return _svg(figure)


# -- the page ---------------------------------------------------------------------------------

STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;background:#f6f7f9;margin:0}
main{max-width:1080px;margin:0 auto;padding:24px 28px 48px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:34px 0 8px;border-bottom:1px solid #dde1e7;padding-bottom:4px}
.sub{color:#5b6473;margin:0 0 18px}.note{color:#5b6473;font-size:13px;margin:4px 0 10px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:14px 0}
.card{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:10px 16px;min-width:120px}
.card b{display:block;font-size:22px}.card span{color:#5b6473;font-size:13px}
figure{background:#fff;border:1px solid #dde1e7;border-radius:8px;margin:10px 0;padding:10px}
figure svg{max-width:100%;height:auto}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dde1e7;font-size:14px}
th,td{padding:5px 9px;border-bottom:1px solid #eceff3;text-align:left;vertical-align:top}
th{background:#eef1f5;font-weight:600;white-space:nowrap}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
table.sortable th{cursor:pointer}table.sortable th:after{content:" ⇅";color:#9aa2ae;font-size:11px}
.rate{display:flex;align-items:center;gap:6px;white-space:nowrap}
.bar{display:inline-block;height:9px;background:#c45c5c;border-radius:2px}
code{background:#f1f3f6;padding:1px 4px;border-radius:3px;font-size:13px}
.msg{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px;color:#3b4250;word-break:break-word}
.hidden-check{color:#7a5c99;font-size:12px}.failed{color:#b3261e}
footer{color:#5b6473;font-size:13px;margin-top:34px}
#js-errors:empty{display:none}#js-errors{color:#b3261e;white-space:pre-wrap}
"""

# Records any script error in the page itself (a browser test reads it back from the DOM).
ERRORS_SCRIPT = """
window.addEventListener("error", function (e) {
  var box = document.getElementById("js-errors");
  if (box) { box.textContent += (e.message || "error") + "\\n"; }
  document.documentElement.setAttribute("data-js-errors", "yes");
});
"""

# Click a column's header to sort by it (numbers by data-v, text otherwise); click again to reverse.
SORT_SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, column) {
    th.addEventListener("click", function () {
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var up = th.getAttribute("data-order") !== "up";
      rows.sort(function (a, b) {
        var x = a.cells[column], y = b.cells[column];
        var u = x.getAttribute("data-v"), v = y.getAttribute("data-v");
        var c = (u !== null && v !== null) ? parseFloat(u) - parseFloat(v) : x.textContent.localeCompare(y.textContent);
        return up ? c : -c;
      });
      rows.forEach(function (row) { body.appendChild(row); });
      table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("data-order"); });
      th.setAttribute("data-order", up ? "up" : "down");
    });
  });
});
document.documentElement.setAttribute("data-ready", "yes");
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _p(x: float) -> str:
    return f"{round(x, 2):g}"


def _percent(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"


def _head(*cells: tuple[str, str]) -> str:
    """Header cells of a table: (text, class), the class ``n`` for a number's column."""
    return "".join(f"<th class={kind}>{_e(text)}</th>" if kind else f"<th>{_e(text)}</th>" for text, kind in cells)


def _cards(stats: ClassStats) -> str:
    totals, top = stats.totals, stats.max_score
    full = sum(1 for t in totals if round(t, 6) >= round(top, 6) > 0)
    cards = [
        (str(len(totals)), _("submissions graded")),
        (f"{_p(statistics.fmean(totals))} / {top:g}" if totals else "–", _("mean")),
        (f"{_p(statistics.median(totals))}" if totals else "–", _("median")),
        (f"{full}", _("full marks")),
        (f"{sum(1 for t in totals if t == 0)}", _("scored zero")),
    ]
    if stats.grader_failed:
        cards.append((str(len(stats.grader_failed)), _("not graded: the grader failed")))
    return "".join(f'<div class="card"><b>{_e(v)}</b><span>{_e(k)}</span></div>' for v, k in cards)


def _exercise_table(stats: ClassStats) -> str:
    rows = []
    for e in stats.exercises:
        mean = statistics.fmean(e.scores) if e.scores else 0.0
        median = statistics.median(e.scores) if e.scores else 0.0
        n = len(e.scores)
        rows.append(
            f"<tr><td><code>{_e(e.name)}</code></td><td class=n>{e.max_score:g}</td>"
            f"<td class=n data-v={mean:.6f}>{_p(mean)} ({_percent(mean, e.max_score)})</td>"
            f"<td class=n data-v={median:.6f}>{_p(median)}</td>"
            f"<td class=n data-v={e.full_marks}>{e.full_marks} ({_percent(e.full_marks, n)})</td>"
            f"<td class=n data-v={e.not_started}>{e.not_started} ({_percent(e.not_started, n)})</td></tr>"
        )
    head = _head((_("exercise"), ""), (_("points"), "n"), (_("mean"), "n"), (_("median"), "n"))
    head += _head((_("full marks"), "n"), (_("not started"), "n"))
    head = f"<tr>{head}</tr>"
    return f'<table class="sortable" id="exercises"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


def _checks_table(stats: ClassStats) -> str:
    rows = []
    hidden_word = _("hidden")
    for c in stats.checks:
        message, count = c.message
        share = _("in {count} of {failed}").format(count=count, failed=c.failed)
        said = f'<div class="msg">{_e(message)}</div><div class="note">{_e(share)}</div>' if count else ""
        hidden = f' <span class="hidden-check">{_e(hidden_word)}</span>' if c.visibility == "hidden" else ""
        failed = _("{failed} of {wrote}").format(failed=c.failed, wrote=c.wrote)
        points = _("{points} points").format(points=f"{c.max_points:.3g}")  # a float, not a count
        width = round(80 * c.rate)
        rows.append(
            f'<tr><td class=n data-v={c.rate:.6f}><div class=rate><span class=bar style="width:{width}px"></span>'
            f"{100 * c.rate:.0f}%</div></td>"
            f"<td class=n data-v={c.failed}>{_e(failed)}</td>"
            f"<td><code>{_e(i18n.title(c.name))}</code>{hidden}<div class=note>{_e(c.exercise)}.{_e(c.function)}, "
            f"{_e(points)}</div></td>"
            f"<td class=n data-v={c.not_started}>{c.not_started}</td><td>{said}</td></tr>"
        )
    cells = _head((_("fail"), "n"), (_("failed"), "n"), (_("check"), ""), (_("not started"), "n"))
    head = "<tr>" + cells + _head((_("most frequent message"), "")) + "</tr>"
    return f'<table class="sortable" id="checks"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


def _submissions_table(stats: ClassStats, results: Sequence[SubmissionResult]) -> str:
    names = [e.name for e in stats.exercises]
    failed_word = _("grader failed")
    head = "".join(f"<th class=n>{_e(n)}</th>" for n in names)
    rows = []
    for r in results:
        if grader_failed(r):
            cells = "".join("<td class=n data-v=-1></td>" for _ in names)
            total = f'<td class="n failed" data-v=-1>{_e(failed_word)}</td><td class=n data-v=-1></td>'
        else:
            scores = {e.name: e.score for e in r.exercises}
            cells = "".join(
                f"<td class=n data-v={scores.get(n, -1):.6f}>{_p(scores[n]) if n in scores else ''}</td>" for n in names
            )
            kept = sum(scores.get(n, 0.0) for n in names)
            total = (
                f"<td class=n data-v={kept:.6f}><b>{_p(kept)}</b></td>"
                f"<td class=n data-v={kept / stats.max_score if stats.max_score else 0:.6f}>"
                f"{_percent(kept, stats.max_score)}</td>"
            )
        error = f'<div class="note failed">{_e(_first_line(r.error))}</div>' if r.error else ""
        rows.append(
            f"<tr><td>{_e(r.submission)}{error}</td>{cells}{total}<td>{_e(r.isolation)}</td>"
            f"<td>{_e(r.graded_at.replace('T', ' ').replace('+00:00', ' UTC'))}</td></tr>"
        )
    total_head = _("total / {max_score}").format(max_score=f"{stats.max_score:g}")
    head = "<tr>" + _head((_("submission"), "")) + head + _head((total_head, "n"), ("%", "n"))
    head += _head((_("isolation"), ""), (_("graded"), "")) + "</tr>"
    return f'<table class="sortable" id="submissions"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


def render(stats: ClassStats, results: Sequence[SubmissionResult], heading: str = "") -> str:
    """The whole page; ``heading`` names what it reports on (default: the recorded assignment).
    Its words are in the language in use; the translations are trusted text, the values are
    escaped."""
    heading = heading or stats.assignment or _("all exercises")
    facts = [stats.course] if stats.course else []
    if stats.due:
        facts.append(_("due {dates}").format(dates=", ".join(_when(d) for d in stats.due.split(", "))))
    dates = sorted(r.graded_at for r in stats.results if r.graded_at)
    if dates:
        first, last = dates[0][:16].replace("T", " "), dates[-1][:16].replace("T", " ")
        if first == last:
            facts.append(_("graded {first} UTC").format(first=first))
        else:
            facts.append(_("graded {first} to {last} UTC").format(first=first, last=last))
    levels = "; ".join(_(ISOLATION[level]) if level in ISOLATION else level for level in stats.isolation) or "–"
    worst = stats.checks[0] if stats.checks else None
    if worst is not None and worst.failed:
        lead = _("The most failed check: {rate} of the submissions that wrote {function} fail {check}.").format(
            rate=f"{100 * worst.rate:.0f}%",
            function=f"<code>{_e(worst.exercise)}.{_e(worst.function)}</code>",
            check=f"<code>{_e(i18n.title(worst.name))}</code>",
        )
    else:
        lead = _("Every submission that wrote a function passes all of its checks.")
    failed = ""
    if stats.grader_failed:
        said = ngettext(
            "The grader failed on {count} submission(s), left out of the statistics: {names}. "
            "Regrade them; never the students' fault.",
            "The grader failed on {count} submission(s), left out of the statistics: {names}. "
            "Regrade them; never the students' fault.",
            len(stats.grader_failed),
        )
        names = _e(", ".join(stats.grader_failed))
        failed = f'<p class="failed">{said.format(count=len(stats.grader_failed), names=names)}</p>'
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    digest = _(", course file sha256 {digest}…").format(digest=_e(stats.digest)) if stats.digest else ""
    title = _("Class report: {heading}").format(heading=_e(heading))
    graded_by = _("Graded by mlgrade {versions}{digest}.").format(
        versions=_e(", ".join(stats.versions) or _("unknown")), digest=digest
    )
    how = _(
        'Every check, from the most failed. "fail" counts the submissions that wrote the function (a stub '
        'left as it was is "not started"); the message is the failures\' most frequent one (its start).'
    )
    language = i18n.language()
    words = {
        "scores": _("Scores"),
        "exercises": _("Exercises"),
        "functions": _("Functions"),
        "functions_note": _("Each function's mean score over the class, as a share of its points."),
        "struggled": _("Where the class struggled"),
        "submissions": _("Submissions"),
        "sort": _("Click a column's header to sort by it."),
        "isolation": _("Isolation: {levels}.").format(levels=_e(levels)),
        "written": _("Report written {when}.").format(when=now),
    }
    return f"""<!DOCTYPE html>
<html lang="{language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<script>{ERRORS_SCRIPT}</script>
<style>{STYLE}</style></head>
<body><main>
<div id="js-errors"></div>
<h1>{title}</h1>
<p class="sub">{_e(" · ".join(facts))}</p>
<div class="cards">{_cards(stats)}</div>
<p>{lead}</p>
{failed}
<h2>{words["scores"]}</h2>
<figure id="fig-class">{class_histogram(stats)}</figure>
<h2>{words["exercises"]}</h2>
{_exercise_table(stats)}
<figure id="fig-exercises">{exercise_histograms(stats)}</figure>
<h2>{words["functions"]}</h2>
<p class="note">{words["functions_note"]}</p>
<figure id="fig-functions">{function_means(stats)}</figure>
<h2>{words["struggled"]}</h2>
<p class="note">{how}</p>
{_checks_table(stats)}
<h2>{words["submissions"]}</h2>
<p class="note">{words["sort"]}</p>
{_submissions_table(stats, results)}
<footer>{words["isolation"]}<br>{graded_by}
{words["written"]}</footer>
</main>
<script>{SORT_SCRIPT}</script>
</body></html>
"""


def summary(console: Console, stats: ClassStats, out: Path, most_failed: int = 5) -> None:
    """The report in a few lines for the terminal."""
    totals = stats.totals
    everything = _("all exercises")
    if totals:
        said = ngettext(
            # NOTE: English keeps "submissions" for one too, as it always has
            "{assignment}: {count} submissions, mean {mean} / {max_score}, median {median}",
            "{assignment}: {count} submissions, mean {mean} / {max_score}, median {median}",
            len(totals),
        )
        console.print(
            said.format(
                assignment=f"[bold]{escape(stats.assignment or everything)}[/]",
                count=len(totals),
                mean=_p(statistics.fmean(totals)),
                max_score=f"{stats.max_score:g}",
                median=_p(statistics.median(totals)),
            )
        )
    table = Table(title=_("Exercises"), title_justify="left")
    table.add_column(_("exercise"))
    table.add_column(_("mean"), justify="right")
    table.add_column(_("full marks"), justify="right")
    table.add_column(_("not started"), justify="right")
    for e in stats.exercises:
        mean = statistics.fmean(e.scores) if e.scores else 0.0
        table.add_row(escape(e.name), f"{_p(mean)} / {e.max_score:g}", str(e.full_marks), str(e.not_started))
    console.print(table)
    failing = [c for c in stats.checks if c.failed][:most_failed]
    if failing:
        console.print(escape(_("Most failed checks (of the submissions that wrote the function):")))
        for c in failing:
            said = _("{rate} fail {check} ({function})").format(
                rate=f"{100 * c.rate:3.0f}%",
                check=repr(escape(i18n.title(c.name))),
                function=f"{escape(c.exercise)}.{escape(c.function)}",
            )
            console.print(f"  {said}")
    if stats.grader_failed:
        said = ngettext(
            "The grader failed on {count} submission(s): regrade them.",
            "The grader failed on {count} submission(s): regrade them.",
            len(stats.grader_failed),
        )
        console.print(f"[bold red]{escape(said.format(count=len(stats.grader_failed)))}[/]")
    console.print(escape(_("Wrote {path}").format(path=out)), soft_wrap=True)  # the path stays whole, to copy


def write(grades_dir: Path, out: Path, exercises: Sequence[str] | None = None, heading: str = "") -> ClassStats:
    """Read GRADES_DIR, write the page of its ``exercises`` (default: all) to ``out``; returns
    the statistics it shows."""
    results = read(grades_dir)
    stats = statistics_of(results, exercises)
    if not stats.exercises:
        raise UsageProblem(_("{folder}: grades.json has no graded exercise to report on").format(folder=grades_dir))
    page = render(stats, results, heading)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(re.sub(r"[ \t]+\n", "\n", page), encoding="utf-8")
    return stats
