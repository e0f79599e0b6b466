package domain

// Resource names. They are what the API returns as `name`, what change
// events and import rejections name, and what the audit log records, so one
// definition keeps an audited read findable by the name the caller saw.

// Name is families/{kk}/housing/{source}.
func (h *Housing) Name() string { return "families/" + h.KK + "/housing/" + h.Source }

// Name is families/{kk}/holdings/{source}.
func (h *Holdings) Name() string { return "families/" + h.KK + "/holdings/" + h.Source }

// Name is landParcels/{certificate_id}.
func (l *LandParcel) Name() string { return "landParcels/" + l.CertificateID }

// Name is vehicles/{frame_number}.
func (v *Vehicle) Name() string { return "vehicles/" + v.FrameNumber }

// Name is families/{kk}/assets.
func (fa *FamilyAssets) Name() string { return "families/" + fa.KK + "/assets" }

// RecordNames are the summary's own name and that of every stored record it
// shows: reading the summary reads each of them, and is audited so. Parcels
// and vehicles beyond the listed ones count only in the totals and are not
// shown.
func (fa *FamilyAssets) RecordNames() []string {
	out := []string{fa.Name()}
	if fa.Housing != nil {
		out = append(out, fa.Housing.Name())
	}
	if fa.Holdings != nil {
		out = append(out, fa.Holdings.Name())
	}
	for _, l := range fa.Land {
		out = append(out, l.Name())
	}
	for _, v := range fa.Vehicles {
		out = append(out, v.Name())
	}
	return out
}
