"""The bias folded into the weights: w~ = [b, w], x~ = [1, x]; float64 inside, in-place updates of its own tensor."""

import torch

BREAKS = set()


def mcp_neuron(x, w, threshold):
    total = (x.double() * w.double()).sum(dim=1)
    return torch.where(total - threshold >= 0, torch.ones_like(total), torch.zeros_like(total)).to(torch.int64)


def perceptron_predict(w, b, X):
    b = torch.as_tensor(b, dtype=torch.float64)
    Xa = torch.cat([torch.ones(X.shape[0], 1, dtype=torch.float64), X.double()], dim=1)
    wa = torch.cat([b.reshape(1), w.double()])
    return 2 * (Xa @ wa >= 0).long() - 1


def perceptron_train(X, y, lr=1.0, epochs=100, order=None):
    labels = set(y.tolist())
    if not labels <= {-1, 1}:
        raise ValueError(f"perceptron labels are -1/+1; got {labels}")
    Xa = torch.cat([torch.ones(X.shape[0], 1, dtype=torch.float64), X.double()], dim=1)
    wa = torch.zeros(Xa.shape[1], dtype=torch.float64)
    visits = list(range(len(y))) if order is None else [int(i) for i in order]
    run = 0
    for run in range(1, epochs + 1):
        updated = False
        for i in visits:
            if int(y[i]) * float(Xa[i] @ wa) <= 0:
                wa += lr * int(y[i]) * Xa[i]
                updated = True
        if not updated:
            break
    return wa[1:].to(X.dtype), wa[0].to(X.dtype), run


def logic_gate_weights(gate):
    # Reaching the threshold fires: the boundary itself may sit on an input.
    weights = {"and": (1.0, -2.0), "or": (1.0, -1.0), "nand": (-1.0, 1.0), "nor": (-1.0, 0.0)}
    if gate in ("xor", "xnor"):
        raise ValueError(f"{gate} is not linearly separable: no single neuron computes it")
    if gate not in weights:
        raise ValueError(f"unknown gate {gate!r}")
    sign, b = weights[gate]
    return torch.tensor([sign, sign], dtype=torch.float64), torch.tensor(b)
