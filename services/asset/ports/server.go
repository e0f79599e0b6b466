// Package ports is the asset context's gRPC server: it translates protobuf
// into use-case calls and use-case results into protobuf and precise
// statuses.
package ports

import (
	"context"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/asset/app"
	"github.com/dtsen-id/dtsen/services/platform/outbox"
	"github.com/dtsen-id/dtsen/services/platform/pagetoken"
)

// Server implements assetv1.AssetServiceServer.
type Server struct {
	assetv1.UnimplementedAssetServiceServer
	app      *app.Application
	feed     *outbox.Outbox
	stopping <-chan struct{}
}

// NewServer returns the gRPC server of the asset context. stopping, when
// closed, ends open WatchChanges streams so a shutdown need not wait for them.
func NewServer(a *app.Application, feed *outbox.Outbox, stopping <-chan struct{}) *Server {
	return &Server{app: a, feed: feed, stopping: stopping}
}

// GetHousing implements AssetService.GetHousing.
func (s *Server) GetHousing(ctx context.Context, req *assetv1.GetHousingRequest) (*assetv1.Housing, error) {
	kk, source, _ := familyRecordName("name", req.GetName(), "housing")
	h, err := s.app.GetHousing(ctx, kk, source)
	if err != nil {
		return nil, toStatus(err, reasonHousingNotFound)
	}
	return housingToProto(h), nil
}

// GetHoldings implements AssetService.GetHoldings.
func (s *Server) GetHoldings(ctx context.Context, req *assetv1.GetHoldingsRequest) (*assetv1.Holdings, error) {
	kk, source, _ := familyRecordName("name", req.GetName(), "holdings")
	h, err := s.app.GetHoldings(ctx, kk, source)
	if err != nil {
		return nil, toStatus(err, reasonHoldingsNotFound)
	}
	return holdingsToProto(h), nil
}

// GetLandParcel implements AssetService.GetLandParcel.
func (s *Server) GetLandParcel(ctx context.Context, req *assetv1.GetLandParcelRequest) (*assetv1.LandParcel, error) {
	id, _ := landName("name", req.GetName())
	l, err := s.app.GetLandParcel(ctx, id)
	if err != nil {
		return nil, toStatus(err, reasonLandNotFound)
	}
	return landToProto(l), nil
}

// GetVehicle implements AssetService.GetVehicle.
func (s *Server) GetVehicle(ctx context.Context, req *assetv1.GetVehicleRequest) (*assetv1.Vehicle, error) {
	frame, _ := vehicleName("name", req.GetName())
	v, err := s.app.GetVehicle(ctx, frame)
	if err != nil {
		return nil, toStatus(err, reasonVehicleNotFound)
	}
	return vehicleToProto(v), nil
}

// ListHousing implements AssetService.ListHousing.
func (s *Server) ListHousing(ctx context.Context, req *assetv1.ListHousingRequest) (*assetv1.ListHousingResponse, error) {
	q, err := parseList(req.GetPageSize(), req.GetPageToken(), req.GetFilter(), holderKK)
	if err != nil {
		return nil, err
	}
	recs, more, err := s.app.ListHousing(ctx, q)
	if err != nil {
		return nil, toStatus(err, reasonHousingNotFound)
	}
	resp := &assetv1.ListHousingResponse{}
	for _, h := range recs {
		resp.Housing = append(resp.Housing, housingToProto(h))
	}
	if more {
		last := recs[len(recs)-1]
		resp.NextPageToken = pagetoken.Encode(req.GetFilter(), last.KK, last.Source)
	}
	return resp, nil
}

// ListHoldings implements AssetService.ListHoldings.
func (s *Server) ListHoldings(ctx context.Context, req *assetv1.ListHoldingsRequest) (*assetv1.ListHoldingsResponse, error) {
	q, err := parseList(req.GetPageSize(), req.GetPageToken(), req.GetFilter(), holderKK)
	if err != nil {
		return nil, err
	}
	recs, more, err := s.app.ListHoldings(ctx, q)
	if err != nil {
		return nil, toStatus(err, reasonHoldingsNotFound)
	}
	resp := &assetv1.ListHoldingsResponse{}
	for _, h := range recs {
		resp.Holdings = append(resp.Holdings, holdingsToProto(h))
	}
	if more {
		last := recs[len(recs)-1]
		resp.NextPageToken = pagetoken.Encode(req.GetFilter(), last.KK, last.Source)
	}
	return resp, nil
}

// ListLandParcels implements AssetService.ListLandParcels.
func (s *Server) ListLandParcels(ctx context.Context, req *assetv1.ListLandParcelsRequest) (*assetv1.ListLandParcelsResponse, error) {
	q, err := parseList(req.GetPageSize(), req.GetPageToken(), req.GetFilter(), holderNIK)
	if err != nil {
		return nil, err
	}
	recs, more, err := s.app.ListLandParcels(ctx, q)
	if err != nil {
		return nil, toStatus(err, reasonLandNotFound)
	}
	resp := &assetv1.ListLandParcelsResponse{}
	for _, l := range recs {
		resp.LandParcels = append(resp.LandParcels, landToProto(l))
	}
	if more {
		resp.NextPageToken = pagetoken.Encode(req.GetFilter(), recs[len(recs)-1].CertificateID)
	}
	return resp, nil
}

// ListVehicles implements AssetService.ListVehicles.
func (s *Server) ListVehicles(ctx context.Context, req *assetv1.ListVehiclesRequest) (*assetv1.ListVehiclesResponse, error) {
	q, err := parseList(req.GetPageSize(), req.GetPageToken(), req.GetFilter(), holderNIK)
	if err != nil {
		return nil, err
	}
	recs, more, err := s.app.ListVehicles(ctx, q)
	if err != nil {
		return nil, toStatus(err, reasonVehicleNotFound)
	}
	resp := &assetv1.ListVehiclesResponse{}
	for _, v := range recs {
		resp.Vehicles = append(resp.Vehicles, vehicleToProto(v))
	}
	if more {
		resp.NextPageToken = pagetoken.Encode(req.GetFilter(), recs[len(recs)-1].FrameNumber)
	}
	return resp, nil
}

// GetFamilyAssets implements AssetService.GetFamilyAssets.
func (s *Server) GetFamilyAssets(ctx context.Context, req *assetv1.GetFamilyAssetsRequest) (*assetv1.FamilyAssets, error) {
	kk, _ := assetsName("name", req.GetName())
	fa, err := s.app.GetFamilyAssets(ctx, kk)
	if err != nil {
		return nil, toStatus(err, "FAMILY_NOT_REGISTERED")
	}
	return familyAssetsToProto(fa), nil
}

// ImportRecords implements AssetService.ImportRecords.
func (s *Server) ImportRecords(stream assetv1.AssetService_ImportRecordsServer) error {
	header, recv, err := app.OpenImport(s.app, stream.Recv, (*assetv1.ImportRecordsRequest).GetHeader)
	if err != nil {
		return err
	}
	next := func() (app.ImportRecord, error) {
		msg, err := recv()
		if err != nil {
			return app.ImportRecord{}, err
		}
		var rec app.ImportRecord
		switch p := msg.GetPayload().(type) {
		case *assetv1.ImportRecordsRequest_Housing:
			rec.Housing, rec.DecodeProblems = housingFromProto(p.Housing)
		case *assetv1.ImportRecordsRequest_Holdings:
			rec.Holdings, rec.DecodeProblems = holdingsFromProto(p.Holdings)
		case *assetv1.ImportRecordsRequest_LandParcel:
			rec.Land, rec.DecodeProblems = landFromProto(p.LandParcel)
		case *assetv1.ImportRecordsRequest_Vehicle:
			rec.Vehicle, rec.DecodeProblems = vehicleFromProto(p.Vehicle)
		}
		return rec, nil
	}
	summary, err := s.app.ImportRecords(stream.Context(), header, next)
	if err != nil {
		return toStatus(err, "")
	}
	return stream.SendAndClose(summary)
}

// WatchChanges implements AssetService.WatchChanges.
func (s *Server) WatchChanges(req *assetv1.WatchChangesRequest, stream assetv1.AssetService_WatchChangesServer) error {
	return s.feed.Serve(stream.Context(), Domain, req.GetAfterSequence(), s.stopping, func(e *typev1.ChangeEvent) error {
		return stream.Send(&assetv1.WatchChangesResponse{Event: e})
	})
}
