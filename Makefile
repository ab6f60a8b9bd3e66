# nvr: see README.md. `make run` and `make test` set everything up on a fresh Debian 12 machine.
GO      ?= go
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/nvrproject/nvr/internal/cli.Version=$(VERSION)
LISTEN  ?= 127.0.0.1:8080
export GOFLAGS := -buildvcs=false
# gotestsum (pinned; `go run` keeps it out of go.mod) runs `go test` and names the slowest tests after it.
GOTESTSUM := $(GO) run gotest.tools/gotestsum@v1.13.0
SLOW      ?= 20s

.PHONY: setup build run test test-go fuzz-short bench soak clean

setup:
	@scripts/setup

build: setup
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/nvrd ./cmd/nvrd
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/nvr-worker ./cmd/nvr-worker

run: build
	bin/nvrd start --demo --listen $(LISTEN)

test: build
	@scripts/setup-onnxruntime --compare-runtime || echo "make test: the ONNX Runtime to compare detections with is missing; TestDetectSameAcrossRuntimes will say so"
	$(GO) vet ./...
	@mkdir -p .cache
	$(GOTESTSUM) --format pkgname --jsonfile .cache/test.json -- -race -timeout 45m -count=1 -parallel 4 ./...; \
	rc=$$?; echo "make test: the slowest tests (over $(SLOW)):"; \
	$(GOTESTSUM) tool slowest --jsonfile .cache/test.json --threshold $(SLOW) | head -25; exit $$rc
	$(MAKE) fuzz-short

# Every fuzz target (package:FuzzName) runs for FUZZTIME, one at a time; corpora in each package's
# testdata/fuzz/<FuzzName>/ also run as plain tests in `go test`. About 2.5 minutes in all.
FUZZTIME    ?= 10s
FUZZ_TARGETS := pkg/mpegts:FuzzAligner pkg/mpegts:FuzzPSI \
	pkg/segments:FuzzSegmenterWrite pkg/segments:FuzzExportMP4 pkg/segments:FuzzProbeSegmentFile pkg/segments:FuzzWritePlaylist \
	pkg/ipc:FuzzDecode pkg/ipc:FuzzReceive pkg/jpegscale:FuzzDecode \
	internal/store:FuzzValidateURL internal/store:FuzzDecodeSegs internal/api:FuzzCameraBody

# A failure is a failing input (written to testdata/fuzz); Go's fuzzer can also end with a bare "context
# deadline exceeded" when its time runs out while a worker is busy (no input written): that one is reported
# and the next target runs.
fuzz-short:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; echo "fuzz $$name ($$pkg, $(FUZZTIME))"; \
		out=$$($(GO) test -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(FUZZTIME) -parallel=2 ./$$pkg 2>&1) && { echo "$$out" | tail -2; continue; }; \
		echo "$$out" | tail -20; \
		if echo "$$out" | grep -q 'Failing input written' || ! echo "$$out" | grep -q 'context deadline exceeded'; then exit 1; fi; \
		echo "fuzz $$name: the fuzzer's time ran out while a worker was busy (no failing input); not a failure"; \
	done

bench: build
	@mkdir -p bench/results
	$(GO) run ./bench/cmd/benchtable

# soak: real nvrd + workers, N test cameras and viewers, faults on a schedule; one JSON report, non-zero
# exit when anything was lost or leaked (bench/soak). Not part of make test; .ci/run runs a 3-minute one.
SOAK_DURATION ?= 10m
SOAK_CAMERAS  ?= 8
soak: build
	@mkdir -p bench/results
	$(GO) run ./bench/soak -duration $(SOAK_DURATION) -cameras $(SOAK_CAMERAS) -report bench/results/soak.json

clean:
	rm -rf bin
