# Deep Learning for Genomics — the two commands a new machine needs:
#   make book   build the executed book into _build/html
#   make test   run the unit tests, the notebook tests and the book-build test
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Local copies of the remote data files (see book/setup.md): folders laid out like the cache, separated by ':'.
# Next to ../shared/data the default uses both of its folders (uci/ and mirror/); leave it empty to download
# from the original sources.
empty :=
GDL_DATA_MIRROR ?= $(subst $(empty) $(empty),:,$(strip $(wildcard $(abspath ../shared/data/uci) $(abspath ../shared/data/mirror))))
export GDL_DATA_MIRROR
PYTEST_WORKERS ?= 2
# The course's models are small: on a CPU, one intra-op thread per process is faster than several (torch's
# thread pool costs more than it saves on small kernels, and `make test` runs two processes side by side).
# Override with e.g. `make book OMP_NUM_THREADS=4` on a bigger machine.
OMP_NUM_THREADS ?= 1
export OMP_NUM_THREADS
# numba (memelite's Tomtom) has its own thread pool and ignores OMP_NUM_THREADS.
NUMBA_NUM_THREADS ?= $(OMP_NUM_THREADS)
export NUMBA_NUM_THREADS

.PHONY: install book data test colab colab-branch student lint bench bench-fit constraints clean help

help:
	@echo "make book   - create $(VENV), install, fetch data, execute every notebook, write _build/html"
	@echo "make test   - lint + unit tests + hand-out checks + book build with warnings as errors"
	@echo "make colab   - reader copies (plain Markdown, the book's numbers) in $(COLAB)/notebooks"
	@echo "make student - hand-outs made from the reader copies, without solutions, in $(STUDENT)/notebooks"

$(BIN)/activate: pyproject.toml requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=23.2"
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -e ".[book,test]"
	@if $(BIN)/python -m pip list 2>/dev/null | grep -qi '^nvidia-'; then \
	  echo "CUDA wheels were installed into a CPU environment; check requirements/constraints.txt" >&2; exit 1; fi
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@echo "compiling Tomtom (memelite, numba) once; cached on disk (about a minute)"
	$(BIN)/python -c "from gdl_utils.motifs.match import compile_tomtom; compile_tomtom()"
	@echo "compiling TF-MoDISco (modisco-lite, numba) once; cached on disk"
	$(BIN)/python -c "from gdl_utils.interpret.modisco import compile_modisco; compile_modisco()"
	touch $(BIN)/activate

install: $(BIN)/activate

# Download (or copy from the mirror) every registered data file once; the book build itself is offline.
data: install
	$(BIN)/python -m gdl_utils.datasets fetch --all

# Every notebook is executed on every build, BOOK_WORKERS at a time (one thread each), into the cache
# that jupyter-book then reads (execute_notebooks: cache in _config.yml).
BOOK_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ $$n -gt 4 ] && n=4; echo $$n)
export BOOK_WORKERS
book: data
	@start=$$(date +%s); rm -rf _build/.jupyter_cache; \
	GDL_OFFLINE=1 $(BIN)/python scripts/execute_notebooks.py --cache _build/.jupyter_cache && \
	GDL_OFFLINE=1 $(BIN)/jupyter-book build . --builder html; \
	rc=$$?; echo "book build took $$(( $$(date +%s) - start )) s"; \
	[ $$rc -eq 0 ] && echo "The book is at $(abspath _build/html/index.html)"; exit $$rc

# Reader copies for Colab and Jupyter, which do not render MyST: every notebook in plain Markdown with the
# glued numbers, figure captions, exercises, citations and links of the book, made from the executed
# notebooks of the last `make book` (_build/.jupyter_cache; nothing is run again). BOOK_URL: where the
# book is published (links go there); empty: relative links to _build/html.
COLAB ?= _build/colab
BOOK_URL ?=
colab: install
	$(BIN)/python scripts/make_reader_copies.py --cache _build/.jupyter_cache --out $(COLAB) \
	  $(if $(BOOK_URL),--book-url $(BOOK_URL))

# Students' hand-outs, made from the reader copies: every cell tagged `solution` removed (with its
# outputs), an answer cell under every exercise, plus a copy of data/.
STUDENT ?= _build/student
student: colab
	$(BIN)/python scripts/make_student.py --copies $(COLAB)/notebooks --out $(STUDENT)

# The `colab` branch that the book's Colab buttons open (repository: branch: in _config.yml): the reader
# copies of a committed tree, their install cell pinned to that commit, with data/ and a README, in
# $(COLAB_BRANCH). Publishing it is a maintainer's step (CONTRIBUTING.md, "Publishing the reader copies").
COLAB_BRANCH ?= _build/colab-branch
colab-branch: install
	@[ -n "$(BOOK_URL)" ] || { echo "make colab-branch BOOK_URL=https://... (where the book is published)" >&2; exit 1; }
	@git diff --quiet HEAD -- notebooks gdl_utils pyproject.toml || { echo "commit the notebooks and the package first: the copies install the package at HEAD" >&2; exit 1; }
	rm -rf $(COLAB_BRANCH)
	$(BIN)/python scripts/make_reader_copies.py --cache _build/.jupyter_cache --out $(COLAB_BRANCH) \
	  --book-url $(BOOK_URL) --package-ref $$(git rev-parse HEAD) --publish

# The chapter intros' diagrams, book/figures/*.svg (deterministic; tests/test_diagrams.py checks the committed files).
.PHONY: diagrams
diagrams: install
	$(BIN)/python scripts/draw_diagrams.py --out book/figures

# Code fits the page (88 columns) and passes ruff; tests/test_style.py runs the same checks in `make test`.
lint: install
	$(BIN)/ruff check gdl_utils tests scripts benchmarks notebooks
	$(BIN)/ruff format --check gdl_utils tests scripts benchmarks

# The book-build test executes every notebook once, solutions included. The hand-outs are not run a
# second time: solutions come after every other code cell (scripts/make_student.py checks), so a
# hand-out is exactly the book's run up to its first solution.
test: data
	GDL_OFFLINE=1 $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile tests

# One-hot throughput table for book/appendix_performance.md; tangermeme (the fastest peer) is timed from a
# separate environment so that it never becomes a dependency of the course.
.venv-peer/bin/python:
	$(PYTHON) -m venv .venv-peer
	.venv-peer/bin/python -m pip install --quiet "torch==2.13.0" tangermeme

bench: install .venv-peer/bin/python
	$(BIN)/python benchmarks/bench_one_hot.py --mbp 50 --repeats 5 --peer-python .venv-peer/bin/python \
	  --out benchmarks/results/one_hot.md

# fit against a bare PyTorch loop on the same model and batches (CPU seconds, < 1 min).
bench-fit: install
	$(BIN)/python benchmarks/bench_fit.py --out benchmarks/results/fit.md

constraints:
	rm -rf .venv-constraints && $(PYTHON) -m venv .venv-constraints
	.venv-constraints/bin/python -m pip install --quiet "torch==2.13.0" -e ".[book,test]"
	.venv-constraints/bin/python -m pip freeze --exclude-editable | grep -v gdl_utils > requirements/constraints.txt.new
	rm -rf .venv-constraints; echo "review and move requirements/constraints.txt.new"

clean:
	rm -rf _build .pytest_cache
