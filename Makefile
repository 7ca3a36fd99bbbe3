# vtdsim: two commands.
#   make run   installs what is missing, builds, runs the main job: the passthrough study
#              (docs/studies/passthrough.md; `vtdsim run` runs the default scenario alone)
#   make test  installs what is missing, builds, runs every test
BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
OUT   ?= vtdsim-out
BUILD_TYPE ?= Release

.PHONY: run test build deps bench clean

run: build
	$(BUILD)/platform/vtdsim study passthrough --out $(OUT)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	$(BUILD)/platform/vtdsim bench

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory

deps:
	@./scripts/install-deps.sh

clean:
	rm -rf $(BUILD) $(OUT)
