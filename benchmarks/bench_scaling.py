"""The headline: what does vectorization buy, and from which size on? One step of one net against m.

One training step (forward, backward, SGD update) of [784, 256, 128, 1] in float32 at m = 1, 4, 16,
... on every backend, PyTorch beside them, and each device backend a second time with the batch
uploaded every step ("cupy+upload": what the GPU must earn back). A backend stops before the m
whose step would pass the profile's time cap, extrapolated from its last two sizes (the python loops
stop early).
"""

from __future__ import annotations

import pytest

from benchmarks._common import label, measure, pick, selected_backends
from benchmarks._steps import backend_step, peer_step, predicted

DIMS = (784, 256, 128, 1)
DTYPE = "float32"
SIZES = pick([4**k for k in range(9)], [2**k for k in range(17)])  # m = 1 ... 65,536
CAP_S = pick(3.0, 10.0)  # no larger m for a backend whose next step would pass this
UPLOADED = ("cupy",)  # backends whose arrays live on a device: also timed with the upload per step
PEERS = ("torch-cpu", "torch-cuda")

_stopped: dict[str, str] = {}  # line -> why its larger sizes are skipped
_last: dict[str, tuple[int, float]] = {}  # line -> (m, median) of its previous size


def _lines() -> list[str]:
    backends_here = selected_backends()
    uploads = [f"{name}+upload" for name in UPLOADED if name in backends_here]
    return [*backends_here, *uploads, *PEERS]


CASES = [
    pytest.param(line, m, id=f"{line}-m{m}", marks=[pytest.mark.torch] if line in PEERS else [])
    for line in _lines()
    for m in SIZES
]


@pytest.mark.parametrize(("line", "m"), CASES)
def test_step_vs_m(benchmark, line, m):
    """One step at m examples; a line's larger sizes are skipped once its next step would pass CAP_S."""
    if line in _stopped:
        pytest.skip(_stopped[line])
    name, _, variant = line.partition("+")
    if line in PEERS:
        step = peer_step(line, DIMS, m, DTYPE)
    else:
        step = backend_step(name, DIMS, m, DTYPE, upload=variant == "upload")
    size = f"{list(DIMS)} m={m:,}"
    label(benchmark, suite="scaling", op="step", backend=line, dtype=DTYPE, size=size, n=m, m=m)
    benchmark.extra_info.update(layer_dims=list(DIMS), cap_s=CAP_S)
    measure(benchmark, step, slow_rounds=1)
    median, following = benchmark.stats.stats.median, [n for n in SIZES if n > m]
    guess = predicted(_last.get(line), m, median, following[0]) if following else 0.0
    _last[line] = (m, median)
    if guess > CAP_S:
        _stopped[line] = (
            f"{line}: a step took {median:.2g} s at m={m:,}, so about {guess:.2g} s "
            f"at m={following[0]:,} (cap {CAP_S} s): larger m skipped"
        )
