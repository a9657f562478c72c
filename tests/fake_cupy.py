"""A fake cupy for the tests that run without a GPU: numpy arrays that behave like cupy's where it matters.

Host arrays given to a ufunc or kernel are refused with TypeError, allocations can be made to raise
OutOfMemoryError, and cuda.runtime answers like one 8 GiB GPU unless told otherwise.
"""

from __future__ import annotations

import types

import numpy as np

GIB = 2**30


def reject_host(*args) -> None:
    """What cupy does with a host array given to a ufunc or kernel."""
    for a in args:
        if isinstance(a, np.ndarray) and not isinstance(a, FakeDeviceArray):
            raise TypeError(f"Unsupported type {type(a)}")


class FakeDeviceArray(np.ndarray):
    """Plays cupy.ndarray: a numpy array whose operators, like cupy's, refuse host arrays."""

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        reject_host(*inputs, *(out or ()))
        plain = [a.view(np.ndarray) if isinstance(a, FakeDeviceArray) else a for a in inputs]
        if out:
            kwargs["out"] = tuple(o.view(np.ndarray) for o in out)
        result = getattr(ufunc, method)(*plain, **kwargs)
        return out[0] if out else on_device(result)


class FakeCUDARuntimeError(RuntimeError):
    """Plays cupy.cuda.runtime.CUDARuntimeError (a RuntimeError, message 'cudaError...: ...')."""


class FakeOutOfMemoryError(MemoryError):
    """Plays cupy.cuda.memory.OutOfMemoryError(size, total)."""

    def __init__(self, size: int, total: int) -> None:
        super().__init__(f"Out of memory allocating {size:,} bytes (allocated so far: {total:,} bytes).")


def on_device(x):
    return np.asarray(x).view(FakeDeviceArray)


def device_only(name: str):
    """numpy's function `name` as cupy's: host arrays refused, device arrays out."""

    def call(*args, **kwargs):
        reject_host(*args)
        return on_device(getattr(np, name)(*args, **kwargs))

    call.__name__ = f"cupy_{name}"
    return call


def fake_kernel(cp: types.ModuleType):
    """Plays Elementwise/ReductionKernel: records the kernel name when built; refuses host arrays."""

    def build(*definition, **options):
        cp.built_kernels.append(definition[-1])

        def launch(*args):
            reject_host(*args)
            return on_device(np.array(args[0]))

        return launch

    return build


def fake_cupy(**runtime) -> types.ModuleType:
    """A cupy with one 8 GiB GPU whose arrays are numpy arrays; `runtime` overrides cuda.runtime."""
    cp = types.ModuleType("cupy")
    cp.ndarray, cp.built_kernels = FakeDeviceArray, []
    cp.cuda = types.SimpleNamespace(
        runtime=types.SimpleNamespace(
            getDeviceCount=lambda: 1,
            getDevice=lambda: 0,
            getDeviceProperties=lambda i: {"name": b"Fake GPU"},
            memGetInfo=lambda: (3 * GIB, 8 * GIB),
            CUDARuntimeError=FakeCUDARuntimeError,
        ),
        memory=types.SimpleNamespace(OutOfMemoryError=FakeOutOfMemoryError),
        get_current_stream=lambda: types.SimpleNamespace(synchronize=lambda: None),
    )
    vars(cp.cuda.runtime).update(runtime)
    for name in ("add", "multiply", "maximum", "matmul", "where", "exp", "zeros", "ones", "empty", "full"):
        setattr(cp, name, device_only(name))
    cp.asarray = lambda data, dtype=None: on_device(np.asarray(data, dtype))
    cp.asnumpy = lambda x: np.array(x).view(np.ndarray)
    cp.from_dlpack = lambda x: on_device(np.asarray(x.data))
    cp.may_share_memory = np.may_share_memory
    cp.get_default_memory_pool = lambda: types.SimpleNamespace(
        used_bytes=lambda: 1_234_567, total_bytes=lambda: 2_345_678
    )
    cp.ElementwiseKernel = cp.ReductionKernel = fake_kernel(cp)
    return cp


def cuda_error(message: str):
    def fail(*args, **kwargs):
        raise FakeCUDARuntimeError(message)

    return fail
