# The test command of the README is `go test ./...`; `make test` adds vet.
.PHONY: test run fuzz
test:
	go vet ./...
	go test ./...

run:
	go run ./cmd/zkd

# Run every fuzz target for FUZZTIME each (default 60s).
FUZZTIME ?= 60s
fuzz:
	./scripts/fuzz-all.sh $(FUZZTIME)
