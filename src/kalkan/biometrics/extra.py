"""The optional ``biometrics`` install extra: imported lazily, refused clearly when missing."""

from __future__ import annotations

import importlib
from types import ModuleType

from kalkan.errors import ConfigurationError

EXTRA = "biometrics"


class BiometricsUnavailable(ConfigurationError):
    """A biometric operation on an installation without the ``biometrics`` extra."""

    status = 503
    code = "biometrics_unavailable"


def require(module: str) -> ModuleType:
    """Import ``module`` from the extra, or say how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise BiometricsUnavailable(
            f"biometrics need the optional '{EXTRA}' extra, which is not installed ({error.name or module} is missing): "
            f"install it with `pip install 'kalkan[{EXTRA}]'` or `uv sync --extra {EXTRA}`"
        ) from None
