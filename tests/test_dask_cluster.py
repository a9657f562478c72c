"""The dask backend on real clusters, loopback only, every wait bounded: a LocalCluster of 2 worker
processes with one SIGKILLed mid-training, and `dask scheduler` + `dask worker` driven through the CLI."""

from __future__ import annotations

import concurrent.futures
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import xnn

distributed = pytest.importorskip("distributed", reason="distributed not installed (pip install 'xnn[dask]')")
from backends._dask_scheduler import BLAS_VARS, one_blas_thread_for_workers  # noqa: E402
from backends.dask_backend import DaskBackend  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WAIT_S = 120  # the longest any one wait may take before the test fails (and cleans up)
pytestmark = pytest.mark.slow


def worker_env() -> dict[str, str]:
    """This process's environment with the repository importable in worker processes."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, **dict.fromkeys(BLAS_VARS, "1")}


def data(n_x=6, m=480, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m))
    return X, (X[:1] - X[1:2] ** 2 > -0.5).astype(np.float64)


def train(be, X, Y, steps, between=None):
    """`steps` train_steps of a fixed network on `be`; between(i) runs before step i; the parameters."""
    net = xnn.Network([X.shape[0], 8, 4, 1], backend=be, dtype="float64", seed=5)
    Xb, Yb = net.inputs(X, Y)
    for i in range(steps):
        if between is not None:
            between(i, Xb)
        net.train_step(Xb, Yb, 0.2)
    return net.parameters


@pytest.fixture
def cluster():
    """2 worker processes under nannies (which restart a killed worker), on 127.0.0.1."""
    with one_blas_thread_for_workers():
        local = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
            silence_logs=logging.CRITICAL, env={"PYTHONPATH": worker_env()["PYTHONPATH"]},
        )  # fmt: skip
    try:
        yield local
    finally:
        local.close(timeout=WAIT_S)


def test_a_worker_killed_mid_training_changes_nothing(cluster):
    X, Y = data()
    expected = train(DaskBackend("float64", chunk=60, scheduler="threads"), X, Y, steps=10)
    be = DaskBackend("float64", chunk=60, scheduler=cluster.scheduler_address)
    client = be.scheduler.client()
    killed: list[int] = []

    def kill_mid_step(i, Xb):
        if i != 4:
            return
        holders = {w for ws in client.who_has(Xb).values() for w in ws}  # X's chunks live on workers
        victim = sorted(holders)[0]
        pid = client.run(os.getpid, workers=[victim])[victim]
        threading.Timer(0.05, os.kill, (pid, signal.SIGKILL)).start()  # lands during step 4
        killed.append(pid)

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        params = pool.submit(train, be, X, Y, 10, kill_mid_step).result(timeout=WAIT_S)
    client.wait_for_workers(2, timeout=WAIT_S)  # the nanny brought the worker back
    assert killed and killed[0] not in client.run(os.getpid).values()
    for key, value in expected.items():
        np.testing.assert_allclose(params[key], value, rtol=1e-12, atol=1e-12, err_msg=key)
    be.scheduler.close()


def _start(args, log: Path) -> subprocess.Popen:
    with open(log, "w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "dask", *args], stdout=out, stderr=subprocess.STDOUT, env=worker_env()
        )


def _address(scheduler_file: Path, process: subprocess.Popen, log: Path) -> str:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if scheduler_file.exists() and scheduler_file.stat().st_size:
            return json.loads(scheduler_file.read_text())["address"]
        if process.poll() is not None:
            break
        time.sleep(0.2)
    raise AssertionError(f"dask scheduler gave no address within {WAIT_S} s:\n{log.read_text()}")


def _stop(processes: list[subprocess.Popen]) -> None:
    for p in processes:
        p.send_signal(signal.SIGTERM)
    for p in processes:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=30)


def test_cli_trains_through_dask_scheduler_address(tmp_path):
    scheduler_file = tmp_path / "scheduler.json"
    common = ["--no-dashboard", "--host", "127.0.0.1"]
    processes = [
        _start(
            ["scheduler", "--port", "0", "--scheduler-file", str(scheduler_file), *common], tmp_path / "s.log"
        )
    ]
    try:
        address = _address(scheduler_file, processes[0], tmp_path / "s.log")
        worker = ["worker", address, "--nworkers", "2", "--nthreads", "1", "--death-timeout", "60", *common]
        processes.append(_start(worker, tmp_path / "w.log"))
        with distributed.Client(address, timeout=WAIT_S) as client:
            client.wait_for_workers(2, timeout=WAIT_S)
        env = worker_env() | {"DASK_SCHEDULER_ADDRESS": address, "XNN_DASK_CHUNK": "100"}
        cmd = [
            sys.executable,
            "-m",
            "xnn",
            "train",
            "--dataset",
            "planar",
            "--backend",
            "dask",
            "--iterations",
            "10",
        ]
        out = subprocess.run([*cmd, "--quiet"], capture_output=True, text=True, env=env, timeout=WAIT_S)
        assert out.returncode == 0, out.stderr
        assert "backend dask" in out.stdout and "train accuracy" in out.stdout
        with distributed.Client(address, timeout=WAIT_S) as client:
            ran = client.run_on_scheduler(lambda dask_scheduler: sorted(dask_scheduler.task_prefixes))
        step = {"activation_chunk", "activation_backward_chunk", "sgd"}  # tanh hidden layer, sigmoid out
        assert step <= set(ran), ran  # the steps ran on the cluster
    finally:
        _stop(processes[::-1])
