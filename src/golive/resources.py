"""Where golive's acceptance suites, locustfiles and scanner configs are.

The repository keeps them at its top level (``tests/``, ``loadtests/``, ``security/``). A
wheel carries the same three inside the package, under ``golive/_bundled/`` (pyproject's
hatch ``sources``), so an installed golive judges with the checks of the checkout it was
built from (the fixtures come with the plugin: the root ``conftest.py`` is not needed). An
editable install or a plain checkout has no ``_bundled``: there the folders are the
checkout's own. This module is the one place that knows either layout;
``$GOLIVE_SECURITY_DIR`` still overrides the scanner configs.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "SECURITY_DIR_ENV",
    "loadtests_dir",
    "product_root",
    "security_dir",
    "security_file",
    "suites_dir",
]

SECURITY_DIR_ENV = "GOLIVE_SECURITY_DIR"

_PACKAGE = Path(__file__).resolve().parent
# installed from a wheel: the copy built into the package
_BUNDLED = _PACKAGE / "_bundled"
# editable install or checkout: src/golive/ → the repository root, two folders up
_CHECKOUT = _PACKAGE.parents[1]


def product_root() -> Path:
    """The folder holding ``tests/``, ``loadtests/`` and ``security/``."""
    return _BUNDLED if _BUNDLED.is_dir() else _CHECKOUT


def suites_dir() -> Path:
    """The acceptance suites: one folder per plan area, checks marked with a criterion."""
    return product_root() / "tests"


def loadtests_dir() -> Path:
    """The Locust files the load phase runs (``locustfile.py``, ``shapes.py``)."""
    return product_root() / "loadtests"


def security_dir() -> Path | None:
    """The scanner configs: ``$GOLIVE_SECURITY_DIR``, else the shipped ``security/``."""
    explicit = os.environ.get(SECURITY_DIR_ENV)
    if explicit:
        return Path(explicit)
    folder = product_root() / "security"
    return folder if folder.is_dir() else None


def security_file(name: str) -> Path | None:
    """One scanner config by file name, or None when there is none."""
    folder = security_dir()
    path = folder / name if folder else None
    return path if path is not None and path.is_file() else None
