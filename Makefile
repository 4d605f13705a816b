# Buurtlijn: `make run` starts everything on embedded defaults, `make test` runs the suite.
PY := $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := ivr

.PHONY: install run test test-hosts lint bench bench-full bench-headroom bench-web bench-zones demo clean i18n screenshots

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

# The web app's translations: .po files in git, compiled .mo files made here (not in git).
CATALOGS := $(wildcard ivr/translations/*/LC_MESSAGES/messages.po)
install: $(VENV)/.installed $(CATALOGS:.po=.mo)

ivr/translations/%/LC_MESSAGES/messages.mo: ivr/translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile -f -i $< -o $@

# After changing user-facing text: extract it and merge it into the nl, fr and de catalogues.
i18n: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o ivr/translations/messages.pot --no-location --omit-header --sort-output .
	for lang in nl fr de; do \
	  test -f ivr/translations/$$lang/LC_MESSAGES/messages.po \
	  || $(BIN)/pybabel init -i ivr/translations/messages.pot -d ivr/translations -l $$lang; \
	  $(BIN)/pybabel update -i ivr/translations/messages.pot -d ivr/translations -l $$lang --no-fuzzy-matching --omit-header; \
	done

run: install
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/run.sh

test: install
	$(BIN)/python -m pytest

# Two worker hosts as network namespaces (needs root) sharing PostgreSQL (TEST_DATABASE_URL)
# and Redis: tests/hosts/test_two_hosts.py. Not part of `make test`; .ci/run calls it once.
test-hosts: install
	BUURTLIJN_HOST_TESTS=1 $(BIN)/python -m pytest tests/hosts -rs

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

# The whole stack as in production against the sandbox; tables printed and written to docs/.
bench: install
	$(BIN)/python -m bench

bench-full: install
	$(BIN)/python -m bench --full

# The smallest PACING_HEADROOM the carrier needs, judged on the sandbox's create times.
bench-headroom: install
	$(BIN)/python -m bench --headroom --databases sqlite

# The web pages' server time: the member list of a 10,000-member BIN and a 10,000-row web
# import (bench/web_members.py), the broadcast page during a 1,000-member broadcast
# (bench/web_broadcasts.py, at 10 and at 50 calls/s), on SQLite and PostgreSQL.
bench-web: install
	for db in sqlite postgresql; do \
	  PYTHONPATH=. $(BIN)/python -m bench.web_members --database $$db || exit 1; \
	  for cps in 10 50; do \
	    PYTHONPATH=. $(BIN)/python -m bench.web_broadcasts --database $$db --cps $$cps || exit 1; \
	  done; \
	done

# Zones: a 5,000-street zone import through `flask zone import` and 100,000 address
# lookups against the zones of 50 BINs (bench/zones.py), on SQLite and PostgreSQL.
bench-zones: install
	PYTHONPATH=. $(BIN)/python -m bench.zones --database sqlite
	PYTHONPATH=. $(BIN)/python -m bench.zones --database postgresql

# The two-minute story: a police call records a message, 200 members are called, live.
demo: install
	$(BIN)/python -m demo

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache

# The README's pictures, taken by the browser tests (tests/browser/support.screenshot).
screenshots: install
	SCREENSHOTS_DIR=docs/screenshots $(BIN)/python -m pytest tests/browser -q
