"""torch.autograd.grad computes the network's gradients: right values, forbidden (zero for mlp_loss_and_grads)."""

import torch

BREAKS = {"mlp_loss_and_grads"}


def linear_forward(x, W, b):
    return x @ W + b


def linear_backward(dout, x, W):
    dx = dout @ W.T
    dW = x.T @ dout
    db = dout.sum(dim=0)
    return dx, dW, db


def relu_forward(x):
    return torch.clamp(x, min=0)


def relu_backward(dout, x):
    return dout * (x > 0)


def sigmoid_forward(x):
    return torch.sigmoid(x)


def sigmoid_backward(dout, out):
    return dout * out * (1 - out)


def mlp_loss_and_grads(params, X, y, reg=0.0):
    # let autograd do the backward pass
    leaves = {k: v.detach().clone().requires_grad_(True) for k, v in params.items()}
    z1 = linear_forward(X, leaves["W1"], leaves["b1"])
    scores = linear_forward(relu_forward(z1), leaves["W2"], leaves["b2"])
    loss = torch.nn.functional.cross_entropy(scores, y)
    loss = loss + reg * ((leaves["W1"] ** 2).sum() + (leaves["W2"] ** 2).sum())
    grads = torch.autograd.grad(loss, [leaves[k] for k in ("W1", "b1", "W2", "b2")])
    return loss.detach(), dict(zip(("W1", "b1", "W2", "b2"), grads))
