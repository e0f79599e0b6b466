module github.com/dtsen-id/dtsen/gateway

go 1.26.0
