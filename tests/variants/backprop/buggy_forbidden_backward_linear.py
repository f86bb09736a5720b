"""linear_backward calls out.backward(dout) on fresh leaves: right values, forbidden; the network's
function uses it too, so both get zero."""

import torch

BREAKS = {"linear_backward", "mlp_loss_and_grads"}


def linear_forward(x, W, b):
    return x @ W + b


def linear_backward(dout, x, W):
    x = x.detach().clone()
    W = W.detach().clone()
    x.requires_grad = True
    W.requires_grad = True
    b = torch.zeros(W.shape[1], dtype=W.dtype, requires_grad=True)
    out = linear_forward(x, W, b)
    out.backward(dout)
    return x.grad, W.grad, b.grad


def relu_forward(x):
    return torch.clamp(x, min=0)


def relu_backward(dout, x):
    return dout * (x > 0)


def sigmoid_forward(x):
    return torch.sigmoid(x)


def sigmoid_backward(dout, out):
    return dout * out * (1 - out)


def mlp_loss_and_grads(params, X, y, reg=0.0):
    W1, b1 = params["W1"], params["b1"]
    W2, b2 = params["W2"], params["b2"]
    n = X.shape[0]

    z1 = linear_forward(X, W1, b1)
    a1 = relu_forward(z1)
    scores = linear_forward(a1, W2, b2)

    shifted = scores - scores.max(dim=1, keepdim=True).values
    exp_scores = torch.exp(shifted)
    probs = exp_scores / exp_scores.sum(dim=1, keepdim=True)
    loss = -torch.log(probs[torch.arange(n), y]).mean()
    loss = loss + reg * ((W1**2).sum() + (W2**2).sum())

    dscores = probs.clone()
    dscores[torch.arange(n), y] -= 1
    dscores = dscores / n

    da1, dW2, db2 = linear_backward(dscores, a1, W2)
    dz1 = relu_backward(da1, z1)
    _, dW1, db1 = linear_backward(dz1, X, W1)
    dW1 = dW1 + 2 * reg * W1
    dW2 = dW2 + 2 * reg * W2
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
