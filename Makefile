# Everyday targets. `make demo` and `make test` install what they need first.
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv/bin

.PHONY: install demo test test-fast check lint types contracts format bench clean

$(UV):
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install: $(UV)
	$(UV) sync --frozen --all-extras

demo: install
	$(VENV)/kalkan demo

test: install
	.ci/system-packages
	$(VENV)/pytest -n 2

test-fast: install
	$(VENV)/pytest -n 2 -m "not postgres"

check: lint types contracts

lint: install
	$(VENV)/ruff check src tests bench
	$(VENV)/ruff format --check src tests bench

types: install
	$(VENV)/mypy

contracts: install
	$(VENV)/lint-imports

format: install
	$(VENV)/ruff format src tests bench
	$(VENV)/ruff check --fix src tests bench

clean:
	rm -rf .venv .tools .pytest_cache .mypy_cache .ruff_cache
