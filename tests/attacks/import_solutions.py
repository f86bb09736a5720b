"""Imports the reference solutions by every route: import statements, importlib, __import__,
sys.path, spec_from_file_location on the repository's path and on what the editable install's
finder maps, and a search of site-packages."""

import glob
import importlib
import importlib.util
import os
import re
import site
import sys

import torch

REPO = "@REPO@"


def _reference():
    routes = [
        lambda: importlib.import_module("solutions.least_squares"),
        lambda: __import__("solutions.least_squares", fromlist=["fit"]),
        lambda: (sys.path.insert(0, REPO), importlib.import_module("solutions.least_squares"))[1],
    ]
    places = [os.path.join(REPO, "solutions", "least_squares.py")]
    for packages in site.getsitepackages():
        places += glob.glob(os.path.join(packages, "solutions", "least_squares.py"))
        for finder in glob.glob(os.path.join(packages, "__editable__*finder.py")):
            with open(finder) as f:  # the editable finder maps each package to its folder
                for folder in re.findall(r"'solutions': '([^']+)'", f.read()):
                    places.append(os.path.join(folder, "least_squares.py"))
    for place in places:
        routes.append(lambda place=place: _load(place))
    for route in routes:
        try:
            return route()
        except Exception:
            continue
    return None


def _load(path):
    spec = importlib.util.spec_from_file_location("ref", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def attack(X, y):
    reference = _reference()
    if reference is None:
        return torch.zeros(X.shape[1] + 1, dtype=X.dtype)
    return reference.fit(X, y)
