# sonitus: two commands do everything.
#   make demo   set up (Debian packages, virtualenv, sonitus) and run the main job
#   make test   set up and run the test suite
# Other targets: make test-slow (long training/fuzzing tests), make bench, make wheel, make clean.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.sonitus-installed
# Debian packages sonitus needs at run time and in tests.
APT_PACKAGES ?= libsndfile1 libfluidsynth3 fluid-soundfont-gm espeak-ng festival festvox-kallpc16k festvox-kdlpc16k sox \
                fortunes wamerican pocketsphinx-testdata
# Extra voices for training the speech model (Debian contrib and non-free): make asr-data.
ASR_VOICE_PACKAGES ?= mbrola mbrola-us1 mbrola-us2 mbrola-us3 mbrola-en1 libttspico-utils
ASR_DATA ?= $(HOME)/.local/share/sonitus/asr
ASR_DATA_VARIETY ?= $(HOME)/.local/share/sonitus/asr-variety
ASR_RUN ?= runs/asr
SUDO := $(shell [ "$$(id -u)" = 0 ] && echo "" || (command -v sudo >/dev/null && echo sudo))

.PHONY: demo test test-slow fuzz bench wheel system-deps venv clean help asr-voices asr-data asr-model gan-model harmoniser-model notes-model whisper-clip-adapter

help:
	@echo "make demo       set up and run the demo (speech and music journeys)"
	@echo "make test       set up and run the tests (slow ones excluded)"
	@echo "make test-slow  run the slow tests (training to convergence, long fuzzing)"
	@echo "make fuzz       fuzz every input reader (notation, song text, checkpoints, audio, MIDI) ~10 min"
	@echo "make bench      run the benchmarks under benchmarks/"
	@echo "make asr-data   install the extra training voices and synthesise the speech corpus"
	@echo "make asr-model  train the shipped speech model from scratch, rounds 1-3 (about 7 h on 2 cores; docs/asr.md)"
	@echo "make gan-model  train the chorale GAN (rounds 1-2, about 4.7 h on one core) and the harmoniser (docs/gan.md)"
	@echo "make harmoniser-model train the chorale harmoniser from scratch (round 1, about 1.4 h on one core)"
	@echo "make notes-model train the notes GAN from scratch (round 1; docs/gan.md)"
	@echo "make whisper-clip-adapter train tiny.en's clip-context adapter (about 35 min; docs/asr.md)"

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if ! command -v apt-get >/dev/null; then \
	    echo "Please install these system packages with your package manager:$$missing"; exit 1; \
	  elif [ "$$(id -u)" != 0 ] && [ -z "$(SUDO)" ]; then \
	    echo "Run: sudo apt-get update && sudo apt-get install -y$$missing"; exit 1; \
	  else \
	    echo "Installing Debian packages:$$missing"; \
	    $(SUDO) apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	  fi; \
	fi

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip "setuptools>=77" wheel
	# (setuptools warns on every editable install of a package_dir layout; nothing to act on)
	PYTHONWARNINGS=ignore $(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

venv: system-deps $(STAMP)

demo: venv
	$(PY) sdk_examples/demo.py

test: venv
	$(PY) -m pytest

test-slow: venv
	@$(PY) -m pytest -m slow; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "No test is marked slow: nothing to run."; exit 0; fi; exit $$rc

fuzz: venv
	$(PY) -m pytest -m slow tests/test_fuzz.py

bench: venv
	@for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

wheel: venv
	$(PY) -m build --wheel --outdir dist .

# Enables Debian's contrib and non-free components (MBROLA voices, SVOX Pico); only the
# speech-model data needs them, never make demo or make test.
asr-voices: system-deps
	@if ! dpkg-query -W -f='$${Status}' libttspico-utils 2>/dev/null | grep -q "ok installed"; then \
	  if [ -d /etc/apt/sources.list.d ] && ! grep -rqs "non-free" /etc/apt/sources.list /etc/apt/sources.list.d; then \
	    codename=$$(. /etc/os-release && echo $$VERSION_CODENAME); \
	    printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: %s %s-updates\nComponents: contrib non-free\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
	      "$$codename" "$$codename" | $(SUDO) tee /etc/apt/sources.list.d/sonitus-contrib.sources >/dev/null; \
	  fi; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(ASR_VOICE_PACKAGES); \
	fi

asr-data: venv asr-voices
	$(VENV)/bin/sonitus generate tts-speech --root $(ASR_DATA) --train 24000 --dev 360
	$(VENV)/bin/sonitus generate tts-speech --root $(ASR_DATA_VARIETY) --train 12000 --dev 0 --variety 1

# The shipped model, all its rounds in order (about 7 h on 2 cores; docs/asr.md).
asr-model: asr-data
	$(VENV)/bin/sonitus train asr --data $(ASR_DATA) --out $(ASR_RUN)1 --config plugins/asr/recipes/round1.json
	$(VENV)/bin/sonitus train asr --data $(ASR_DATA) --out $(ASR_RUN)2 --config plugins/asr/recipes/round2.json \
	  --init $(ASR_RUN)1/model.ckpt
	$(VENV)/bin/sonitus train asr --data $(ASR_DATA) --data $(ASR_DATA_VARIETY) --out $(ASR_RUN)3 \
	  --config plugins/asr/recipes/round3.json --init $(ASR_RUN)2/model.ckpt

# The shipped chorale GAN (eighth-note model, rounds 1 and 2; about 4.7 h on one core; docs/gan.md),
# then the shipped harmoniser.
gan-model: venv harmoniser-model
	$(VENV)/bin/sonitus train gan chorales --out runs/gan --config plugins/gan/recipes/eighths-round1.json --seed 3
	$(VENV)/bin/sonitus train gan chorales --out runs/gan2 --config plugins/gan/recipes/eighths-round2.json --seed 5 \
	  --init runs/gan/model.ckpt

# The shipped chorale harmoniser (round 1: 10000 steps, about 1.4 h on one core; docs/gan.md): its
# best checkpoint by held-out harmonisation loss becomes the package's weights.
harmoniser-model: venv
	$(VENV)/bin/sonitus train gan harmoniser --out runs/harm --config plugins/gan/recipes/harmoniser-round1.json --seed 1
	cp runs/harm/best.ckpt plugins/gan/weights/chorale-harmoniser.ckpt

# Round 1 of the shipped notes GAN; later rounds add --init shipped (docs/gan.md).
notes-model: venv
	$(VENV)/bin/sonitus train gan notes --out runs/notes --config plugins/gan/recipes/notes-round1.json

# The clip-context adapter of tiny.en (docs/asr.md, 'Short clips'); about 35 min on 2 cores, then pin
# the SHA-256 it prints in plugins/whisper/clip_adapter.py. Add ARGS=--resume to continue its state.
whisper-clip-adapter: venv
	$(PY) -m sonitus.plugins.whisper.clip_tuning $(ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache demo-output
