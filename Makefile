# nvr: see README.md. `make run` and `make test` set everything up on a fresh Debian 12 machine.
GO      ?= go
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/nvrproject/nvr/internal/cli.Version=$(VERSION)
LISTEN  ?= 127.0.0.1:8080
export GOFLAGS := -buildvcs=false

.PHONY: setup build run test test-go bench soak clean

setup:
	@scripts/setup

build: setup
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/nvrd ./cmd/nvrd
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/nvr-worker ./cmd/nvr-worker

run: build
	bin/nvrd start --demo --listen $(LISTEN)

test: build
	$(GO) vet ./...
	$(GO) test -race -timeout 45m -count=1 ./...

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
