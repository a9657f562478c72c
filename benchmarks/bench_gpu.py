"""What does the GPU buy? The prepared GPU check's rows (scripts/gpu_check.py selects them: -m gpucheck).

- one training step of [784, 256, 128, 1] at m = 60,000: numpy on the CPU, cupy with the data on the
  device, and cupy uploading the batch every step;
- fused vs unfused: each op a backend fuses into one kernel, against the contract's default built
  from primitives (Backend.<op> called on the same backend: several kernels, temporaries between);
- one epoch of mini-batch training through `fit` (device-resident once the contract has `take`,
  host-sliced before): what shuffling and slicing cost per epoch on each side.
On a machine without a GPU the cupy rows skip; the numpy rows are the dry run.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import xnn
from backends import Backend
from benchmarks._common import label, load_backend, measure, random_array, selected_backends
from benchmarks._steps import LEARNING_RATE, backend_step, host_data

pytestmark = pytest.mark.gpucheck

DIMS = (784, 256, 128, 1)
M = int(os.environ.get("XNN_BENCH_GPU_M", "60000"))  # scripts/gpu_check.py --dry-run sets a smaller m
DTYPE = "float32"
BATCH = 1024
NAMES = [name for name in ("numpy", "cupy") if name in selected_backends()]
STEP_LINES = [*NAMES, *(f"{name}+upload" for name in NAMES if name == "cupy")]


def _inputs(be: Backend) -> dict[str, tuple]:
    """op -> arguments at the network's sizes at m = M (first hidden layer, output layer, weights)."""
    Z, dA = (be.asarray(random_array((DIMS[1], M), DTYPE, seed)) for seed in (1, 2))
    AL = be.asarray(1 / (1 + np.exp(-random_array((1, M), DTYPE, 3))))
    Y = be.asarray((random_array((1, M), DTYPE, 4) > 0).astype(DTYPE))
    W, b = be.asarray(random_array(DIMS[1::-1], DTYPE, 5)), be.asarray(random_array((DIMS[1], 1), DTYPE, 6))
    A = be.asarray(random_array((DIMS[0], M), DTYPE, 7))
    return {
        "sigmoid": (Z,),
        "sigmoid_backward": (dA, Z),
        "relu_backward": (dA, Z),
        "linear_forward": (W, A, b),
        "binary_cross_entropy": (AL, Y),
        "sgd_update_": (W, be.asarray(random_array(DIMS[1::-1], DTYPE, 8)), LEARNING_RATE),
    }


def _unfused(be: Backend, op: str):
    """The op composed from primitives: the contract's default, or for the update two ops and a copy."""
    if op == "sgd_update_":
        return lambda p, g, lr: be.subtract(p, be.multiply(g, be.full((), lr)))
    return lambda *args: getattr(Backend, op)(be, *args)


@pytest.mark.parametrize("line", STEP_LINES)
def test_gpu_step(benchmark, line):
    """One step at m = 60,000; +upload moves X and Y to the device inside the timing."""
    name, _, variant = line.partition("+")
    step = backend_step(name, DIMS, M, DTYPE, upload=variant == "upload")
    label(benchmark, suite="gpu", op="step", backend=line, dtype=DTYPE, size=f"{list(DIMS)} m={M:,}", n=M)
    measure(benchmark, step)


@pytest.mark.parametrize("way", ("fused", "unfused"))
@pytest.mark.parametrize(
    "op",
    ("sigmoid", "sigmoid_backward", "relu_backward", "linear_forward", "binary_cross_entropy", "sgd_update_"),
)
@pytest.mark.parametrize("name", NAMES)
def test_gpu_fused(benchmark, name, op, way):
    """The backend's own op against the same op built from primitives, on the same arrays."""
    be = load_backend(name, DTYPE)
    if getattr(type(be), op) is getattr(Backend, op):
        pytest.skip(f"{name} does not override {op}: its op is the default composition")
    fn, args = (getattr(be, op) if way == "fused" else _unfused(be, op)), _inputs(be)[op]

    def call() -> None:
        fn(*args)
        be.synchronize()

    label(
        benchmark,
        suite="gpu",
        op=f"{op} {way}",
        backend=name,
        dtype=DTYPE,
        size=f"m={M:,}",
        n=M,
        fused_op=op,
        way=way,
    )
    measure(benchmark, call)


@pytest.mark.parametrize("name", NAMES)
def test_gpu_epoch(benchmark, name):
    """One epoch of mini-batches (BATCH columns) through Network.fit, data handed over as backend arrays."""
    be = load_backend(name, DTYPE)
    net = xnn.Network(list(DIMS), seed=0, backend=be)
    X, Y = net.inputs(*host_data(DIMS[0], M, DTYPE))
    resident = callable(getattr(Backend, "take", None))

    def epoch() -> None:
        net.fit(
            X,
            Y,
            learning_rate=LEARNING_RATE,
            iterations=1,
            batch_size=BATCH,
            print_every=None,
            progress=False,
        )
        be.synchronize()

    mode = "device-resident" if resident else "host-sliced"
    label(
        benchmark,
        suite="gpu",
        op="epoch",
        backend=name,
        dtype=DTYPE,
        size=f"m={M:,} batch {BATCH} ({mode})",
        n=M,
    )
    benchmark.extra_info.update(resident=resident, batch_size=BATCH)
    measure(benchmark, epoch)
