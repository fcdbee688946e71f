"""Put a notebook's numbers, figures and model code into the book's prose, so that they
cannot drift.

The book's rule: **no number is typed into prose**. A notebook computes a value, hands
it to :func:`glue` under a key, and the markdown cites the key with the MyST-NB role
``{glue:text}`key:.3f```. A key the prose cites but the notebook never glued is a
warning, and the strict build (``make test``) fails on it. Figures go the same way
(:func:`show_figure` + a ``{glue:figure}`` directive with a caption and alt text), and
:func:`show_source` puts a model's own lines on the page.

Keys are prefixed with the notebook's number (``"03a_auroc_cnn"``, ``"fig-03a-roc"``) so
that they are unique across the book; the Results appendix cites them across pages
(``notebooks/03a_...ipynb::03a_auroc_cnn``).

Outside Jupyter Book (Colab, a plain Jupyter server, a script) MyST-NB may be missing:
then ``glue`` just returns the value and ``show_figure`` shows the figure inline, so the
notebooks run everywhere.

Used in: every notebook (chapters 1-3 on).
"""

from __future__ import annotations

import ast
import inspect
import numbers
import textwrap

import numpy as np

__all__ = ["Source", "glue", "show_figure", "show_source"]


def _myst_glue():
    try:
        from myst_nb import glue as myst_glue
    except ImportError:  # Colab or a bare Jupyter install: nothing to glue into
        return None
    return myst_glue


def _plain(value):
    """numpy scalars -> Python scalars, so that outputs read ``0.93`` and not
    ``np.float64(0.93)``."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def glue(key: str, value, *, display: bool = False):
    """Store ``value`` under ``key`` for ``{glue:text}`` in the prose; return the value
    (as a Python scalar).

    Parameters
    ----------
    key : str
        Unique in the book: start it with the notebook's number, e.g.
        ``"03a_auroc_cnn"``.
    value : number, str, pandas object or anything IPython can display
        numpy scalars are converted to Python scalars first; a NaN or infinite number is
        refused, because a number that did not come out is a failed analysis, not a
        value to print.
    display : bool
        Also show the value under the cell (default: no, the prose shows it).

    Raises
    ------
    ValueError
        If ``key`` is empty or has characters other than letters, digits, ``_`` and
        ``-``, or if ``value`` is a NaN / infinite number.

    Used in: every notebook.
    """
    if (
        not isinstance(key, str)
        or not key
        or not all(ch.isalnum() or ch in "_-" for ch in key)
    ):
        raise ValueError(
            "glue: key must be a non-empty string of letters, digits, '_' and '-', "
            f"got {key!r}"
        )
    value = _plain(value)
    if (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and not np.isfinite(value)
    ):
        raise ValueError(
            f"glue: {key!r} is {value}; refusing to put a non-finite number into the "
            "prose"
        )
    myst_glue = _myst_glue()
    if myst_glue is not None:
        myst_glue(key, value, display=display)
    return value


def show_figure(fig, key: str) -> None:
    """Glue a matplotlib figure under ``key`` for a captioned ``{glue:figure}``
    directive, then close it.

    In the book the figure appears where the markdown places it, with its number,
    caption and alt text::

        ```{glue:figure} fig-03a-roc
        :name: fig-03a-roc
        :alt: ROC and precision-recall curves of DeepBind and the k-mer baseline

        ROC (left) and precision-recall (right) on the held-out test set.
        ```

    Without MyST-NB (Colab) the figure is shown inline instead. Figures are rendered at
    the dpi set by :func:`gdl_utils.plotting.set_style` (150).

    Used in: every notebook with a figure.
    """
    import matplotlib.pyplot as plt

    if not hasattr(fig, "savefig"):
        raise TypeError(
            f"show_figure: expected a matplotlib Figure for {key!r}, got "
            f"{type(fig).__name__}"
        )
    myst_glue = _myst_glue()
    if myst_glue is None:
        from IPython.display import display

        display(fig)
    else:
        glue(key, fig, display=False)
    plt.close(fig)


class Source:
    """A block of Python source that renders as a highlighted code block in the book,
    Jupyter and Colab.

    It has a Markdown representation (a fenced ``python`` block, which MyST-NB renders
    with the book's own highlighting and copy button) and a plain-text one (the code
    itself, for a terminal or ``print``).

    Used in: no notebook directly (:func:`show_source` returns it).
    """

    def __init__(self, text: str):
        self.text = text

    def _repr_markdown_(self) -> str:
        fence = "````" if "```" in self.text else "```"
        return f"{fence}python\n{self.text.rstrip()}\n{fence}\n"

    def __repr__(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


def _drop_docstrings(text: str) -> str:
    """Remove the docstrings of a class/function and of the functions defined in it
    (keeps the code)."""
    tree = ast.parse(text)
    drop: set[int] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and node.body
        ):
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                drop.update(range(first.lineno, first.end_lineno + 1))
    lines = text.splitlines()
    return (
        "\n".join(line for i, line in enumerate(lines, start=1) if i not in drop) + "\n"
    )


def show_source(obj, *, docstring: bool = True) -> Source:
    """The source code of a class or function, syntax-highlighted, for showing a model's
    own lines.

    Parameters
    ----------
    obj : class, function or method
        Usually a model class, e.g. ``gdl_utils.models.DeepBind``.
    docstring : bool
        ``False`` drops the docstrings (of the class and its methods), so that the page
        shows the lines that compute; the reader can still call ``help(obj)``.

    Returns
    -------
    Source
        Put it last in a cell. It renders as a highlighted ``python`` block in the book
        (MyST-NB reads its Markdown form), in Jupyter and in Colab (unlike Sphinx's
        ``literalinclude``).

    Raises
    ------
    TypeError
        If ``obj`` has no Python source (a builtin, an instance, an object defined in a
        REPL).

    Used in: chapters 2 on (each chapter shows the models it trains).
    """
    try:
        text = textwrap.dedent(inspect.getsource(obj))
    except (TypeError, OSError) as err:
        raise TypeError(
            f"show_source: cannot find the source of {obj!r} ({err})"
        ) from err
    return Source(text if docstring else _drop_docstrings(text))
