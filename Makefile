# Everyday targets; `scripts/test` is what CI runs.
.PHONY: dev lint reformat test bench

dev:
	uv sync --frozen

lint:
	uv run --frozen ruff check src tests benchmarks
	uv run --frozen ruff format --check src tests benchmarks
	uv run --frozen mypy

reformat:
	uv run --frozen ruff check --fix src tests benchmarks
	uv run --frozen ruff format src tests benchmarks

test:
	scripts/test

bench:
	uv run --frozen python benchmarks/import_speed.py ../shared/osv
	uv run --frozen python benchmarks/scan_speed.py ../shared/osv
	uv run --frozen python benchmarks/extract_speed.py
	uv run --frozen python benchmarks/reachability_speed.py
