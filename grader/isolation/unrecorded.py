"""Which of a submission's functions may run without the worker's forbidden-call recorder.

The recorder (a TorchFunctionMode, ``grader.isolation.worker``) sees every torch operation a
student function makes, and costs each one a call into Python: about as much again as the
operation itself, whether the function calls anything forbidden or not. A function is
UNRECORDED, and runs without it, when its source shows that the recorder would record nothing:

- it and the module's functions it names (its helpers) use only their own local names (as
  Python's compiler scopes them: ``symtable``), their module's constants and functions, a few
  builtins (``SAFE_BUILTINS``), and library objects reached by attribute through torch's,
  NumPy's and math's public modules and classes; no attribute whose name begins with ``_``
  (``__dict__``, ``_C``), no ``global``, no import, no class, no ``yield``, no name that no
  definition made;
- every library object it reaches runs no Python code the recorder would see but itself: a
  function or type written in C, or a torch function that hands itself to the recorder before
  doing anything (one that ``torch.overrides`` says a mode may override); not a Python class,
  not a NumPy function written in Python (``np.mean`` calls the tensor's own ``mean``), not a
  builtin that looks names up (``getattr``, ``vars``, ``eval``, under any name), not a module
  used as a value;
- a method or property of a value is looked up by its name on ``torch.Tensor`` (the recorder's
  name for it is ``torch.Tensor.NAME``), and otherwise must be one of a builtin type's, an
  array's, or a generator's (``_value_types``), all written in C; no special method of a
  tensor that an operator or a builtin calls is recorded (``walk_tensor_dunders``); a ufunc
  is also judged as the tensor method of its name, which it calls on an array of objects;
- none of them is one the recorder records: not a forbidden one, nor one with a pattern for
  ``requires_grad=True`` where the function passes ``requires_grad`` or ``**``.

A function that reaches a recorded one is RECORDED (it runs with the recorder) where it calls
it where it names it, outside any lambda, nested function or generator, and holds no helper
that reaches one other than to call it there: nothing it reaches can then be kept, in a
constant or a result, for a later call to make unseen. Otherwise, and wherever anything above
fails, it is OPEN.

The objects are those the names stand for once the module is imported. That holds only while
no other student code has run in the worker: code that may do anything could have replaced
``torch.exp`` by ``torch.sigmoid`` for a later function to call. The worker therefore runs calls
without the recorder only until the first call of an OPEN function, or the import of a module
that does more than import, define functions and assign constants (``inert``); from then on
every call is recorded, as before (``Worker._judged``). So, once the submission's code is
being imported, does any module imported for the first time, and the rest of the call then
running: it may be a file of the submission's named as a module a library imports
(``sympy.py``, which ``torch.sym_not`` imports), code no analysis judged (``Worker.watch_from_now``).

Where a function could not be shown to need no recorder, it is recorded: the analysis may
only err on the side of recording.
"""

from __future__ import annotations

import ast
import builtins
import functools
import inspect
import string
import symtable
import types
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import numpy as np

# What the recorder records for a function object: the forbidden name of a call, and the one
# of a call with requires_grad=True (``Worker.recorded``).
Recorded = Callable[[Any], tuple[str | None, str | None]]

SAFE_BUILTINS = frozenset(
    {
        "abs", "all", "any", "bool", "complex", "dict", "divmod", "enumerate", "filter", "float",
        "frozenset", "int", "isinstance", "len", "list", "map", "max", "min", "pow", "print", "range",
        "repr", "reversed", "round", "set", "slice", "sorted", "str", "sum", "tuple", "zip",
        "ArithmeticError", "AssertionError", "Exception", "IndexError", "KeyError", "NotImplementedError",
        "OverflowError", "RuntimeError", "TypeError", "ValueError", "ZeroDivisionError",
    }
)  # fmt: skip


@functools.cache
def _value_types() -> tuple[type, ...]:
    """Types written in C whose methods a function may call on a value that is not a tensor."""
    import torch

    return (
        list, dict, tuple, set, frozenset, str, bytes, int, float, complex, bool, range, slice,
        np.ndarray, np.generic, np.dtype,
        torch.Generator, torch.Size, torch.dtype, torch.device, torch.finfo, torch.iinfo,
    )  # fmt: skip


# The modules an inert module may import: their import runs no code of the student's.
LIBRARIES = frozenset({"torch", "numpy", "math", "typing", "__future__", "collections.abc"})


def library(module: str) -> bool:
    """A module of ``LIBRARIES``, or a public one of torch's or NumPy's (not numpy._core.umath,
    whose ufuncs are not the wrapped ones: numpy.tanh)."""
    public = not any(part.startswith("_") for part in module.split("."))
    return module in LIBRARIES or (public and module.startswith(("torch.", "numpy.")))


# Callables written in C: they run no Python code but what they are handed.
_C_CALLABLES = (
    types.BuiltinFunctionType,
    types.MethodDescriptorType,
    types.WrapperDescriptorType,
    types.MethodWrapperType,
    types.ClassMethodDescriptorType,
    types.GetSetDescriptorType,
    types.MemberDescriptorType,
    np.ufunc,
)
_DATA = (int, float, complex, bool, str, bytes, type(None), type(Ellipsis), np.dtype, np.generic)
_NEVER = (
    ast.Global, ast.Nonlocal, ast.Import, ast.ImportFrom, ast.ClassDef, ast.AsyncFunctionDef, ast.AsyncFor,
    ast.AsyncWith, ast.Await, ast.Yield, ast.YieldFrom, ast.Match,
)  # fmt: skip
_HEAP_TYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: a class made by a class statement, not written in C


class _Open(Exception):
    """The function may reach code that is not shown in its source, or change what later
    calls reach: it needs the recorder, and so does every call after it."""


def inert(tree: ast.Module) -> bool:
    """Whether importing the module runs no code of the student's: its statements are a
    docstring, imports of ``library`` modules, function definitions without decorators whose
    defaults and annotations are names or constants, assignments of constants, and an
    ``if __name__ == "__main__":`` block (not run on import)."""
    if not _each_function_defined_once(tree):
        return False
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        if isinstance(node, ast.Import) and all(library(a.name) for a in node.names):
            continue
        if isinstance(node, ast.ImportFrom) and node.module and not node.level and library(node.module):  # noqa: SIM102
            if not any(a.name.startswith("_") for a in node.names):  # from numpy import _core
                continue
        if isinstance(node, ast.FunctionDef) and not node.decorator_list and _evaluated_at_definition_inert(node):
            continue
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and _constant_assignment(node):
            continue
        if isinstance(node, ast.If) and _is_main_guard(node.test) and not node.orelse:
            continue
        return False
    return True


def _each_function_defined_once(tree: ast.Module) -> bool:
    """Whether no function's name is bound twice at module level (two definitions, or a
    definition and an assignment or import): a default evaluated in between would hold the
    first function, which the analysis, judging the last, never sees."""
    defined = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    bound: list[str] = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            bound += [(a.asname or a.name).partition(".")[0] for a in node.names]
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            bound += [t.id for t in targets if isinstance(t, ast.Name)]
    return len(set(defined)) == len(defined) and not set(defined) & set(bound)


def _evaluated_at_definition_inert(node: ast.FunctionDef) -> bool:
    """A definition's defaults and annotations are evaluated when it runs: only names,
    attributes, constants, and subscripts and ``|`` of them."""
    a = node.args
    evaluated = [*a.defaults, *(d for d in a.kw_defaults if d is not None), node.returns]
    evaluated += [x.annotation for x in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg] if x is not None]
    return all(e is None or _static_expression(e) for e in evaluated)


def _static_expression(node: ast.expr) -> bool:
    if isinstance(node, (ast.Name, ast.Constant)):
        return not (isinstance(node, ast.Name) and node.id.startswith("__"))
    if isinstance(node, ast.Attribute):
        return not node.attr.startswith("_") and _static_expression(node.value)
    if isinstance(node, ast.Subscript):
        return _static_expression(node.value) and _static_expression(node.slice)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _static_expression(node.left) and _static_expression(node.right)
    if isinstance(node, (ast.Tuple, ast.List)):
        return all(_static_expression(e) for e in node.elts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return isinstance(node.operand, ast.Constant)
    return False


def _constant_assignment(node: ast.Assign | ast.AnnAssign) -> bool:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    if not all(isinstance(t, ast.Name) for t in targets) or node.value is None:
        return False
    if isinstance(node, ast.AnnAssign) and not _static_expression(node.annotation):
        return False
    try:
        ast.literal_eval(node.value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _static_expression(node.value)  # an alias: Cache = tuple[torch.Tensor, torch.Tensor]
    return True


def _is_main_guard(test: ast.expr) -> bool:
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.Eq)
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )


UNRECORDED, RECORDED, OPEN = "unrecorded", "recorded", "open"


def _worst(verdicts: set[str]) -> str:
    return OPEN if OPEN in verdicts else RECORDED if RECORDED in verdicts else UNRECORDED


class _Scopes:
    """The names local to each function, lambda and comprehension of a module, as Python's
    compiler resolves them (``symtable``: a walrus in a comprehension binds in the function
    around it). A scope is found by its kind and line; where two share both (two lambdas on
    one line), the function is open."""

    _NAMES: ClassVar[dict[type, str]] = {
        ast.Lambda: "lambda",
        ast.ListComp: "listcomp",
        ast.SetComp: "setcomp",
        ast.DictComp: "dictcomp",
    }

    def __init__(self, source: str) -> None:
        self.tables: dict[tuple[str, int], list[symtable.SymbolTable]] = {}
        todo = [symtable.symtable(source, "<submission>", "exec")]
        while todo:
            for child in todo.pop().get_children():
                self.tables.setdefault((child.get_name(), child.get_lineno()), []).append(child)
                todo.append(child)

    def locals_of(self, node: ast.AST) -> frozenset[str]:
        name = node.name if isinstance(node, ast.FunctionDef) else self._NAMES.get(type(node), "genexpr")
        found = self.tables.get((name, getattr(node, "lineno", -1)), [])
        if len(found) != 1:
            raise _Open(f"the scope of {name} on line {getattr(node, 'lineno', '?')}")
        return frozenset(s.get_name() for s in found[0].get_symbols() if s.is_local() or s.is_parameter())


class Analysis:
    """What each function of one imported, inert module needs (``verdicts``): UNRECORDED,
    it may run without the recorder; RECORDED, it reaches something the recorder records (a
    forbidden function, by its source) and runs with it; OPEN, it may reach what its source
    does not show, or change what another function reaches (it runs with the recorder, and
    so does every call after it). ``recorded`` is the recorder's own judgement of a function
    object; ``dispatches`` tells a torch function written in Python that hands itself to the
    recorder before it does anything."""

    def __init__(
        self,
        source: str,
        tree: ast.Module,
        module: types.ModuleType,
        recorded: Recorded,
        dispatches: Callable[[Any], bool],
    ):
        self.module = module
        self.recorded = recorded
        self.dispatches = dispatches
        self.scopes = _Scopes(source)
        self.defs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
        # a function's own verdict, the helpers it names, and those it names other than to call them there
        self.own: dict[str, tuple[str, set[str], set[str]]] = {}

    def verdicts(self) -> dict[str, str]:
        for name, node in self.defs.items():
            try:
                if not self._defined_by(name, node):
                    raise _Open(f"{name} is not the function its definition made")  # sigmoid = real
                self.own[name] = self._walk(node)
            except _Open:
                self.own[name] = (OPEN, set(), set())
        reached = {name: self._reached(name) for name in self.defs}
        verdicts = {name: _worst({self.own[f][0] for f in reached[name]}) for name in self.defs}
        # a helper named other than to be called where it is named may be kept and called by a
        # later call: where it reaches a recorded function, the function that names it is open
        for name in self.defs:
            if any(verdicts[h] != UNRECORDED for f in reached[name] for h in self.own[f][2]):
                verdicts[name] = OPEN
        return verdicts

    def _defined_by(self, name: str, node: ast.FunctionDef) -> bool:
        """Whether the module's ``name`` is the function that ``node`` defined."""
        value = vars(self.module).get(name)
        code = getattr(value, "__code__", None)
        return (
            isinstance(value, types.FunctionType)
            and value.__module__ == self.module.__name__
            and code is not None
            and code.co_name == name
            and code.co_firstlineno == node.lineno
        )

    def _reached(self, name: str) -> set[str]:
        """The function and every helper it names, directly or not."""
        reached, todo = {name}, [name]
        while todo:
            for helper in self.own[todo.pop()][1] - reached:
                reached.add(helper)
                todo.append(helper)
        return reached

    def _walk(self, function: ast.FunctionDef) -> tuple[str, set[str], set[str]]:
        """``function``'s own verdict, the module's functions it names (its helpers), and
        those among them it names other than to call them where it names them."""
        body = _Body(function, self.scopes)
        helpers: set[str] = set()
        kept: set[str] = set()
        consumed: set[int] = set()  # attributes judged with the module-level name they are taken of
        recorded = False
        for node in body.nodes:  # the names first: the attributes judged with them are known then
            if isinstance(node, _NEVER):
                raise _Open(type(node).__name__)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and id(node) not in body.local:
                if node.id.startswith("__"):
                    raise _Open(node.id)
                helper, reached, chain = self._global(node, body.attribute_of, body.grad_keyword)
                outer = chain[-1] if chain else node
                consumed.update(map(id, chain))
                recorded |= body.contained(reached, outer)
                if helper is not None:
                    helpers.add(helper)
                    if id(node) not in body.called or id(node) in body.deferred:
                        kept.add(helper)  # map(helper, xs), CACHE.append(helper), lambda: helper(x)
        for node in body.nodes:
            if isinstance(node, ast.Attribute):
                if node.attr.startswith("_"):
                    raise _Open(node.attr)
                if node.attr in ("format", "format_map") and not _plain_format(node):
                    raise _Open(f"a format string that may read attributes: .{node.attr}")
                if id(node) in consumed:
                    if not isinstance(node.ctx, ast.Load):
                        raise _Open(f"a module's or class's {node.attr} replaced")
                else:
                    recorded |= body.contained(self._value_attribute(node, body.grad_keyword), node)
        return (RECORDED if recorded else UNRECORDED), helpers, kept

    def _global(
        self, node: ast.Name, attribute_of: dict[int, ast.Attribute], grad_keyword: bool
    ) -> tuple[str | None, bool, list[ast.Attribute]]:
        """Judge a name of the module (or a builtin) with the attributes taken of it through
        library modules and classes (np.linalg.norm, torch.Tensor.T): the helper it names, if
        it does; whether the recorder records what the chain reaches; the chain's attributes
        (those taken of what it reaches are a value's: judged one by one, by _walk)."""
        namespace = vars(self.module)
        if node.id not in namespace:
            if node.id in SAFE_BUILTINS:
                return None, False, []
            raise _Open(node.id)  # another builtin, or a name no definition made
        value = namespace[node.id]
        if node.id in self.defs and isinstance(value, types.FunctionType) and value.__module__ == self.module.__name__:
            if id(node) in attribute_of:
                raise _Open(f"an attribute of {node.id}")
            return node.id, False, []  # a helper: judged in turn
        chain: list[ast.Attribute] = []
        while id(chain[-1] if chain else node) in attribute_of and (
            isinstance(value, types.ModuleType) or inspect.isclass(value)
        ):
            attribute = attribute_of[id(chain[-1] if chain else node)]
            if isinstance(value, types.ModuleType) and not library(value.__name__):
                raise _Open(f"the module {value.__name__}")  # torch.sys.modules: any module
            if inspect.isclass(value) and not _from_library(value):
                raise _Open(f"the class {value.__qualname__}")  # the standard library's pickler
            try:  # what the module's or class's namespace holds: no module __getattr__ runs
                value = inspect.getattr_static(value, attribute.attr)
            except AttributeError:
                raise _Open(f"{node.id}...{attribute.attr}") from None
            if isinstance(value, (classmethod, staticmethod)):
                value = value.__func__
            chain.append(attribute)
        if isinstance(value, types.ModuleType):
            raise _Open("a module used as a value")
        return None, self._judge(value, grad_keyword), chain

    def _value_attribute(self, node: ast.Attribute, grad_keyword: bool) -> bool:
        """A method or property of a value: a tensor's, judged as the recorder sees it
        (``torch.Tensor.NAME``, a property's ``__get__`` and ``__set__``), or one of a C
        type's; whether the recorder records it."""
        if node.attr in _GIVING_OBJECTS:
            raise _Open(f"the attribute {node.attr}")  # a value whose methods are not a tensor's
        tensor = _tensor_type()
        try:
            found = inspect.getattr_static(tensor, node.attr)
        except AttributeError:
            if any(hasattr(t, node.attr) for t in _value_types()):
                return False
            raise _Open(f"the attribute {node.attr}") from None
        if isinstance(found, (types.GetSetDescriptorType, types.MemberDescriptorType)):
            return self._judge(found.__get__, grad_keyword) | self._judge(found.__set__, grad_keyword)
        if isinstance(found, property):
            raise _Open(f"the property {node.attr}")  # Python code the recorder would see
        return self._judge(getattr(tensor, node.attr), grad_keyword)

    def _judge(self, value: Any, grad_keyword: bool) -> bool:
        """A library object the function reaches: data, or something callable that runs no
        Python code the recorder would see but itself; whether the recorder records it."""
        if isinstance(value, _DATA) or _tensor_data(value):
            return False
        if isinstance(value, (tuple, list, set, frozenset, dict)):  # a constant of the module
            items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            if any([self._judge(item, grad_keyword) for item in items]):
                raise _Open("a recorded function held in a constant")  # called wherever it is taken
            return False
        if isinstance(value, (classmethod, staticmethod)):
            value = value.__func__
        if _gives_objects(value):  # torch.Tensor.untyped_storage(x), however it is reached
            raise _Open(f"{getattr(value, '__name__', value)}, which gives an object that is not a tensor")
        if value is np.ndarray:
            raise _Open("numpy.ndarray, which makes an array of objects over raw memory")
        name = getattr(value, "__name__", None)
        if isinstance(name, str) and getattr(builtins, name, None) is value and name not in SAFE_BUILTINS:
            raise _Open(name)  # getattr, eval, vars under another name: G = getattr
        tensor_namesake = getattr(_tensor_type(), value.__name__, None) if isinstance(value, np.ufunc) else None
        if tensor_namesake is not None and self._judge(tensor_namesake, grad_keyword):
            return True  # on an array of objects, a ufunc calls each one's method of its name: tanh
        if isinstance(value, _C_CALLABLES) or (inspect.isclass(value) and not value.__flags__ & _HEAP_TYPE):
            if not _from_library(value):  # _pickle.loads, as torch.multiprocessing.queue.ForkingPickler.loads
                raise _Open(f"{_origin(value)}.{getattr(value, '__name__', '')}")
        elif isinstance(value, types.FunctionType):
            if not self.dispatches(value):
                raise _Open(f"{value.__module__}.{value.__qualname__}")
        elif inspect.isclass(value):
            if value.__flags__ & _HEAP_TYPE and value is not _tensor_type():
                raise _Open(value.__qualname__)
        else:
            raise _Open(type(value).__name__)
        try:
            plain, with_grad = self.recorded(value)
        except Exception:
            raise _Open(repr(value)) from None
        return plain is not None or (with_grad is not None and grad_keyword)


def _plain_format(node: ast.Attribute) -> bool:
    """Whether ``node`` is ``.format`` taken of a string written out whose fields take no
    attribute or item of what they format: ``"{0.backward.__globals__}".format(x)`` reads any
    attribute by name, ``_`` names included, running the getters on the way (found by the
    seventh review: none does anything now, which a later torch or NumPy could change)."""
    if node.attr != "format" or not isinstance(node.value, ast.Constant) or not isinstance(node.value.value, str):
        return False
    pending = [node.value.value]
    while pending:
        try:
            fields = list(string.Formatter().parse(pending.pop()))
        except ValueError:
            return False  # not a format string: .format raises, reading nothing
        for _text, name, spec, _conversion in fields:
            if name is not None and ("." in name or "[" in name):
                return False
            if spec:
                pending.append(spec)  # a field's spec holds fields too: {0:{1.real}}
    return True


# A tensor's methods and properties that give an object of a class written in Python, whose
# methods share a tensor's names but not its code (a storage's type(NAME) imports module NAME),
# or a handle on autograd's graph: what is taken of them could not be judged as a tensor's.
_GIVING_OBJECTS = frozenset(
    {"storage", "untyped_storage", "storage_type", "grad_fn", "register_hook", "register_post_accumulate_grad_hook"}
)


@functools.cache
def _objects_giving_objects() -> tuple[Any, ...]:
    tensor = _tensor_type()
    found: list[Any] = []
    for name in _GIVING_OBJECTS:
        static = inspect.getattr_static(tensor, name, None)
        found += [static, getattr(tensor, name, None), getattr(static, "__get__", None)]
    return tuple(f for f in found if f is not None)


def _gives_objects(value: Any) -> bool:
    try:
        return any(value is f or value == f for f in _objects_giving_objects())
    except Exception:  # a comparison that raises: not one of them
        return False


def _origin(value: Any) -> str:
    """The module a library object comes from: a function's or class's own, a method's or
    descriptor's class's, a bound method's object's class's."""
    if isinstance(value, types.MethodWrapperType):
        value = value.__self__  # the descriptor whose __get__ or __set__ it is
    owner = getattr(value, "__objclass__", None)
    if isinstance(owner, type):
        return owner.__module__
    module = getattr(value, "__module__", None)
    if isinstance(module, str):
        return module
    bound = getattr(value, "__self__", None)
    return type(bound).__module__ if bound is not None else ""


def _from_library(value: Any) -> bool:
    """Whether a function or class written in C is torch's, NumPy's or math's, or a safe
    builtin: not the standard library's (_pickle.loads, reachable as a class attribute of a
    torch module's, returns any object a string names)."""
    origin = _origin(value)
    if origin == "builtins":
        return getattr(value, "__name__", None) in SAFE_BUILTINS
    return origin.partition(".")[0] in ("torch", "numpy", "math")


def dispatching() -> set[Any]:
    """The functions torch says a mode may override that hand themselves to it whatever their
    arguments: lobpcg, pca_lowrank and svd_lowrank do only for a tensor that is not a plain
    one, and otherwise run their Python under the recorder, which sees inside."""
    import torch
    from torch.overrides import get_overridable_functions

    overridable = {f for found in get_overridable_functions().values() for f in found}
    return overridable - {torch.lobpcg, torch.pca_lowrank, torch.svd_lowrank}


def _tensor_type() -> type:
    import torch

    return torch.Tensor


def _tensor_data(value: Any) -> bool:
    import torch

    return isinstance(value, (torch.dtype, torch.device, torch.layout, torch.memory_format, torch.finfo, torch.iinfo))


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


class _Body:
    """The nodes of a function whose values its call may use (``nodes``): its body, with
    nested functions', lambdas' and comprehensions' own, and its defaults (evaluated once, at
    definition, then passed like arguments); not annotations, which it never uses. ``local``:
    the names among them that stand for a local of their scope (by id), as Python resolves
    them, or else taken for the module's, which are judged (a name bound by a walrus in a
    comprehension, local to the function). ``attribute_of``: the attribute taken of a node,
    by the node's id. ``grad_keyword``: whether a call passes ``requires_grad`` or ``**``."""

    def __init__(self, function: ast.FunctionDef, scopes: _Scopes) -> None:
        self.scopes = scopes
        self.nodes: list[ast.AST] = []
        self.local: set[int] = set()
        self.attribute_of: dict[int, ast.Attribute] = {}
        self.grad_keyword = False
        self.called: set[int] = set()  # the nodes called where they stand: f in f(x)
        self.deferred: set[int] = set()  # the nodes run later, if ever: in a lambda, def or generator
        for default in [*function.args.defaults, *function.args.kw_defaults]:
            if default is not None:  # evaluated at definition, in the module's scope
                self._visit(default, frozenset(), False)
        own = scopes.locals_of(function)
        for statement in function.body:
            self._visit(statement, own, False)

    def contained(self, recorded: bool, node: ast.AST) -> bool:
        """Whether a function the recorder records, reached by ``node``, is called where the
        function names it and nowhere else: else it may be kept (in a constant, a generator,
        a result kept for a later call) and called by a later call, unseen. Raises _Open then."""
        if recorded and (id(node) not in self.called or id(node) in self.deferred):
            raise _Open("a recorded function that may be called later")
        return recorded

    def _visit(self, node: ast.AST, bound: frozenset[str], deferred: bool) -> None:
        self.nodes.append(node)
        if deferred:
            self.deferred.add(id(node))
        if isinstance(node, ast.Name):
            if node.id in bound:
                self.local.add(id(node))
        elif isinstance(node, ast.Attribute):
            self.attribute_of[id(node.value)] = node
        elif isinstance(node, ast.Call):
            self.grad_keyword |= any(k.arg in (None, "requires_grad") for k in node.keywords)
            self.called.add(id(node.func))
        elif isinstance(node, (ast.FunctionDef, ast.Lambda)):
            # its defaults, decorators and annotations are evaluated where it is defined
            a = node.args
            now = [*a.defaults, *a.kw_defaults, *getattr(node, "decorator_list", []), getattr(node, "returns", None)]
            now += [x.annotation for x in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg] if x is not None]
            for outer in now:
                if outer is not None:
                    self._visit(outer, bound, deferred)
            inner = bound | self.scopes.locals_of(node)
            for statement in node.body if isinstance(node.body, list) else [node.body]:
                self._visit(statement, inner, True)
            return
        elif isinstance(node, _COMPREHENSIONS):  # its first iterable is the enclosing scope's
            first, *rest = node.generators
            self._visit(first.iter, bound, deferred)
            inner = bound | self.scopes.locals_of(node)
            later = deferred or isinstance(node, ast.GeneratorExp)
            for part in [first.target, *first.ifs, *rest]:
                self._visit(part, inner, later)
            for part in [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]:
                self._visit(part, inner, later)
            return
        for field, value in ast.iter_fields(node):
            if field in ("annotation", "returns", "type_comment"):
                continue  # a local variable's annotation is never evaluated
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, ast.AST):
                    self._visit(child, bound, deferred)


def walk_tensor_dunders(recorded: Recorded, dispatches: Callable[[Any], bool]) -> Iterator[str]:
    """The special methods of a tensor that an operator, a builtin or NumPy may call without
    naming them, and that the recorder records, or that run Python code in which it would
    see something it records: none, or no call runs without the recorder (``Worker``)."""
    tensor = _tensor_type()
    for name in dir(tensor):
        if not name.startswith("__") or name in _NOT_CALLED_IMPLICITLY:
            continue
        found = inspect.getattr_static(tensor, name)
        value = getattr(tensor, name)
        if isinstance(found, types.FunctionType) and not dispatches(value):
            # Python that does not hand itself to the recorder: what the recorder sees inside
            seen = _seen_inside(_PROBES[name]) if name in _PROBES else None
            if seen is None or any(recorded(f)[0] is not None for f in seen):
                yield name
        elif isinstance(found, property):
            yield name
        else:
            try:
                plain, _with_grad = recorded(value)
            except Exception:
                yield name
                continue
            if plain is not None:
                yield name


# How to call the special methods that do not hand themselves to the recorder (iterating a
# tensor calls its dim and unbind; hashing one, id), to see what the recorder sees inside.
_PROBES: dict[str, Callable[[Any], Any]] = {"__iter__": lambda t: list(iter(t)), "__hash__": hash}


def _seen_inside(probe: Callable[[Any], Any]) -> list[Any]:
    """The functions a torch function mode is handed while ``probe`` runs on a matrix."""
    import torch
    from torch.overrides import TorchFunctionMode

    seen: list[Any] = []

    class Seen(TorchFunctionMode):
        def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
            seen.append(func)
            return func(*args, **(kwargs or {}))

    matrix = torch.zeros(2, 2)
    with Seen():
        probe(matrix)
    return seen


# A tensor's special attributes that no operator, builtin or NumPy call makes for the student:
# subclassing, torch's own protocols, attribute access itself. (Pickling and copying are
# judged: NumPy pickles an array of objects, ndarray.dumps.)
_NOT_CALLED_IMPLICITLY = frozenset(
    {
        "__class__", "__dict__", "__doc__", "__module__", "__weakref__", "__annotations__", "__slots__",
        "__init_subclass__", "__subclasshook__", "__class_getitem__", "__torch_function__", "__torch_dispatch__",
        "__dlpack__", "__dlpack_device__", "__cuda_array_interface__", "__new__", "__init__", "__dir__",
        "__sizeof__", "__getattribute__", "__setattr__", "__delattr__",
    }
)  # fmt: skip
