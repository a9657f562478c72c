"""Data read by the tasks that use it: .npy and HDF5 files as column-chunked dask arrays, either layout,
no mapping left open, picklable graphs (what a cluster ships), and training from files equal to numpy's."""

from __future__ import annotations

import pickle
import sys

import numpy as np
import pytest

import xnn

pytest.importorskip("dask.array", reason="dask not installed (pip install 'xnn[dask]')")
from backends.dask_backend import DaskBackend, read_hdf5, read_npy  # noqa: E402


@pytest.fixture
def columns(tmp_path):
    X = np.random.default_rng(0).standard_normal((4, 50))
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "rows.npy", np.ascontiguousarray(X.T))
    np.save(tmp_path / "y.npy", (X[0] > 0).astype(np.float64))  # 1-D labels: read as (1, m)
    return tmp_path, X


@pytest.mark.parametrize(("name", "rows"), [("X.npy", False), ("rows.npy", True)])
def test_npy_in_either_layout_reads_as_columns(columns, name, rows):
    folder, X = columns
    Xd = read_npy(str(folder / name), chunk=12, examples_in_rows=rows)
    assert Xd.shape == (4, 50) and Xd.chunks == ((4,), (12, 12, 12, 12, 2))
    np.testing.assert_array_equal(Xd.compute(), X)
    labels = read_npy(str(folder / "y.npy"), chunk=12)
    assert labels.shape == (1, 50)
    np.testing.assert_array_equal(labels.compute(), (X[:1] > 0).astype(np.float64))


def test_reads_unmap_the_file_and_graphs_pickle(columns):
    folder, X = columns
    Xd = read_npy(str(folder / "X.npy"), chunk=7)
    Xd.sum().compute()
    if sys.platform.startswith("linux"):
        with open("/proc/self/maps") as maps:
            assert str(folder / "X.npy") not in maps.read()  # no resident pages stay mapped
    clone = pickle.loads(pickle.dumps(Xd))  # what goes to a cluster: the path, never the data
    np.testing.assert_array_equal(clone.compute(), X)
    assert len(pickle.dumps(Xd)) < X.nbytes


def test_hdf5_dataset_reads_as_columns(tmp_path):
    h5py = pytest.importorskip("h5py")
    X = np.arange(60.0).reshape(20, 3)  # 20 examples in rows
    with h5py.File(tmp_path / "d.h5", "w") as f:
        f["train_x"] = X
    Xd = read_hdf5(str(tmp_path / "d.h5"), "train_x", chunk=8, examples_in_rows=True)
    assert Xd.chunks == ((3,), (8, 8, 4))
    np.testing.assert_array_equal(Xd.compute(), X.T)
    with pytest.raises(ValueError, match="has no dataset 'nope'; it has \\['train_x'\\]"):
        read_hdf5(str(tmp_path / "d.h5"), "nope")


def test_bad_file_shapes_are_refused(tmp_path):
    np.save(tmp_path / "cube.npy", np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="expected a 1-D or 2-D array, got shape \\(2, 2, 2\\)"):
        read_npy(str(tmp_path / "cube.npy"))


def test_training_from_files_equals_numpys(columns):
    folder, X = columns
    Y = (X[:1] > 0).astype(np.float64)
    ref = xnn.Network([4, 3, 1], backend="numpy", dtype="float64", seed=1)
    ref_costs = ref.fit(X, Y, 0.3, 10, progress=False)
    net = xnn.Network([4, 3, 1], backend=DaskBackend("float64"), dtype="float64", seed=1)
    Xd = read_npy(str(folder / "rows.npy"), chunk=9, examples_in_rows=True)
    costs = net.fit(Xd, read_npy(str(folder / "y.npy"), chunk=9), 0.3, 10, progress=False)
    np.testing.assert_allclose(costs, ref_costs, rtol=1e-12, atol=1e-12)
    for key, value in ref.parameters.items():
        np.testing.assert_allclose(net.parameters[key], value, rtol=1e-12, atol=1e-12, err_msg=key)
