"""The static scan for forbidden library calls (grader/forbidden.py)."""

from __future__ import annotations

import pytest

from grader.bank.least_squares import FORBIDDEN
from grader.forbidden import AUTOGRAD, TAMPERING, scan

PATTERNS = {"fit": FORBIDDEN, "predict": FORBIDDEN}


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("import torch\ndef fit(X, y):\n    return torch.linalg.lstsq(X, y).solution\n", "torch.linalg.lstsq"),
        ("import numpy as np\ndef fit(X, y):\n    return np.linalg.lstsq(X, y)[0]\n", "numpy.linalg.lstsq"),
        ("from numpy.linalg import pinv as P\ndef fit(X, y):\n    return P(X) @ y\n", "numpy.linalg.pinv"),
        ("from torch import linalg\ndef fit(X, y):\n    return linalg.pinv(X) @ y\n", "torch.linalg.pinv"),
        ("import numpy\nL = numpy.linalg.lstsq\ndef fit(X, y):\n    return L(X, y)\n", "numpy.linalg.lstsq"),
        ("def fit(X, y):\n    return X.pinverse() @ y\n", "torch.Tensor.pinverse"),
        ("def fit(X, y):\n    return X.T.pinverse().T @ y\n", "torch.Tensor.pinverse"),
        (
            "def fit(X, y):\n    from sklearn.linear_model import LinearRegression\n    return LinearRegression()\n",
            "sklearn.linear_model.LinearRegression",
        ),
        (
            "import numpy as np\ndef _solve(A, b):\n    return np.linalg.pinv(A) @ b\ndef helper(X, y):\n"
            "    return _solve(X, y)\ndef fit(X, y):\n    return helper(X, y)\n",
            "numpy.linalg.pinv",
        ),
    ],
)
def test_forbidden_use_is_found_through_aliases_and_helpers(source: str, name: str) -> None:
    found = scan(source, PATTERNS)
    assert set(found) == {"fit"} and name in found["fit"]


def test_allowed_calls_comments_and_unused_helpers_are_not_flagged() -> None:
    source = (
        "import numpy as np\nimport torch\n"
        "# torch.linalg.lstsq would be easier\n"
        "def unused(X, y):\n    return np.linalg.lstsq(X, y)\n"
        "def fit(X, y):\n    '''not np.linalg.pinv'''\n    return torch.linalg.solve(X.T @ X, X.T @ y)\n"
        "def predict(X, w):\n    return np.polyval(w, X)\n"
    )
    assert scan(source, PATTERNS) == {}


def test_syntax_error_is_raised_for_the_engine_to_report() -> None:
    with pytest.raises(SyntaxError):
        scan("def fit(:\n", PATTERNS)


def test_an_import_inside_a_function_belongs_to_that_function_only() -> None:
    source = (
        "def helper(y_true, y_pred):\n    from sklearn.metrics import f1_score\n    return f1_score(y_true, y_pred)\n"
        "def f1_score(y_true, y_pred):\n    return 0.0\n"
        "def predict(X, w):\n    return f1_score(X, w)\n"
        "def fit(X, y):\n    return helper(X, y)\n"
    )
    found = scan(source, PATTERNS)
    assert set(found) == {"fit"}  # predict calls the module's own f1_score, not sklearn's


def test_a_module_level_import_under_try_is_resolved() -> None:
    source = (
        "try:\n    import numpy.linalg as la\nexcept ImportError:\n    la = None\n"
        "def fit(X, y):\n    return la.pinv(X) @ y\n"
    )
    assert scan(source, PATTERNS) == {"fit": {"numpy.linalg.pinv"}}


AUTOGRAD_PATTERNS = {"grad": AUTOGRAD}


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("def grad(x):\n    x.backward()\n", "torch.Tensor.backward"),
        ("import torch\ndef grad(x):\n    return torch.autograd.grad(x.sum(), x)\n", "torch.autograd.grad"),
        ("from torch.func import grad as g\ndef grad(x):\n    return g(x)\n", "torch.func.grad"),
        ("def grad(x):\n    x.requires_grad = True\n", "torch.Tensor.requires_grad.__set__"),
        ("def grad(x):\n    x.requires_grad_()\n", "torch.Tensor.requires_grad_"),
        ("import torch\ndef grad(x):\n    w = torch.zeros(3, requires_grad=True)\n", "torch.zeros(requires_grad=True)"),
    ],
)
def test_autograd_in_every_spelling_is_found(source: str, name: str) -> None:
    assert name in scan(source, AUTOGRAD_PATTERNS).get("grad", set())


def test_reading_requires_grad_or_no_grad_is_allowed() -> None:
    source = "import torch\ndef grad(x):\n    with torch.no_grad():\n        return x.requires_grad\n"
    assert scan(source, AUTOGRAD_PATTERNS) == {}


@pytest.mark.parametrize(
    "source",
    [
        "import torch\ndef fit(X, y):\n    torch._C._pop_torch_function_stack()\n",
        "import gc\ndef fit(X, y):\n    return [o for o in gc.get_objects() if type(o).__name__ == 'Worker']\n",
        "import sys\ndef fit(X, y):\n    return sys._getframe(2).f_locals\n",
        "from torch.overrides import TorchFunctionMode\ndef fit(X, y):\n    return TorchFunctionMode\n",
    ],
)
def test_reaching_into_the_worker_is_found(source: str) -> None:
    assert scan(source, {"fit": TAMPERING}).get("fit")
