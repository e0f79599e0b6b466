package cli

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	serviceusagev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
)

// contextNames are the importable contexts, in load order: the registry
// first, because the others cross-check their records against it.
var contextNames = []string{"registry", "asset", "income", "serviceusage"}

// importContext is what the import code needs to know about one context:
// its request message and how to open its ImportRecords stream.
type importContext struct {
	Name string
	// DefaultSource is the batch header source when neither --source nor a
	// manifest gives one; empty means "take it from the records" (asset).
	DefaultSource string
	// New returns an empty ImportRecordsRequest.
	New func() proto.Message
	// Header wraps a batch header in an ImportRecordsRequest.
	Header func(h *typev1.ImportBatchHeader) proto.Message
	// Open starts an ImportRecords stream.
	Open func(ctx context.Context, cc *grpc.ClientConn) (grpc.ClientStream, error)
}

var importContexts = map[string]*importContext{
	"registry": {
		Name:          "registry",
		DefaultSource: "dukcapil",
		New:           func() proto.Message { return &registryv1.ImportRecordsRequest{} },
		Header: func(h *typev1.ImportBatchHeader) proto.Message {
			return &registryv1.ImportRecordsRequest{Payload: &registryv1.ImportRecordsRequest_Header{Header: h}}
		},
		Open: func(ctx context.Context, cc *grpc.ClientConn) (grpc.ClientStream, error) {
			return registryv1.NewRegistryServiceClient(cc).ImportRecords(ctx)
		},
	},
	"asset": {
		Name: "asset",
		New:  func() proto.Message { return &assetv1.ImportRecordsRequest{} },
		Header: func(h *typev1.ImportBatchHeader) proto.Message {
			return &assetv1.ImportRecordsRequest{Payload: &assetv1.ImportRecordsRequest_Header{Header: h}}
		},
		Open: func(ctx context.Context, cc *grpc.ClientConn) (grpc.ClientStream, error) {
			return assetv1.NewAssetServiceClient(cc).ImportRecords(ctx)
		},
	},
	"income": {
		Name:          "income",
		DefaultSource: "dtsenctl",
		New:           func() proto.Message { return &incomev1.ImportRecordsRequest{} },
		Header: func(h *typev1.ImportBatchHeader) proto.Message {
			return &incomev1.ImportRecordsRequest{Payload: &incomev1.ImportRecordsRequest_Header{Header: h}}
		},
		Open: func(ctx context.Context, cc *grpc.ClientConn) (grpc.ClientStream, error) {
			return incomev1.NewIncomeServiceClient(cc).ImportRecords(ctx)
		},
	},
	"serviceusage": {
		Name:          "serviceusage",
		DefaultSource: "dtsenctl",
		New:           func() proto.Message { return &serviceusagev1.ImportRecordsRequest{} },
		Header: func(h *typev1.ImportBatchHeader) proto.Message {
			return &serviceusagev1.ImportRecordsRequest{Payload: &serviceusagev1.ImportRecordsRequest_Header{Header: h}}
		},
		Open: func(ctx context.Context, cc *grpc.ClientConn) (grpc.ClientStream, error) {
			return serviceusagev1.NewServiceUsageServiceClient(cc).ImportRecords(ctx)
		},
	},
}

func lookupContext(name string) (*importContext, error) {
	ic, ok := importContexts[name]
	if !ok {
		return nil, usagef("unknown context %q (want one of %s)", name, strings.Join(contextNames, ", "))
	}
	return ic, nil
}

// payload returns the record set in an ImportRecordsRequest's payload oneof,
// or nil when it is empty or is a header (which a file must not contain).
func payload(m proto.Message) (protoreflect.Message, error) {
	r := m.ProtoReflect()
	oneof := r.Descriptor().Oneofs().ByName("payload")
	fd := r.WhichOneof(oneof)
	switch {
	case fd == nil:
		return nil, fmt.Errorf("the line sets no record")
	case fd.Name() == "header":
		return nil, fmt.Errorf("a file must not contain a batch header: dtsenctl sends it")
	}
	return r.Get(fd).Message(), nil
}

// recordSource returns the record's own `source` field, if it has one (asset
// records do).
func recordSource(rec protoreflect.Message) string {
	fd := rec.Descriptor().Fields().ByName("source")
	if fd == nil || fd.Kind() != protoreflect.StringKind {
		return ""
	}
	return rec.Get(fd).String()
}
