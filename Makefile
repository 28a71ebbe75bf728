# Balise Workbench. `make demo` and `make test` work on a fresh Debian/Ubuntu machine with only Python 3.11+.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export QT_QPA_PLATFORM ?= offscreen

# System libraries: libmagic (typing), the Qt runtime libraries (window, offscreen tests), the X11 (xcb) libraries
# Qt 6.5+ needs to open the window on a desktop (libxcb-cursor0 first: without it the window does not start),
# poppler (PDF to PNG), 7-Zip (`7zz`: the tests write multi-block 7z archives as 7-Zip writes them). `balise doctor`
# names the runtime ones that are missing.
X11_PACKAGES := libx11-6 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 \
	libxcb-randr0 libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-util1 \
	libxcb-xfixes0 libxcb-xkb1 libxkbcommon-x11-0
# The benchmarks' peer: the YARA command-line tool (`yara -p 2` over the same files; throughput.py prints "n/a"
# for issue 10's speed ratio without it). The workbench itself uses yara-python, never this tool.
BENCH_PACKAGES := yara
SYSTEM_PACKAGES := libmagic1 libgl1 libegl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0 poppler-utils 7zip \
	$(X11_PACKAGES)

.PHONY: all setup system-deps demo test lint bench clean gui

all: test

system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES) $(EXTRA_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO="sudo"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

$(STAMP): pyproject.toml constraints.txt
	@$(MAKE) --no-print-directory system-deps
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(PY) -m workbench demo --out demo-out

test: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	@$(MAKE) --no-print-directory system-deps EXTRA_PACKAGES="$(BENCH_PACKAGES)"
	$(PY) benchmarks/throughput.py

gui: $(STAMP)
	$(VENV)/bin/balise-workbench

clean:
	rm -rf demo-out build dist *.egg-info .pytest_cache .ruff_cache

# --- Installers for air-gapped laptops (README.md, "Installing on an air-gapped laptop") -------------------------------------
.PHONY: wheelhouse wheelhouse-test app app-test
WHEELHOUSE_TARGETS ?= linux-x86_64,win-amd64,macos-arm64,macos-x86_64

# Offline wheelhouse per system under installers/wheelhouse/wheels/<target>/ (downloads: connected machine).
wheelhouse: $(STAMP)
	$(PY) installers/wheelhouse/build_wheelhouse.py --targets $(WHEELHOUSE_TARGETS) --clean

# Installs the Linux wheelhouse into a fresh venv under unshare -n and runs balise demo from it.
wheelhouse-test: $(STAMP)
	BALISE_TEST_WHEELHOUSE=1 $(PY) -m pytest -q -p no:cacheprovider tests/installers/test_wheelhouse_install.py

# Standalone one-folder application dist/balise/ (balise + balise-workbench), for the system it runs on.
app: $(STAMP)
	$(PY) installers/linux/render_icon.py build/icons
	$(VENV)/bin/pyinstaller --noconfirm --distpath dist --workpath build/pyinstaller installers/pyinstaller/balise.spec
	cp installers/linux/balise-workbench.desktop installers/linux/install-desktop.sh build/icons/balise.png dist/balise/
	cp LICENSE dist/balise/
	$(PY) installers/notices.py --installed dist/balise/THIRD_PARTY_NOTICES.txt

# Smoke test of dist/balise under unshare -n (host libmagic hidden): doctor, demo with PDF, window start.
app-test: $(STAMP)
	BALISE_TEST_APP=1 $(PY) -m pytest -q -p no:cacheprovider tests/installers/test_app_bundle.py
