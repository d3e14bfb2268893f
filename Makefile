# The two commands a newcomer needs: `make run` and `make test`. Both set up everything on a fresh Debian
# machine with Python 3.11: a local virtual environment, and (when root) the Debian packages the tests need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8050

.PHONY: run test install sysdeps lint clean

run: install
	$(BIN)/python app.py --demo --host $(HOST) --port $(PORT)

test: install sysdeps node_modules/.installed-stamp
	$(BIN)/lint-imports
	$(BIN)/python -m pytest --headless -p no:cacheprovider

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test]"
	touch $@

# Debian packages for the browser and PostgreSQL tests, installed only when root and missing.
sysdeps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null 2>&1 || missing="$$missing chromium-driver"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "Missing Debian packages:$$missing (run as root to install them)"; \
	  fi; \
	fi

# axe-core (accessibility checks in the browser tests) comes from npm, pinned in package-lock.json.
node_modules/.installed-stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

lint: install
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) node_modules instance/*.sqlite*
