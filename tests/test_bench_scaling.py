"""The headline figure's numbers: step time against m, crossovers found and said, the figure drawn."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `benchmarks` is a folder of the checkout, not an installed package

from benchmarks import markdown  # noqa: E402
from benchmarks.results import load  # noqa: E402
from benchmarks.scaling import PAIRS, crossover, crossovers, sentence, series  # noqa: E402


def test_crossover_interpolates_log_log_between_the_measured_sizes():
    numba = [(1, 1.0), (10, 1.0), (100, 1.0)]
    numpy = [(1, 4.0), (10, 2.0), (100, 0.5)]  # slower, slower, then faster
    c = crossover(numba, numpy)
    assert c["kind"] == "at" and c["between"] == (10, 100)
    assert c["m"] == pytest.approx(
        10 ** (1 + math.log(2) / (math.log(2) - math.log(0.5)))
    )  # ratio 1 at m=10^1.5
    assert (c["lo"], c["hi"]) == (1, 100)


def test_crossover_is_for_good_a_noisy_dip_does_not_count():
    incumbent = [(1, 1.0), (10, 1.0), (100, 1.0), (1000, 1.0)]
    challenger = [(1, 0.5), (10, 2.0), (100, 0.5), (1000, 0.4)]
    assert crossover(incumbent, challenger)["between"] == (10, 100)


@pytest.mark.parametrize(
    ("challenger", "kind"),
    [([(1, 0.1), (4, 0.2)], "always"), ([(1, 2.0), (4, 0.5), (16, 3.0)], "never")],
)
def test_crossover_always_or_never(challenger, kind):
    incumbent = [(1, 1.0), (4, 1.0), (16, 1.0)]
    assert crossover(incumbent, challenger)["kind"] == kind
    assert crossover(incumbent, [(64, 1.0)]) is None  # no common m: nothing to say


def _entry(backend, m, median):
    info = {"suite": "scaling", "op": "step", "size": f"m={m}", "dtype": "float32", "n": m, "m": m}
    info.update(backend=backend, layer_dims=[784, 256, 128, 1])
    return {"name": f"{backend}-{m}", "extra_info": info, "stats": {"median": median}}


ENTRIES = [
    *(_entry("python", m, 0.05 * m) for m in (1, 4, 16)),
    *(_entry("numba", m, 1e-4 + 2e-5 * m) for m in (1, 4, 16, 64, 256, 1024)),
    *(_entry("numpy", m, 3e-4 + 5e-6 * m) for m in (1, 4, 16, 64, 256, 1024)),
    *(_entry("cupy+upload", m, 2e-3 + 1e-6 * m) for m in (1, 4, 16, 64, 256, 1024)),
]


@pytest.fixture
def rows(tmp_path):
    path = tmp_path / "scaling.json"
    path.write_text(json.dumps({"machine_info": {}, "benchmarks": ENTRIES}))
    return load(path)


def test_series_and_crossovers_from_rows(rows):
    lines = series(rows[0])
    assert list(lines) == ["python", "numpy", "numba", "cupy+upload"]  # the display order
    assert lines["python"] == [(1, 0.05), (4, 0.2), (16, 0.8)]
    found = {(p.incumbent, p.challenger): c for p, c in crossovers(rows[0])}
    assert found[("python", "numba")]["kind"] == "always"
    # numba: 1e-4 + 2e-5 m, numpy: 3e-4 + 5e-6 m: equal at m = 13.3, measured between 4 and 16
    assert found[("numba", "numpy")]["between"] == (4, 16)
    # cupy uploading: 2e-3 + 1e-6 m against numpy's 3e-4 + 5e-6 m: equal at m = 425
    assert found[("numpy", "cupy+upload")]["between"] == (256, 1024)
    assert ("numpy", "dask") not in found  # dask did not run: no claim about it


def test_headline_opens_the_report_and_says_the_crossovers(rows):
    text = markdown.markdown(*rows)
    assert text.index("## What vectorization buys") < text.index("## This run")
    assert text.startswith("# xnn benchmark report\n\n## What vectorization buys")
    assert "![step time against m](scaling.png)" in text
    assert "- numba is faster than python at every m where both ran (m = 1 to 16)." in text
    assert "From m ≈ 13 on, vectorized NumPy (BLAS) overtakes the compiled loops (numba)" in text
    assert "From m ≈ 430 on, the GPU pays for its transfers: cupy uploading the batch" in text
    assert "| 16 | 800 ms | 380 µs | 420 µs | 2.02 ms | 2,105× |" in text
    assert "scaling.png" not in markdown.markdown(*rows, figures=False)


def test_every_pair_reads_as_a_sentence():
    c = {"kind": "at", "m": 2922.0, "between": (1024, 4096), "lo": 1, "hi": 65536}
    for pair in PAIRS:
        assert sentence(pair, c).startswith("From m ≈ 2,900 on, ")


@pytest.mark.filterwarnings("error")
def test_headline_figure_is_drawn(rows, tmp_path):
    from benchmarks.plot_scaling import scaling_plot

    png = scaling_plot(rows[0], tmp_path / "scaling.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_upload_step_moves_the_batch_every_step(monkeypatch):
    import backends
    from benchmarks._steps import backend_step

    be = backends.get_backend("numpy", "float32")
    calls = []

    def counting(self, data, dtype=None):
        calls.append(np.shape(data))
        return np.asarray(data, dtype or self.dtype)

    monkeypatch.setattr(type(be), "asarray", counting)
    resident, uploading = (backend_step("numpy", (6, 3, 1), 5, "float32", upload) for upload in (False, True))
    before = len(calls)
    resident()
    assert len(calls) == before
    uploading()
    assert calls[before:] == [(6, 5), (1, 5)]  # X and Y, every step


def test_the_next_step_is_extrapolated_from_the_last_two_sizes():
    from benchmarks._steps import predicted

    assert predicted(None, 4, 1.0, 16) == 4.0  # one size: time grows like m
    assert predicted((1, 0.5), 4, 1.0, 16) == pytest.approx(2.0)  # slope 1/2: x2 per x4
    assert predicted((1, 1.0), 4, 1.0, 16) == 1.0  # flat stays flat
    assert predicted((1, 2.0), 4, 1.0, 16) == 1.0  # a faster larger m (noise) is read as flat
    assert predicted((1, 0.001), 4, 1.0, 16) == 4.0  # never worse than linear
