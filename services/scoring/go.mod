module github.com/dtsen-id/dtsen/services/scoring

go 1.26.0

require (
	github.com/dtsen-id/dtsen/proto v0.0.0
	github.com/dtsen-id/dtsen/services/platform v0.0.0
	google.golang.org/protobuf v1.36.12
)

replace (
	github.com/dtsen-id/dtsen/proto => ../../proto
	github.com/dtsen-id/dtsen/services/platform => ../platform
)
