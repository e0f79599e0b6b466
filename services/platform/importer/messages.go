package importer

import (
	"errors"
	"io"

	"google.golang.org/grpc/codes"

	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
)

// ReasonHeaderRepeated refuses a second batch header inside one stream.
const ReasonHeaderRepeated = "IMPORT_HEADER_REPEATED"

// Messages opens an ImportRecords stream the same way in every context: the
// first message must be a valid batch header (headerOf returns nil for any
// other message), and every later one must not be a header. It returns the
// header and a next function yielding the record messages, io.EOF at the end.
func Messages[M any](im *Importer, recv func() (M, error), headerOf func(M) *typev1.ImportBatchHeader) (*typev1.ImportBatchHeader, func() (M, error), error) {
	first, err := recv()
	if errors.Is(err, io.EOF) {
		return nil, nil, im.CheckHeader(nil)
	}
	if err != nil {
		return nil, nil, err
	}
	header := headerOf(first)
	if err := im.CheckHeader(header); err != nil {
		return nil, nil, err
	}
	next := func() (M, error) {
		msg, err := recv()
		if err == nil && headerOf(msg) != nil {
			var zero M
			return zero, apierror.New(codes.InvalidArgument, im.opts.Domain, ReasonHeaderRepeated).
				Message("only the first message of an import stream may be a header",
					"hanya pesan pertama aliran impor yang boleh berupa header").Err()
		}
		return msg, err
	}
	return header, next, nil
}
