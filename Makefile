# Fieldbook: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export FLASK_APP := wsgi

VENDOR := static/vendor/htmx.min.js static/vendor/pico.min.css static/vendor/signature_pad.min.js \
          static/vendor/zxing-browser.min.js
PO     := $(wildcard app/translations/*/LC_MESSAGES/messages.po)
MO     := $(PO:.po=.mo)

# Where `make run` / `make dev` listen: `make run HOST=0.0.0.0` lets tablets on the Wi-Fi in.
HOST    ?= 127.0.0.1
PORT    ?= 5000
WORKERS ?= 2
THREADS ?= 4
export HOST PORT

.PHONY: run dev prepare test bench lint assets translations extract browser clean

## make run: install, migrate an SQLite database under instance/, load demo data, and serve as
## in production: gunicorn (workers x threads), compressed responses, hashed static files
run: prepare
	@echo "Fieldbook on http://$(HOST):$(PORT)  ($(WORKERS) workers x $(THREADS) threads; Ctrl+C to stop)"
	$(BIN)/gunicorn --workers $(WORKERS) --threads $(THREADS) --bind $(HOST):$(PORT) \
	  --access-logfile - --graceful-timeout 10 wsgi:app

## make dev: the same, served by Flask's reloading development server (debug mode)
dev: prepare
	$(BIN)/flask run --debug --host $(HOST) --port $(PORT)

prepare: .stamp-install $(VENDOR) $(MO)
	@mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty

## make test: install the test tools (and Debian's chromium), then the whole suite
test: .stamp-install-test $(VENDOR) $(MO) browser
	$(BIN)/pytest

## make bench: budgets of DESIGN.md on demo data x100 (prints figures; not part of make test)
bench: .stamp-install-test $(VENDOR) $(MO)
	$(BIN)/pytest tests/bench -m bench -s -q

lint: .stamp-install-test
	$(BIN)/ruff check app tests

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

.stamp-install: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

.stamp-install-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@ .stamp-install

# Front-end packages come from package-lock.json only; static/vendor is a build output.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

assets: $(VENDOR)
$(VENDOR): node_modules/.package-lock.json
	@mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
	cp node_modules/@picocss/pico/css/pico.min.css static/vendor/pico.min.css
	cp node_modules/signature_pad/dist/signature_pad.umd.min.js static/vendor/signature_pad.min.js
	cp node_modules/@zxing/browser/umd/zxing-browser.min.js static/vendor/zxing-browser.min.js

translations: $(MO)
%.mo: %.po | $(BIN)/python
	$(BIN)/pybabel compile --statistics -i $< -o $@

## make extract: refresh the catalogue after adding strings (then translate zh_Hans)
extract: .stamp-install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o app/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching --ignore-obsolete

# Browser tests drive Debian's chromium; install it when we may, otherwise say how.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium, a CJK font and pango (PDF reports) for the tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; \
	  else \
	    echo "The tests need Debian's chromium, a CJK font and pango: run  sudo apt-get install chromium fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0"; exit 1; \
	  fi; \
	fi

clean:
	rm -rf $(VENV) node_modules static/vendor .stamp-* $(MO)
