"""test_readme.py - README.md's Python section runs as written: each ```python block executed in order, its
printed lines checked against the values the README states in its comments."""
import contextlib
import io
import os
import re

import pytest

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "README.md")


def python_blocks():
    text = open(README, encoding="utf-8").read()
    section = text[text.index("\n## Python\n"):]
    section = section[:section.index("\n## ", 1)]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_readme_python_blocks_print_what_they_say():
    blocks = python_blocks()
    assert len(blocks) == 2
    pytest.importorskip("torch")
    outputs = []
    for block in blocks:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, "README.md", "exec"), {})
        outputs.append(out.getvalue().splitlines())
    assert outputs[0] == ["67.0", "((5, 6), (5, 6))"]
    assert outputs[1] == ["True torch.Size([8, 32, 33, 33])"]
    # and the comments in the README say the same
    assert "# 67.0" in blocks[0] and "# ((5, 6), (5, 6))" in blocks[0]
    assert "# True torch.Size([8, 32, 33, 33])" in blocks[1]
