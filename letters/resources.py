"""Find the built-in templates and rule packs, in an installed wheel or a source checkout."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path


@cache
def data_dir(name: str) -> Path:
    """Return the folder of built-in `templates` or `style_rules`."""
    packaged = resources.files("letters") / "_data" / name
    if packaged.is_dir():
        return Path(str(packaged))
    # An editable install or a source checkout: the top-level folder beside the package.
    source = Path(__file__).resolve().parent.parent / name
    if source.is_dir():
        return source
    raise FileNotFoundError(f"the built-in {name} folder is missing from this installation")
