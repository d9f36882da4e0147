"""The public API documents itself: numpydoc sections on every public function, and
its examples run (they are doctests, so they cannot drift from the code)."""

from __future__ import annotations

import doctest
import importlib
import inspect

import pytest

#: The layers whose public API (their ``__all__``) carries numpydoc sections.
LAYERS = ("kazind.engine", "kazind.scenarios", "kazind.analysis")


def _public():
    for layer in LAYERS:
        module = importlib.import_module(layer)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                yield f"{layer}.{name}", obj


PUBLIC = dict(_public())


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_every_public_function_has_numpydoc_sections(name):
    function = PUBLIC[name]
    doc = inspect.getdoc(function) or ""
    needed = (
        ["Examples"]
        if inspect.signature(function).return_annotation in (None, "None")
        else ["Returns", "Examples"]
    )
    if inspect.signature(function).parameters:
        needed.insert(0, "Parameters")
    missing = [s for s in needed if f"\n{s}\n{'-' * len(s)}\n" not in doc]
    assert not missing, f"{name}: no {', '.join(missing)} section"


@pytest.mark.parametrize("module", sorted({inspect.getmodule(f).__name__ for f in PUBLIC.values()}))
def test_the_examples_of_the_public_api_run(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 or "doctest: +SKIP" in inspect.getsource(
        importlib.import_module(module)
    ), f"{module} has no examples"
    assert result.failed == 0, f"{module}: {result.failed} of {result.attempted} examples fail"
