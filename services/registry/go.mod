module github.com/dtsen-id/dtsen/services/registry

go 1.26.0
