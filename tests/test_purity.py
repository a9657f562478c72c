"""xnn/ computes only through backend methods: an AST check of its source, and proof the check bites.

The rule, made checkable: in every function that can reach a backend (mentions `be`, `self.be`,
`net.be`), no arithmetic, comparison, unary or augmented-assignment operator and no `np.*` call may
take an *array expression* as operand. Array expressions are: the course's array names (X, Y, W1,
b, Z, A_prev, dA, AL, Xb, ...), names assigned from array expressions, calls of backend methods
other than the host-returning ones (item, to_numpy, memory_info, synchronize), calls of xnn's own
array-returning functions, subscripts of params/grads/caches, and `.T` of an array. Shapes
(`X.shape[1]`), Python floats from `be.item` and identity tests (`dA is None`) stay allowed.
Functions that never touch a backend (datasets, validation, initial weights) are host-side numpy.
"""

from __future__ import annotations

import ast
import pathlib
import re
import textwrap

import pytest

XNN = pathlib.Path(__file__).resolve().parents[1] / "xnn"
FORBIDDEN_MODULES = ("numba", "cupy")
HOST_METHODS = {"item", "to_numpy", "memory_info", "synchronize"}
# xnn's own functions that return backend arrays (a test below keeps this list in step with xnn/)
ARRAY_FUNCTIONS = {
    "forward",
    "backward",
    "predict_proba",
    "compute_cost",
    "output_dZ",
    "to_backend",
    "train_step",
    "_x",
    "_y",
    "inputs",
    "l2_cost",
    "_proba",
    "masks",
    "metrics",
    "holdout",
}
ARRAY_NAME = re.compile(r"^d?(X|Y|W|b|Z|A|AL)(\d+|_\w+|b)?$")
CONTAINER = re.compile(r"params|grads|caches|parameters")
SHAPE_ATTRS = {"shape", "ndim", "size", "dtype"}
ALLOWED_COMPARE = (ast.Is, ast.IsNot)


def _name(node: ast.AST) -> str:
    """The last name of a Name or Attribute chain ('' otherwise)."""
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def _is_backend(node: ast.AST) -> bool:
    """`be` itself (a name or a parameter) or any `<x>.be`."""
    return _name(node) == "be" or (isinstance(node, ast.arg) and node.arg == "be")


class ArrayFunction:
    """Tracks which names hold backend arrays inside one function and reports operators on them."""

    def __init__(self, fn: ast.AST) -> None:
        self.fn, self.tainted = fn, set()
        for _ in range(3):  # assignments can feed each other in any order: iterate to a fixed point
            for node in ast.walk(fn):
                if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                    self._taint(node.targets if isinstance(node, ast.Assign) else [node.target], node.value)
                elif isinstance(node, ast.For):
                    self._taint([node.target], node.iter)

    def _taint(self, targets: list[ast.AST], value: ast.AST) -> None:
        # a container itself (`for A_prev, W, Z in caches`) or its views (`params.items()`) holds arrays
        container = (
            value.func.value
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
            else value
        )
        if self.is_array(value) or CONTAINER.search(_name(container)):
            for target in targets:
                self.tainted |= {
                    n.id for n in ast.walk(target) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
                }

    def is_array(self, node: ast.AST) -> bool:
        """Whether `node` evaluates to a backend array (by the rules in the module docstring)."""
        if isinstance(node, ast.Name):
            return node.id in self.tainted or bool(ARRAY_NAME.match(node.id))
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and _is_backend(func.value):
                return func.attr not in HOST_METHODS
            return _name(func) in ARRAY_FUNCTIONS
        if isinstance(node, ast.Subscript):
            return self.is_array(node.value) or bool(CONTAINER.search(_name(node.value)))
        if isinstance(node, ast.Attribute):
            return node.attr == "T" and self.is_array(node.value)
        if isinstance(node, ast.Tuple | ast.List | ast.Starred | ast.IfExp | ast.BinOp | ast.UnaryOp):
            return any(
                self.is_array(child) for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr)
            )
        return False

    def violations(self) -> list[tuple[int, str]]:
        """(line, what) for every operator or np.* call on an array expression."""
        found = []
        for node in ast.walk(self.fn):
            if isinstance(node, ast.BinOp) and (self.is_array(node.left) or self.is_array(node.right)):
                found.append((node.lineno, f"operator {type(node.op).__name__} on a backend array"))
            elif isinstance(node, ast.UnaryOp) and self.is_array(node.operand):
                found.append((node.lineno, f"unary {type(node.op).__name__} on a backend array"))
            elif isinstance(node, ast.AugAssign) and (
                self.is_array(node.target) or self.is_array(node.value)
            ):
                found.append((node.lineno, f"augmented {type(node.op).__name__}= on a backend array"))
            elif isinstance(node, ast.Compare) and not all(
                isinstance(op, ALLOWED_COMPARE) for op in node.ops
            ):
                if any(self.is_array(x) for x in [node.left, *node.comparators]):
                    found.append((node.lineno, "comparison on a backend array"))
            elif isinstance(node, ast.BoolOp) and any(self.is_array(v) for v in node.values):
                found.append((node.lineno, "truth value of a backend array"))
            elif isinstance(node, ast.Call) and _name(getattr(node.func, "value", None)) in ("np", "numpy"):
                if any(self.is_array(arg) for arg in node.args):
                    found.append((node.lineno, f"np.{_name(node.func)} on a backend array"))
        return found


def _imports(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, what) for every import of numba or cupy, static or through importlib/__import__."""
    found = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif isinstance(node, ast.Call) and _name(node.func) in ("import_module", "__import__", "require"):
            names = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        found += [(node.lineno, f"imports {n}") for n in names if n.split(".")[0] in FORBIDDEN_MODULES]
    return found


def check_source(source: str) -> list[tuple[int, str]]:
    """Every violation of the purity rule in one module's source."""
    tree = ast.parse(source)
    found = _imports(tree)
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.Lambda) and any(_is_backend(n) for n in ast.walk(fn)):
            found += ArrayFunction(fn).violations()
    return sorted(set(found))


def xnn_sources() -> list[pathlib.Path]:
    return sorted(XNN.rglob("*.py"))


@pytest.mark.parametrize("path", xnn_sources(), ids=lambda p: p.name)
def test_xnn_module_computes_only_through_the_backend(path):
    found = check_source(path.read_text())
    assert not found, f"{path.name}: " + "; ".join(f"line {line}: {what}" for line, what in found)


def test_the_check_covers_the_modules_that_handle_arrays():
    names = {p.name for p in xnn_sources()}
    assert {"model.py", "network.py", "training.py", "gradcheck.py", "checkpoint.py"} <= names
    backend_functions = sum(
        1
        for p in xnn_sources()
        for fn in ast.walk(ast.parse(p.read_text()))
        if isinstance(fn, ast.FunctionDef) and any(_is_backend(n) for n in ast.walk(fn))
    )
    assert backend_functions >= 15  # the check is not vacuous: most of the network's code is in scope


def test_array_functions_list_names_real_xnn_functions():
    defined = {
        fn.name
        for p in xnn_sources()
        for fn in ast.walk(ast.parse(p.read_text()))
        if isinstance(fn, ast.FunctionDef)
    }
    assert ARRAY_FUNCTIONS <= defined, ARRAY_FUNCTIONS - defined


BAD = {
    "in-place update": "def f(be, W, dW, lr):\n    W -= lr * dW",
    "matmul operator": "def f(be, W, A):\n    return W @ A",
    "tainted name": "def f(be, x):\n    y = be.exp(x)\n    return y + 1",
    "unpacked result": "def f(be, dZ, a, w):\n    p, q, r = be.linear_backward(dZ, a, w)\n    return q * 0.5",
    "comparison": "def f(be, Z):\n    return Z > 0",
    "method on self.be": "class N:\n    def f(self, q):\n        out = self.be.tanh(q)\n        return -out",
    "params subscript": "def f(net, params):\n    net.be.synchronize()\n    return params['W1'] / 2",
    "cache subscript": "def f(be, caches):\n    return caches[0][2] + 1",
    "transpose attribute": "def f(be, A):\n    return be.matmul(A, A).T * 2",
    "numpy on arrays": "import numpy as np\ndef f(be, Z):\n    return np.maximum(Z, 0)",
    "xnn array function": "def f(be, p, x):\n    h = forward(be, p, x, ['relu'])[0]\n    return h - 1",
    "truthiness": "def f(be, x):\n    y = be.relu(x)\n    return y or x",
    "import numba": "import numba",
    "from cupy import": "from cupy import ndarray",
    "importlib": "import importlib\nmod = importlib.import_module('cupy.cuda')",
}
GOOD = {
    "shapes": "def f(be, X, Y):\n    return X.shape[1] != Y.shape[1] or X.shape[0] + 1 > 2",
    "item floats": "def f(be, cost):\n    c = be.item(cost)\n    return c * 2 > 1.0",
    "identity": "def f(be, dA):\n    return dA is None",
    "host function": "import numpy as np\ndef f(X):\n    return (X - X.mean()) / X.std()",
    "scalars": "def f(be, m, lr):\n    return be.full((), 1.0 / m), -lr, m % 3",
    "to_numpy result": "import numpy as np\ndef f(be, A):\n    h = be.to_numpy(A)\n    return np.array(h)",
}


@pytest.mark.parametrize("source", BAD.values(), ids=BAD.keys())
def test_checker_catches_a_violation(source):
    assert check_source(textwrap.dedent(source)), f"missed: {source!r}"


@pytest.mark.parametrize("source", GOOD.values(), ids=GOOD.keys())
def test_checker_allows_scalar_and_host_code(source):
    assert check_source(textwrap.dedent(source)) == []


def test_import_xnn_loads_no_optional_or_accelerator_library():
    import subprocess
    import sys

    code = (
        "import sys, xnn, xnn.cli, xnn.datasets, xnn.gradcheck\n"
        "lazy = ('numba', 'cupy', 'sklearn', 'h5py', 'matplotlib', 'tqdm')\n"
        "print(sorted(m for m in lazy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
