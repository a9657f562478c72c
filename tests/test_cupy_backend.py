"""The cupy backend: availability, errors at the host/GPU boundary, fused kernels against NumPy.

The first half runs anywhere: a missing cupy is `sys.modules["cupy"] = None`, and an installed cupy
(with or without a GPU) is the numpy-backed fake in `fake_cupy.py` (host arrays rejected with
TypeError, OutOfMemoryError, CUDA errors). The second half, marked `gpu`, needs cupy and a CUDA
device; the shared property suite also runs on cupy through the `be` fixture.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
import types

import numpy as np
import pytest
from fake_cupy import GIB, FakeCUDARuntimeError, FakeOutOfMemoryError, cuda_error, fake_cupy, on_device
from helpers import assert_close

import backends
from backends._base import Backend

HINT = 'pip install "xnn[cuda12]"'


@pytest.fixture
def install_cupy(monkeypatch):
    """Install a cupy stand-in (None: not installed); sys.modules, registry cache restored after."""
    monkeypatch.setattr(backends, "_instances", {})
    monkeypatch.delenv("XNN_DTYPE", raising=False)
    for name in ("cupy", "backends.cupy_backend", "backends._cupy_kernels"):
        monkeypatch.setitem(sys.modules, name, None)  # remembers the original for teardown
        monkeypatch.delitem(sys.modules, name)
    for attr in ("cupy_backend", "_cupy_kernels"):  # the import binds these on the package
        monkeypatch.setattr(backends, attr, None, raising=False)

    def install(module):
        monkeypatch.setitem(sys.modules, "cupy", module)
        return module

    return install


@pytest.fixture
def fake_be(install_cupy):
    """A CupyBackend (float32) running on the fake cupy."""
    cp = install_cupy(fake_cupy())
    return backends.get_backend("cupy", "float32"), cp


# -- availability -------------------------------------------------------------------------------
def test_import_backends_imports_no_cupy_module():
    code = (
        "import sys, backends; backends.get_backend('numpy'); "
        "print(*(m in sys.modules for m in ('cupy', 'backends.cupy_backend', 'backends._cupy_kernels')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["False", "False", "False"], out.stderr


def test_missing_cupy_is_unavailable_with_the_install_command(install_cupy):
    install_cupy(None)  # how an uninstalled package looks to `import`
    with pytest.raises(backends.BackendUnavailableError) as info:
        backends.get_backend("cupy")
    assert HINT in str(info.value) and '"xnn[cuda13]"' in str(info.value)
    assert isinstance(info.value.__cause__, ImportError)


def test_broken_cupy_install_reads_as_not_installed(install_cupy):
    broken = types.ModuleType("cupy")

    def missing(name):
        raise OSError("libcudart.so.12: cannot open shared object file")

    broken.__getattr__ = missing
    install_cupy(broken)
    with pytest.raises(backends.BackendUnavailableError, match="libcudart.so.12") as info:
        backends.get_backend("cupy")
    assert HINT in str(info.value)
    assert isinstance(info.value.__cause__, ImportError)
    assert isinstance(info.value.__cause__.__cause__, OSError)


NO_GPU = {
    "no device": (
        {"getDeviceCount": cuda_error("cudaErrorNoDevice: no CUDA-capable device is detected")},
        {},
        "cudaErrorNoDevice",
    ),
    "old driver": (
        {},
        {"full": cuda_error("cudaErrorInsufficientDriver: CUDA driver version is insufficient")},
        "cudaErrorInsufficientDriver",
    ),
    "zero devices": ({"getDeviceCount": lambda: 0}, {}, "found no CUDA device"),
}


@pytest.mark.parametrize(("runtime", "module", "reason"), NO_GPU.values(), ids=list(NO_GPU))
def test_cupy_without_a_usable_gpu_is_unavailable_with_the_cuda_reason(install_cupy, runtime, module, reason):
    cp = install_cupy(fake_cupy(**runtime))
    vars(cp).update(module)
    with pytest.raises(backends.BackendUnavailableError, match=reason) as info:
        backends.get_backend("cupy", "float64")
    assert HINT in str(info.value)
    if reason.startswith("cuda"):
        assert isinstance(info.value.__cause__, FakeCUDARuntimeError)
        assert reason in str(info.value.__cause__)


@pytest.mark.parametrize("situation", ["missing", *NO_GPU])
def test_auto_picks_numpy_when_cupy_is_unusable_and_never_raises(install_cupy, monkeypatch, situation):
    if situation == "missing":
        install_cupy(None)
    else:
        runtime, module, _ = NO_GPU[situation]
        vars(install_cupy(fake_cupy(**runtime))).update(module)
    monkeypatch.setenv("XNN_BACKEND", " Auto ")
    assert backends.get_backend().name == "numpy"
    assert backends.get_backend("auto", "float64").name == "numpy"
    assert HINT in backends.available_backends()["cupy"]


def test_auto_picks_cupy_when_usable(fake_be, monkeypatch):
    monkeypatch.setenv("XNN_BACKEND", "auto")
    assert backends.get_backend().name == "cupy"


def test_public_methods_keep_the_base_signatures(fake_be):
    cls = type(fake_be[0])
    public = [n for n, v in inspect.getmembers(Backend) if callable(v) and not n.startswith("_")]
    assert {n for n in vars(cls) if not n.startswith("_")} - {"name", "xp"} <= set(public)
    for name in public:
        want, got = inspect.signature(getattr(Backend, name)), inspect.signature(getattr(cls, name))
        assert str(got) == str(want), f"{cls.__name__}.{name}{got} != Backend.{name}{want}"


def test_kernels_are_built_on_first_use_only(fake_be):
    be, cp = fake_be
    assert cp.built_kernels == []  # neither import nor construction compiles anything
    Z = be.asarray(np.ones((2, 3)))
    be.sigmoid(Z)
    be.sigmoid(Z)
    be.relu_backward(Z, Z)
    assert cp.built_kernels == ["xnn_sigmoid", "xnn_relu_backward"]


# -- errors at the host/GPU boundary --------------------------------------------------------------
def host_mixing_calls(be):
    dev, host = be.asarray(np.ones((2, 2))), np.ones((2, 2), np.float32)
    return {
        "add: got a numpy.ndarray for argument b": lambda: be.add(dev, host),
        "multiply: got a numpy.ndarray for argument a": lambda: be.multiply(host, dev),
        "matmul: got a numpy.ndarray for argument a": lambda: be.matmul(host, dev),
        "where: got a numpy.ndarray for argument b": lambda: be.where(dev > 0, dev, host),
        "exp: got a numpy.ndarray for argument x": lambda: be.exp(host),
        "linear_forward: got a numpy.ndarray for argument b": lambda: be.linear_forward(dev, dev, host),
        "sigmoid_backward: got a numpy.ndarray for argument Z": lambda: be.sigmoid_backward(dev, host),
        "sgd_update_: got a numpy.ndarray for argument param": lambda: be.sgd_update_(host, dev, 0.1),
        "binary_cross_entropy: got a numpy.ndarray for argument Y": (
            lambda: be.binary_cross_entropy(dev, host)
        ),
    }


def test_host_arrays_in_gpu_ops_name_the_argument_and_the_fix(fake_be):
    be, _ = fake_be
    for message, call in host_mixing_calls(be).items():
        with pytest.raises(TypeError) as info:
            call()
        assert str(info.value).startswith(f"{message}; move it with be.asarray(...) first")
        assert "Unsupported type" in str(info.value.__cause__)


PASS_THROUGH = {  # entry point: (the fake cupy attribute that fails, the call)
    "add": ("add", lambda be, x: be.add(x, x)),
    "exp": ("exp", lambda be, x: be.exp(x)),
    "where": ("where", lambda be, x: be.where(x, x, x)),
    "matmul": ("matmul", lambda be, x: be.matmul(x, x)),
    "linear_forward": ("matmul", lambda be, x: be.linear_forward(x, x, x[:, :1])),
    "kernel": ("ElementwiseKernel", lambda be, x: be.sigmoid_backward(x, x)),
    "reduction": ("ReductionKernel", lambda be, x: be.binary_cross_entropy(x, x)),
}


@pytest.mark.parametrize(("attr", "call"), PASS_THROUGH.values(), ids=list(PASS_THROUGH))
def test_type_errors_without_host_arrays_pass_through_unchanged(fake_be, attr, call):
    be, cp = fake_be
    x = be.ones((2, 2))

    def unrelated(*args, **kwargs):
        raise TypeError("Type is mismatched")

    kernel = attr.endswith("Kernel")
    setattr(cp, attr, (lambda *definition, **options: unrelated) if kernel else unrelated)
    with pytest.raises(TypeError, match="^Type is mismatched$"):
        call(be, x)


OOM_CALLS = {  # (call on operands W (7, 3), A (3, 9), b (7, 1); array it asked for; its size)
    "zeros": (lambda be, W, A, b: be.zeros((1000, 2000)), "(1000, 2000) float32", "8,000,000 bytes"),
    "ones": (lambda be, W, A, b: be.ones((3,), "float64"), "(3,) float64", "24 bytes"),
    "empty": (lambda be, W, A, b: be.empty((10, 10)), "(10, 10) float32", "400 bytes"),
    "full": (lambda be, W, A, b: be.full((5, 6), 2.0), "(5, 6) float32", "120 bytes"),
    "asarray": (lambda be, W, A, b: be.asarray(np.ones((4, 5))), "(4, 5) float32", "80 bytes"),
    "matmul": (lambda be, W, A, b: be.matmul(W, A), "(7, 9) float32", "252 bytes"),
    "linear_forward": (lambda be, W, A, b: be.linear_forward(W, A, b), "(7, 9) float32", "252 bytes"),
}


@pytest.mark.parametrize(("call", "array", "size"), OOM_CALLS.values(), ids=list(OOM_CALLS))
def test_gpu_out_of_memory_names_the_array_the_pool_and_batch_size(fake_be, call, array, size):
    be, cp = fake_be
    operands = [be.ones(shape) for shape in ((7, 3), (3, 9), (7, 1))]

    def oom(*args, **kwargs):
        raise FakeOutOfMemoryError(8 * GIB, 9 * GIB)

    for name in ("zeros", "ones", "empty", "full", "asarray", "matmul"):
        setattr(cp, name, oom)
    with pytest.raises(MemoryError) as info:
        call(be, *operands)
    message = str(info.value)
    assert f"out of GPU memory allocating an array of shape {array} ({size}" in message
    assert "pool has 1,234,567 bytes (0.00 GiB) in use of 2,345,678 bytes" in message
    assert "(3.00 GiB) free of" in message and "smaller batch_size" in message
    assert isinstance(info.value.__cause__, FakeOutOfMemoryError)


def test_asarray_hands_gpu_dlpack_producers_to_from_dlpack(fake_be, monkeypatch):
    be, cp = fake_be
    taken = []
    monkeypatch.setattr(cp, "from_dlpack", lambda x: taken.append(x) or on_device(x.data))

    class Producer:
        def __init__(self, device_type: int) -> None:
            self.device_type, self.data = device_type, np.arange(3.0)

        def __dlpack__(self, **kwargs):
            raise AssertionError("only cupy.from_dlpack may consume this")

        def __dlpack_device__(self):
            return (self.device_type, 0)

        def __array__(self, dtype=None, copy=None):  # how a CPU producer reaches cupy.asarray
            return self.data.astype(dtype)

    on_gpu, on_cpu = Producer(2), Producer(1)
    np.testing.assert_array_equal(be.to_numpy(be.asarray(on_gpu)), [0, 1, 2])
    assert taken == [on_gpu]
    np.testing.assert_array_equal(be.to_numpy(be.asarray(on_cpu)), [0, 1, 2])
    be.asarray(np.arange(3.0))  # numpy speaks DLPack too, from the CPU
    assert taken == [on_gpu]


def test_memory_info_and_synchronize_on_the_fake_gpu(fake_be):
    be, _ = fake_be
    be.synchronize()
    info = be.memory_info()
    assert info == {
        "device": "cuda:0",
        "device_id": 0,
        "name": "Fake GPU",
        "total_bytes": 8 * GIB,
        "free_bytes": 3 * GIB,
        "pool_used_bytes": 1_234_567,
        "pool_total_bytes": 2_345_678,
    }


# -- on a real GPU --------------------------------------------------------------------------------
@pytest.fixture(scope="module", params=["float32", "float64"])
def gpu(request):
    """The real cupy backend, or a skip saying why there is none."""
    try:
        return backends.get_backend("cupy", request.param)
    except backends.BackendUnavailableError as e:
        pytest.skip(f"needs cupy and a CUDA GPU: {e}")


@pytest.fixture(scope="module")
def cp():
    return pytest.importorskip("cupy")


def same_dtype_numpy(gpu) -> Backend:
    """The oracle in the GPU backend's own dtype: the fused kernels must agree with it to ulps."""
    return backends.get_backend("numpy", gpu.dtype)


SHAPES = [(1, 1), (3, 7), (17, 1000), (256, 4099)]
# op: (call on (be, Z, dA, AL, Y), scale of the error bound). Derivatives are bounded by 1, so their
# rounding is relative to |dA|: 1 - s and 1 - t*t cancel, and one ulp of s or t is all they may differ.
FUSED = {
    "sigmoid": (lambda be, Z, dA, AL, Y: be.sigmoid(Z), "result"),
    "leaky_relu": (lambda be, Z, dA, AL, Y: be.leaky_relu(Z, 0.2), "result"),
    "sigmoid_backward": (lambda be, Z, dA, AL, Y: be.sigmoid_backward(dA, Z), "dA"),
    "tanh_backward": (lambda be, Z, dA, AL, Y: be.tanh_backward(dA, Z), "dA"),
    "relu_backward": (lambda be, Z, dA, AL, Y: be.relu_backward(dA, Z), "dA"),
    "leaky_relu_backward": (lambda be, Z, dA, AL, Y: be.leaky_relu_backward(dA, Z, 0.2), "dA"),
    "bce_backward": (lambda be, Z, dA, AL, Y: be.binary_cross_entropy_backward(AL, Y), "result"),
}


def fused_inputs(shape, dtype):
    """Z with 0 and +-1e4 among uniform [-40, 40], dA, AL = sigmoid(Z) with exact 0 and 1, labels Y."""
    rng = np.random.default_rng(sum(shape))
    Z = rng.uniform(-40, 40, shape).astype(dtype)
    Z.flat[:3] = [0.0, 1e4, -1e4][: Z.size]
    AL = backends.get_backend("numpy", dtype).sigmoid(Z)
    AL.flat[-2:] = [0.0, 1.0][-AL.size :]
    return Z, rng.uniform(-5, 5, shape).astype(dtype), AL, (rng.random(shape) < 0.5).astype(dtype)


@pytest.mark.gpu
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("op", list(FUSED))
def test_fused_kernels_match_numpy(gpu, shape, op):
    from backends._cupy_kernels import elementwise

    call, scale = FUSED[op]
    inputs = fused_inputs(shape, gpu.dtype)
    expected = call(same_dtype_numpy(gpu), *inputs)
    launches = elementwise.cache_info().hits + elementwise.cache_info().misses
    got = call(gpu, *(gpu.asarray(x) for x in inputs))
    assert elementwise.cache_info().hits + elementwise.cache_info().misses > launches, "not fused"
    assert np.isfinite(gpu.to_numpy(got)).all()
    bound = np.abs(expected) if scale == "result" else np.abs(inputs[1])
    assert_close(gpu, got, expected, scale=bound, ulps=8)


@pytest.mark.gpu
@pytest.mark.parametrize("n_L", [1, 2, 10])
@pytest.mark.parametrize("m", [1, 5, 1000, 100_003])
def test_cross_entropy_is_one_reduction_to_a_0d_device_array(gpu, cp, m, n_L):
    rng = np.random.default_rng(m)
    AL = rng.uniform(0, 1, (n_L, m)).astype(gpu.dtype)
    AL[0, :2] = [0.0, 1.0][:m]  # clipped, stays finite
    Y = (rng.random((n_L, m)) < 0.5).astype(gpu.dtype)
    cost = gpu.binary_cross_entropy(gpu.asarray(AL), gpu.asarray(Y))
    assert isinstance(cost, cp.ndarray) and cost.shape == ()
    expected = same_dtype_numpy(gpu).binary_cross_entropy(AL, Y)  # summed over units, divided by m
    value = gpu.item(cost)
    assert isinstance(value, float) and np.isfinite(value)
    bound = 64 * (np.log2(n_L * m) + 4) * np.finfo(gpu.dtype).eps * (abs(value) + 1)
    assert abs(value - float(expected)) <= bound


@pytest.mark.gpu
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_sgd_update_and_linear_forward_match_numpy(gpu, cp, shape):
    rng = np.random.default_rng(7)
    P, G = (rng.uniform(-3, 3, shape).astype(gpu.dtype) for _ in range(2))
    param = gpu.asarray(P)
    pointer = param.data.ptr
    assert gpu.sgd_update_(param, gpu.asarray(G), 0.05) is param and param.data.ptr == pointer
    expected = same_dtype_numpy(gpu).sgd_update_(P.copy(), G, 0.05)
    assert_close(gpu, param, expected, scale=np.abs(P) + np.abs(0.05 * G), ulps=4)  # FMA may round once
    n, m = shape
    W, A, b = (rng.uniform(-1, 1, s).astype(gpu.dtype) for s in ((n, 64), (64, m), (n, 1)))
    Z = gpu.linear_forward(gpu.asarray(W), gpu.asarray(A), gpu.asarray(b))
    scale = np.abs(W) @ np.abs(A) + np.abs(b)
    assert_close(gpu, Z, W.astype(np.float64) @ A + b, scale=scale, ulps=64 + 4)


class CudaArrayInterfaceOnly:
    def __init__(self, x):
        self.__cuda_array_interface__ = x.__cuda_array_interface__
        self.keep = x


class DLPackOnly:
    def __init__(self, x):
        self.x = x

    def __dlpack__(self, **kwargs):
        return self.x.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self.x.__dlpack_device__()


@pytest.mark.gpu
@pytest.mark.parametrize("wrap", [lambda x: x, CudaArrayInterfaceOnly, DLPackOnly], ids=["cupy", "cai", "dl"])
def test_asarray_takes_gpu_arrays_without_a_copy(gpu, cp, wrap):
    x = cp.arange(12, dtype=gpu.dtype).reshape(3, 4)
    y = gpu.asarray(wrap(x))
    assert isinstance(y, cp.ndarray) and y.data.ptr == x.data.ptr and y.shape == (3, 4)
    other = gpu.asarray(wrap(x), "float64" if gpu.dtype == np.float32 else "float32")
    assert other.data.ptr != x.data.ptr  # a dtype change has to copy
    np.testing.assert_array_equal(gpu.to_numpy(other), np.arange(12).reshape(3, 4))


@pytest.mark.gpu
def test_host_arrays_in_real_gpu_ops_name_the_argument_and_the_fix(gpu):
    for message, call in host_mixing_calls(gpu).items():
        with pytest.raises(TypeError, match=r"move it with be\.asarray\(\.\.\.\) first") as info:
            call()
        assert str(info.value).startswith(message)


@pytest.mark.gpu
def test_memory_info_synchronize_and_pool_accounting(gpu, cp):
    info = gpu.memory_info()
    keys = {"device", "device_id", "name", "total_bytes", "free_bytes", "pool_used_bytes", "pool_total_bytes"}
    assert set(info) == keys
    assert info["device"] == f"cuda:{info['device_id']}" and info["name"]
    assert 0 < info["free_bytes"] <= info["total_bytes"]
    held = gpu.zeros((1024, 1024))
    gpu.synchronize()
    assert gpu.memory_info()["pool_used_bytes"] >= info["pool_used_bytes"] + held.nbytes


@pytest.mark.gpu
def test_absurd_allocation_is_a_memory_error_naming_the_size(gpu, cp):
    with pytest.raises(MemoryError, match=r"shape \(100000000, 100000000\).*batch_size") as info:
        gpu.zeros((10**8, 10**8))
    assert isinstance(info.value.__cause__, cp.cuda.memory.OutOfMemoryError)
    assert gpu.item(gpu.sum(gpu.ones((3, 3)))) == 9.0  # and the device is still fine afterwards


def test_sgd_update_rejects_a_broadcastable_gradient_before_any_kernel(fake_be):
    be, cp = fake_be
    with pytest.raises(ValueError, match=r"grad has shape \(1, 3\) but param has shape \(2, 3\)"):
        be.sgd_update_(be.ones((2, 3)), be.ones((1, 3)), 0.1)
    assert cp.built_kernels == []


def test_fused_kernels_take_python_scalars_as_weak(fake_be, monkeypatch):
    """relu_backward(1.0, Z), sigmoid(0.5): a Python scalar goes to the kernel as a device array of the
    other operand's dtype (NumPy's weak rule), or of the backend's when alone; it once raised
    AttributeError. The fake kernels compute nothing: the values are checked on a GPU by the `be`
    tests in test_ops_edges.py (scalar dA, Python scalars alone)."""
    be, cp = fake_be
    launched = []
    monkeypatch.setattr(type(be), "_launch", lambda self, name, *args: launched.append((name, args)))
    Z = be.asarray(np.array([[-1.0, 0.5, 2.0]]))
    be.relu_backward(1.0, Z)
    be.sigmoid(0.5)
    assert [name for name, _ in launched] == ["relu_backward", "sigmoid"]
    for name, args in launched:
        arrays = [a for a in args if isinstance(a, cp.ndarray)]
        assert len(arrays) == (2 if name == "relu_backward" else 1), name
        assert {a.dtype for a in arrays} == {np.dtype(np.float32)}, name
