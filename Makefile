# Thin wrappers over meson; see README.md. `make run` and `make test` install
# what is missing first (scripts/deps.sh).
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
DATA       ?= var
LISTEN     ?= 127.0.0.1:8080
FUZZ_SECONDS ?= 10
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build run test test-fast test-asan fuzz bench clean check-banned format

all: build

deps:
	@$(SUDO) bash scripts/deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=debugoptimized

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

run: deps build
	@bash scripts/run.sh "$(BUILD)/src/cli/vigil" "$(DATA)" "$(LISTEN)"

check-banned:
	@bash scripts/check-banned.sh

test: deps check-banned
	@bash scripts/test.sh

test-fast: build
	meson test -C $(BUILD) --print-errorlogs

fuzz: deps
	@bash scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

bench: deps build
	@bash bench/run.sh

format:
	clang-format -i $$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
