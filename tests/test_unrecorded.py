"""Calls that run without the worker's forbidden-call recorder (grader/isolation/unrecorded.py):
only those of functions whose source shows everything they reach, none of it recorded, while
no other student code has run. Every way of hiding a forbidden call is still recorded; a call
after code that may have changed what torch's names stand for is recorded; and the references'
hot loops do run without it, which is what the analysis is for."""

from __future__ import annotations

import ast
import importlib.util
import json
import py_compile
import subprocess
import sys
import textwrap
import types
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO

from grader import bank
from grader.exercise import forbidden_patterns
from grader.isolation import unrecorded
from grader.isolation.worker import recorder_names

# The recorder's patterns where every exercise is graded: those of the worker of a whole course.
PATTERNS = forbidden_patterns(bank.load(bank.NAMES))
TORCH_PATTERNS = [p for p in PATTERNS if p.startswith(("torch.", "*"))]

# A worker in a fresh interpreter (it wraps library functions and guards imports as it starts),
# calling the submission's functions as the grader asks them, one after another (or each in a
# worker of its own: "fresh"); for each call, whether it ran without the recorder and what was
# recorded.
WORKER = """
import json, sys
import numpy as np
from dataclasses import replace
from grader import bank
from grader.exercise import forbidden_patterns
from grader.isolation import wire
from grader.isolation.config import WorkerConfig
from grader.isolation.limits import Limits
from grader.isolation.worker import Worker

root, calls, fresh = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3] == "fresh"
sys.path.insert(0, root)  # as the seal puts the submission's folder (grader/isolation/seal.py)
config = replace(WorkerConfig.of("cpu", forbidden_patterns(bank.load(bank.NAMES)), Limits()), blocked_packages=())
judged = []


def started():
    worker = Worker(config, root)
    decide = worker._judged
    worker._judged = lambda module, function: judged.append(decide(module, function)) or judged[-1]
    return worker


worker = started()
results = []
for module, function in calls:
    if fresh and results:
        worker = started()
    judged.clear()
    answer, _ = worker.call(*wire.call_request(module, function, (np.linspace(-2, 2, 5),), {}, None, None))
    results.append({"ok": answer["ok"], "used": answer["used"], "unrecorded": judged == [True],
                    "error": answer.get("error", {}).get("message")})
print(json.dumps({"results": results, "possible": worker.unrecorded_calls or None, "verdicts": worker.verdicts}))
"""


def run_worker(folder: Path, calls: list[tuple[str, str]], fresh: bool = False) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", WORKER, str(folder), json.dumps(calls), "fresh" if fresh else "one"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def module_folder(tmp_path: Path, modules: dict[str, str]) -> Path:
    for name, source in modules.items():
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
    return tmp_path


# Every way of reaching torch.sigmoid where activations forbids it, but the plain one, that
# the source scan cannot name: each must still be recorded at run time.
HIDDEN = """
    import numpy as np
    import torch

    G = getattr
    NAME = "sig" + "moid"


    def by_getattr(x):
        return getattr(torch, "sig" + "moid")(x)


    def by_vars(x):
        return vars(torch)["sigmoid"](x)


    def by_module_as_value(x):
        m = torch
        return m.sigmoid(x)


    def by_default(x, get=getattr):
        return get(torch, "sigmoid")(x)


    def by_alias_of_getattr(x):
        return G(torch, "sigmoid")(x)


    def _helper(x):
        return getattr(x, "sig" + "moid")()


    def by_helper(x):
        return _helper(x) + 0


    def by_module_class(x):
        return torch.nn.Sigmoid()(x)


    def by_eval(x):
        return eval("torch.sigmoid(x)")


    def by_dunder(x):
        return torch.__dict__["sigmoid"](x)
"""
HIDING = [n.name for n in ast.parse(textwrap.dedent(HIDDEN)).body if isinstance(n, ast.FunctionDef)]
HIDING.remove("_helper")


def test_every_hidden_forbidden_call_is_recorded(tmp_path: Path) -> None:
    folder = module_folder(tmp_path, {"activations": HIDDEN})
    found = run_worker(folder, [("activations", f) for f in HIDING], fresh=True)  # nothing ran before
    for function, result in zip(HIDING, found["results"], strict=True):
        assert result["ok"], (function, result)
        assert "torch.sigmoid" in result["used"] or "torch.Tensor.sigmoid" in result["used"], (function, result)
        assert not result["unrecorded"], function


def test_a_call_after_code_that_may_change_what_torch_names_is_recorded(tmp_path: Path) -> None:
    """exp runs without the recorder until a function that reaches what its source does not
    show has run: that one made torch.exp stand for torch.sigmoid, and the recorder, not the
    source, knows it."""
    source = """
        import torch


        def exp(x):
            return torch.exp(x)


        def patch(x):
            setattr(torch, "exp", torch.sigmoid)
            return x
    """
    found = run_worker(
        module_folder(tmp_path, {"activations": source}), [("activations", f) for f in ("exp", "patch", "exp")]
    )
    first, patched, then = found["results"]
    assert first["unrecorded"] and first["used"] == []
    assert not patched["unrecorded"]
    assert not then["unrecorded"] and then["used"] == ["torch.sigmoid"]


def test_a_module_whose_import_runs_code_has_every_call_recorded(tmp_path: Path) -> None:
    """Here divmod, a builtin the analysis takes for itself, calls torch.sigmoid once imported."""
    source = """
        import torch

        __builtins__["divmod"] = lambda a, b: torch.sigmoid(a)


        def split(x):
            return divmod(x, 1)
    """
    found = run_worker(module_folder(tmp_path, {"activations": source}), [("activations", "split")])
    (result,) = found["results"]
    assert not result["unrecorded"] and result["used"] == ["torch.sigmoid"]


# Ways found to reach a recorded function from a call that ran without the recorder, each as a
# module and the calls made of it; the last call reaches the recorded function.
ESCAPES = {
    "an annotation of a nested function, evaluated as it is defined": (
        """
        import torch


        def sig(x):
            out = []

            def g(y: out.append(x.sigmoid())) -> None:
                pass

            return out[0]
        """,
        ["sig"],
    ),
    "a function's name bound to another function": (
        """
        def sigmoid(x):
            return x


        def real(x):
            return x.sigmoid()


        sigmoid = real


        def uses(x):
            return sigmoid(x) * 1
        """,
        ["uses"],
    ),
    "a recorded function kept in a constant by one call, called by the next": (
        """
        import torch

        CACHE = []


        def stash(x):
            CACHE.append(torch.Tensor.sigmoid)
            return x


        def sig(x):
            return CACHE[0](x)
        """,
        ["stash", "sig"],
    ),
    "a generator kept by one call, run by the next": (
        """
        PENDING = []


        def relu(x):
            PENDING.append(t.sigmoid() for t in [x])
            return x


        def sig(x):
            return list(PENDING[0])[0]
        """,
        ["relu", "sig"],
    ),
    "a recorded function held in a constant, taken by a method": (
        """
        import torch

        FUNCTIONS = [torch.Tensor.sigmoid]


        def sig(x):
            return FUNCTIONS.copy()[0](x)
        """,
        ["sig"],
    ),
    "torch replaced through sys.modules, reached from torch": (
        """
        import torch


        def patch(x):
            torch.sys.modules.get("torch").exp = torch.Tensor.sigmoid
            return x


        def sig(x):
            return torch.exp(x)
        """,
        ["patch", "sig"],
    ),
    "code in the else of a module's main guard, run on import": (
        """
        import torch

        if __name__ == "__main__":
            pass
        else:
            torch.Tensor.__neg__ = getattr(torch.Tensor, "sig" + "moid")


        def negative(x):
            return -x
        """,
        ["negative"],
    ),
    "a name a walrus in a comprehension binds in the function": (
        """
        def sig(x):
            [t := x for _ in (1,)]
            return t.sigmoid()
        """,
        ["sig"],
    ),
    "a name a walrus in a nested function's default binds in the function": (
        """
        def sig(x):
            def g(v=(u := x)):
                return v

            return u.sigmoid()
        """,
        ["sig"],
    ),
    "a function that calls a recorded one, kept by one call, called by the next": (
        """
        CACHE = []


        def sig(t):
            return t.sigmoid()


        def stash(x):
            CACHE.append(sig)
            return x


        def use(x):
            return CACHE[0](x)
        """,
        ["stash", "use"],
    ),
    "the builtins reached through a generator's frame": (
        """
        def sig(x):
            [g := (v for v in (1,)) for _ in (1,)]
            found = g.gi_frame.f_globals["__builtins__"]
            return found["getattr"](x, "sig" + "moid")()
        """,
        ["sig"],
    ),
    "unpickling, a C function of the standard library's reached through a torch module's class": (
        """
        import torch
        import torch.multiprocessing.queue

        PAYLOAD = b"\\x80\\x04\\x8c\\x05torch\\x8c\\x0eTensor.sigmoid\\x93."


        def sig(x):
            return torch.multiprocessing.queue.ForkingPickler.loads(PAYLOAD)(x)
        """,
        ["sig"],
    ),
    "a ufunc of NumPy's private module on an array of objects": (
        """
        import numpy as np
        import numpy._core.umath as um


        def th(x):
            a = np.empty(1, dtype="O")
            a[0] = x
            return um.tanh(a)[0]
        """,
        ["th"],
    ),
}


# Beside the module: another of the submission's files, imported by a storage's type(NAME).
HELPER = """
    import torch

    torch.exp = torch.Tensor.sigmoid
"""
ESCAPES["a storage taken through torch.Tensor, which imports a file of the submission"] = (
    """
    import torch


    def sig(x):
        try:
            torch.Tensor.untyped_storage(x).type("helper")
        except Exception:
            pass
        return torch.exp(x)
    """,
    ["sig"],
)
ESCAPES["a default holding the first of two definitions of a name"] = (
    """
    def f(x):
        return x.sigmoid()


    def g(x, h=f):
        return h(x)


    def f(x):
        return x
    """,
    ["g"],
)
ESCAPES["a file of the submission imported by a storage, which replaces torch.exp"] = (
    """
    import torch


    def sig(x):
        try:
            x.untyped_storage().type("helper")
        except Exception:
            pass
        return torch.exp(x)
    """,
    ["sig"],
)


# Files of the submission named as modules a library imports the first time it is used.
SHADOWS = {
    # torch.sym_not imports sympy as it runs: while a call runs without the recorder
    "sympy": """
        import torch

        torch.exp = torch._C._VariableFunctions.sigmoid
        class Basic:
            pass
    """,
    # numpy.f2py imports fileinput: as the student's module is imported
    "fileinput": """
        import sys
        import torch


        def _swap(frame, event, arg):
            if event == "call" and frame.f_code.co_name == "sig":
                torch.exp = torch._C._VariableFunctions.sigmoid
                sys.setprofile(None)


        sys.setprofile(_swap)
        class FileInput:
            pass
    """,
}
ESCAPES["a file of the submission's named as a module a torch function imports as it runs"] = (
    """
    import torch


    def sig(x):
        torch.sym_not(True)
        return torch.exp(x)
    """,
    ["sig"],
)
ESCAPES["a file of the submission's named as a module a library module imports"] = (
    """
    import numpy.f2py
    import torch


    def sig(x):
        return torch.exp(x)
    """,
    ["sig"],
)


@pytest.mark.parametrize("escape", list(ESCAPES))
def test_a_recorded_function_reached_in_a_way_the_source_does_not_call_it_is_recorded(
    escape: str, tmp_path: Path
) -> None:
    source, calls = ESCAPES[escape]
    modules = {"activations": source, "helper": HELPER, **SHADOWS}
    found = run_worker(module_folder(tmp_path, modules), [("activations", f) for f in calls])
    last = found["results"][-1]  # recorded: from the start, or from the import on (sympy)
    assert {"torch.sigmoid", "torch.Tensor.sigmoid", "torch.Tensor.tanh"} & set(last["used"]), (escape, last)


def test_a_forbidden_call_the_source_shows_is_recorded_and_later_calls_need_not_be(tmp_path: Path) -> None:
    source = """
        import torch


        def forbidden(x):
            return torch.sigmoid(x)


        def allowed(x):
            return torch.exp(x)
    """
    calls = [("activations", f) for f in ("forbidden", "allowed")]
    forbidden, allowed = run_worker(module_folder(tmp_path, {"activations": source}), calls)["results"]
    assert not forbidden["unrecorded"] and forbidden["used"] == ["torch.sigmoid"]
    assert allowed["unrecorded"] and allowed["used"] == []


def test_what_runs_is_the_source_judged_not_bytecode_beside_it(tmp_path: Path) -> None:
    """Python's loader runs a module's compiled bytecode from __pycache__ where one is there
    (one compiled with an unchecked hash, whatever the source now says), while the analysis
    judges the source: the worker runs the source it judged (found by the seventh review; the
    worker's copy leaves __pycache__ out, so a submission cannot bring one)."""
    shown = """
        import torch


        def act(x):
            return torch.exp(x)
    """
    run = """
        import torch


        def act(x):
            x.sigmoid()
            raise ValueError("the bytecode beside the source ran")
    """
    folder = module_folder(tmp_path, {"activations": shown})
    compiled = tmp_path / "other" / "activations.py"
    compiled.parent.mkdir()
    compiled.write_text(textwrap.dedent(run))
    cache = importlib.util.cache_from_source(str(folder / "activations.py"))
    py_compile.compile(str(compiled), cfile=cache, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    (act,) = run_worker(folder, [("activations", "act")])["results"]
    assert act["ok"], act["error"]  # torch.exp, as judged
    assert act["unrecorded"] and act["used"] == []


def test_the_references_hot_loops_run_without_the_recorder() -> None:
    """What the analysis is for: the training loops, most of a submission's torch operations.
    Also: no special method of a tensor keeps the worker from running any call unrecorded."""
    names = list(bank.NAMES[:8])
    found = run_worker(REPO / "solutions", [(n, "__no_such_function__") for n in names])
    assert found["possible"], "a tensor's special method is recorded or runs Python the recorder would see"
    verdicts = found["verdicts"]
    assert set(verdicts) == set(names)
    assert all(v != unrecorded.OPEN for module in verdicts.values() for v in module.values()), verdicts
    for module, function in [
        ("softmax_regression", "train"),
        ("logistic_regression", "train"),
        ("perceptron", "perceptron_train"),
    ]:
        assert verdicts[module][function] == unrecorded.UNRECORDED, (module, function)


# -- the analysis, on its own -----------------------------------------------------------------


def recorded(func: Any) -> tuple[str | None, str | None]:
    """The recorder's judgement (Worker.recorded) under the course's patterns, without a worker."""
    return recorder_names(func, TORCH_PATTERNS)


OVERRIDABLE = unrecorded.dispatching()


def verdicts(source: str) -> dict[str, str]:
    source = "import math\nimport numpy as np\nimport torch\nimport torch.nn.functional as F\n" + textwrap.dedent(
        source
    )
    tree = ast.parse(source)
    assert unrecorded.inert(tree)
    module = types.ModuleType("submission")
    exec(compile(tree, "submission.py", "exec"), vars(module))
    return unrecorded.Analysis(source, tree, module, recorded, OVERRIDABLE.__contains__).verdicts()


# Bodies of a function whose source shows it reaches nothing the recorder records.
PLAIN = [
    "return torch.exp(-x).sum() / len(x)",
    "return torch.where(x > 0, x, 0.01 * x)",
    "return (x @ x.T).clamp(min=0).mean(dim=0, keepdim=True)",
    "return F.pad(x, (1, 1)).unfold(0, 2, 1)",  # F.pad in C, Tensor.unfold
    "return [float(v) for v in x if v > 0] + [math.exp(1.0)]",
    "g = torch.Generator().manual_seed(0)\n    return x[torch.randperm(len(x), generator=g)]",
    "return isinstance(x, torch.Tensor) and x.shape[0] == x.size(0)",
    "return torch.zeros_like(x, dtype=torch.float64).numpy().sum()",
    "return x.split(2)",  # torch.Tensor.split: Python, and hands itself to the recorder first
    "f = lambda z: z * 2\n    return f(x)",
    "return sorted(range(3), key=lambda i: -i)",
    "return '{} has {n} rows, {:>{w}.3f}'.format(len(x), 1.0, n=2, w=8)",  # fields that name no attribute
]

# Bodies that call a recorded function where they name it: recorded, and nothing kept.
FORBIDDEN_IN_SOURCE = [
    "return torch.sigmoid(x)",  # forbidden in activations
    "return x.sigmoid()",
    "return x.backward()",
    "return torch.linalg.solve(x, x)",
    "return torch.ones(2, requires_grad=True)",  # *(requires_grad=True)
]

# Bodies that may reach what their source does not show: recorded, and every call after them.
REACHING_WHAT_IT_DOES_NOT_SHOW = [
    "return getattr(torch, 'exp')(x)",
    "return vars(torch)['exp'](x)",
    "return torch.__dict__['exp'](x)",
    "m = F\n    return m.relu(x)",
    "return eval('x')",
    "return __import__('torch').exp(x)",
    "import torch\n    return torch.exp(x)",
    "global Y\n    Y = x\n    return x",
    "torch.exp = torch.tanh\n    return x",
    "return np.mean(x)",  # NumPy in Python: calls the tensor's own mean
    "return np.eye(2) * 0 + x",  # a function written in Python that does not hand itself to the recorder
    "torch.manual_seed(0)\n    return x",
    "return torch.lobpcg(x, k=1)",  # Python that hands itself to a mode only for a subclass
    "return np.ndarray((1,), dtype='O')",  # an array of objects, over any buffer it is given
    "make = [np.ndarray][0]\n    return make((1,), dtype='O')",
    "return x.untyped_storage().tolist()",  # a storage: a tensor's method names, not its code
    "return torch.nn.ReLU()(x)",  # a class of Python code
    "return x.grad_fn.next_functions",
    "return '{0.backward.__globals__[torch]}'.format(x)",  # any attribute by name, _ names too
    "return '{0[0]}'.format(x)",
    "return '{:{0.real}}'.format(x)",  # a field in a field's spec
    "text = '{}'\n    return text.format(x)",  # not written out where it is formatted
    "return '{x.T}'.format_map({'x': x})",
    "return type(x)",
    "yield x",
    "class A:\n        pass\n    return x",
]


@pytest.mark.parametrize(
    ("body", "verdict"),
    [(b, unrecorded.UNRECORDED) for b in PLAIN]
    + [(b, unrecorded.RECORDED) for b in FORBIDDEN_IN_SOURCE]
    + [(b, unrecorded.OPEN) for b in REACHING_WHAT_IT_DOES_NOT_SHOW],
)
def test_a_functions_verdict_follows_from_what_its_source_reaches(body: str, verdict: str) -> None:
    assert verdicts(f"def f(x):\n    {body}\n") == {"f": verdict}


@pytest.mark.parametrize(
    "binding",
    [
        "names = [getattr for getattr in (1, 2)]",
        "pick = lambda getattr: getattr",
        "def inner(getattr):\n        return getattr",
    ],
)
def test_a_name_bound_in_a_nested_scope_is_the_modules_outside_it(binding: str) -> None:
    """Python resolves getattr after the comprehension, lambda or nested function to the
    builtin, not to their parameter: so must the analysis."""
    assert verdicts(f"def f(x):\n    {binding}\n    return getattr(x, 'exp')()\n") == {"f": unrecorded.OPEN}


def test_a_builtin_under_another_name_is_judged_as_itself() -> None:
    found = verdicts(
        """
        G = getattr
        LENGTHS = (len, vars)


        def f(x):
            return G(x, "exp")()


        def g(x):
            return LENGTHS[0](x)
        """
    )
    assert found == {"f": unrecorded.OPEN, "g": unrecorded.OPEN}


def test_a_function_is_as_open_as_its_helpers() -> None:
    found = verdicts(
        """
        def helper(x):
            return getattr(x, "exp")()


        def f(x):
            return helper(x) + 1


        def g(x):
            return f(x)


        def h(x, act=helper):
            return act(x)


        def plain(x):
            return x + 1
        """
    )
    assert found == {"helper": "open", "f": "open", "g": "open", "h": "open", "plain": "unrecorded"}


@pytest.mark.parametrize(
    "statement",
    [
        "torch.exp = torch.sigmoid",
        "print('imported')",
        "X = torch.zeros(3)",
        "import scipy",
        "@torch.no_grad()\ndef f(x):\n    return x",
        "def f(x=print('now')):\n    return x",
        "class Model:\n    pass",
        "try:\n    import sklearn\nexcept ImportError:\n    pass",
    ],
)
def test_a_module_that_runs_code_on_import_is_not_inert(statement: str) -> None:
    assert not unrecorded.inert(ast.parse(statement))


def test_a_module_of_imports_definitions_and_constants_is_inert() -> None:
    source = """
        \"\"\"A student's module.\"\"\"
        from __future__ import annotations

        import numpy as np
        import torch
        import torch.nn.functional as F
        from torch import Tensor

        EPS = 1e-12
        GATES = {"and": (1.0, 1.0, -1.5), "or": (1.0, 1.0, -0.5)}
        Cache = tuple[torch.Tensor, torch.Tensor]


        def f(x: Tensor, eps: float = EPS, dtype=torch.float64) -> Tensor | None:
            return x


        if __name__ == "__main__":
            print(f(torch.ones(2)))
    """
    assert unrecorded.inert(ast.parse(textwrap.dedent(source)))
