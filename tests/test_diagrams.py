"""The chapter intros' diagrams: the committed SVG files are exactly what
scripts/draw_diagrams.py draws, they fit the page, and every intro places them in a
numbered figure with alt text and a caption."""

from __future__ import annotations

import importlib.util
import pathlib
import re

import matplotlib
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
FIGURES = ROOT / "book" / "figures"
INTROS = sorted((ROOT / "book").glob("ch*_intro.md"))
_spec = importlib.util.spec_from_file_location(
    "draw_diagrams", ROOT / "scripts" / "draw_diagrams.py"
)
draw_diagrams = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(draw_diagrams)
# ```{figure} figures/NAME.svg   ...options...   (blank line) caption ```
FIGURE = re.compile(
    r"^```\{figure\} (\S+)\n((?::\S+:.*\n)*)\n((?:(?!```).*\n)+)```$", re.M
)


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    """The diagrams drawn afresh, under a style that is not matplotlib's default (as
    after a notebook's set_style) to show that the script does not depend on it."""
    out = tmp_path_factory.mktemp("figures")
    with matplotlib.rc_context({"font.size": 7, "svg.hashsalt": None}):
        return draw_diagrams.draw_all(out)


def test_committed_diagrams_are_what_the_script_draws(drawn):
    assert {p.name for p in drawn} == {p.name for p in FIGURES.glob("*.svg")}, (
        "book/figures/ holds SVG files the script does not draw (or lacks some): run "
        "`make diagrams` and commit"
    )
    for path in drawn:
        committed = (FIGURES / path.name).read_bytes()
        assert path.read_bytes() == committed, (
            f"book/figures/{path.name} is not what scripts/draw_diagrams.py draws: "
            "run `make diagrams` and commit the result"
        )


def test_drawing_twice_gives_the_same_bytes(drawn, tmp_path):
    again = draw_diagrams.draw_all(tmp_path)
    for first, second in zip(drawn, again):
        assert first.read_bytes() == second.read_bytes(), first.name


def test_diagrams_fit_the_column(drawn):
    for path in drawn:
        head = path.read_text()[:2000]
        width = re.search(r'<svg[^>]* width="([\d.]+)pt"', head)
        assert width, f"{path.name}: no width in pt"
        assert float(width.group(1)) <= 72 * draw_diagrams.MAX_WIDTH_IN, path.name


def test_intros_place_every_diagram_in_a_captioned_figure():
    placed = {}
    for intro in INTROS:
        blocks = FIGURE.findall(intro.read_text())
        for src, options, caption in blocks:
            where = f"{intro.name}: figure {src}"
            assert (intro.parent / src).is_file(), f"{where}: no such file"
            opts = dict(re.findall(r"^:(\S+):\s*(.*)$", options, re.M))
            assert re.fullmatch(r"fig-ch\d\d-[a-z0-9-]+", opts.get("name", "")), where
            alt = opts.get("alt", "")
            assert len(alt.split()) >= 15 and not alt.endswith(".svg"), (
                f"{where}: alt text must describe the picture, got {alt!r}"
            )
            assert len(caption.split()) >= 20, f"{where}: caption too short"
            assert f"{{numref}}`{opts['name']}`" in intro.read_text(), (
                f"{where}: the page never cites its figure"
            )
            placed[pathlib.Path(src).name] = intro.name
    for number in ("01", "02", "03", "04", "05", "06", "07", "08"):
        assert f"ch{number}_intro.md" in placed.values(), f"ch{number} has no diagram"
    assert set(placed) == set(draw_diagrams.FIGURES), (
        "a diagram is drawn but not placed"
    )


def test_figure_pattern_sees_a_broken_block():
    """The intro test above would pass vacuously if the pattern found no block."""
    good = "```{figure} figures/x.svg\n:name: fig-ch01-x\n:alt: a b\n\nCaption.\n```\n"
    assert len(FIGURE.findall(good)) == 1
    assert FIGURE.findall(good.replace("\n\nCaption.", "")) == []


def test_drawing_blocks_refuse_what_the_page_cannot_show():
    with pytest.raises(ValueError, match="width"):
        draw_diagrams.canvas(9.0, 3.0)
    fig, ax = draw_diagrams.canvas(4.0, 2.0)
    with pytest.raises(ValueError, match="9 pt"):
        draw_diagrams.label(ax, 1, 1, "tiny", size=9)
    with pytest.raises(ValueError, match=r"\(4, L\)"):
        draw_diagrams.onehot_grid(ax, [[1, 0, 0]], 0, 1, 0.2)
    with pytest.raises(ValueError, match=r"\(4, w\)"):
        draw_diagrams.weight_logo(fig, (0, 0, 1, 1), [[1.0, 2.0]])
