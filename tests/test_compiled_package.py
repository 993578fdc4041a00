"""The compiled layer's package docstring lists each of its modules."""

from pathlib import Path

import xorfast._compiled as compiled


def test_every_module_of_the_compiled_layer_is_listed_once():
    modules = sorted(p.stem for p in Path(compiled.__file__).parent.glob("*.py"))
    modules.remove("__init__")
    listed = sorted(
        line.split("`")[1][1:] for line in compiled.__doc__.splitlines() if line.startswith("- ")
    )
    assert listed == modules
