"""Exercise: activation functions and their derivatives, and the vanishing gradient of a deep chain.

Every function here works elementwise on a tensor of any shape (a 0-d tensor included) and
returns a tensor of that shape. The derivative functions (``*_grad``) take the **input** x and
return f'(x) at x: not the output f(x), unlike ``backprop.sigmoid_backward``, which takes σ(x).

Conventions for every function here (course-wide):

- Inputs are ``torch.Tensor`` of dtype float32 or float64. Return tensors of the input's dtype
  on the input's device (a NumPy array is accepted too; the scalars of ``chain_gradient`` may be
  Python floats or 0-d tensors).
- Large inputs: the grader passes |x| up to 1e4, in float32 as well as float64. exp(1e4) is inf
  (exp(89) already is in float32), and inf / inf is nan: evaluate exp only of numbers <= 0
  (branch on the sign of x with ``torch.where``, or use exp(−|x|)). Results that underflow to 0
  or round to 1 are fine; nan and inf are not.
- Never modify an input in place (no ``x.clamp_(min=0)``, no ``x[x < 0] = 0``, no ``a *= w[l]``
  on a tensor that is an argument): the grader checks. Build new tensors.
- Forbidden in every function of this module, in every spelling: the library activations
  ``torch.sigmoid``, ``torch.special.expit``, ``torch.nn.functional.sigmoid``, ``Tensor.sigmoid``,
  ``torch.nn.Sigmoid``, ``scipy.special.expit``; ``torch.tanh``, ``torch.nn.functional.tanh``,
  ``Tensor.tanh``, ``torch.nn.Tanh``, ``numpy.tanh``, ``math.tanh``; ``torch.relu``,
  ``torch.nn.functional.relu``, ``Tensor.relu``, ``torch.nn.ReLU``,
  ``torch.nn.functional.leaky_relu``, ``torch.nn.LeakyReLU``, ``prelu`` (``torch.nn.PReLU``) and
  ``rrelu`` (``torch.nn.RReLU``), with their in-place forms (``sigmoid_``, ``relu_``, ...); and
  autograd (``Tensor.backward``, ``torch.autograd``, ``torch.func``, ``requires_grad``,
  ``retain_grad``): the derivatives are the exercise. A function that calls one, or calls a
  helper of yours that does, gets zero points. ``torch.exp``, ``torch.abs``, ``torch.clamp``,
  ``torch.where``, ``torch.maximum`` and comparisons are fair tools, and your ``tanh`` may call
  your own ``sigmoid`` (tanh(x) = 2·σ(2x) − 1), and vice versa.

Check your work with ``mlgrade check activations``.
"""

from __future__ import annotations

import torch


def sigmoid(x: torch.Tensor) -> torch.Tensor:
    """The logistic sigmoid, elementwise:

        σ(x) = 1 / (1 + e^(−x))  =  e^x / (1 + e^x)

    Use the first form where x >= 0 and the second where x < 0: then exp only ever sees a
    number <= 0 and cannot overflow. The result is finite and in [0, 1] for |x| up to 1e4.

    Args:
        x: any shape, float32 or float64.

    Returns:
        the shape and dtype of x.

    Example: x = [0.0, ln 3, −ln 3] gives [0.5, 0.75, 0.25].
    """
    raise NotImplementedError("activations.sigmoid: 1 / (1 + exp(-x)), without overflow")


def sigmoid_grad(x: torch.Tensor) -> torch.Tensor:
    """The derivative of the sigmoid at x (x is the input, not σ(x)):

        σ'(x) = σ(x) · (1 − σ(x))

    At most 0.25 (at x = 0), even (σ'(−x) = σ'(x)), and → 0 for large |x|: finite for |x|
    up to 1e4.

    Args:
        x: any shape, float32 or float64.

    Returns:
        the shape and dtype of x.

    Example: x = [0.0, ln 3] gives [0.25, 0.1875].
    """
    raise NotImplementedError("activations.sigmoid_grad: sigmoid(x) * (1 - sigmoid(x))")


def tanh(x: torch.Tensor) -> torch.Tensor:
    """The hyperbolic tangent, elementwise:

        tanh(x) = (e^x − e^(−x)) / (e^x + e^(−x))  =  2·σ(2x) − 1

    In [−1, 1], odd (tanh(−x) = −tanh(x)); finite for |x| up to 1e4, where the first form,
    written as it stands, gives inf / inf = nan.

    Args:
        x: any shape, float32 or float64.

    Returns:
        the shape and dtype of x.

    Example: x = [0.0, ln 2] gives [0.0, 0.6].
    """
    raise NotImplementedError("activations.tanh: (e^x - e^-x) / (e^x + e^-x), without overflow")


def tanh_grad(x: torch.Tensor) -> torch.Tensor:
    """The derivative of tanh at x (x is the input, not tanh(x)):

        tanh'(x) = 1 − tanh²(x)

    In [0, 1], 1 at x = 0, even, and → 0 for large |x|: finite for |x| up to 1e4.

    Args:
        x: any shape, float32 or float64.

    Returns:
        the shape and dtype of x.

    Example: x = [0.0, ln 2] gives [1.0, 0.64].
    """
    raise NotImplementedError("activations.tanh_grad: 1 - tanh(x)**2")


def relu(x: torch.Tensor) -> torch.Tensor:
    """The rectified linear unit, elementwise: relu(x) = max(0, x).

    Args:
        x: any shape, float32 or float64.

    Returns:
        the shape and dtype of x.

    Example: x = [−1.0, 0.0, 2.5] gives [0.0, 0.0, 2.5].
    """
    raise NotImplementedError("activations.relu: max(0, x) elementwise")


def relu_grad(x: torch.Tensor) -> torch.Tensor:
    """The derivative of relu at x: 1 where x > 0, 0 where x < 0.

    At x = 0 relu has a kink and no derivative; either 0 or 1 is accepted there (the seed
    takes 1). Return floats (0.0 and 1.0), not bools.

    Args:
        x: any shape, float32 or float64.

    Returns:
        the shape and dtype of x.

    Example: x = [−1.0, 2.5] gives [0.0, 1.0].
    """
    raise NotImplementedError("activations.relu_grad: 1.0 where x > 0, 0.0 where x < 0")


def leaky_relu(x: torch.Tensor, alpha: float = 0.01) -> torch.Tensor:
    """The leaky ReLU, elementwise: x where x > 0, alpha·x otherwise.

    Args:
        x: any shape, float32 or float64.
        alpha: the slope for x <= 0, a Python float with 0 <= alpha < 1 (0.01 by default).

    Returns:
        the shape and dtype of x.

    Example: x = [−2.0, 3.0] with alpha = 0.1 gives [−0.2, 3.0].
    """
    raise NotImplementedError("activations.leaky_relu: x where x > 0, alpha * x elsewhere")


def leaky_relu_grad(x: torch.Tensor, alpha: float = 0.01) -> torch.Tensor:
    """The derivative of the leaky ReLU at x: 1 where x > 0, alpha where x < 0.

    At x = 0 either 1 or alpha is accepted.

    Args:
        x: any shape, float32 or float64.
        alpha: the slope for x < 0, 0 <= alpha < 1 (0.01 by default).

    Returns:
        the shape and dtype of x.

    Example: x = [−2.0, 3.0] with alpha = 0.1 gives [0.1, 1.0].
    """
    raise NotImplementedError("activations.leaky_relu_grad: 1.0 where x > 0, alpha where x < 0")


def chain_gradient(
    a0: torch.Tensor, w: torch.Tensor, b: torch.Tensor, activation: str = "sigmoid"
) -> tuple[float, float]:
    """A chain of L one-unit layers, its output and the derivative of the output by the input.

    Layer l = 1 … L takes the previous activation and computes

        z_l = w_l · a_(l−1) + b_l,    a_l = f(z_l)

    starting from a_0 = a0, with f named by ``activation``: "sigmoid", "tanh" or "relu" (any
    other name raises ``ValueError``). By the chain rule,

        d a_L / d a_0 = Π_(l=1…L) w_l · f'(z_l)

    (f' at z_l, the layer's input, not at a_l). With the sigmoid, f' <= 1/4, so
    |d a_L / d a_0| <= Π|w_l| / 4^L: the gradient vanishes geometrically with the depth L.
    For "relu" the grader never passes a chain where some z_l is exactly 0.

    Args:
        a0: a 0-d tensor, float32 or float64.
        w: shape (L,), L >= 1, the weights, the dtype of a0 (w[l − 1] is w_l).
        b: shape (L,), the biases.
        activation: the name of f.

    Returns:
        (a_L, grad): two scalars (Python floats or 0-d tensors).

    Example: a0 = 0.0, w = [2.0], b = [0.0], "sigmoid": z_1 = 0, a_1 = 0.5, and the
    gradient is 2 · σ'(0) = 0.5, so (0.5, 0.5).
    """
    raise NotImplementedError("activations.chain_gradient: run the chain forward, multiply w_l * f'(z_l)")
