"""Datasets: shapes in the course's layout, standardisation with train statistics, HDF5, missing extras."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import xnn
from xnn import datasets

h5py = pytest.importorskip("h5py")


def test_planar_flower_shape_balance_and_seed():
    X, Y = datasets.load_planar_dataset()
    assert X.shape == (2, 400) and Y.shape == (1, 400)
    assert set(np.unique(Y)) == {0.0, 1.0} and Y.sum() == 200
    assert np.abs(X).max() < 6  # petals of radius at most 4, plus noise
    np.testing.assert_array_equal(X, datasets.load_planar_dataset()[0])
    assert not np.array_equal(X, datasets.load_planar_dataset(seed=2)[0])
    with pytest.raises(ValueError, match="even number"):
        datasets.load_planar_dataset(m=5)


def test_planar_petals_are_single_class_sectors():
    X, Y = datasets.load_planar_dataset(noise=0.0)
    angle = np.arctan2(X[0], X[1]) % (2 * np.pi)  # the generator draws (r sin t, r cos t)
    sector = np.floor(angle / (np.pi / 4))  # r = 4 sin 4t changes sign every pi/4: eight half-petals
    away = np.hypot(X[0], X[1]) > 0.5  # near the centre, where petals meet, the angle says nothing
    labels = [np.unique(Y[0, away & (sector == k)]) for k in range(8)]
    assert all(lab.size == 1 for lab in labels)  # without noise, each sector holds one class
    assert sorted(float(lab[0]) for lab in labels) == [0.0] * 4 + [1.0] * 4


@pytest.mark.parametrize(
    ("loader", "n_x", "m"), [(datasets.load_breast_cancer, 30, 569), (datasets.load_digits, 64, 1797)]
)
def test_sklearn_sets_are_standardised_columns(loader, n_x, m):
    X_train, Y_train, X_test, Y_test = loader()
    assert X_train.shape[0] == X_test.shape[0] == n_x and X_train.shape[1] + X_test.shape[1] == m
    assert X_test.shape[1] == round(0.2 * m) and Y_train.shape == (1, X_train.shape[1])
    assert set(np.unique(Y_train)) == {0.0, 1.0} and Y_test.shape == (1, X_test.shape[1])
    np.testing.assert_allclose(X_train.mean(axis=1), 0, atol=1e-12)
    std = X_train.std(axis=1)
    assert np.all(np.isclose(std, 1) | np.isclose(std, 0))  # constant pixels of digits stay 0
    assert not np.allclose(X_test.mean(axis=1), 0, atol=1e-3)  # test uses train statistics, not its own
    assert X_train.dtype == np.float64


def test_digits_task_is_even_versus_odd():
    from sklearn.datasets import load_digits

    digits = load_digits()
    _, Y_train, _, Y_test = datasets.load_digits()
    assert (Y_train.sum() + Y_test.sum()) == np.sum(digits.target % 2 == 0)


def test_digits10_is_digits_with_all_ten_labels_as_integers():
    from sklearn.datasets import load_digits

    X_train, Y_train, X_test, Y_test = datasets.load_digits10()
    binary = datasets.load_digits()
    np.testing.assert_array_equal(X_train, binary[0])  # same split, same standardisation
    np.testing.assert_array_equal(X_test, binary[2])
    assert Y_train.shape == (1, X_train.shape[1]) and Y_test.shape == (1, X_test.shape[1])
    assert Y_train.dtype == Y_test.dtype == np.int64
    assert set(np.unique(Y_train)) == set(range(10)) == set(np.unique(Y_test))
    np.testing.assert_array_equal(Y_train % 2 == 0, binary[1] == 1)  # the even/odd task, refined
    counts = np.bincount(np.concatenate([Y_train[0], Y_test[0]]), minlength=10)
    np.testing.assert_array_equal(counts, np.bincount(load_digits().target, minlength=10))
    assert datasets.load_dataset("digits10", seed=3)[1].dtype == np.int64


@pytest.mark.parametrize(
    ("make", "sk_name", "kwargs"),
    [
        (datasets.make_moons, "make_moons", {"noise": 0.2}),
        (datasets.make_circles, "make_circles", {"noise": 0.1, "factor": 0.5}),
    ],
)
def test_moons_and_circles_are_sklearns_generators_in_columns(make, sk_name, kwargs):
    import sklearn.datasets

    X, Y = make(m=300, seed=7, **kwargs)
    X_sk, y_sk = getattr(sklearn.datasets, sk_name)(n_samples=300, random_state=7, **kwargs)
    np.testing.assert_array_equal(X, X_sk.T)
    np.testing.assert_array_equal(Y, y_sk.reshape(1, -1))
    assert X.shape == (2, 300) and Y.dtype == X.dtype == np.float64 and Y.sum() == 150
    np.testing.assert_array_equal(make(seed=7)[0], X)  # defaults are m=300 and the noise above
    assert not np.array_equal(make(seed=8)[0], X)


def test_circles_inner_class_is_the_inner_circle():
    X, Y = datasets.make_circles(noise=0.0, factor=0.4)
    radius = np.hypot(X[0], X[1])
    np.testing.assert_allclose(radius[Y[0] == 1], 0.4)
    np.testing.assert_allclose(radius[Y[0] == 0], 1.0)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: datasets.make_moons(m=1), "m must be an integer >= 2"),
        (lambda: datasets.make_moons(m=10.0), "m must be an integer >= 2"),
        (lambda: datasets.make_moons(noise=-0.1), "noise must be a finite number >= 0"),
        (lambda: datasets.make_circles(noise=float("nan")), "noise must be a finite number >= 0"),
        (lambda: datasets.make_circles(factor=1.5), r"factor .* must be in \(0, 1\)"),
    ],
)
def test_generator_arguments_are_checked(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("name", ["moons", "circles"])
def test_moons_and_circles_are_learnable_with_one_hidden_layer(name):
    X_train, Y_train, X_test, Y_test = datasets.load_dataset(name)
    assert X_train.shape == (2, 240) and X_test.shape == (2, 60)
    net = xnn.Network([2, 8, 1], hidden="tanh", init="xavier", seed=0)
    net.fit(X_train, Y_train, learning_rate=1.0, iterations=1000, progress=False)
    assert net.accuracy(X_test, Y_test) > 0.9  # a linear model cannot pass 0.9 on either


def test_split_is_seeded_and_disjoint():
    X = np.arange(20.0).reshape(1, 20)
    a = datasets.train_test_split(X, X, 0.25, seed=3)
    b = datasets.train_test_split(X, X, 0.25, seed=3)
    assert all(np.array_equal(u, v) for u, v in zip(a, b, strict=True))
    assert sorted(np.concatenate([a[0][0], a[2][0]])) == list(range(20)) and a[2].shape == (1, 5)


def write_h5(path, splits=("train", "test"), m=6, classes=(b"non-cat", b"cat")):
    rng = np.random.default_rng(0)
    with h5py.File(path, "w") as f:
        for split in splits:
            f[f"{split}_set_x"] = rng.integers(0, 256, size=(m, 4, 4, 3), dtype=np.uint8)
            f[f"{split}_set_y"] = rng.integers(0, 2, size=(m,))
        f["list_classes"] = np.array(classes)


def test_h5_course_format_is_flattened_and_scaled(tmp_path):
    train, test = tmp_path / "train_cats.h5", tmp_path / "test_cats.h5"
    write_h5(train, ("train",), m=6)
    write_h5(test, ("test",), m=3)
    X_train, Y_train, X_test, Y_test = datasets.load_h5_dataset(str(train))  # test file found by name
    assert X_train.shape == (48, 6) and Y_train.shape == (1, 6) and X_test.shape == (48, 3)
    with h5py.File(train) as f:
        first = f["train_set_x"][0]
    np.testing.assert_allclose(X_train[:, 0], first.ravel() / 255.0)
    assert 0 <= X_train.min() and X_train.max() <= 1
    assert datasets.load_h5_classes(str(train)) == ["non-cat", "cat"]


def test_h5_single_file_and_cli_name(tmp_path):
    both = tmp_path / "data.h5"
    write_h5(both, m=4)
    X_train, _, X_test, _ = datasets.load_dataset(f"h5:{both}")
    assert X_train.shape == X_test.shape == (48, 4)


def test_h5_errors_are_clear(tmp_path):
    lonely = tmp_path / "train_only.h5"
    write_h5(lonely, ("train",))
    with pytest.raises(ValueError, match="does not exist; pass test_path"):
        datasets.load_h5_dataset(str(lonely))
    with pytest.raises(FileNotFoundError, match="no such HDF5 file"):
        datasets.load_h5_dataset(str(tmp_path / "missing.h5"))
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["images"] = np.zeros(3)
    with pytest.raises(ValueError, match="has no train_set_x; expected the course's HDF5 layout"):
        datasets.load_h5_dataset(str(other))


def write_raw_h5(path, **arrays):
    with h5py.File(path, "w") as f:
        for key, value in arrays.items():
            if value is None:
                f.create_group(key)
            else:
                f[key] = value
    return path


GOOD_X, GOOD_Y = np.zeros((3, 2, 2, 3), np.uint8), np.zeros(3)


@pytest.mark.parametrize(
    ("arrays", "match"),
    [
        (
            {"train_set_x": np.float64(7), "train_set_y": np.zeros(1)},
            r"train_set_x has shape \(\); expected one",
        ),
        ({"train_set_x": np.zeros(5), "train_set_y": np.zeros(5)}, r"train_set_x has shape \(5,\)"),
        ({"train_set_x": np.zeros((0, 4)), "train_set_y": np.zeros(0)}, r"has shape \(0, 4\).*m >= 1"),
        ({"train_set_x": np.zeros((3, 0)), "train_set_y": np.zeros(3)}, r"has shape \(3, 0\)"),
        ({"train_set_x": GOOD_X, "train_set_y": np.zeros(4)}, "3 images in train_set_x but 4 labels"),
        ({"train_set_x": None, "train_set_y": GOOD_Y}, "train_set_x is a group, expected an array"),
        (
            {"train_set_x": np.array([b"a", b"b"]), "train_set_y": GOOD_Y},
            "holds |S1 values, expected numbers",
        ),
        (
            {"train_set_x": GOOD_X, "train_set_y": GOOD_Y, "test_set_x": np.int64(1), "test_set_y": 1.0},
            r"test_set_x has shape \(\)",
        ),
    ],
)
def test_malformed_h5_arrays_are_clear_errors(tmp_path, arrays, match):
    path = write_raw_h5(tmp_path / "bad.h5", **arrays)
    with pytest.raises(ValueError, match=match):
        datasets.load_h5_dataset(str(path))


def test_a_file_that_is_not_hdf5_and_missing_class_names_are_clear(tmp_path):
    fake = tmp_path / "train_fake.h5"
    fake.write_bytes(b"not hdf5 at all")
    with pytest.raises(ValueError, match=r"train_fake.h5' is not a readable HDF5 file"):
        datasets.load_h5_dataset(str(fake))
    plain = write_raw_h5(tmp_path / "plain.h5", train_set_x=GOOD_X, train_set_y=GOOD_Y)
    with pytest.raises(ValueError, match="has no list_classes"):
        datasets.load_h5_classes(str(plain))


def test_unknown_dataset_lists_the_names():
    with pytest.raises(
        ValueError,
        match="unknown dataset 'mnist'; expected one of planar, breast_cancer, digits, digits10, moons, ci",
    ):
        datasets.load_dataset("mnist")


@pytest.mark.parametrize(
    ("module", "call"),
    [("sklearn", datasets.load_digits), ("h5py", lambda: datasets.load_h5_dataset(__file__))],
)
def test_missing_extra_names_the_pip_command(monkeypatch, module, call):
    for name in [n for n in sys.modules if n == module or n.startswith(module + ".")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(xnn.MissingDependencyError, match=r'pip install "xnn\[data\]"'):
        call()


def test_breast_cancer_is_learnable():
    X_train, Y_train, X_test, Y_test = datasets.load_breast_cancer()
    net = xnn.Network([30, 16, 8, 1], hidden="relu", seed=0)
    net.fit(X_train, Y_train, learning_rate=0.1, iterations=300, progress=False)
    assert net.accuracy(X_train, Y_train) > 0.97 and net.accuracy(X_test, Y_test) > 0.93
