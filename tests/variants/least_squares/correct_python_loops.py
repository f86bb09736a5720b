"""Explicit sums and a hand-written Gaussian elimination."""

BREAKS = set()


def fit_line(x, y):
    n = len(x)
    xs, ys = x.tolist(), y.tolist()
    xm = sum(xs) / n
    ym = sum(ys) / n
    sxy = sum((a - xm) * (b - ym) for a, b in zip(xs, ys))
    sxx = sum((a - xm) ** 2 for a in xs)
    a = sxy / sxx
    return a, ym - a * xm


def _solve(M, v):
    """Gaussian elimination with partial pivoting on lists."""
    n = len(v)
    M = [row[:] + [v[i]] for i, row in enumerate(M)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(M[r][col]))
        M[col], M[pivot] = M[pivot], M[col]
        for r in range(col + 1, n):
            f = M[r][col] / M[col][col]
            for c in range(col, n + 1):
                M[r][c] -= f * M[col][c]
    w = [0.0] * n
    for r in range(n - 1, -1, -1):
        w[r] = (M[r][n] - sum(M[r][c] * w[c] for c in range(r + 1, n))) / M[r][r]
    return w


def _normal(X, y, lam):
    rows = [[1.0] + r for r in X.tolist()]
    ys = y.tolist()
    k = len(rows[0])
    M = [[sum(r[i] * r[j] for r in rows) + (lam if i == j and i > 0 else 0.0) for j in range(k)] for i in range(k)]
    v = [sum(r[i] * t for r, t in zip(rows, ys)) for i in range(k)]
    return _solve(M, v)


def fit(X, y):
    import torch

    return torch.tensor(_normal(X, y, 0.0), dtype=X.dtype)


def predict(X, w):
    ws = w.tolist()
    import torch

    return torch.tensor([ws[0] + sum(a * b for a, b in zip(row, ws[1:])) for row in X.tolist()], dtype=X.dtype)


def ridge_fit(X, y, lam):
    import torch

    return torch.tensor(_normal(X, y, lam), dtype=X.dtype)
