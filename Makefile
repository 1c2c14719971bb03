SHELL := /bin/bash
# swift-cosign: the two commands a newcomer needs are `make demo` and `make test`.
SWIFT ?= swift

.PHONY: demo test build setup bench conformance clean release

setup:
	@scripts/setup.sh

build: setup
	$(SWIFT) build

demo: build
	cd Services && $(SWIFT) build --product sigstore-local
	@scripts/demo.sh

# The project's own targets build warning-free (Package.swift reads this); dependencies are not affected.
test: export SWIFT_COSIGN_WARNINGS_AS_ERRORS = 1
test: setup
	python3 scripts/check-portability.py
	$(SWIFT) build --build-tests
	python3 scripts/api-check.py --self-test
	python3 scripts/api-check.py
	scripts/docs.sh
	python3 scripts/check-doc-snippets.py
	$(SWIFT) test 2>&1 | tee .build/test-output.txt; exit $${PIPESTATUS[0]}
	scripts/library-consumer.sh
	scripts/tuf-conformance.sh
	cd Services && $(SWIFT) build --build-tests
	cd Services && $(SWIFT) test 2>&1 | tee .build/test-output.txt; exit $${PIPESTATUS[0]}

conformance: build
	CLIENT=$(CURDIR)/.build/debug/cosign $(or $(VECTORS_DIR),../shared/vectors)/run-conformance.sh

bench: 
	@scripts/setup.sh --bench
	$(SWIFT) build -c release --static-swift-stdlib
	COSIGN_BIN=$(CURDIR)/.build/release/cosign bench/run.sh

# The binary users install: release build, Swift runtime and Foundation linked statically, symbols stripped.
# It needs only the C and C++ runtimes, zlib and libsodium (Debian: libsodium23) from the system.
release:
	$(SWIFT) build -c release --static-swift-stdlib --product cosign
	mkdir -p dist
	strip -o dist/cosign.tmp .build/release/cosign && mv dist/cosign.tmp dist/cosign
	@dist/cosign version >/dev/null
	@echo "dist/cosign: $$(stat -c %s dist/cosign) bytes ($$(du -m dist/cosign | cut -f1) MiB); shared libraries: $$(ldd dist/cosign | awk '/=>/ {print $$1}' | sort | tr '\n' ' ')"

clean:
	rm -rf .build bench/work dist
