package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	assetv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/asset/v1"
	incomev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/income/v1"
	registryv1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/registry/v1"
	serviceusagev1 "github.com/dtsen-id/dtsen/proto/gen/go/dtsen/serviceusage/v1"
)

// resource is one kind `dtsenctl get` reads.
type resource struct {
	arg   string // KK or NIK
	fetch func(ctx context.Context, e *Env, key string) (proto.Message, error)
	table func(w io.Writer, m proto.Message) // nil: indented protojson
}

var resources = map[string]resource{
	"family": {arg: "KK", table: familyTable,
		fetch: func(ctx context.Context, e *Env, kk string) (proto.Message, error) {
			cc, err := e.Conn.Conn("registry")
			if err != nil {
				return nil, err
			}
			return registryv1.NewRegistryServiceClient(cc).GetFamily(ctx, &registryv1.GetFamilyRequest{Name: "families/" + kk})
		}},
	"person": {arg: "NIK", table: personTable,
		fetch: func(ctx context.Context, e *Env, nik string) (proto.Message, error) {
			cc, err := e.Conn.Conn("registry")
			if err != nil {
				return nil, err
			}
			return registryv1.NewRegistryServiceClient(cc).GetPerson(ctx, &registryv1.GetPersonRequest{Name: "persons/" + nik})
		}},
	"assets": {arg: "KK",
		fetch: func(ctx context.Context, e *Env, kk string) (proto.Message, error) {
			cc, err := e.Conn.Conn("asset")
			if err != nil {
				return nil, err
			}
			return assetv1.NewAssetServiceClient(cc).GetFamilyAssets(ctx, &assetv1.GetFamilyAssetsRequest{Name: "families/" + kk + "/assets"})
		}},
	"economics": {arg: "KK",
		fetch: func(ctx context.Context, e *Env, kk string) (proto.Message, error) {
			cc, err := e.Conn.Conn("income")
			if err != nil {
				return nil, err
			}
			return incomev1.NewIncomeServiceClient(cc).GetFamilyEconomics(ctx, &incomev1.GetFamilyEconomicsRequest{Name: "families/" + kk + "/economics"})
		}},
	"serviceusage": {arg: "KK",
		fetch: func(ctx context.Context, e *Env, kk string) (proto.Message, error) {
			cc, err := e.Conn.Conn("serviceusage")
			if err != nil {
				return nil, err
			}
			return serviceusagev1.NewServiceUsageServiceClient(cc).GetFamilyServiceUsage(ctx,
				&serviceusagev1.GetFamilyServiceUsageRequest{Name: "families/" + kk + "/serviceUsage"})
		}},
}

func init() {
	var output string
	register(&Command{
		Name:    "get",
		Args:    "family KK | person NIK | assets KK | economics KK | serviceusage KK",
		Summary: "show a family, a person, or a family's assets, economics or service usage",
		Help: `Reads one resource and prints it: a family with its members (registry), a person
(registry), or a family's summary in a source context (assets, economics,
serviceusage). Human-readable by default; -o json prints the API's protojson.

Needs a token (--token or DTSEN_TOKEN) or client credentials: what comes back
depends on who asks. With make run, 'source var/dev-issuer/tokens.env' and pick a
persona, e.g. DTSEN_TOKEN=$DTSEN_TOKEN_DISTRICT_OFFICER. A refusal prints the
reason (REGION_OUT_OF_SCOPE, NOT_OWN_FAMILY, AGGREGATES_ONLY, ...) and the
message in English and Indonesian.`,
		Conn: true,
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&output, "o", "table", "output format: table or json")
			fs.StringVar(&output, "output", "table", "output format: table or json")
		},
		Run: func(ctx context.Context, e *Env, args []string) error {
			if len(args) < 1 {
				return usagef("missing what to get: %s", resourceNames())
			}
			r, ok := resources[args[0]]
			if !ok {
				return usagef("unknown resource %q (want %s)", args[0], resourceNames())
			}
			if len(args) != 2 {
				return usagef("get %s takes exactly one %s", args[0], r.arg)
			}
			if output != "table" && output != "json" {
				return usagef("-o %q: want table or json", output)
			}
			key := args[1]
			if i := strings.LastIndexByte(key, '/'); i >= 0 { // accept families/KK, persons/NIK
				key = key[i+1:]
			}
			if err := e.Conn.authenticate(e, explicitAuth); err != nil {
				return err
			}
			defer e.Conn.Close()
			cctx, cancel := e.Conn.unary(ctx)
			defer cancel()
			m, err := r.fetch(cctx, e, key)
			if err != nil {
				return fmt.Errorf("%s %s: %w", args[0], key, describe(err))
			}
			if output == "json" || r.table == nil {
				b, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(m)
				if err != nil {
					return err
				}
				fmt.Fprintln(e.Stdout, string(b))
				return nil
			}
			r.table(e.Stdout, m)
			return nil
		},
	})
}

func resourceNames() string {
	names := make([]string, 0, len(resources))
	for n := range resources {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// today is the date ages are computed at (tests pin it).
var today = func() time.Time { return time.Now() }

// enumWord turns SEX_FEMALE into "female" given the prefix "SEX_".
func enumWord(s, prefix string) string {
	s = strings.TrimPrefix(s, prefix)
	if s == "UNSPECIFIED" || s == "" {
		return "-"
	}
	return strings.ReplaceAll(strings.ToLower(s), "_", " ")
}

// age in whole years at the reference date (the death date for the dead).
func age(birth, death string) string {
	b, err := time.Parse(time.DateOnly, birth)
	if err != nil {
		return "?"
	}
	at := today()
	if d, err := time.Parse(time.DateOnly, death); err == nil {
		at = d
	}
	y := at.Year() - b.Year()
	if at.YearDay() < b.YearDay() {
		y--
	}
	return fmt.Sprint(max(y, 0))
}

func vital(p *registryv1.Person) string {
	s := enumWord(p.GetVitalStatus().String(), "VITAL_STATUS_")
	if p.GetDeathDate() != "" {
		s += " " + p.GetDeathDate()
	}
	return s
}

func familyTable(w io.Writer, m proto.Message) {
	f := m.(*registryv1.Family)
	a := f.GetAddress()
	fmt.Fprintf(w, "Family %s\n", f.GetKkNumber())
	fmt.Fprintf(w, "  region   %s (%s)\n", f.GetRegionCode(), enumWord(f.GetSettlement().String(), "SETTLEMENT_"))
	fmt.Fprintf(w, "  address  %s, RT %s / RW %s, %s\n", a.GetStreet(), a.GetRt(), a.GetRw(), a.GetPostalCode())
	fmt.Fprintf(w, "  head     %s\n", f.GetHeadNik())
	fmt.Fprintf(w, "  members  %d\n\n", len(f.GetMembers()))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  NIK\tNAME\tRELATION\tSEX\tAGE\tBORN\tSTATUS")
	for _, p := range f.GetMembers() {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.GetNik(), p.GetFullName(),
			enumWord(p.GetRelationToHead().String(), "FAMILY_RELATION_"), enumWord(p.GetSex().String(), "SEX_"),
			age(p.GetBirthDate(), p.GetDeathDate()), p.GetBirthDate(), vital(p))
	}
	tw.Flush()
}

func personTable(w io.Writer, m proto.Message) {
	p := m.(*registryv1.Person)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, v) }
	row("NIK", p.GetNik())
	row("name", p.GetFullName())
	row("family", strings.TrimPrefix(p.GetFamily(), "families/"))
	row("relation", enumWord(p.GetRelationToHead().String(), "FAMILY_RELATION_"))
	row("sex", enumWord(p.GetSex().String(), "SEX_"))
	row("born", p.GetBirthDate()+" in "+p.GetBirthPlace())
	row("age", age(p.GetBirthDate(), p.GetDeathDate()))
	row("marital status", enumWord(p.GetMaritalStatus().String(), "MARITAL_STATUS_"))
	row("education", enumWord(p.GetEducation().String(), "EDUCATION_LEVEL_"))
	row("occupation", enumWord(p.GetOccupation().String(), "OCCUPATION_"))
	dis := enumWord(p.GetDisability().String(), "DISABILITY_")
	if p.GetSevereDisability() {
		dis += " (severe)"
	}
	row("disability", dis)
	row("status", vital(p))
	tw.Flush()
}
