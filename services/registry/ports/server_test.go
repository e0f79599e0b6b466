package ports_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/platform/apierror"
	"github.com/dtsen-id/dtsen/services/platform/auth/authtest"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
)

// --- assertion helpers ---

func wantStatus(t *testing.T, err error, code codes.Code, reason string) {
	t.Helper()
	if status.Code(err) != code || apierror.ReasonOf(err) != reason {
		t.Fatalf("got %v (reason %q), want %v %s", err, apierror.ReasonOf(err), code, reason)
	}
	// DESIGN.md §5: every error names its domain and speaks to citizens in
	// Bahasa Indonesia and English.
	if apierror.ErrorInfoOf(err).GetDomain() == "" || apierror.LocalizedMessageOf(err, apierror.LocaleIndonesian) == "" ||
		apierror.LocalizedMessageOf(err, apierror.LocaleEnglish) == "" {
		t.Fatalf("%v lacks an ErrorInfo domain or localized messages", err)
	}
}

// wantField asserts err carries a BadRequest field violation on field with reason.
func wantField(t *testing.T, err error, field, reason string) {
	t.Helper()
	for _, v := range apierror.FieldViolationsOf(err) {
		if v.GetField() == field && v.GetReason() == reason {
			return
		}
	}
	t.Fatalf("no field violation %s %s in %v: %v", field, reason, err, apierror.FieldViolationsOf(err))
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func familyName(f *registryv1.Family) string { return "families/" + f.GetKkNumber() }
func personName(p *registryv1.Person) string { return "persons/" + p.GetNik() }

func getFamily(t *testing.T, c registryv1.RegistryServiceClient, kk string) *registryv1.Family {
	t.Helper()
	f, err := c.GetFamily(ctx(t), &registryv1.GetFamilyRequest{Name: "families/" + kk})
	if err != nil {
		t.Fatalf("get family: %v", err)
	}
	return f
}

func getPerson(t *testing.T, c registryv1.RegistryServiceClient, nik string) *registryv1.Person {
	t.Helper()
	p, err := c.GetPerson(ctx(t), &registryv1.GetPersonRequest{Name: "persons/" + nik})
	if err != nil {
		t.Fatalf("get person: %v", err)
	}
	return p
}

func memberNIKs(f *registryv1.Family) []string {
	var out []string
	for _, m := range f.GetMembers() {
		out = append(out, m.GetNik())
	}
	sort.Strings(out)
	return out
}

func member(f *registryv1.Family, nik string) *registryv1.Person {
	for _, m := range f.GetMembers() {
		if m.GetNik() == nik {
			return m
		}
	}
	return nil
}

func mask(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }

// --- ImportRecords ---

func TestImportMixedBatch(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		reg := registrytest.Start(t, url, registrytest.Options{})
		c := reg.Client
		// A family stored before the batch, whose child the batch puts in another family.
		stored := registrytest.Family(20)
		registrytest.Import(t, c, "earlier", stored)

		valid := func(i int) *registryv1.Family { return registrytest.Family(i) }
		badLen := valid(1)
		badLen.Members[2].Nik = "320412123"
		badDate := valid(2)
		badDate.Members[3].Nik = badDate.Members[3].Nik[:6] + "310299" + badDate.Members[3].Nik[12:] // 31 Feb
		badSerial := valid(3)
		badSerial.Members[3].Nik = badSerial.Members[3].Nik[:12] + "0000"
		sexMismatch := valid(4)
		sexMismatch.Members[3].Sex = registryv1.Sex_SEX_FEMALE // a male NIK (day < 40)
		badKK := valid(5)
		badKK.KkNumber = "320412000001"
		headOutside := valid(6)
		headOutside.HeadNik = registrytest.Family(100).GetHeadNik()
		first := valid(7)
		twice := valid(8)
		twice.Members[3] = proto.Clone(first.Members[3]).(*registryv1.Person)
		storedElsewhere := valid(9)
		storedElsewhere.Members[3] = proto.Clone(stored.Members[3]).(*registryv1.Person)
		last := valid(10)

		batch := []*registryv1.Family{valid(0), badLen, badDate, badSerial, sexMismatch, badKK, headOutside,
			first, twice, storedElsewhere, last}
		sum := registrytest.Import(t, c, "mixed", batch...)

		if sum.GetReceivedCount() != 11 || sum.GetAcceptedCount() != 3 || sum.GetRejectedCount() != 8 ||
			sum.GetUnchangedCount() != 0 || sum.GetReplayed() {
			t.Fatalf("summary = %v", sum)
		}
		want := map[int64][2]string{ // index -> field, reason
			1: {"members[2].nik", "NIK_INVALID_LENGTH"},
			2: {"members[3].nik", "NIK_INVALID_BIRTH_DATE"},
			3: {"members[3].nik", "NIK_INVALID_SERIAL"},
			4: {"members[3].sex", "NIK_SEX_MISMATCH"},
			5: {"kk_number", "KK_INVALID_LENGTH"},
			6: {"head_nik", "FAMILY_HEAD_NOT_MEMBER"},
			8: {"members[3].nik", "PERSON_IN_TWO_FAMILIES"},
			9: {"members[3].nik", "PERSON_IN_TWO_FAMILIES"},
		}
		if len(sum.GetRejections()) != len(want) {
			t.Fatalf("rejections = %v", sum.GetRejections())
		}
		for _, r := range sum.GetRejections() {
			w, ok := want[r.GetIndex()]
			if !ok {
				t.Fatalf("unexpected rejection %v", r)
			}
			if r.GetKey() != batch[r.GetIndex()].GetKkNumber() {
				t.Errorf("rejection %d key = %q", r.GetIndex(), r.GetKey())
			}
			found := false
			for _, v := range r.GetViolations() {
				found = found || (v.GetField() == w[0] && v.GetReason() == w[1])
			}
			if !found {
				t.Errorf("rejection %d = %v, want %s %s", r.GetIndex(), r.GetViolations(), w[0], w[1])
			}
			delete(want, r.GetIndex())
		}

		for _, i := range []int{0, 7, 10} {
			got := getFamily(t, c, batch[i].GetKkNumber())
			if !slices.Equal(memberNIKs(got), memberNIKs(batch[i])) {
				t.Errorf("family %d members = %v, want %v", i, memberNIKs(got), memberNIKs(batch[i]))
			}
		}
		for i, f := range batch {
			if i == 0 || i == 7 || i == 10 {
				continue
			}
			if n := reg.PersonRows(t, f.GetKkNumber()); n != 0 {
				t.Errorf("rejected family %d has %d person rows", i, n)
			}
			if i == 5 {
				continue // its KK is no valid name to Get
			}
			_, err := c.GetFamily(ctx(t), &registryv1.GetFamilyRequest{Name: familyName(f)})
			wantStatus(t, err, codes.NotFound, "FAMILY_NOT_FOUND")
		}
		// The rejected families' own members did not land either ...
		_, err := c.GetPerson(ctx(t), &registryv1.GetPersonRequest{Name: personName(twice.Members[0])})
		wantStatus(t, err, codes.NotFound, "PERSON_NOT_FOUND")
		// ... and the contested persons stay where they were.
		if p := getPerson(t, c, first.Members[3].GetNik()); p.GetFamily() != familyName(first) {
			t.Errorf("contested person moved to %s", p.GetFamily())
		}
		if p := getPerson(t, c, stored.Members[3].GetNik()); p.GetFamily() != familyName(stored) {
			t.Errorf("stored person moved to %s", p.GetFamily())
		}
		if n := reg.PersonRows(t, first.GetKkNumber()); n != 4 {
			t.Errorf("accepted family has %d person rows, want 4", n)
		}
	})
}

func TestImportResendIsReplayed(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		reg := registrytest.Start(t, url, registrytest.Options{})
		bad := registrytest.Family(3)
		bad.KkNumber = "1"
		batch := append(registrytest.Families(0, 3), bad)
		first := registrytest.Import(t, reg.Client, "b-1", batch...)
		if first.GetReplayed() || first.GetAcceptedCount() != 3 || first.GetRejectedCount() != 1 {
			t.Fatalf("first = %v", first)
		}
		head := reg.FeedHead(t)
		if head != 3 {
			t.Fatalf("feed head after 3 new families = %d", head)
		}
		again := registrytest.Import(t, reg.Client, "b-1", batch...)
		if !again.GetReplayed() {
			t.Fatalf("second send not replayed: %v", again)
		}
		again.Replayed = false
		if !proto.Equal(first, again) {
			t.Fatalf("replayed summary differs:\n%v\n%v", first, again)
		}
		if h := reg.FeedHead(t); h != head {
			t.Fatalf("replay appended to the change feed: head %d -> %d", head, h)
		}
		// The same families under a new batch id are unchanged, and silent too.
		other := registrytest.Import(t, reg.Client, "b-2", batch[:3]...)
		if other.GetUnchangedCount() != 3 || other.GetAcceptedCount() != 0 {
			t.Fatalf("re-import under a new id = %v", other)
		}
		if h := reg.FeedHead(t); h != head {
			t.Fatalf("unchanged families appended to the change feed: head %d -> %d", head, h)
		}
	})
}

func TestImportCutStreamLeavesWholeFamilies(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		reg := registrytest.Start(t, url, registrytest.Options{ChunkSize: 2})
		fams := registrytest.Families(0, 10)
		fams[9].Members = append(fams[9].Members, registrytest.Family(50).Members[2]) // a 5-member family
		fams[9].Members[4].RelationToHead = registryv1.FamilyRelation_FAMILY_RELATION_OTHER_RELATIVE

		cctx, cancel := context.WithCancel(context.Background())
		stream, err := reg.Client.ImportRecords(cctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := stream.Send(registrytest.Header("cut")); err != nil {
			t.Fatal(err)
		}
		for _, f := range fams[:7] {
			if err := stream.Send(registrytest.Record(f)); err != nil {
				t.Fatal(err)
			}
		}
		// Three full chunks of two land; the seventh record waits for a chunk
		// that never fills. Cut the stream once they are in.
		deadline := time.Now().Add(10 * time.Second)
		for reg.FamilyRows(t) < 6 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		time.Sleep(50 * time.Millisecond)

		if n := reg.FamilyRows(t); n != 6 {
			t.Fatalf("%d families after the cut, want 6", n)
		}
		rows, err := reg.DB.QueryContext(context.Background(),
			"SELECT /* dtsen:fanout test checks every stored family */ f.kk, (SELECT count(*) FROM persons p WHERE p.family_kk = f.kk) FROM families f")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var kk string
			var n int
			if err := rows.Scan(&kk, &n); err != nil {
				t.Fatal(err)
			}
			if n != 4 {
				t.Errorf("family %s stored with %d of 4 members", kk, n)
			}
		}
		rows.Close()

		sum := registrytest.Import(t, reg.Client, "cut", fams...)
		if sum.GetReceivedCount() != 10 || sum.GetAcceptedCount() != 4 || sum.GetUnchangedCount() != 6 || sum.GetRejectedCount() != 0 {
			t.Fatalf("resumed summary = %v", sum)
		}
		for _, f := range fams {
			if n := reg.PersonRows(t, f.GetKkNumber()); n != len(f.Members) {
				t.Errorf("family %s has %d of %d members", f.GetKkNumber(), n, len(f.Members))
			}
		}
		if again := registrytest.Import(t, reg.Client, "cut", fams...); !again.GetReplayed() || again.GetUnchangedCount() != 6 {
			t.Fatalf("completed batch re-sent = %v", again)
		}
	})
}

func TestImportHeaderErrors(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		reg := registrytest.Start(t, url, registrytest.Options{})
		c := reg.Client

		_, err := registrytest.SendImport(ctx(t), c)
		wantStatus(t, err, codes.InvalidArgument, "IMPORT_HEADER_MISSING")

		_, err = registrytest.SendImport(ctx(t), c, registrytest.Record(registrytest.Family(0)))
		wantStatus(t, err, codes.InvalidArgument, "IMPORT_HEADER_MISSING")

		_, err = registrytest.SendImport(ctx(t), c, registrytest.Header("rep"), registrytest.Record(registrytest.Family(0)),
			registrytest.Header("rep"), registrytest.Record(registrytest.Family(1)))
		wantStatus(t, err, codes.InvalidArgument, "IMPORT_HEADER_REPEATED")

		_, err = registrytest.SendImport(ctx(t), c, registrytest.Header("bad id/with slash"), registrytest.Record(registrytest.Family(2)))
		wantStatus(t, err, codes.InvalidArgument, "IMPORT_HEADER_INVALID")
		wantField(t, err, "header.batch_id", "IMPORT_BATCH_ID_INVALID")
		if n := reg.PersonRows(t, registrytest.Family(2).GetKkNumber()); n != 0 {
			t.Fatalf("a batch with a bad header wrote %d persons", n)
		}
	})
}

// --- GetPerson, GetFamily ---

func TestGet(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		reg := registrytest.Start(t, url, registrytest.Options{})
		c := reg.Client
		fams := registrytest.Seed(t, c, 2)
		want := fams[1]

		got := getFamily(t, c, want.GetKkNumber())
		if got.GetName() != familyName(want) || got.GetHeadNik() != want.GetHeadNik() || got.GetRegionCode() != want.GetRegionCode() ||
			got.GetEtag() == "" || got.GetCreateTime() == nil || !proto.Equal(got.GetAddress(), want.GetAddress()) ||
			got.GetSettlement() != want.GetSettlement() || len(got.GetMembers()) != 4 {
			t.Fatalf("family = %v", got)
		}
		wp := want.Members[1]
		p := getPerson(t, c, wp.GetNik())
		if p.GetName() != personName(wp) || p.GetFullName() != wp.GetFullName() || p.GetBirthDate() != wp.GetBirthDate() ||
			p.GetSex() != wp.GetSex() || p.GetRelationToHead() != wp.GetRelationToHead() || p.GetEducation() != wp.GetEducation() ||
			p.GetOccupation() != wp.GetOccupation() || p.GetMaritalStatus() != wp.GetMaritalStatus() ||
			p.GetVitalStatus() != registryv1.VitalStatus_VITAL_STATUS_ALIVE || p.GetFamily() != familyName(want) ||
			p.GetEtag() == "" || p.GetDeathDate() != "" {
			t.Fatalf("person = %v\nwant %v", p, wp)
		}
		if m := member(got, wp.GetNik()); !proto.Equal(m, p) {
			t.Fatalf("member in family %v differs from GetPerson %v", m, p)
		}

		// Every field a record carries comes back as sent, including the
		// rarer ones: a deceased member, a severe disability, padded text.
		rich := registrytest.Family(3)
		rich.Members[1].VitalStatus = registryv1.VitalStatus_VITAL_STATUS_DECEASED
		rich.Members[1].DeathDate = "2020-06-15"
		rich.Members[1].MaritalStatus = registryv1.MaritalStatus_MARITAL_STATUS_WIDOWED
		rich.Members[3].Disability = registryv1.Disability_DISABILITY_SENSORY
		rich.Members[3].SevereDisability = true
		rich.Members[3].FullName = "  Agus Pratama  "
		rich.Members[3].BirthPlace = ""
		rich.Settlement = registryv1.Settlement_SETTLEMENT_URBAN
		rich.Address = &registryv1.Address{Rt: "1"}
		if sum := registrytest.Import(t, c, "rich", rich); sum.GetAcceptedCount() != 1 {
			t.Fatalf("rich family: %v", sum)
		}
		rich.Members[3].FullName = "Agus Pratama" // trimmed on import
		stored := getFamily(t, c, rich.GetKkNumber())
		for _, m := range stored.GetMembers() {
			if m.GetFamily() != familyName(rich) || m.GetName() != personName(m) || m.GetEtag() == "" || m.GetCreateTime() == nil {
				t.Fatalf("member output fields: %v", m)
			}
			m.Name, m.Family, m.Etag, m.CreateTime, m.UpdateTime = "", "", "", nil, nil
			if in := member(rich, m.GetNik()); !proto.Equal(m, in) {
				t.Fatalf("member round trip:\n got %v\nwant %v", m, in)
			}
		}
		stored.Name, stored.Etag, stored.CreateTime, stored.UpdateTime, stored.Members = "", "", nil, nil, nil
		rich.Members = nil
		if !proto.Equal(stored, rich) {
			t.Fatalf("family round trip:\n got %v\nwant %v", stored, rich)
		}

		absent := registrytest.Family(9)
		_, err := c.GetFamily(ctx(t), &registryv1.GetFamilyRequest{Name: familyName(absent)})
		wantStatus(t, err, codes.NotFound, "FAMILY_NOT_FOUND")
		_, err = c.GetPerson(ctx(t), &registryv1.GetPersonRequest{Name: personName(absent.Members[0])})
		wantStatus(t, err, codes.NotFound, "PERSON_NOT_FOUND")

		for _, tc := range []struct{ name, reason string }{
			{"persons/123", "NIK_INVALID_LENGTH"},
			{"people/x", "RESOURCE_NAME_INVALID"},
			{"persons/" + wp.GetNik()[:6] + "320199" + wp.GetNik()[12:], "NIK_INVALID_BIRTH_DATE"}, // 32 Jan
			{"", "RESOURCE_NAME_INVALID"},
		} {
			_, err := c.GetPerson(ctx(t), &registryv1.GetPersonRequest{Name: tc.name})
			wantStatus(t, err, codes.InvalidArgument, tc.reason)
			wantField(t, err, "name", tc.reason)
		}
		for _, tc := range []struct{ name, reason string }{
			{"families/123", "KK_INVALID_LENGTH"},
			{"persons/" + want.GetKkNumber(), "RESOURCE_NAME_INVALID"},
			{"families/" + want.GetKkNumber()[:12] + "0000", "KK_INVALID_SERIAL"},
		} {
			_, err := c.GetFamily(ctx(t), &registryv1.GetFamilyRequest{Name: tc.name})
			wantStatus(t, err, codes.InvalidArgument, tc.reason)
			wantField(t, err, "name", tc.reason)
		}
	})
}

// --- ListFamilies ---

func listAll(t *testing.T, c registryv1.RegistryServiceClient, filter string, size int32) []string {
	t.Helper()
	var kks []string
	token := ""
	for page := 0; ; page++ {
		resp, err := c.ListFamilies(ctx(t), &registryv1.ListFamiliesRequest{PageSize: size, PageToken: token, Filter: filter})
		if err != nil {
			t.Fatalf("list page %d: %v", page, err)
		}
		if len(resp.GetFamilies()) > int(size) {
			t.Fatalf("page of %d for page_size %d", len(resp.GetFamilies()), size)
		}
		for _, f := range resp.GetFamilies() {
			if len(f.GetMembers()) != 4 {
				t.Fatalf("listed family %s with %d members", f.GetKkNumber(), len(f.GetMembers()))
			}
			kks = append(kks, f.GetKkNumber())
		}
		token = resp.GetNextPageToken()
		if token == "" {
			return kks
		}
		if page > 100 {
			t.Fatal("pagination does not end")
		}
	}
}

func TestListFamilies(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		reg := registrytest.Start(t, url, registrytest.Options{})
		c := reg.Client
		fams := registrytest.Seed(t, c, 15)
		byPrefix := func(prefix string) []string {
			var out []string
			for _, f := range fams {
				if prefix == "" || f.GetRegionCode() == prefix || len(f.GetRegionCode()) > len(prefix) &&
					f.GetRegionCode()[:len(prefix)+1] == prefix+"." {
					out = append(out, f.GetKkNumber())
				}
			}
			sort.Strings(out)
			return out
		}
		check := func(filter, prefix string, size int32) {
			t.Helper()
			got := listAll(t, c, filter, size)
			sorted := slices.Clone(got)
			sort.Strings(sorted)
			if !slices.Equal(sorted, byPrefix(prefix)) {
				t.Fatalf("filter %q page_size %d: got %v, want %v", filter, size, got, byPrefix(prefix))
			}
		}
		for _, size := range []int32{1, 2, 7} {
			check("", "", size)
		}
		if n := len(byPrefix("32.04")); n != 6 {
			t.Fatalf("fixture: %d families in 32.04", n)
		}
		check(`region = "32.04"`, "32.04", 2)
		check(`region = "32"`, "32", 7)
		check(`region="32.04.12.2002"`, "32.04.12.2002", 1)
		check(`region = "11"`, "11", 50)
		if got := listAll(t, c, `region = "35"`, 5); len(got) != 0 {
			t.Fatalf("empty province listed %v", got)
		}
		all, err := c.ListFamilies(ctx(t), &registryv1.ListFamiliesRequest{})
		if err != nil || len(all.GetFamilies()) != 15 || all.GetNextPageToken() != "" {
			t.Fatalf("default page: %d families, token %q, %v", len(all.GetFamilies()), all.GetNextPageToken(), err)
		}

		for _, bad := range []string{`region = 32.04`, `name = "x"`, `region = "32.04" AND region = "33"`, `region ~ "32"`} {
			_, err := c.ListFamilies(ctx(t), &registryv1.ListFamiliesRequest{Filter: bad})
			wantStatus(t, err, codes.InvalidArgument, "FILTER_INVALID")
			if len(apierror.FieldViolationsOf(err)) == 0 || apierror.FieldViolationsOf(err)[0].GetField() != "filter" {
				t.Fatalf("filter %q: violations %v", bad, apierror.FieldViolationsOf(err))
			}
		}
		// A well-formed filter naming no real region is a bad filter too.
		_, err = c.ListFamilies(ctx(t), &registryv1.ListFamiliesRequest{Filter: `region = "99"`})
		wantStatus(t, err, codes.InvalidArgument, "FILTER_INVALID")
		wantField(t, err, "filter", "REGION_PROVINCE_UNKNOWN")

		first, err := c.ListFamilies(ctx(t), &registryv1.ListFamiliesRequest{PageSize: 1, Filter: `region = "32.04"`})
		if err != nil || first.GetNextPageToken() == "" {
			t.Fatalf("first page: %v %v", first, err)
		}
		for _, filter := range []string{"", `region = "32"`} {
			_, err = c.ListFamilies(ctx(t), &registryv1.ListFamiliesRequest{PageSize: 1, Filter: filter, PageToken: first.GetNextPageToken()})
			wantStatus(t, err, codes.InvalidArgument, "PAGE_TOKEN_INVALID")
		}
		_, err = c.ListFamilies(ctx(t), &registryv1.ListFamiliesRequest{PageToken: "not-a-token"})
		wantStatus(t, err, codes.InvalidArgument, "PAGE_TOKEN_INVALID")
		_, err = c.ListFamilies(ctx(t), &registryv1.ListFamiliesRequest{PageSize: -1})
		wantStatus(t, err, codes.InvalidArgument, "PAGE_SIZE_NEGATIVE")
		wantField(t, err, "page_size", "PAGE_SIZE_NEGATIVE")
	})
}

// --- UpdateFamily, UpdatePerson ---

func TestUpdateFamily(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		reg := registrytest.Start(t, url, registrytest.Options{})
		c := reg.Client
		fam := registrytest.Seed(t, c, 1)[0]
		before := getFamily(t, c, fam.GetKkNumber())

		upd := &registryv1.Family{Name: before.GetName(), Etag: before.GetEtag(),
			Address:    &registryv1.Address{Street: "Jl. Baru 1", Rt: "004", Rw: "002", PostalCode: "40912"},
			RegionCode: "32.04.99.9999"} // not in the mask: must be ignored
		got, err := c.UpdateFamily(ctx(t), &registryv1.UpdateFamilyRequest{Family: upd, UpdateMask: mask("address")})
		if err != nil {
			t.Fatal(err)
		}
		upd.Address.Street = "Jl. Baru 1" // trimmed, as on import
		if got.GetEtag() == before.GetEtag() || !proto.Equal(got.GetAddress(), upd.GetAddress()) || got.GetRegionCode() != before.GetRegionCode() {
			t.Fatalf("updated = %v", got)
		}
		if stored := getFamily(t, c, fam.GetKkNumber()); stored.GetEtag() != got.GetEtag() || !proto.Equal(stored.GetAddress(), upd.GetAddress()) {
			t.Fatalf("stored = %v", stored)
		}

		// The etag the caller read before the update is stale now.
		_, err = c.UpdateFamily(ctx(t), &registryv1.UpdateFamilyRequest{Family: &registryv1.Family{Name: before.GetName(),
			Etag: before.GetEtag(), Settlement: registryv1.Settlement_SETTLEMENT_URBAN}, UpdateMask: mask("settlement")})
		wantStatus(t, err, codes.Aborted, "ETAG_MISMATCH")

		_, err = c.UpdateFamily(ctx(t), &registryv1.UpdateFamilyRequest{Family: &registryv1.Family{Name: before.GetName()}})
		wantStatus(t, err, codes.InvalidArgument, "UPDATE_MASK_REQUIRED")
		for _, path := range []string{"kk_number", "members", "etag", "address.street"} {
			_, err = c.UpdateFamily(ctx(t), &registryv1.UpdateFamilyRequest{Family: &registryv1.Family{Name: before.GetName()}, UpdateMask: mask(path)})
			wantStatus(t, err, codes.InvalidArgument, "UPDATE_MASK_FIELD_NOT_UPDATABLE")
		}

		for _, tc := range []struct {
			f      *registryv1.Family
			path   string
			field  string
			reason string
		}{
			{&registryv1.Family{RegionCode: "32.04"}, "region_code", "family.region_code", "REGION_CODE_NOT_VILLAGE"},
			{&registryv1.Family{}, "settlement", "family.settlement", "FAMILY_SETTLEMENT_INVALID"},
			{&registryv1.Family{Address: &registryv1.Address{Rt: "000"}}, "address", "family.address.rt", "ADDRESS_RT_INVALID"},
			{&registryv1.Family{HeadNik: registrytest.Family(5).GetHeadNik()}, "head_nik", "family.head_nik", "FAMILY_HEAD_NOT_MEMBER"},
		} {
			tc.f.Name = before.GetName()
			_, err = c.UpdateFamily(ctx(t), &registryv1.UpdateFamilyRequest{Family: tc.f, UpdateMask: mask(tc.path)})
			wantStatus(t, err, codes.InvalidArgument, tc.reason)
			wantField(t, err, tc.field, tc.reason)
		}
		if stored := getFamily(t, c, fam.GetKkNumber()); !proto.Equal(stored, got) {
			t.Fatalf("a rejected update changed the family:\n%v\n%v", stored, got)
		}

		_, err = c.UpdateFamily(ctx(t), &registryv1.UpdateFamilyRequest{Family: &registryv1.Family{
			Name: "families/" + registrytest.Family(7).GetKkNumber(), Settlement: registryv1.Settlement_SETTLEMENT_URBAN}, UpdateMask: mask("settlement")})
		wantStatus(t, err, codes.NotFound, "FAMILY_NOT_FOUND")

		// head_nik to the spouse: the two swap relations.
		head, spouse := fam.Members[0].GetNik(), fam.Members[1].GetNik()
		swapped, err := c.UpdateFamily(ctx(t), &registryv1.UpdateFamilyRequest{
			Family: &registryv1.Family{Name: before.GetName(), Etag: got.GetEtag(), HeadNik: spouse}, UpdateMask: mask("head_nik")})
		if err != nil {
			t.Fatal(err)
		}
		stored := getFamily(t, c, fam.GetKkNumber())
		for _, f := range []*registryv1.Family{swapped, stored} {
			if f.GetHeadNik() != spouse ||
				member(f, spouse).GetRelationToHead() != registryv1.FamilyRelation_FAMILY_RELATION_HEAD ||
				member(f, head).GetRelationToHead() != registryv1.FamilyRelation_FAMILY_RELATION_SPOUSE ||
				member(f, fam.Members[2].GetNik()).GetRelationToHead() != registryv1.FamilyRelation_FAMILY_RELATION_CHILD {
				t.Fatalf("after head change: %v", f)
			}
		}
		if swapped.GetEtag() == got.GetEtag() {
			t.Fatal("head change kept the etag")
		}
	})
}

func TestUpdatePerson(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		reg := registrytest.Start(t, url, registrytest.Options{})
		c := reg.Client
		fam := registrytest.Seed(t, c, 1)[0]
		before := getPerson(t, c, fam.Members[2].GetNik())

		got, err := c.UpdatePerson(ctx(t), &registryv1.UpdatePersonRequest{Person: &registryv1.Person{
			Name: before.GetName(), Etag: before.GetEtag(), FullName: " Dewi Lestari Putri\t",
			Occupation: registryv1.Occupation_OCCUPATION_TRADER, BirthDate: "1999-01-01", Sex: registryv1.Sex_SEX_MALE},
			UpdateMask: mask("full_name", "occupation")})
		if err != nil {
			t.Fatal(err)
		}
		if got.GetEtag() == before.GetEtag() || got.GetFullName() != "Dewi Lestari Putri" ||
			got.GetOccupation() != registryv1.Occupation_OCCUPATION_TRADER ||
			got.GetBirthDate() != before.GetBirthDate() || got.GetSex() != before.GetSex() || got.GetEducation() != before.GetEducation() {
			t.Fatalf("updated = %v", got)
		}
		if !proto.Equal(getPerson(t, c, before.GetNik()), got) {
			t.Fatal("stored person differs from the update's response")
		}

		_, err = c.UpdatePerson(ctx(t), &registryv1.UpdatePersonRequest{Person: &registryv1.Person{
			Name: before.GetName(), Etag: before.GetEtag(), FullName: "X"}, UpdateMask: mask("full_name")})
		wantStatus(t, err, codes.Aborted, "ETAG_MISMATCH")
		_, err = c.UpdatePerson(ctx(t), &registryv1.UpdatePersonRequest{Person: &registryv1.Person{Name: before.GetName()}})
		wantStatus(t, err, codes.InvalidArgument, "UPDATE_MASK_REQUIRED")
		for _, path := range []string{"nik", "birth_date", "sex", "vital_status", "death_date", "family"} {
			_, err = c.UpdatePerson(ctx(t), &registryv1.UpdatePersonRequest{Person: &registryv1.Person{Name: before.GetName()}, UpdateMask: mask(path)})
			wantStatus(t, err, codes.InvalidArgument, "UPDATE_MASK_FIELD_NOT_UPDATABLE")
		}
		for _, tc := range []struct {
			p      *registryv1.Person
			path   string
			field  string
			reason string
		}{
			{&registryv1.Person{FullName: "  "}, "full_name", "person.full_name", "PERSON_NAME_INVALID"},
			{&registryv1.Person{}, "marital_status", "person.marital_status", "PERSON_MARITAL_STATUS_INVALID"},
			{&registryv1.Person{Education: 99}, "education", "person.education", "PERSON_EDUCATION_INVALID"},
			{&registryv1.Person{SevereDisability: true}, "severe_disability", "person.severe_disability", "PERSON_SEVERE_DISABILITY_WITHOUT_DISABILITY"},
		} {
			tc.p.Name = before.GetName()
			_, err = c.UpdatePerson(ctx(t), &registryv1.UpdatePersonRequest{Person: tc.p, UpdateMask: mask(tc.path)})
			wantStatus(t, err, codes.InvalidArgument, tc.reason)
			wantField(t, err, tc.field, tc.reason)
		}
		_, err = c.UpdatePerson(ctx(t), &registryv1.UpdatePersonRequest{Person: &registryv1.Person{Name: before.GetName(),
			RelationToHead: registryv1.FamilyRelation_FAMILY_RELATION_HEAD}, UpdateMask: mask("relation_to_head")})
		if status.Code(err) != codes.FailedPrecondition {
			t.Fatalf("making a child HEAD on the person: %v", err)
		}
		if !proto.Equal(getPerson(t, c, before.GetNik()), got) {
			t.Fatal("a rejected update changed the person")
		}
		_, err = c.UpdatePerson(ctx(t), &registryv1.UpdatePersonRequest{Person: &registryv1.Person{
			Name: personName(registrytest.Family(3).Members[0]), FullName: "X"}, UpdateMask: mask("full_name")})
		wantStatus(t, err, codes.NotFound, "PERSON_NOT_FOUND")
	})
}

// --- life events ---

func TestRecordDeath(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		reg := registrytest.Start(t, url, registrytest.Options{})
		c := reg.Client
		fam := registrytest.Seed(t, c, 1)[0]
		name := personName(fam.Members[1])
		before := getPerson(t, c, fam.Members[1].GetNik())

		dead, err := c.RecordDeath(ctx(t), &registryv1.RecordDeathRequest{Name: name, DeathDate: "2024-03-01"})
		if err != nil {
			t.Fatal(err)
		}
		if dead.GetVitalStatus() != registryv1.VitalStatus_VITAL_STATUS_DECEASED || dead.GetDeathDate() != "2024-03-01" || dead.GetEtag() == before.GetEtag() {
			t.Fatalf("after death: %v", dead)
		}
		if !proto.Equal(getPerson(t, c, fam.Members[1].GetNik()), dead) {
			t.Fatal("death not stored")
		}
		head := reg.FeedHead(t)
		again, err := c.RecordDeath(ctx(t), &registryv1.RecordDeathRequest{Name: name, DeathDate: "2024-03-01"})
		if err != nil || again.GetEtag() != dead.GetEtag() || !proto.Equal(again, dead) {
			t.Fatalf("repeat: %v %v", again, err)
		}
		if h := reg.FeedHead(t); h != head {
			t.Fatalf("an idempotent repeat appended %d events", h-head)
		}
		_, err = c.RecordDeath(ctx(t), &registryv1.RecordDeathRequest{Name: name, DeathDate: "2024-03-02"})
		wantStatus(t, err, codes.FailedPrecondition, "PERSON_ALREADY_DECEASED")
		// The deceased wife cannot become the head of the family.
		_, err = c.UpdateFamily(ctx(t), &registryv1.UpdateFamilyRequest{Family: &registryv1.Family{Name: familyName(fam),
			HeadNik: fam.Members[1].GetNik()}, UpdateMask: mask("head_nik")})
		wantStatus(t, err, codes.FailedPrecondition, "PERSON_DECEASED")
		// Nor move into another family.
		_, err = c.MovePerson(ctx(t), &registryv1.MovePersonRequest{Name: name, TargetFamily: familyName(registrytest.Family(1)),
			RelationToHead: registryv1.FamilyRelation_FAMILY_RELATION_SPOUSE})
		if status.Code(err) != codes.FailedPrecondition && status.Code(err) != codes.NotFound {
			t.Fatalf("moving the dead: %v", err)
		}

		other := personName(fam.Members[0])
		future := time.Now().AddDate(0, 0, 3).Format(time.DateOnly)
		_, err = c.RecordDeath(ctx(t), &registryv1.RecordDeathRequest{Name: other, DeathDate: future})
		wantStatus(t, err, codes.InvalidArgument, "PERSON_DEATH_DATE_INVALID")
		wantField(t, err, "death_date", "PERSON_DEATH_DATE_INVALID")
		_, err = c.RecordDeath(ctx(t), &registryv1.RecordDeathRequest{Name: other, DeathDate: "1960-01-01"}) // before birth
		wantStatus(t, err, codes.InvalidArgument, "PERSON_DEATH_DATE_INVALID")
		for _, d := range []string{"", "2024-02-30", "01-03-2024"} {
			_, err = c.RecordDeath(ctx(t), &registryv1.RecordDeathRequest{Name: other, DeathDate: d})
			wantStatus(t, err, codes.InvalidArgument, "DATE_INVALID")
			wantField(t, err, "death_date", "DATE_INVALID")
		}
		if p := getPerson(t, c, fam.Members[0].GetNik()); p.GetVitalStatus() != registryv1.VitalStatus_VITAL_STATUS_ALIVE {
			t.Fatalf("rejected death stored: %v", p)
		}
		_, err = c.RecordDeath(ctx(t), &registryv1.RecordDeathRequest{Name: personName(registrytest.Family(4).Members[0]), DeathDate: "2024-03-01"})
		wantStatus(t, err, codes.NotFound, "PERSON_NOT_FOUND")
	})
}

func TestMovePerson(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		reg := registrytest.Start(t, url, registrytest.Options{})
		c := reg.Client
		fams := registrytest.Seed(t, c, 2)
		from, to := fams[0], fams[1]
		child := from.Members[3]
		target := getFamily(t, c, to.GetKkNumber())
		cursor := reg.FeedHead(t)

		moved, err := c.MovePerson(ctx(t), &registryv1.MovePersonRequest{Name: personName(child), TargetFamily: familyName(to),
			RelationToHead: registryv1.FamilyRelation_FAMILY_RELATION_OTHER_RELATIVE, Etag: target.GetEtag()})
		if err != nil {
			t.Fatal(err)
		}
		if moved.GetFamily() != familyName(to) || moved.GetRelationToHead() != registryv1.FamilyRelation_FAMILY_RELATION_OTHER_RELATIVE {
			t.Fatalf("moved = %v", moved)
		}
		src, dst := getFamily(t, c, from.GetKkNumber()), getFamily(t, c, to.GetKkNumber())
		if len(src.GetMembers()) != 3 || member(src, child.GetNik()) != nil || len(dst.GetMembers()) != 5 || member(dst, child.GetNik()) == nil {
			t.Fatalf("after move: source %v, target %v", memberNIKs(src), memberNIKs(dst))
		}
		if dst.GetEtag() == target.GetEtag() {
			t.Fatal("target family etag unchanged")
		}
		events := registrytest.Watch(t, reg.ClientAs(t, authtest.Admin()), cursor, int(reg.FeedHead(t)-cursor))
		changed := map[string]bool{}
		for _, e := range events {
			changed[e.GetEventType()+" "+e.GetResource()] = true
		}
		for _, want := range []string{"registry.family.updated " + familyName(from), "registry.family.updated " + familyName(to),
			"registry.person.updated " + personName(child)} {
			if !changed[want] {
				t.Errorf("no event %q in %v", want, events)
			}
		}

		// A stale etag of the receiving family.
		_, err = c.MovePerson(ctx(t), &registryv1.MovePersonRequest{Name: personName(from.Members[2]), TargetFamily: familyName(to),
			RelationToHead: registryv1.FamilyRelation_FAMILY_RELATION_OTHER_RELATIVE, Etag: target.GetEtag()})
		wantStatus(t, err, codes.Aborted, "ETAG_MISMATCH")
		_, err = c.MovePerson(ctx(t), &registryv1.MovePersonRequest{Name: personName(from.Members[0]), TargetFamily: familyName(to),
			RelationToHead: registryv1.FamilyRelation_FAMILY_RELATION_OTHER_RELATIVE})
		wantStatus(t, err, codes.FailedPrecondition, "FAMILY_HEAD_MUST_BE_REPLACED")
		_, err = c.MovePerson(ctx(t), &registryv1.MovePersonRequest{Name: personName(from.Members[2]),
			TargetFamily: familyName(registrytest.Family(5)), RelationToHead: registryv1.FamilyRelation_FAMILY_RELATION_CHILD})
		wantStatus(t, err, codes.NotFound, "FAMILY_NOT_FOUND")
		_, err = c.MovePerson(ctx(t), &registryv1.MovePersonRequest{Name: personName(registrytest.Family(5).Members[2]),
			TargetFamily: familyName(to), RelationToHead: registryv1.FamilyRelation_FAMILY_RELATION_CHILD})
		wantStatus(t, err, codes.NotFound, "PERSON_NOT_FOUND")
		_, err = c.MovePerson(ctx(t), &registryv1.MovePersonRequest{Name: personName(from.Members[2]), TargetFamily: familyName(to),
			RelationToHead: registryv1.FamilyRelation_FAMILY_RELATION_HEAD})
		wantStatus(t, err, codes.InvalidArgument, "PERSON_RELATION_INVALID")
		_, err = c.MovePerson(ctx(t), &registryv1.MovePersonRequest{Name: personName(child), TargetFamily: familyName(to),
			RelationToHead: registryv1.FamilyRelation_FAMILY_RELATION_CHILD})
		wantStatus(t, err, codes.FailedPrecondition, "PERSON_ALREADY_MEMBER")
		if got := getFamily(t, c, from.GetKkNumber()); !proto.Equal(got, src) {
			t.Fatal("a rejected move changed the source family")
		}
	})
}

func TestSplitFamily(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		reg := registrytest.Start(t, url, registrytest.Options{})
		c := reg.Client
		fams := registrytest.Seed(t, c, 2)
		fam := fams[0]
		daughter := fam.Members[2]
		newKK := "3204120900000001"
		req := &registryv1.SplitFamilyRequest{Name: familyName(fam), NewKkNumber: newKK, MemberNiks: []string{daughter.GetNik()},
			NewHeadNik: daughter.GetNik(), NewAddress: &registryv1.Address{Street: "Jl. Melati 3", Rt: "001", Rw: "002"},
			NewRegionCode: "32.04.12.2002", NewSettlement: registryv1.Settlement_SETTLEMENT_URBAN}

		bad := proto.Clone(req).(*registryv1.SplitFamilyRequest)
		bad.NewHeadNik = fam.Members[3].GetNik()
		_, err := c.SplitFamily(ctx(t), bad)
		wantStatus(t, err, codes.InvalidArgument, "FAMILY_HEAD_NOT_MEMBER")
		wantField(t, err, "new_head_nik", "FAMILY_HEAD_NOT_MEMBER")

		bad = proto.Clone(req).(*registryv1.SplitFamilyRequest)
		bad.NewKkNumber = fams[1].GetKkNumber()
		_, err = c.SplitFamily(ctx(t), bad)
		wantStatus(t, err, codes.FailedPrecondition, "FAMILY_ALREADY_EXISTS")

		bad = proto.Clone(req).(*registryv1.SplitFamilyRequest)
		bad.NewRegionCode = "32.04"
		bad.NewAddress.PostalCode = "0123"
		_, err = c.SplitFamily(ctx(t), bad)
		wantStatus(t, err, codes.InvalidArgument, "REGION_CODE_NOT_VILLAGE")
		wantField(t, err, "new_region_code", "REGION_CODE_NOT_VILLAGE") // the request's field, not the family's
		wantField(t, err, "new_address.postal_code", "ADDRESS_POSTAL_CODE_INVALID")

		bad = proto.Clone(req).(*registryv1.SplitFamilyRequest)
		bad.MemberNiks = []string{fam.Members[0].GetNik(), daughter.GetNik()} // the head leaves, nobody replaces him
		_, err = c.SplitFamily(ctx(t), bad)
		wantStatus(t, err, codes.FailedPrecondition, "FAMILY_HEAD_MUST_BE_REPLACED")

		bad = proto.Clone(req).(*registryv1.SplitFamilyRequest)
		bad.MemberNiks = memberNIKs(fam)
		bad.RemainingHeadNik = fam.Members[1].GetNik()
		_, err = c.SplitFamily(ctx(t), bad)
		if status.Code(err) != codes.FailedPrecondition && status.Code(err) != codes.InvalidArgument {
			t.Fatalf("splitting off every member: %v", err)
		}

		bad = proto.Clone(req).(*registryv1.SplitFamilyRequest)
		bad.MemberNiks = []string{fams[1].Members[2].GetNik()}
		bad.NewHeadNik = bad.MemberNiks[0]
		_, err = c.SplitFamily(ctx(t), bad)
		wantStatus(t, err, codes.InvalidArgument, "PERSON_NOT_MEMBER")

		bad = proto.Clone(req).(*registryv1.SplitFamilyRequest)
		bad.Name = familyName(registrytest.Family(8))
		_, err = c.SplitFamily(ctx(t), bad)
		wantStatus(t, err, codes.NotFound, "FAMILY_NOT_FOUND")

		if n := reg.FamilyRows(t); n != 2 {
			t.Fatalf("rejected splits left %d families", n)
		}
		if got := getFamily(t, c, fam.GetKkNumber()); len(got.GetMembers()) != 4 {
			t.Fatalf("rejected splits changed the family: %v", memberNIKs(got))
		}

		resp, err := c.SplitFamily(ctx(t), req)
		if err != nil {
			t.Fatal(err)
		}
		created := getFamily(t, c, newKK)
		orig := getFamily(t, c, fam.GetKkNumber())
		for _, f := range []*registryv1.Family{resp.GetNewFamily(), created} {
			if f.GetHeadNik() != daughter.GetNik() || len(f.GetMembers()) != 1 ||
				f.GetMembers()[0].GetRelationToHead() != registryv1.FamilyRelation_FAMILY_RELATION_HEAD ||
				f.GetRegionCode() != "32.04.12.2002" || f.GetSettlement() != registryv1.Settlement_SETTLEMENT_URBAN ||
				f.GetAddress().GetStreet() != "Jl. Melati 3" {
				t.Fatalf("new family = %v", f)
			}
		}
		want := []string{fam.Members[0].GetNik(), fam.Members[1].GetNik(), fam.Members[3].GetNik()}
		sort.Strings(want)
		if !slices.Equal(memberNIKs(orig), want) || !slices.Equal(memberNIKs(resp.GetOriginalFamily()), want) || orig.GetHeadNik() != fam.GetHeadNik() {
			t.Fatalf("original family = %v", orig)
		}
		if p := getPerson(t, c, daughter.GetNik()); p.GetFamily() != "families/"+newKK {
			t.Fatalf("daughter's family = %s", p.GetFamily())
		}

		// The head leaves with the spouse; the remaining child becomes head.
		son := fam.Members[3].GetNik()
		resp, err = c.SplitFamily(ctx(t), &registryv1.SplitFamilyRequest{Name: familyName(fam), NewKkNumber: "3204120900000002",
			MemberNiks: []string{fam.Members[0].GetNik(), fam.Members[1].GetNik()}, NewHeadNik: fam.Members[0].GetNik(),
			RemainingHeadNik: son, NewRegionCode: "32.04.12.2001", NewSettlement: registryv1.Settlement_SETTLEMENT_RURAL})
		if err != nil {
			t.Fatal(err)
		}
		orig = getFamily(t, c, fam.GetKkNumber())
		if orig.GetHeadNik() != son || member(orig, son).GetRelationToHead() != registryv1.FamilyRelation_FAMILY_RELATION_HEAD {
			t.Fatalf("remaining family = %v", orig)
		}
		nf := resp.GetNewFamily()
		if stored := getFamily(t, c, "3204120900000002"); nf.GetEtag() != stored.GetEtag() ||
			member(stored, fam.Members[1].GetNik()).GetRelationToHead() != registryv1.FamilyRelation_FAMILY_RELATION_SPOUSE {
			t.Fatalf("new family = %v, stored %v", nf, stored)
		}

		// In the other family the couple leaves with the wife as the new
		// head: the husband becomes her spouse, as in UpdateFamily.
		other := fams[1]
		husband, wife := other.Members[0].GetNik(), other.Members[1].GetNik()
		if _, err := c.RecordDeath(ctx(t), &registryv1.RecordDeathRequest{Name: personName(other.Members[3]), DeathDate: "2023-05-05"}); err != nil {
			t.Fatal(err)
		}
		_, err = c.SplitFamily(ctx(t), &registryv1.SplitFamilyRequest{Name: familyName(other), NewKkNumber: "3204120900000003",
			MemberNiks: []string{husband, wife, other.Members[3].GetNik()}, NewHeadNik: wife, RemainingHeadNik: other.Members[2].GetNik(),
			NewRegionCode: "32.04.12.2001", NewSettlement: registryv1.Settlement_SETTLEMENT_RURAL})
		wantStatus(t, err, codes.FailedPrecondition, "PERSON_DECEASED") // the dead do not join a household
		if _, err := c.SplitFamily(ctx(t), &registryv1.SplitFamilyRequest{Name: familyName(other), NewKkNumber: "3204120900000003",
			MemberNiks: []string{husband, wife}, NewHeadNik: wife, RemainingHeadNik: other.Members[2].GetNik(),
			NewRegionCode: "32.04.12.2001", NewSettlement: registryv1.Settlement_SETTLEMENT_RURAL}); err != nil {
			t.Fatal(err)
		}
		nf = getFamily(t, c, "3204120900000003")
		if nf.GetHeadNik() != wife || member(nf, wife).GetRelationToHead() != registryv1.FamilyRelation_FAMILY_RELATION_HEAD ||
			member(nf, husband).GetRelationToHead() != registryv1.FamilyRelation_FAMILY_RELATION_SPOUSE {
			t.Fatalf("couple's new family = %v", nf)
		}
	})
}

// --- WatchChanges ---

func TestWatchChanges(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		reg := registrytest.Start(t, url, registrytest.Options{})
		c := reg.Client
		fams := registrytest.Seed(t, c, 5)
		w := reg.ClientAs(t, authtest.Admin())

		all := registrytest.Watch(t, w, 0, 5)
		created := map[string]bool{}
		for i, e := range all {
			if e.GetSequence() != int64(i+1) {
				t.Fatalf("event %d has sequence %d", i, e.GetSequence())
			}
			if e.GetEventType() != "registry.family.created" || e.GetResource() != e.GetFamily() || e.GetCommitTime() == nil {
				t.Fatalf("event = %v", e)
			}
			created[e.GetResource()] = true
		}
		for _, f := range fams {
			if !created[familyName(f)] {
				t.Errorf("no created event for %s", familyName(f))
			}
		}
		resumed := registrytest.Watch(t, w, 3, 2)
		if resumed[0].GetSequence() != 4 || resumed[1].GetSequence() != 5 || !proto.Equal(resumed[0], all[3]) {
			t.Fatalf("resumed after 3: %v", resumed)
		}

		// Live: subscribe at the head, then write.
		wctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		stream, err := w.WatchChanges(wctx, &registryv1.WatchChangesRequest{AfterSequence: 5})
		if err != nil {
			t.Fatal(err)
		}
		got := make(chan *typev1.ChangeEvent, 8)
		go func() {
			for {
				resp, err := stream.Recv()
				if err != nil {
					close(got)
					return
				}
				got <- resp.GetEvent()
			}
		}()
		time.Sleep(100 * time.Millisecond) // let the subscription reach the live wait
		if _, err := c.UpdateFamily(ctx(t), &registryv1.UpdateFamilyRequest{Family: &registryv1.Family{Name: familyName(fams[2]),
			Settlement: registryv1.Settlement_SETTLEMENT_URBAN}, UpdateMask: mask("settlement")}); err != nil {
			t.Fatal(err)
		}
		e, ok := <-got
		if !ok || e.GetSequence() != 6 || e.GetEventType() != "registry.family.updated" || e.GetResource() != familyName(fams[2]) {
			t.Fatalf("live event = %v", e)
		}
		select {
		case e, ok := <-got:
			if ok {
				t.Fatalf("unexpected second event %v", e)
			}
		case <-time.After(150 * time.Millisecond):
		}

		past, err := w.WatchChanges(ctx(t), &registryv1.WatchChangesRequest{AfterSequence: -1})
		if err == nil {
			_, err = past.Recv()
		}
		wantStatus(t, err, codes.InvalidArgument, "SEQUENCE_NEGATIVE")
	})
}

func TestListProvinces(t *testing.T) {
	reg := registrytest.Start(t, storagetest.SQLiteURL(t), registrytest.Options{})
	resp, err := reg.Client.ListProvinces(ctx(t), &registryv1.ListProvincesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, p := range resp.GetProvinces() {
		if len(p.GetCode()) != 2 || p.GetDisplayName() == "" || seen[p.GetCode()] {
			t.Fatalf("province %v", p)
		}
		seen[p.GetCode()] = true
	}
	if len(seen) != 38 || !seen["32"] || !seen["11"] || !seen["94"] {
		t.Fatalf("%d provinces: %v", len(seen), resp.GetProvinces())
	}
}

var _ = fmt.Sprint
