"""Reference training steps the backends are measured against: lean NumPy, course-style NumPy, PyTorch.

Every step is one forward + backward + SGD update of the same net (relu hidden layers, sigmoid
output, binary cross-entropy), from the same initial parameters and data, with no cost computed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


def he_params(layer_dims: Sequence[int], dtype: str, seed: int = 0) -> dict[str, np.ndarray]:
    """{"W1": (n1, n_x), "b1": (n1, 1), ...}: seeded He-scaled weights, zero biases, in dtype."""
    rng = np.random.default_rng(seed)
    params = {}
    for layer in range(1, len(layer_dims)):
        n, n_prev = layer_dims[layer], layer_dims[layer - 1]
        params[f"W{layer}"] = (rng.standard_normal((n, n_prev)) * np.sqrt(2.0 / n_prev)).astype(dtype)
        params[f"b{layer}"] = np.zeros((n, 1), dtype=dtype)
    return params


def lean_step(params: dict, X: np.ndarray, Y: np.ndarray, learning_rate: float) -> None:
    """What an experienced NumPy user writes: in-place ops, dZ[L] = AL - Y, no dA for layer 1."""
    L = len(params) // 2
    As = [X]
    for layer in range(1, L + 1):
        Z = params[f"W{layer}"] @ As[-1]
        Z += params[f"b{layer}"]
        As.append(np.maximum(Z, 0, out=Z) if layer < L else 0.5 + 0.5 * np.tanh(0.5 * Z))  # stable sigmoid
    dZ = As[L] - Y
    scale = X.dtype.type(learning_rate / X.shape[1])
    for layer in range(L, 0, -1):
        W = params[f"W{layer}"]
        dW = dZ @ As[layer - 1].T
        db = dZ.sum(axis=1, keepdims=True)
        if layer > 1:
            dZ = W.T @ dZ
            dZ *= As[layer - 1] > 0  # relu'(Z) from A = relu(Z): Z itself was overwritten
        dW *= scale
        W -= dW
        db *= scale
        params[f"b{layer}"] -= db


def _sigmoid(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Course-style: (A, cache=Z)."""
    return 1 / (1 + np.exp(-Z)), Z


def _relu(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Course-style: (A, cache=Z)."""
    return np.maximum(0, Z), Z


def _sigmoid_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    s = 1 / (1 + np.exp(-Z))
    return dA * s * (1 - s)


def _relu_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
    return dZ


def _naive_forward(params: dict, X: np.ndarray) -> tuple[np.ndarray, list]:
    """The course's L_model_forward: caches of ((A_prev, W, b), Z)."""
    L = len(params) // 2
    A, caches = X, []
    for layer in range(1, L + 1):
        W, b = params["W" + str(layer)], params["b" + str(layer)]
        Z = np.dot(W, A) + b
        A_next, Z_cache = _relu(Z) if layer < L else _sigmoid(Z)
        caches.append(((A, W, b), Z_cache))
        A = A_next
    return A, caches


def _naive_backward(AL: np.ndarray, Y: np.ndarray, caches: list) -> dict:
    """The course's L_model_backward: dAL from the loss, then sigmoid'/relu' and linear per layer."""
    grads, L, m = {}, len(caches), AL.shape[1]
    dA = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    for layer in range(L, 0, -1):
        (A_prev, W, b), Z = caches[layer - 1]
        dZ = _sigmoid_backward(dA, Z) if layer == L else _relu_backward(dA, Z)
        grads["dW" + str(layer)] = 1 / m * np.dot(dZ, A_prev.T)
        grads["db" + str(layer)] = 1 / m * np.sum(dZ, axis=1, keepdims=True)
        dA = np.dot(W.T, dZ)
    return grads


def naive_step(params: dict, X: np.ndarray, Y: np.ndarray, learning_rate: float) -> None:
    """The course's notebook code: new arrays everywhere, sigmoid recomputed, dA for every layer."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        AL, caches = _naive_forward(params, X)
        grads = _naive_backward(AL, Y, caches)
    for layer in range(1, len(params) // 2 + 1):
        params["W" + str(layer)] = params["W" + str(layer)] - learning_rate * grads["dW" + str(layer)]
        params["b" + str(layer)] = params["b" + str(layer)] - learning_rate * grads["db" + str(layer)]


def torch_step(
    params: dict, X: np.ndarray, Y: np.ndarray, learning_rate: float, device: str, threads: int
) -> Callable[[], Any]:
    """A zero-argument PyTorch step (autograd + torch.optim.SGD) of the same net, synced on CUDA."""
    import torch

    torch.set_num_threads(threads)
    model = _torch_model(torch, params, X.dtype, device)
    Xt = torch.from_numpy(np.ascontiguousarray(X.T)).to(device)  # torch's layout: (m, n_x)
    Yt = torch.from_numpy(np.ascontiguousarray(Y.T)).to(device)
    loss_fn, opt = torch.nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=learning_rate)
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        loss_fn(model(Xt), Yt).backward()
        opt.step()
        sync()

    step.model = model  # type: ignore[attr-defined]  # lets a test read the trained weights
    return step


def _torch_model(torch: Any, params: dict, dtype: np.dtype, device: str) -> Any:
    """nn.Sequential(Linear, ReLU, ..., Linear, Sigmoid) holding copies of params."""
    L, layers = len(params) // 2, []
    tdtype = getattr(torch, np.dtype(dtype).name)
    for layer in range(1, L + 1):
        W = params[f"W{layer}"]
        linear = torch.nn.Linear(W.shape[1], W.shape[0], dtype=tdtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W))
            linear.bias.copy_(torch.from_numpy(params[f"b{layer}"].ravel()))
        layers += [linear, torch.nn.ReLU() if layer < L else torch.nn.Sigmoid()]
    return torch.nn.Sequential(*layers).to(device)
