"""gdl_utils.report: glue refuses bad values, show_source renders a model's code."""

from __future__ import annotations

import numpy as np
import pytest

from gdl_utils import report
from gdl_utils.models import DeepBind


def test_glue_returns_python_scalars_and_refuses_nan():
    value = report.glue("test_value", np.float64(0.5))
    assert type(value) is float and value == 0.5
    with pytest.raises(ValueError, match="test_nan"):
        report.glue("test_nan", float("nan"))
    with pytest.raises(ValueError, match="key"):
        report.glue("bad key!", 1.0)


def test_show_source_is_a_fenced_python_block():
    src = report.show_source(DeepBind)
    md = src._repr_markdown_()
    assert md.startswith("```python\n") and md.rstrip().endswith("```")
    assert "class DeepBind" in md and "def forward" in md
    assert repr(src) == src.text


def test_show_source_can_drop_docstrings():
    full = report.show_source(DeepBind).text
    short = report.show_source(DeepBind, docstring=False).text
    assert '"""' in full and '"""' not in short
    assert "def forward" in short and len(short) < len(full)


def test_show_source_of_an_instance_is_a_type_error():
    with pytest.raises(TypeError, match="show_source"):
        report.show_source(3)
