# DTSEN platform. The two commands a new user needs: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Build tools, pinned at exact versions and installed into ./.bin by `make tools`.
BUF_VERSION                := v1.75.0
PROTOC_GEN_GO_VERSION      := v1.36.12
PROTOC_GEN_GO_GRPC_VERSION := v1.6.0
GRPC_GATEWAY_VERSION       := v2.33.0
STATICCHECK_VERSION        := v0.8.2

BIN     := $(CURDIR)/.bin
export PATH := $(BIN):$(PATH)
STAMP   := $(BIN)/.tools-$(BUF_VERSION)-$(PROTOC_GEN_GO_VERSION)-$(PROTOC_GEN_GO_GRPC_VERSION)-$(GRPC_GATEWAY_VERSION)-$(STATICCHECK_VERSION)

# Every Go module. The repository root is not a module, so each is named here.
MODULES := proto services/platform services/registry services/asset services/income services/serviceusage services/population services/scoring services/grievance services/dtsenctl gateway deploy

# The contexts that run as services, in start-up order (registry first: the
# others cross-check against it).
SERVICES := registry asset income serviceusage scoring grievance

GO_TEST_FLAGS ?= -count=1 -timeout 10m

.PHONY: help
help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

.PHONY: tools
tools: $(STAMP) ## Install buf, the protoc plugins and staticcheck at pinned versions.

$(STAMP):
	@mkdir -p $(BIN)
	GOBIN=$(BIN) go install github.com/bufbuild/buf/cmd/buf@$(BUF_VERSION)
	GOBIN=$(BIN) go install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)
	GOBIN=$(BIN) go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@$(PROTOC_GEN_GO_GRPC_VERSION)
	GOBIN=$(BIN) go install github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-grpc-gateway@$(GRPC_GATEWAY_VERSION)
	GOBIN=$(BIN) go install github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-openapiv2@$(GRPC_GATEWAY_VERSION)
	GOBIN=$(BIN) go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	@touch $@

.PHONY: generate
generate: tools ## Regenerate Go, gateway and OpenAPI code from proto/.
	buf format -w
	buf generate

.PHONY: lint
lint: tools ## buf lint, buf format check, gofmt, go vet and staticcheck over every module.
	buf lint
	buf format --diff --exit-code
	@unformatted=$$(gofmt -l $(MODULES)); if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	@set -e; for m in $(MODULES); do echo "== vet $$m"; go -C $$m vet ./...; done
	@set -e; for m in $(MODULES); do echo "== staticcheck $$m"; (cd $$m && staticcheck ./...); done

.PHONY: breaking
breaking: tools ## buf breaking (WIRE_JSON) against main in the local git history.
	buf breaking --against '.git#branch=main'

.PHONY: test
test: ## Run every module's tests (PostgreSQL and Redis tests use 127.0.0.1), then the browser tests if Chromium is installed.
	@set -e; for m in $(MODULES); do echo "== test $$m"; go -C $$m test $(GO_TEST_FLAGS) ./...; done
	@if command -v chromium >/dev/null 2>&1 || [ -n "$$DTSEN_CHROMIUM" ]; then \
		$(MAKE) --no-print-directory test-browser; \
	else \
		echo "== browser tests skipped: no Chromium (apt-get install chromium; .ci/run installs it)"; \
	fi

.PHONY: test-browser
test-browser: build ## Drive the web pages in headless Chromium against a platform started like make run (screenshots in var/browser-artefacts).
	@echo "== test browser"
	gateway/browsertest/run.sh

.PHONY: build
build: ## Build every service binary, the gateway and dtsenctl into ./bin.
	@mkdir -p bin
	@set -e; for s in $(SERVICES); do \
		echo "go build bin/$$s"; \
		go -C services/$$s build -o $(CURDIR)/bin/$$s ./cmd/$$s; \
	done
	go -C gateway build -o $(CURDIR)/bin/gateway ./cmd/gateway
	go -C services/dtsenctl build -o $(CURDIR)/bin/dtsenctl ./cmd/dtsenctl

.PHONY: run
run: build ## Build and start the platform on SQLite, seeded with demo families; Ctrl-C stops it.
	@deploy/local/run.sh

.PHONY: images
images: ## Build the container image of every command with docker (TAG defaults to the commit); see docs/deployment.md.
	@set -e; tag=$${TAG:-$$(git rev-parse --short HEAD)}; \
	for c in registry asset income serviceusage scoring grievance gateway dtsenctl; do \
		docker build -f deploy/images/Dockerfile --build-arg COMMAND=$$c -t ghcr.io/dtsen-id/dtsen/$$c:$$tag .; \
	done

.PHONY: bench
eval: ## Train both welfare models on a fresh 200,000-family population and write docs/evaluation.md.
	go -C services/scoring run ./cmd/dtsen-eval -families 200000 -seed 20261127 -out ../../docs/evaluation.md

bench: ## Import, scoring and ranking benchmarks (PostgreSQL at 127.0.0.1:5432 and SQLite); see BENCHMARKS.md.
	@set -e; for s in registry asset income serviceusage; do \
		echo "== bench $$s"; \
		go -C services/$$s test -run '^$$' -bench 'Import' -benchtime 1x -count 3 -timeout 30m ./ports/...; \
	done
	@echo "== bench population"
	go -C services/population test -run '^$$' -bench . -count 3 ./...
	@echo "== bench scoring (features, models, deciles; the 1M-family ranking: make bench-ranking)"
	go -C services/scoring test -run '^$$' -bench . -count 3 ./features/ ./model/ ./ranking/
	go -C services/scoring test -run '^$$' -bench 'RankingPostgres/n=100000$$' -benchtime 1x -timeout 30m ./app/

.PHONY: bench-ranking
bench-ranking: ## The end-to-end national ranking of 10k, 100k and 1M families on PostgreSQL (≈ 10 min); see BENCHMARKS.md.
	go -C services/scoring test -run '^$$' -bench 'RankingPostgres' -benchtime 1x -timeout 90m ./app/
