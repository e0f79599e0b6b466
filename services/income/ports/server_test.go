package ports_test

import (
	"fmt"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	typev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/type/v1"
	"github.com/dtsen-id/dtsen/services/income/demo"
	"github.com/dtsen-id/dtsen/services/income/incometest"
	"github.com/dtsen-id/dtsen/services/platform/storage/storagetest"
	"github.com/dtsen-id/dtsen/services/registry/registrytest"
)

func rejection(sum *typev1.ImportSummary, index int64) *typev1.RecordRejection {
	for _, r := range sum.GetRejections() {
		if r.GetIndex() == index {
			return r
		}
	}
	return nil
}

func wantRejected(t *testing.T, sum *typev1.ImportSummary, index int64, field, reason string) {
	t.Helper()
	r := rejection(sum, index)
	if r == nil {
		t.Fatalf("record %d not rejected; rejections: %v", index, sum.GetRejections())
	}
	for _, v := range r.GetViolations() {
		if v.GetField() == field && v.GetReason() == reason {
			return
		}
	}
	t.Fatalf("record %d: want %s %s, got %v", index, field, reason, r.GetViolations())
}

func incomeName(x *incomev1.Income) string {
	return fmt.Sprintf("persons/%s/incomes/formal-wage-%s", x.GetNik(), x.GetPeriodStart())
}

func getIncome(t *testing.T, c incomev1.IncomeServiceClient, name string) (*incomev1.Income, error) {
	t.Helper()
	return c.GetIncome(ctx(t), &incomev1.GetIncomeRequest{Name: name})
}

func wage(nik, start string, amount int64) *incomev1.Income {
	return &incomev1.Income{Nik: nik, Source: incomev1.IncomeSource_INCOME_SOURCE_FORMAL_WAGE, MonthlyAmount: amount,
		PeriodStart: start, SourceAgency: "bpjs-tk", ObservationDate: "2026-01-15"}
}

// unknownNIK is structurally valid but in no registry fixture.
const unknownNIK = "3204120202020002"

func TestImportMixedBatch(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := start(t, url, 3, incometest.Options{})
		// Family 2's spouse has died: her records are accepted but flagged.
		spouse := demo.NIK(2, 1)
		if _, err := e.reg.Client.RecordDeath(ctx(t), &registryv1.RecordDeathRequest{Name: "persons/" + spouse, DeathDate: "2026-06-01"}); err != nil {
			t.Fatal(err)
		}
		badNIK := wage("320412", "2025-01", 1)
		negative := wage(demo.NIK(0, 0), "2025-02", -1)
		endBefore := wage(demo.NIK(0, 0), "2025-03", 1)
		endBefore.PeriodEnd = "2025-01"
		badEmployment := demo.Employment(0)
		badEmployment.HoursPerWeek = 99
		badConsumption := demo.Consumption(0)
		badConsumption.FoodShareBp = 10001
		badBanking := demo.BankingPattern(0)
		badBanking.Loans = []*incomev1.Loan{{LenderType: incomev1.LenderType_LENDER_TYPE_UNSPECIFIED, OutstandingAmount: 1}}
		unknownFamily := demo.Consumption(0)
		unknownFamily.KkNumber = "3204120000009999"
		deceased := wage(spouse, "2025-01", 1_000_000)

		sum := incometest.Import(t, e.c, "mixed",
			incometest.IncomeRecord(wage(demo.NIK(0, 0), "2025-01", 2_000_000)), // 0 valid
			incometest.IncomeRecord(badNIK),                                     // 1
			incometest.IncomeRecord(negative),                                   // 2
			incometest.IncomeRecord(endBefore),                                  // 3
			incometest.EmploymentRecord(badEmployment),                          // 4
			incometest.ConsumptionRecord(badConsumption),                        // 5
			incometest.BankingRecord(badBanking),                                // 6
			&incomev1.ImportRecordsRequest{},                                    // 7 empty
			incometest.IncomeRecord(wage(unknownNIK, "2025-01", 500_000)),       // 8 unmatched
			incometest.ConsumptionRecord(unknownFamily),                         // 9 unmatched
			incometest.IncomeRecord(deceased),                                   // 10 flagged
			incometest.IncomeRecord(wage(demo.NIK(0, 0), "2025-01", 7)),         // 11 duplicate of 0
			incometest.EmploymentRecord(demo.Employment(1)),                     // 12 valid
		)
		if sum.GetReceivedCount() != 13 || sum.GetAcceptedCount() != 5 || sum.GetRejectedCount() != 8 {
			t.Fatalf("summary: %v", sum)
		}
		wantRejected(t, sum, 1, "nik", "NIK_INVALID_LENGTH")
		wantRejected(t, sum, 2, "monthly_amount", "INCOME_AMOUNT_NEGATIVE")
		wantRejected(t, sum, 3, "period_end", "INCOME_PERIOD_END_BEFORE_START")
		wantRejected(t, sum, 4, "hours_per_week", "EMPLOYMENT_HOURS_OUT_OF_RANGE")
		wantRejected(t, sum, 5, "food_share_bp", "CONSUMPTION_FOOD_SHARE_OUT_OF_RANGE")
		wantRejected(t, sum, 6, "loans[0].lender_type", "BANKING_LENDER_TYPE_INVALID")
		wantRejected(t, sum, 7, "payload", "IMPORT_RECORD_EMPTY")
		wantRejected(t, sum, 11, "", "RECORD_DUPLICATE_IN_BATCH")
		if k := rejection(sum, 2).GetKey(); k != "persons/320412********01/incomes/formal-wage-2025-02" {
			t.Fatalf("rejection key must mask the NIK: %s", k)
		}

		// Nothing of a rejected record was written.
		for _, name := range []string{incomeName(negative), incomeName(endBefore)} {
			if _, err := getIncome(t, e.c, name); err == nil {
				t.Fatalf("rejected record %s was stored", name)
			}
		}
		_, err := getIncome(t, e.c, incomeName(negative))
		wantStatus(t, err, codes.NotFound, "INCOME_NOT_FOUND")
		if got, _ := getIncome(t, e.c, incomeName(wage(demo.NIK(0, 0), "2025-01", 0))); got.GetMonthlyAmount() != 2_000_000 {
			t.Fatalf("the duplicate overwrote the first record: %v", got)
		}

		// Unknown identities are kept, UNMATCHED with a reason.
		got, err := getIncome(t, e.c, incomeName(wage(unknownNIK, "2025-01", 0)))
		if err != nil || got.GetMatchStatus() != incomev1.MatchStatus_MATCH_STATUS_UNMATCHED || got.GetMatchReason() != "NIK_NOT_REGISTERED" {
			t.Fatalf("unknown NIK: %v %v", got, err)
		}
		c, err := e.c.GetConsumption(ctx(t), &incomev1.GetConsumptionRequest{Name: "families/3204120000009999/consumptions/susenas-2026-03"})
		if err != nil || c.GetMatchStatus() != incomev1.MatchStatus_MATCH_STATUS_UNMATCHED || c.GetMatchReason() != "KK_NOT_REGISTERED" {
			t.Fatalf("unknown KK: %v %v", c, err)
		}
		// A deceased owner's record is accepted but flagged.
		got, err = getIncome(t, e.c, incomeName(deceased))
		if err != nil || got.GetMatchStatus() != incomev1.MatchStatus_MATCH_STATUS_MATCHED ||
			len(got.GetFlags()) != 1 || got.GetFlags()[0] != incomev1.RecordFlag_RECORD_FLAG_OWNER_DECEASED {
			t.Fatalf("deceased owner: %v %v", got, err)
		}
		got, _ = getIncome(t, e.c, incomeName(wage(demo.NIK(0, 0), "2025-01", 0)))
		if got.GetMatchStatus() != incomev1.MatchStatus_MATCH_STATUS_MATCHED || len(got.GetFlags()) != 0 {
			t.Fatalf("registered owner: %v", got)
		}
	})
}

func TestImportReplayAndResend(t *testing.T) {
	e := start(t, storagetest.SQLiteURL(t), 4, incometest.Options{ChunkSize: 3})
	var recs []*incomev1.ImportRecordsRequest
	for i := 0; i < 10; i++ {
		recs = append(recs, incometest.IncomeRecord(demo.Income(i)))
	}
	first := incometest.Import(t, e.c, "q1", recs...)
	if first.GetAcceptedCount() != 10 || first.GetReplayed() {
		t.Fatalf("first: %v", first)
	}
	head := feedHead(t, e)
	again := incometest.Import(t, e.c, "q1", recs...)
	if !again.GetReplayed() || again.GetAcceptedCount() != 10 {
		t.Fatalf("same batch again must replay the stored summary: %v", again)
	}
	// The same records under a new batch id are recognised by natural key.
	other := incometest.Import(t, e.c, "q1-resent", recs...)
	if other.GetReplayed() || other.GetAcceptedCount() != 0 || other.GetUnchangedCount() != 10 {
		t.Fatalf("resent records: %v", other)
	}
	if h := feedHead(t, e); h != head {
		t.Fatalf("a replay or unchanged re-import wrote %d events", h-head)
	}
	// A corrected amount updates the one record, in place.
	fixed := demo.Income(0)
	fixed.MonthlyAmount++
	sum := incometest.Import(t, e.c, "q1-fix", incometest.IncomeRecord(fixed))
	if sum.GetAcceptedCount() != 1 {
		t.Fatalf("correction: %v", sum)
	}
	resp, err := e.c.ListIncomes(ctx(t), &incomev1.ListIncomesRequest{Parent: "persons/" + fixed.GetNik()})
	if err != nil || len(resp.GetIncomes()) != 1 || resp.GetIncomes()[0].GetMonthlyAmount() != fixed.GetMonthlyAmount() {
		t.Fatalf("after correction: %v %v", resp, err)
	}
	// The change event names the family whose economics changed.
	evs := watch(t, e.admin, head, 1)
	if evs[0].GetEventType() != "income.economics.imported" || evs[0].GetResource() != "families/"+demo.KK(0)+"/economics" ||
		evs[0].GetFamily() != "families/"+demo.KK(0) {
		t.Fatalf("update event: %v", evs[0])
	}
	if h := feedHead(t, e); h != head+1 {
		t.Fatalf("one corrected record wrote %d events", h-head)
	}
}

func feedHead(t *testing.T, e *env) int64 {
	t.Helper()
	var head int64
	if err := e.inc.DB.QueryRowContext(ctx(t), "SELECT sequence FROM outbox_head WHERE id = 1").Scan(&head); err != nil {
		t.Fatal(err)
	}
	return head
}

func watch(t *testing.T, c incomev1.IncomeServiceClient, after int64, n int) []*typev1.ChangeEvent {
	t.Helper()
	stream, err := c.WatchChanges(ctx(t), &incomev1.WatchChangesRequest{AfterSequence: after})
	if err != nil {
		t.Fatal(err)
	}
	var out []*typev1.ChangeEvent
	for len(out) < n {
		resp, err := stream.Recv()
		if err != nil {
			t.Fatalf("watch after %d: %d of %d: %v", after, len(out), n, err)
		}
		out = append(out, resp.GetEvent())
	}
	return out
}

func TestImportHeaderErrors(t *testing.T) {
	e := start(t, storagetest.SQLiteURL(t), 0, incometest.Options{NoFeed: true})
	_, err := incometest.SendImport(ctx(t), e.c)
	wantStatus(t, err, codes.InvalidArgument, "IMPORT_HEADER_MISSING")
	_, err = incometest.SendImport(ctx(t), e.c, incometest.IncomeRecord(demo.Income(0)))
	wantStatus(t, err, codes.InvalidArgument, "IMPORT_HEADER_MISSING")
	_, err = incometest.SendImport(ctx(t), e.c, &incomev1.ImportRecordsRequest{Payload: &incomev1.ImportRecordsRequest_Header{
		Header: &typev1.ImportBatchHeader{Source: "BPS!", BatchId: "x"}}})
	wantStatus(t, err, codes.InvalidArgument, "IMPORT_HEADER_INVALID")
	wantField(t, err, "header.source", "IMPORT_SOURCE_INVALID")
	_, err = incometest.SendImport(ctx(t), e.c, incometest.Header("h1"), incometest.IncomeRecord(demo.Income(0)), incometest.Header("h1"))
	wantStatus(t, err, codes.InvalidArgument, "IMPORT_HEADER_REPEATED")
}

func TestRegistryUnavailableFailsTheImportCleanly(t *testing.T) {
	inc := incometest.Start(t, storagetest.SQLiteURL(t), "127.0.0.1:1", incometest.Options{NoFeed: true})
	_, err := incometest.SendImport(ctx(t), inc.Client, incometest.Header("down"), incometest.IncomeRecord(demo.Income(0)))
	wantStatus(t, err, codes.Unavailable, "REGISTRY_UNAVAILABLE")
	var n int
	if err := inc.DB.QueryRowContext(ctx(t), "SELECT /* dtsen:fanout test counts a whole table */ count(*) FROM incomes").Scan(&n); err != nil || n != 0 {
		t.Fatalf("rows written without a cross-check: %d %v", n, err)
	}
}

func TestBadRequests(t *testing.T) {
	e := start(t, storagetest.SQLiteURL(t), 1, incometest.Options{NoFeed: true})
	nik, kk := demo.NIK(0, 0), demo.KK(0)
	c := e.c
	for _, tc := range []struct {
		name          string
		call          func() error
		field, reason string
	}{
		{"GetIncome bad collection", func() error {
			_, err := c.GetIncome(ctx(t), &incomev1.GetIncomeRequest{Name: "persons/" + nik + "/wages/formal-wage-2025-01"})
			return err
		}, "name", "RESOURCE_NAME_INVALID"},
		{"GetIncome bad NIK", func() error {
			_, err := c.GetIncome(ctx(t), &incomev1.GetIncomeRequest{Name: "persons/3204120101700000/incomes/formal-wage-2025-01"})
			return err
		}, "name", "NIK_INVALID_SERIAL"},
		{"GetIncome bad month", func() error {
			_, err := c.GetIncome(ctx(t), &incomev1.GetIncomeRequest{Name: "persons/" + nik + "/incomes/formal-wage-2025-00"})
			return err
		}, "name", "RESOURCE_NAME_INVALID"},
		{"GetEmployment bad date", func() error {
			_, err := c.GetEmployment(ctx(t), &incomev1.GetEmploymentRequest{Name: "persons/" + nik + "/employments/bps-2026-02-30"})
			return err
		}, "name", "RESOURCE_NAME_INVALID"},
		{"GetConsumption bad KK", func() error {
			_, err := c.GetConsumption(ctx(t), &incomev1.GetConsumptionRequest{Name: "families/12/consumptions/susenas"})
			return err
		}, "name", "KK_INVALID_LENGTH"},
		{"GetBankingPattern no date", func() error {
			_, err := c.GetBankingPattern(ctx(t), &incomev1.GetBankingPatternRequest{Name: "persons/" + nik + "/bankingPatterns/pks"})
			return err
		}, "name", "RESOURCE_NAME_INVALID"},
		{"GetFamilyEconomics bad name", func() error {
			_, err := c.GetFamilyEconomics(ctx(t), &incomev1.GetFamilyEconomicsRequest{Name: "families/" + kk})
			return err
		}, "name", "RESOURCE_NAME_INVALID"},
		{"ListIncomes bad parent", func() error {
			_, err := c.ListIncomes(ctx(t), &incomev1.ListIncomesRequest{Parent: "families/" + kk})
			return err
		}, "parent", "RESOURCE_NAME_INVALID"},
		{"ListIncomes negative page size", func() error {
			_, err := c.ListIncomes(ctx(t), &incomev1.ListIncomesRequest{Parent: "persons/-", PageSize: -1})
			return err
		}, "page_size", "PAGE_SIZE_NEGATIVE"},
		{"ListIncomes unknown filter field", func() error {
			_, err := c.ListIncomes(ctx(t), &incomev1.ListIncomesRequest{Parent: "persons/-", Filter: `amount = "5"`})
			return err
		}, "filter", "FILTER_INVALID"},
		{"ListIncomes bad enum", func() error {
			_, err := c.ListIncomes(ctx(t), &incomev1.ListIncomesRequest{Parent: "persons/-", Filter: `source = "SALARY"`})
			return err
		}, "filter", "FILTER_INVALID"},
		{"ListIncomes OR", func() error {
			_, err := c.ListIncomes(ctx(t), &incomev1.ListIncomesRequest{Parent: "persons/-", Filter: `source = "PENSION" OR source = "BUSINESS"`})
			return err
		}, "filter", "FILTER_INVALID"},
		{"ListIncomes garbage token", func() error {
			_, err := c.ListIncomes(ctx(t), &incomev1.ListIncomesRequest{Parent: "persons/-", PageToken: "%%%"})
			return err
		}, "page_token", "PAGE_TOKEN_INVALID"},
		{"ListEmployments bad status", func() error {
			_, err := c.ListEmployments(ctx(t), &incomev1.ListEmploymentsRequest{Parent: "persons/" + nik, Filter: `status = "UNSPECIFIED"`})
			return err
		}, "filter", "FILTER_INVALID"},
		{"ListConsumptions person parent", func() error {
			_, err := c.ListConsumptions(ctx(t), &incomev1.ListConsumptionsRequest{Parent: "persons/" + nik})
			return err
		}, "parent", "RESOURCE_NAME_INVALID"},
		{"ListConsumptions bad measurement", func() error {
			_, err := c.ListConsumptions(ctx(t), &incomev1.ListConsumptionsRequest{Parent: "families/-", Filter: `measurement = "GUESSED"`})
			return err
		}, "filter", "FILTER_INVALID"},
		{"ListBankingPatterns bad NIK", func() error {
			_, err := c.ListBankingPatterns(ctx(t), &incomev1.ListBankingPatternsRequest{Parent: "persons/32041201017000AB"})
			return err
		}, "parent", "NIK_NOT_NUMERIC"},
		{"WatchChanges negative", func() error {
			stream, err := e.admin.WatchChanges(ctx(t), &incomev1.WatchChangesRequest{AfterSequence: -1})
			if err != nil {
				return err
			}
			_, err = stream.Recv()
			return err
		}, "after_sequence", "SEQUENCE_NEGATIVE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			wantStatus(t, err, codes.InvalidArgument, tc.reason)
			wantField(t, err, tc.field, tc.reason)
		})
	}
	for _, tc := range []struct {
		name   string
		call   func() error
		reason string
	}{
		{"income", func() error {
			_, err := c.GetIncome(ctx(t), &incomev1.GetIncomeRequest{Name: incomeName(wage(nik, "2025-01", 0))})
			return err
		}, "INCOME_NOT_FOUND"},
		{"employment", func() error {
			_, err := c.GetEmployment(ctx(t), &incomev1.GetEmploymentRequest{Name: "persons/" + nik + "/employments/bps-2026-02-01"})
			return err
		}, "EMPLOYMENT_NOT_FOUND"},
		{"consumption", func() error {
			_, err := c.GetConsumption(ctx(t), &incomev1.GetConsumptionRequest{Name: "families/" + kk + "/consumptions/susenas"})
			return err
		}, "CONSUMPTION_NOT_FOUND"},
		{"banking", func() error {
			_, err := c.GetBankingPattern(ctx(t), &incomev1.GetBankingPatternRequest{Name: "persons/" + nik + "/bankingPatterns/pks-2026-01-01"})
			return err
		}, "BANKING_PATTERN_NOT_FOUND"},
		{"economics of an unregistered family", func() error {
			_, err := c.GetFamilyEconomics(ctx(t), &incomev1.GetFamilyEconomicsRequest{Name: "families/3204120000009999/economics"})
			return err
		}, "FAMILY_NOT_REGISTERED"},
	} {
		t.Run("not found "+tc.name, func(t *testing.T) { wantStatus(t, tc.call(), codes.NotFound, tc.reason) })
	}
}

func TestListPagination(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := start(t, url, 6, incometest.Options{NoFeed: true})
		var recs []*incomev1.ImportRecordsRequest
		for i := 0; i < 23; i++ {
			recs = append(recs, incometest.IncomeRecord(demo.Income(i)))
		}
		incometest.Import(t, e.c, "page", recs...)
		seen := map[string]bool{}
		var token string
		pages := 0
		for {
			resp, err := e.c.ListIncomes(ctx(t), &incomev1.ListIncomesRequest{Parent: "persons/-", PageSize: 5, PageToken: token})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, x := range resp.GetIncomes() {
				if seen[x.GetName()] {
					t.Fatalf("duplicate %s", x.GetName())
				}
				seen[x.GetName()] = true
			}
			if token = resp.GetNextPageToken(); token == "" {
				break
			}
			// A token is bound to its query.
			_, err = e.c.ListIncomes(ctx(t), &incomev1.ListIncomesRequest{Parent: "persons/-", PageSize: 5, PageToken: token, Filter: `source = "PENSION"`})
			wantStatus(t, err, codes.InvalidArgument, "PAGE_TOKEN_INVALID")
			_, err = e.c.ListIncomes(ctx(t), &incomev1.ListIncomesRequest{Parent: "persons/" + demo.NIK(0, 0), PageSize: 5, PageToken: token})
			wantStatus(t, err, codes.InvalidArgument, "PAGE_TOKEN_INVALID")
		}
		if len(seen) != 23 || pages != 5 {
			t.Fatalf("listed %d of 23 in %d pages", len(seen), pages)
		}
		resp, err := e.c.ListIncomes(ctx(t), &incomev1.ListIncomesRequest{Parent: "persons/-", Filter: `source = "BUSINESS" AND match_status = "MATCHED"`})
		if err != nil || len(resp.GetIncomes()) != 6 {
			t.Fatalf("business incomes: %d %v", len(resp.GetIncomes()), err)
		}
		for _, x := range resp.GetIncomes() {
			if x.GetSource() != incomev1.IncomeSource_INCOME_SOURCE_BUSINESS {
				t.Fatalf("filter leaked %v", x)
			}
		}
	})
}

func TestConsumptionMeasuredKeptApart(t *testing.T) {
	e := start(t, storagetest.SQLiteURL(t), 4, incometest.Options{NoFeed: true})
	measured := demo.Consumption(0)
	declared := proto.Clone(demo.Consumption(0)).(*incomev1.Consumption)
	declared.SurveyId, declared.Measurement, declared.MonthlyExpenditure = "pendataan-2026", incomev1.Measurement_MEASUREMENT_SELF_DECLARED, 900_000
	incometest.Import(t, e.c, "cons", incometest.ConsumptionRecord(measured), incometest.ConsumptionRecord(declared),
		incometest.ConsumptionRecord(demo.Consumption(1)), incometest.ConsumptionRecord(demo.Consumption(2)))
	list := func(filter string) []*incomev1.Consumption {
		resp, err := e.c.ListConsumptions(ctx(t), &incomev1.ListConsumptionsRequest{Parent: "families/-", Filter: filter})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetConsumptions()
	}
	for _, x := range list(`measurement = "MEASURED_BY_ENUMERATOR"`) {
		if x.GetMeasurement() != incomev1.Measurement_MEASUREMENT_MEASURED_BY_ENUMERATOR {
			t.Fatalf("self-declared value in the measured list: %v", x)
		}
	}
	if n := len(list(`measurement = "MEASURED_BY_ENUMERATOR"`)); n != 2 {
		t.Fatalf("measured: %d", n)
	}
	if n := len(list(`measurement = "SELF_DECLARED"`)); n != 2 {
		t.Fatalf("self-declared: %d", n)
	}
	fe, err := e.c.GetFamilyEconomics(ctx(t), &incomev1.GetFamilyEconomicsRequest{Name: "families/" + demo.KK(0) + "/economics"})
	if err != nil {
		t.Fatal(err)
	}
	if len(fe.GetMeasuredConsumptions()) != 1 || fe.GetMeasuredConsumptions()[0].GetSurveyId() != measured.GetSurveyId() ||
		len(fe.GetSelfDeclaredConsumptions()) != 1 || fe.GetSelfDeclaredConsumptions()[0].GetMonthlyExpenditure() != 900_000 {
		t.Fatalf("economics mixes measured and self-declared: %v / %v", fe.GetMeasuredConsumptions(), fe.GetSelfDeclaredConsumptions())
	}
}

func TestFamilyEconomics(t *testing.T) {
	e := start(t, storagetest.SQLiteURL(t), 2, incometest.Options{NoFeed: true})
	var recs []*incomev1.ImportRecordsRequest
	for i := 0; i < 8; i++ { // every member of families 0 and 1
		recs = append(recs, incometest.IncomeRecord(demo.Income(i)))
	}
	older := demo.Income(0)
	older.PeriodStart, older.PeriodEnd, older.MonthlyAmount = "2024-01", "2024-12", 99_000_000 // superseded by 2025-01
	recs = append(recs, incometest.IncomeRecord(older), incometest.EmploymentRecord(demo.Employment(0)),
		incometest.BankingRecord(demo.BankingPattern(0)), incometest.ConsumptionRecord(demo.Consumption(0)))
	incometest.Import(t, e.c, "fam", recs...)
	// The youngest child died: listed, but not counted.
	child := demo.NIK(0, 3)
	if _, err := e.reg.Client.RecordDeath(ctx(t), &registryv1.RecordDeathRequest{Name: "persons/" + child, DeathDate: "2026-05-01"}); err != nil {
		t.Fatal(err)
	}
	fe, err := e.c.GetFamilyEconomics(ctx(t), &incomev1.GetFamilyEconomicsRequest{Name: "families/" + demo.KK(0) + "/economics"})
	if err != nil {
		t.Fatal(err)
	}
	var want int64
	for i := 0; i < 3; i++ {
		want += demo.Income(i).GetMonthlyAmount()
	}
	if len(fe.GetMembers()) != 4 || fe.GetMemberCount() != 3 || fe.GetTotalMonthlyIncome() != want || fe.GetPerCapitaMonthlyIncome() != want/3 {
		t.Fatalf("members %d count %d total %d (want %d) per capita %d", len(fe.GetMembers()), fe.GetMemberCount(),
			fe.GetTotalMonthlyIncome(), want, fe.GetPerCapitaMonthlyIncome())
	}
	head := fe.GetMembers()[0]
	if head.GetNik() != demo.NIK(0, 0) || len(head.GetIncomes()) != 2 || len(head.GetEmployments()) != 1 || head.GetCurrentMonthlyIncome() != demo.Income(0).GetMonthlyAmount() {
		t.Fatalf("head: %v", head)
	}
	if len(fe.GetMembers()[1].GetBankingPatterns()) != 1 || !fe.GetMembers()[3].GetDeceased() {
		t.Fatalf("spouse banking / deceased child: %v", fe.GetMembers())
	}
	if fe.GetName() != "families/"+demo.KK(0)+"/economics" {
		t.Fatalf("name %s", fe.GetName())
	}
}

func TestWatchChangesResume(t *testing.T) {
	e := start(t, storagetest.SQLiteURL(t), 2, incometest.Options{NoFeed: true})
	// An import appends one event per family it changed, however many of
	// the family's records it wrote (two incomes and a consumption of
	// family 0), and one per owner the registry does not know yet.
	incometest.Import(t, e.c, "w1", incometest.IncomeRecord(demo.Income(0)), incometest.IncomeRecord(demo.Income(1)),
		incometest.ConsumptionRecord(demo.Consumption(0)), incometest.ConsumptionRecord(demo.Consumption(1)),
		incometest.IncomeRecord(wage(unknownNIK, "2025-01", 1)))
	evs := watch(t, e.admin, 0, 3)
	if evs[0].GetSequence() != 1 || evs[0].GetEventType() != "income.economics.imported" || evs[0].GetFamily() != "families/"+demo.KK(0) ||
		evs[0].GetResource() != "families/"+demo.KK(0)+"/economics" ||
		evs[1].GetEventType() != "income.person.imported" || evs[1].GetResource() != "persons/"+unknownNIK || evs[1].GetFamily() != "" ||
		evs[2].GetEventType() != "income.economics.imported" || evs[2].GetFamily() != "families/"+demo.KK(1) {
		t.Fatalf("events: %v", evs)
	}
	if h := feedHead(t, e); h != 3 {
		t.Fatalf("feed head %d, want 3", h)
	}
	// Resuming after the first event delivers the second, then live ones.
	stream, err := e.admin.WatchChanges(ctx(t), &incomev1.WatchChangesRequest{AfterSequence: 1})
	if err != nil {
		t.Fatal(err)
	}
	for want := int64(2); want <= 3; want++ {
		if got, err := stream.Recv(); err != nil || got.GetEvent().GetSequence() != want {
			t.Fatalf("resume: %v %v", got, err)
		}
	}
	incometest.Import(t, e.c, "w2", incometest.EmploymentRecord(demo.Employment(0)))
	live, err := stream.Recv()
	if err != nil || live.GetEvent().GetSequence() != 4 || live.GetEvent().GetEventType() != "income.economics.imported" {
		t.Fatalf("live: %v %v", live, err)
	}
}

// TestReconciliationEndToEnd is the unmatched-then-reconciled path
// across two real services: a record whose NIK and KK the registry does not
// know is stored UNMATCHED; once the family is registered, the income
// service's registry feed consumer marks it MATCHED, with a change event.
func TestReconciliationEndToEnd(t *testing.T) {
	storagetest.Engines(t, func(t *testing.T, url string) {
		e := start(t, url, 2, incometest.Options{})
		const f = 7 // a family the registry does not have yet
		x := demo.Income(f * demo.MembersPerFamily)
		sum := incometest.Import(t, e.c, "early", incometest.IncomeRecord(x), incometest.ConsumptionRecord(demo.Consumption(f)))
		if sum.GetAcceptedCount() != 2 {
			t.Fatalf("import: %v", sum)
		}
		got, err := getIncome(t, e.c, incomeName(x))
		if err != nil || got.GetMatchStatus() != incomev1.MatchStatus_MATCH_STATUS_UNMATCHED || got.GetMatchReason() != "NIK_NOT_REGISTERED" {
			t.Fatalf("before registration: %v %v", got, err)
		}
		head := feedHead(t, e)

		registrytest.Import(t, e.reg.Client, "late-family", registrytest.Family(f))

		deadline := time.Now().Add(10 * time.Second)
		for {
			got, err = getIncome(t, e.c, incomeName(x))
			if err != nil {
				t.Fatal(err)
			}
			c, err := e.c.GetConsumption(ctx(t), &incomev1.GetConsumptionRequest{Name: "families/" + demo.KK(f) + "/consumptions/susenas-2026-03"})
			if err != nil {
				t.Fatal(err)
			}
			if got.GetMatchStatus() == incomev1.MatchStatus_MATCH_STATUS_MATCHED && c.GetMatchStatus() == incomev1.MatchStatus_MATCH_STATUS_MATCHED {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("not reconciled within 10 s: income %v, consumption %v", got.GetMatchStatus(), c.GetMatchStatus())
			}
			time.Sleep(50 * time.Millisecond)
		}
		if got.GetMatchReason() != "" {
			t.Fatalf("reason kept after matching: %v", got)
		}
		evs := watch(t, e.admin, head, 2)
		types := map[string]string{}
		for _, ev := range evs {
			types[ev.GetEventType()] = ev.GetFamily()
		}
		if types["income.income.reconciled"] != "families/"+demo.KK(f) || types["income.consumption.reconciled"] != "families/"+demo.KK(f) {
			t.Fatalf("reconciliation events: %v", evs)
		}
		// Delivery is at least once: a repeated registry event changes nothing.
		time.Sleep(300 * time.Millisecond)
		if h := feedHead(t, e); h != head+2 {
			t.Fatalf("reconciliation wrote %d events, want 2", h-head)
		}
	})
}

// TestReconciliationSweep covers the race the feed leaves open (an import
// that looked a NIK up just before the registry learned it, but committed
// after the feed event was handled): with no feed consumer at all, the
// periodic sweep alone matches the UNMATCHED records once the registry knows
// their owners.
func TestReconciliationSweep(t *testing.T) {
	e := start(t, storagetest.SQLiteURL(t), 1, incometest.Options{NoFeed: true, ReconcileInterval: 50 * time.Millisecond})
	const f = 5 // a family the registry does not have yet
	x := demo.Income(f * demo.MembersPerFamily)
	incometest.Import(t, e.c, "before-dukcapil", incometest.IncomeRecord(x), incometest.ConsumptionRecord(demo.Consumption(f)))
	if got, err := getIncome(t, e.c, incomeName(x)); err != nil || got.GetMatchStatus() != incomev1.MatchStatus_MATCH_STATUS_UNMATCHED {
		t.Fatalf("before registration: %v %v", got, err)
	}
	registrytest.Import(t, e.reg.Client, "late-family", registrytest.Family(f))
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := getIncome(t, e.c, incomeName(x))
		if err != nil {
			t.Fatal(err)
		}
		c, err := e.c.GetConsumption(ctx(t), &incomev1.GetConsumptionRequest{Name: "families/" + demo.KK(f) + "/consumptions/susenas-2026-03"})
		if err != nil {
			t.Fatal(err)
		}
		if got.GetMatchStatus() == incomev1.MatchStatus_MATCH_STATUS_MATCHED && c.GetMatchStatus() == incomev1.MatchStatus_MATCH_STATUS_MATCHED {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sweep did not reconcile within 10 s: income %v, consumption %v", got.GetMatchStatus(), c.GetMatchStatus())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
