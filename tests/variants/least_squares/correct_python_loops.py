"""Explicit Python sums and a hand-written Gaussian elimination; fit_line returns Python floats."""

import torch

BREAKS = set()


def fit_line(x, y):
    xs = x.tolist()
    ys = y.tolist()
    n = len(xs)
    mx = sum(xs) / n
    my = sum(ys) / n
    sxy = 0.0
    sxx = 0.0
    for i in range(n):
        sxy += (xs[i] - mx) * (ys[i] - my)
        sxx += (xs[i] - mx) * (xs[i] - mx)
    a = sxy / sxx
    b = my - a * mx
    return a, b


def gauss_solve(M, v):
    """Solve M w = v by Gaussian elimination with partial pivoting (lists of floats)."""
    n = len(v)
    aug = [list(M[i]) + [v[i]] for i in range(n)]
    for col in range(n):
        best = col
        for r in range(col + 1, n):
            if abs(aug[r][col]) > abs(aug[best][col]):
                best = r
        aug[col], aug[best] = aug[best], aug[col]
        for r in range(col + 1, n):
            factor = aug[r][col] / aug[col][col]
            for c in range(col, n + 1):
                aug[r][c] -= factor * aug[col][c]
    w = [0.0] * n
    for r in range(n - 1, -1, -1):
        s = aug[r][n]
        for c in range(r + 1, n):
            s -= aug[r][c] * w[c]
        w[r] = s / aug[r][r]
    return w


def normal_equations(X, y, lam):
    rows = [[1.0] + row for row in X.tolist()]
    ys = y.tolist()
    k = len(rows[0])
    M = [[0.0] * k for _ in range(k)]
    v = [0.0] * k
    for row, t in zip(rows, ys):
        for i in range(k):
            v[i] += row[i] * t
            for j in range(k):
                M[i][j] += row[i] * row[j]
    for i in range(1, k):  # no penalty on the intercept
        M[i][i] += lam
    return gauss_solve(M, v)


def fit(X, y):
    return torch.tensor(normal_equations(X, y, 0.0), dtype=X.dtype)


def predict(X, w):
    ws = w.tolist()
    out = []
    for row in X.tolist():
        total = ws[0]
        for j in range(len(row)):
            total += row[j] * ws[j + 1]
        out.append(total)
    return torch.tensor(out, dtype=X.dtype)


def ridge_fit(X, y, lam):
    return torch.tensor(normal_equations(X, y, lam), dtype=X.dtype)
