"""Opens network sockets: TCP to the local machine, UDP out, a listening server."""

import socket

import torch


def attack(X, y):
    for route in (
        lambda: socket.create_connection(("127.0.0.1", 22), timeout=1),
        lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("8.8.8.8", 53)),
        lambda: socket.create_server(("0.0.0.0", 8765)),
    ):
        try:
            route()
        except OSError as exc:
            if "not allowed" in str(exc) or "unreachable" in str(exc).lower():
                continue
            raise RuntimeError(f"LEAKED: the network answered ({exc})") from None
        raise RuntimeError("LEAKED: a socket was opened")
    return torch.zeros(X.shape[1] + 1, dtype=X.dtype)
