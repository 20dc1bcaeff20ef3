# remiss-pipeline. Every target works on a fresh machine: `make install` sets up the
# system packages (apt-get) and the virtualenv (pip, pinned in pyproject.toml).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := tesseract-ocr tesseract-ocr-swe tesseract-ocr-eng hunspell-sv-se chromium chromium-driver poppler-utils fonts-dejavu-core fonts-liberation

.PHONY: install system run test bench clean pdf-corpus scans

install: system $(VENV)/.installed

system:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "apt-get install $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e ".[dev]"
	$(PY) scripts/build_spacy_model.py
	touch $@

run: install
	$(VENV)/bin/remiss run corpus --out out

test: install
	$(VENV)/bin/pytest -q

bench: install
	@if [ -f scripts/bench.py ]; then $(PY) scripts/bench.py; else echo "no benchmarks yet"; fi

clean:
	rm -rf out .pytest_cache

# born-digital, mixed and garbage-layer PDFs are committed (corpus/pdf); scans are made on demand
pdf-corpus: install
	$(PY) scripts/make_pdf_corpus.py

scans: install
	$(PY) scripts/make_pdf_corpus.py --scans out/scans
