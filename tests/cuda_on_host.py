"""CuPy's ElementwiseKernel and ReductionKernel, played on the CPU: each kernel's CUDA C++ body is
compiled by the host C++ compiler inside a loop over `i` and called through ctypes on numpy buffers.

This checks what a fake cannot: the kernel sources themselves (their formulas, nan and inf
handling, argument order and the scalars' dtype) against NumPy, on machines without a GPU. CUDA's
math library may round differently from the host's by an ulp; FMA contraction is off here.
Supported: `T`, `int64` and `raw` parameters, same-size array arguments, `size=`, outputs passed in
(elementwise) or one 0-d output (reduction). Tests skip when no C++ compiler is found.
"""

from __future__ import annotations

import ctypes
import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

CXX = shutil.which("g++") or shutil.which("c++") or shutil.which("clang++")
HEADER = """#include <cmath>
#include <cstddef>
using std::exp; using std::log; using std::sqrt; using std::fabs; using std::tanh;
#define __device__
typedef {ctype} T;
"""
C_TYPES = {np.dtype(np.float32): ("float", ctypes.c_float), np.dtype(np.float64): ("double", ctypes.c_double)}
_BUILD = Path(tempfile.mkdtemp(prefix="xnn_cuda_on_host_"))
_libraries: dict[str, ctypes.CDLL] = {}


def parse(params: str) -> list[tuple[bool, str, str]]:
    """'raw T Z, int64 rows' -> [(True, 'T', 'Z'), (False, 'int64', 'rows')]."""
    out = []
    for p in params.split(","):
        words = p.split()
        raw = words[0] == "raw"
        out.append((raw, *words[raw:]))
    return out


def compile_source(source: str) -> ctypes.CDLL:
    """The shared library built from `source` (cached by its hash)."""
    key = hashlib.sha256(source.encode()).hexdigest()[:16]
    if key not in _libraries:
        cpp, lib = _BUILD / f"{key}.cpp", _BUILD / f"{key}.so"
        cpp.write_text(source)
        flags = ["-O1", "-shared", "-fPIC", "-ffp-contract=off", "-fno-fast-math"]
        subprocess.run([CXX, *flags, "-o", str(lib), str(cpp)], check=True, capture_output=True, text=True)
        _libraries[key] = ctypes.CDLL(str(lib))
    return _libraries[key]


class HostKernel:
    """One kernel definition; compiled per (dtype, which arguments are arrays) on first call.

    Arguments are numpy arrays (any subclass; written through views) and numpy scalars; an
    elementwise call returns its output arguments, a reduction a new 0-d array.
    """

    def __init__(self, in_params, out_params, body, name, *, reduction=None, preamble="", **_):
        self.ins, self.outs, self.body = parse(in_params), parse(out_params), body
        self.name, self.reduction, self.preamble = name, reduction, preamble

    def _declare(self, param, arg, dtype):
        """(C parameter, statement run per i or before the loop, ctypes type) for one argument."""
        raw, kind, name = param
        if kind == "int64":
            return f"long long {name}", "", ctypes.c_longlong
        if not raw and not isinstance(arg, np.ndarray):
            return f"T {name}", "", C_TYPES[dtype][1]
        if raw:
            return f"T* {name}", "", ctypes.c_void_p
        if self.reduction is not None and param in self.outs:
            return f"T* {name}_p", "", ctypes.c_void_p  # written once, after the fold
        ref = f"T& {name}" if param in self.outs else f"const T {name}"
        return f"T* {name}_p", f"{ref} = {name}_p[i];", ctypes.c_void_p

    def _loop(self, per_i: str) -> str:
        if self.reduction is None:
            return f"for (long long i = 0; i < n_; ++i) {{ {per_i} {self.body}; }}"
        reduce_expr, post_map, identity = self.reduction
        ((_, _, out),) = self.outs
        return (
            f"T acc_ = T({identity}); for (long long i = 0; i < n_; ++i) {{ {per_i} "
            f"T b_ = ({self.body}); T a = acc_; T b = b_; acc_ = ({reduce_expr}); }} "
            f"{{ T a = acc_; T& {out} = *{out}_p; {post_map}; }}"
        )

    def source(self, args, dtype) -> tuple[str, list]:
        """The C++ translation unit for these arguments, and the ctypes argument types."""
        decls = [self._declare(p, a, dtype) for p, a in zip(self.ins + self.outs, args, strict=True)]
        head = HEADER.format(ctype=C_TYPES[dtype][0]) + self.preamble
        params = ", ".join(d[0] for d in decls)
        body = self._loop(" ".join(d[1] for d in decls))
        return f'{head}\nextern "C" void run(long long n_, {params}) {{ {body} }}\n', [d[2] for d in decls]

    def __call__(self, *args, size=None):
        dtype = _dtype_of(args)
        if self.reduction is not None:
            args = (*args, np.zeros((), dtype))
        params = self.ins + self.outs
        assert len(args) == len(params), f"{self.name}: {len(args)} arguments for {len(params)} parameters"
        for (_, kind, name), a in zip(params, args, strict=True):
            if kind == "T" and isinstance(a, np.ndarray | np.generic) and a.dtype != dtype:
                raise TypeError(f"Type is mismatched: {name} is {a.dtype}, T is {dtype}")
        looped = params if self.reduction is None else self.ins
        elementwise = [a for (raw, _, _), a in zip(looped, args, strict=False) if _is_array(a) and not raw]
        n = size if size is not None else (elementwise[0].size if elementwise else 1)
        assert all(a.size == n for a in elementwise), f"{self.name}: array sizes differ from {n}"
        buffers = [np.ascontiguousarray(a) if isinstance(a, np.ndarray) else a for a in args]
        text, argtypes = self.source(args, dtype)
        run = compile_source(text).run
        run.argtypes = [ctypes.c_longlong, *argtypes]
        run(n, *(b.ctypes.data if isinstance(b, np.ndarray) else b for b in buffers))
        for a, b in zip(args, buffers, strict=True):
            if isinstance(a, np.ndarray) and not np.shares_memory(a, b):
                a[...] = b  # an output that was not contiguous: write back
        outs = args[len(self.ins) :]
        return outs[0] if len(outs) == 1 else outs


def _is_array(a) -> bool:
    return isinstance(a, np.ndarray)


def _dtype_of(args) -> np.dtype:
    """CuPy's `T`: the dtype of the first float argument."""
    for a in args:
        if isinstance(a, np.ndarray | np.generic) and a.dtype.kind == "f":
            return a.dtype
    raise TypeError("no float argument to infer T from")


def elementwise_kernel(in_params, out_params, body, name="kernel", **options) -> HostKernel:
    """Plays cupy.ElementwiseKernel."""
    return HostKernel(in_params, out_params, body, name, **options)


def reduction_kernel(in_params, out_params, map_expr, reduce_expr, post_map, identity, name="r", **options):
    """Plays cupy.ReductionKernel (map, then a sequential fold; the GPU folds as a tree)."""
    reduction = (reduce_expr, post_map, identity)
    return HostKernel(in_params, out_params, map_expr, name, reduction=reduction, **options)
