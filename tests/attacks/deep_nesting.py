"""Returns a list nested a hundred thousand levels deep, to overflow whoever walks it."""


def attack(X, y):
    value = []
    for _ in range(100_000):
        value = [value]
    return value
