# Two set-up commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
TOOLS ?= .tools
PY := $(VENV)/bin/python
XDIST ?= auto

.PHONY: venv demo test lint type bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	# semgrep (JS/TS code scan) pins click and jsonschema below golive's: a venv of its own,
	# linked beside golive's Python where golive looks for its tools
	$(PYTHON) -m venv $(TOOLS)/semgrep
	$(TOOLS)/semgrep/bin/pip install -q 'semgrep>=1.187,<2'
	ln -sf $(abspath $(TOOLS))/semgrep/bin/semgrep $(VENV)/bin/semgrep
	touch $@

venv: $(VENV)/.installed

# UNVERIFIED (exit 4) is a verdict the demo prints with its reasons, not a failed make
demo: venv
	$(VENV)/bin/golive demo || [ $$? -eq 4 ]

test: venv
	$(PY) -m pytest selftests -n $(XDIST) --dist loadgroup -q --durations=25

lint: venv
	$(VENV)/bin/ruff check src tests selftests loadtests benchmarks conftest.py

type: venv
	$(VENV)/bin/mypy

bench: venv
	$(PY) benchmarks/static_phase.py

clean:
	rm -rf $(VENV) $(TOOLS) reports/*.json reports/*.xml reports/*.md reports/*.html .golive
