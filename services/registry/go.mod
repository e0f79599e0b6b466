module github.com/dtsen-id/dtsen/services/registry

go 1.26.0

require (
	github.com/dtsen-id/dtsen/proto v0.0.0
	github.com/dtsen-id/dtsen/services/platform v0.0.0
)

replace (
	github.com/dtsen-id/dtsen/proto => ../../proto
	github.com/dtsen-id/dtsen/services/platform => ../platform
)
