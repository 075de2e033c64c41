# Two commands matter: `make run` (set up, train if needed, start everything) and `make test`.
# Everything else is a helper. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY := .venv/bin/python

# Keep TensorFlow, Rasa and SQLAlchemy quiet, and never phone home.
export TF_CPP_MIN_LOG_LEVEL := 3
export TF_ENABLE_ONEDNN_OPTS := 0
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export LOG_LEVEL_LIBRARIES := ERROR
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help setup train content-check run test test-fast eval bench lock clean

help:  ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 15

setup:  ## Create .venv and install the pinned dependencies (only when they changed)
	@PYTHON="$(PYTHON)" tools/bootstrap.sh

train: setup  ## Train the Rasa model if config.yml, domain.yml or nlu_data/ changed; fit the answer selector if content/kb/ changed
	@$(PY) -m tools.train
	@$(PY) -m knowledge build

content-check: setup  ## Check every knowledge item: both languages, dated sources, verified numbers, links
	@$(PY) -m knowledge check

run: train  ## Start the action server, Rasa and a front end (Telegram if TELEGRAM_BOT_TOKEN is set, else a local chat)
	@$(PY) -m tools.stack

test: train  ## Run the test suite (uses the same trained model)
	@tools/ensure_chromium.sh
	@$(PY) -m pytest $(PYTEST_ARGS)

test-fast: setup  ## Run the unit tests only (no trained model, no servers; about 40 s on 2 cores)
	@$(PY) -m pytest -m "not e2e" -n 2 $(PYTEST_ARGS)

eval: train  ## Evaluate the NLU model on the held-out test set in nlu_data/test/
	@$(PY) -m tools.evaluate

bench: train  ## Run the benchmarks (not part of the tests): directory, then end-to-end load
	@$(PY) benchmarks/bench_directory.py
	@$(PY) benchmarks/bench_load.py $(BENCH_ARGS)

lock: setup  ## Re-resolve requirements.in and requirements-dev.in into the pinned, hashed requirements*.txt
	@$(PY) -m tools.lock --python "$${PYTHON:-python3.10}"

clean:  ## Remove the virtualenv, models and local data (asks first)
	@read -p "Delete .venv, models/ and var/ (conversations, directory DB, secrets)? [y/N] " a && [ "$$a" = y ] && rm -rf .venv models var || true
