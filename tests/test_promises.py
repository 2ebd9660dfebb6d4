"""The README's table of promises names tests that exist: a promise is never backed by nothing."""

from __future__ import annotations

import ast
import re

from .conftest import ROOT


def test_every_test_the_readme_names_exists() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("Each of these promises is held by a named test:", 1)[1].split("\n\n", 2)[
        1
    ]
    named = 0
    for row in table.splitlines()[2:]:
        module = None
        for ref in re.findall(r"`([\w.]*?)::(\w+)`|`(test_\w+\.py)`", row):
            file, test, alone = ref
            if alone:
                assert (ROOT / "tests" / alone).is_file(), alone
                continue
            module = file or module
            assert module, row
            tree = ast.parse((ROOT / "tests" / module).read_text(encoding="utf-8"))
            functions = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
            assert test in functions, f"{module}::{test} is named in the README but does not exist"
            named += 1
    assert named == 13
