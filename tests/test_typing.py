"""xorfast ships its annotations: the PEP 561 marker is part of the package."""

import importlib.resources

import xorfast


def test_py_typed_marker_ships_with_the_package():
    marker = importlib.resources.files("xorfast").joinpath("py.typed")
    assert marker.is_file()


def test_public_api_is_annotated():
    # The entry points carry return annotations (checked by mypy in CI).
    for function in (xorfast.train, xorfast.sweep, xorfast.load_sweep, xorfast.datasets.load):
        assert "return" in function.__annotations__, function.__name__
