"""Vectorized GPU backend: NumpyBackend's code with `xp = cupy`, hot paths as fused CUDA kernels.

Only this module and its helper `_cupy_kernels` import cupy, and only when the registry asks for
"cupy". A missing cupy is an ImportError the registry turns into BackendUnavailableError; a cupy
without a usable GPU raises BackendUnavailableError from the constructor. Host arrays handed to GPU
ops and GPU out-of-memory become errors that say what to do; the happy path pays only for a `try`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from backends import INSTALL_HINTS, BackendUnavailableError
from backends._base import Array, DTypeLike, clip_epsilon
from backends._shapes import Shape, check_update, matmul_shape, weak_operands
from backends.numpy_backend import NumpyBackend

try:
    import cupy

    OutOfMemoryError = cupy.cuda.memory.OutOfMemoryError
except ImportError:
    raise
except Exception as e:  # a broken install (CUDA libraries missing) must still read as "not installed"
    raise ImportError(f"cupy is installed but failed to import ({type(e).__name__}: {e})") from e

from backends._cupy_kernels import (  # noqa: E402  (needs cupy imported, or the error above)
    GPUOutOfMemoryError,
    argument_names,
    binary_cross_entropy,
    broadcast_of,
    elementwise,
    out_of_memory,
    raise_if_host,
    raise_if_kernel_host,
)

__all__ = ["CupyBackend", "GPUOutOfMemoryError"]
_DLPACK_ON_GPU = (2, 13)  # DLPack device types kDLCUDA and kDLCUDAManaged


class CupyBackend(NumpyBackend):
    """Vectorized GPU: NumpyBackend's ops on cupy arrays, fused kernels for the NN hot paths."""

    name = "cupy"
    xp: Any = cupy

    def __init__(self, dtype: DTypeLike = None) -> None:
        super().__init__(dtype)
        self.device_id, self.device_name = _probe_device(self.dtype)

    # -- hooks: NumpyBackend's, plus the GPU's boundary errors (host arrays, out of memory) ---------
    def _unary(self, op: str, f: Any, x: Array) -> Array:
        try:
            return super()._unary(op, f, x)
        except TypeError as e:
            raise_if_host(e, op, x=x)
            raise

    def _broadcast(self, op: str, f: Any, *args: Array) -> Array:
        try:
            return super()._broadcast(op, f, *args)
        except TypeError as e:
            raise_if_host(e, op, **dict(zip(("cond", "a", "b")[-len(args) :], args, strict=True)))
            raise

    def _product(self, op: str, f: Any, *args: Array) -> Array:
        try:
            return super()._product(op, f, *args)
        except TypeError as e:
            raise_if_host(e, op, **dict(zip(argument_names(op), args, strict=True)))
            raise
        except OutOfMemoryError as e:
            dtype = np.result_type(args[0].dtype, args[1].dtype)
            raise out_of_memory(op, matmul_shape(*args[:2]), dtype) from e

    def _alloc(self, op: str, make: Any, shape: Shape, dtype: DTypeLike, *fill: float) -> Array:
        try:
            return super()._alloc(op, make, shape, dtype, *fill)
        except OutOfMemoryError as e:
            raise out_of_memory(op, shape, self._dt(dtype)) from e

    def _launch(self, name: str, *args: Any) -> Array:
        try:
            return elementwise(name)(*args)
        except TypeError as e:
            raise_if_kernel_host(e, name, args)
            raise
        except OutOfMemoryError as e:
            raise out_of_memory(name, broadcast_of(args), self.dtype) from e

    def _fused(self, name: str, *arrays: Array, scalars: tuple[float, ...] = ()) -> Array:
        """Kernel `name` on the arrays in one float dtype (a kernel's T is one type, NumPy's promotion
        of the inputs), the scalars (slope, clip bounds) in that dtype after them."""
        arrays = weak_operands(*(self._float(a) for a in arrays), xp=self.xp, alone=self.dtype)
        dt = np.result_type(*(a.dtype for a in arrays))
        return self._launch(name, *(a.astype(dt, copy=False) for a in arrays), *map(dt.type, scalars))

    # -- creation and transfer ------------------------------------------------------------------
    def asarray(self, data: Any, dtype: DTypeLike = None) -> Array:
        """Device array: host data is copied in; GPU arrays (cupy, __cuda_array_interface__, DLPack)
        are taken without a copy when the dtype already matches."""
        dt = self._dt(dtype)
        try:
            if type(data) is not cupy.ndarray and _is_dlpack_on_gpu(data):
                data = cupy.from_dlpack(data)
            return cupy.asarray(data, dtype=dt)
        except OutOfMemoryError as e:
            raise out_of_memory("asarray", np.shape(data), dt) from e

    def to_numpy(self, x: Array) -> np.ndarray:
        """Host numpy copy of a device array (`.get()`, waits for the stream)."""
        return cupy.asnumpy(x)

    def synchronize(self) -> None:
        """Wait until the work queued on the current CUDA stream is done."""
        cupy.cuda.get_current_stream().synchronize()

    def memory_info(self) -> dict[str, Any]:
        """Device id/name, device total/free bytes, and the default memory pool's used/total bytes."""
        free, total = cupy.cuda.runtime.memGetInfo()
        pool = cupy.get_default_memory_pool()
        return {
            "device": f"cuda:{self.device_id}",
            "device_id": self.device_id,
            "name": self.device_name,
            "total_bytes": int(total),
            "free_bytes": int(free),
            "pool_used_bytes": int(pool.used_bytes()),
            "pool_total_bytes": int(pool.total_bytes()),
        }

    def recycle(self, *arrays: Array) -> None:
        """A no-op: cupy's memory pool already hands freed device memory to the next allocation."""

    # -- activations: one fused kernel each (relu forward is cupy.maximum, already one pass) ------
    def sigmoid(self, Z: Array) -> Array:
        """1 / (1 + exp(-Z)) via exp(-|Z|), one kernel. Z: (n, m) -> (n, m)."""
        return self._fused("sigmoid", Z)

    def leaky_relu(self, Z: Array, slope: float = 0.01) -> Array:
        """Z where Z > 0 else slope * Z, one kernel. Z: (n, m) -> (n, m)."""
        return self._fused("leaky_relu", Z, scalars=(slope,))

    def sigmoid_backward(self, dA: Array, Z: Array) -> Array:
        """dZ = dA * s * (1 - s), s = sigmoid(Z), one kernel. dA, Z: (n, m) -> (n, m)."""
        return self._fused("sigmoid_backward", dA, Z)

    def tanh_backward(self, dA: Array, Z: Array) -> Array:
        """dZ = dA * (1 - tanh(Z)**2), one kernel. dA, Z: (n, m) -> (n, m)."""
        return self._fused("tanh_backward", dA, Z)

    def relu_backward(self, dA: Array, Z: Array) -> Array:
        """dZ = dA where Z > 0 else 0, one kernel. dA, Z: (n, m) -> (n, m)."""
        return self._fused("relu_backward", dA, Z)

    def leaky_relu_backward(self, dA: Array, Z: Array, slope: float = 0.01) -> Array:
        """dZ = dA where Z > 0 else slope * dA, one kernel. dA, Z: (n, m) -> (n, m)."""
        return self._fused("leaky_relu_backward", dA, Z, scalars=(slope,))

    def activation_backward_(self, dA: Array, Z: Array, activation: str, slope: float = 0.01) -> Array:
        """The fused kernels above: one pass into a new array (the host's blocked bit masking is not
        what a GPU wants)."""
        return self.activation_backward(dA, Z, activation, slope)

    # -- fused neural-network ops -----------------------------------------------------------------
    def binary_cross_entropy(self, AL: Array, Y: Array) -> Array:
        """Cost -sum(Y log AL + (1-Y) log(1-AL)) / m in one reduction; a 0-d device array."""
        shape = broadcast_of((AL, Y), "binary_cross_entropy")
        if math.prod(shape) == 0:
            return super().binary_cross_entropy(AL, Y)
        AL, Y = self._float(AL), self._float(Y)
        eps = clip_epsilon(AL, self.dtype)  # AL's own dtype, before any promotion, as the other backends
        dt = np.result_type(AL.dtype, Y.dtype)
        AL, Y, t = AL.astype(dt, copy=False), Y.astype(dt, copy=False), dt.type
        try:
            return binary_cross_entropy()(AL, Y, t(eps), t(1.0 - eps), t(-1.0 / (shape[-1] if shape else 1)))
        except TypeError as e:
            raise_if_kernel_host(e, "binary_cross_entropy", (AL, Y))
            raise

    def binary_cross_entropy_backward(self, AL: Array, Y: Array) -> Array:
        """dAL = -(Y / AL - (1 - Y) / (1 - AL)), AL clipped as in the cost, one kernel. (1, m)."""
        eps = clip_epsilon(AL, self.dtype)
        return self._fused("binary_cross_entropy_backward", AL, Y, scalars=(eps, 1.0 - eps))

    def sgd_update_(self, param: Array, grad: Array, lr: float) -> Array:
        """param -= lr * grad in one kernel writing into param (no new array); returns param."""
        check_update("sgd_update_", param, grad)  # a kernel would broadcast grad
        grad = self._float(grad).astype(param.dtype, copy=False)
        if _on_device(param, grad) and cupy.may_share_memory(param, grad):
            grad = grad.copy()  # else threads could read grad after other threads wrote param
        self._launch("sgd_update_", grad, param.dtype.type(lr), param)
        return param

    # -- training ops as fused kernels (backends._cupy_train_kernels), imported here to keep this
    # block whole; None means compose instead. argmax is NumpyBackend's (cupy.argmax).
    from backends import _cupy_train_kernels as _cupy_train

    def softmax(self, Z: Array) -> Array:
        S = self._cupy_train.softmax(self.xp, self._float(Z))
        return super().softmax(Z) if S is None else S

    def softmax_backward(self, dA: Array, Z: Array) -> Array:
        dZ = self._cupy_train.softmax_backward(self.xp, self._float(dA), self._float(Z))
        return super().softmax_backward(dA, Z) if dZ is None else dZ

    def categorical_cross_entropy(self, AL: Array, Y: Array) -> Array:
        AL, Y = self._float(AL), self._float(Y)
        cost = self._cupy_train.categorical_cross_entropy(self.xp, AL, Y, self.dtype)
        return super().categorical_cross_entropy(AL, Y) if cost is None else cost

    def momentum_update_(
        self, param: Array, grad: Array, v: Array, lr: float, beta: float
    ) -> tuple[Array, Array]:
        out = self._cupy_train.momentum_update_(self.xp, param, grad, v, lr, beta)
        return super().momentum_update_(param, grad, v, lr, beta) if out is None else out

    def rmsprop_update_(
        self, param: Array, grad: Array, s: Array, lr: float, beta: float, epsilon: float
    ) -> tuple[Array, Array]:
        out = self._cupy_train.rmsprop_update_(self.xp, param, grad, s, lr, beta, epsilon)
        return super().rmsprop_update_(param, grad, s, lr, beta, epsilon) if out is None else out

    def adam_update_(
        self,
        param: Array,
        grad: Array,
        v: Array,
        s: Array,
        lr: float,
        beta1: float,
        beta2: float,
        epsilon: float,
        t: int,
    ) -> tuple[Array, Array, Array]:
        out = self._cupy_train.adam_update_(self.xp, param, grad, v, s, lr, beta1, beta2, epsilon, t)
        return super().adam_update_(param, grad, v, s, lr, beta1, beta2, epsilon, t) if out is None else out

    def dropout_mask(self, shape: Shape, keep_prob: float, seed: int) -> Array:
        return self._cupy_train.dropout_mask(self.xp, shape, keep_prob, seed, self.dtype)

    def take(self, x: Array, indices: Any, axis: int = 0) -> Array:
        self._cupy_train.check_take_indices(self.xp, x.shape, indices, axis)
        return super().take(x, indices, axis)


def _probe_device(dtype: np.dtype) -> tuple[int, str]:
    """(device id, name) once a tiny array and kernel ran; BackendUnavailableError if they cannot."""
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            raise _unavailable("cupy.cuda.runtime.getDeviceCount() found no CUDA device")
        probe = cupy.full((2,), 1.5, dtype=dtype)
        total = float((probe * 2).sum())  # allocation, compiled kernel, sync: an old driver fails here
        device_id = int(cupy.cuda.runtime.getDevice())
        name = cupy.cuda.runtime.getDeviceProperties(device_id)["name"]
    except BackendUnavailableError:
        raise
    # CUDA reports an unusable GPU as CUDARuntimeError/CUDADriverError (RuntimeErrors), a missing
    # NVRTC or CUDA library as OSError/CompileException: whatever it is, the GPU is not usable here.
    except Exception as e:
        raise _unavailable(f"{type(e).__name__}: {e}") from e
    if total != 6.0:
        raise _unavailable(f"a test kernel computed {total} instead of 6.0")
    return device_id, name.decode() if isinstance(name, bytes) else str(name)


def _unavailable(reason: str) -> BackendUnavailableError:
    return BackendUnavailableError(
        f"backend 'cupy' cannot be used: cupy is installed but no CUDA GPU is usable ({reason}). "
        f"Fix: check the GPU and driver with `nvidia-smi` (CUDA_VISIBLE_DEVICES must not hide it) "
        f"and install the cupy build for your driver's CUDA version: {INSTALL_HINTS['cupy']}"
    )


def _on_device(*arrays: Any) -> bool:
    return all(isinstance(a, cupy.ndarray) for a in arrays)


def _is_dlpack_on_gpu(data: Any) -> bool:
    """A DLPack producer on a CUDA device (cupy.asarray takes __cuda_array_interface__ itself)."""
    device = getattr(data, "__dlpack_device__", None)
    if device is None or hasattr(data, "__cuda_array_interface__"):
        return False
    return device()[0] in _DLPACK_ON_GPU
