module github.com/dtsen-id/dtsen/services/scoring

go 1.26.0

require (
	github.com/dtsen-id/dtsen/proto v0.0.0
	github.com/dtsen-id/dtsen/services/platform v0.0.0
	github.com/dtsen-id/dtsen/services/population v0.0.0
	go.yaml.in/yaml/v3 v3.0.5
	google.golang.org/protobuf v1.36.12
)

require (
	github.com/dtsen-id/dtsen/services/registry v0.0.0 // indirect
	golang.org/x/net v0.60.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.42.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20261110000943-09e21b237f2c // indirect
	google.golang.org/grpc v1.85.0 // indirect
)

replace (
	github.com/dtsen-id/dtsen/proto => ../../proto
	github.com/dtsen-id/dtsen/services/asset => ../asset
	github.com/dtsen-id/dtsen/services/income => ../income
	github.com/dtsen-id/dtsen/services/platform => ../platform
	github.com/dtsen-id/dtsen/services/population => ../population
	github.com/dtsen-id/dtsen/services/registry => ../registry
	github.com/dtsen-id/dtsen/services/serviceusage => ../serviceusage
)
