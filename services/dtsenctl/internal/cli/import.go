package cli

import (
	"context"
	"flag"
	"fmt"
)

func init() {
	var (
		source, batch, rejections string
		batchSize                 int
	)
	register(&Command{
		Name:    "import",
		Args:    "<context> FILE...",
		Summary: "import JSONL (or the registry's CSV) files through a context's ImportRecords",
		Help: `Streams each FILE through ImportRecords of <context> (registry, asset, income,
serviceusage). A JSONL line is the protojson of that context's ImportRecordsRequest
with the record set and no header (the format services/population/export writes);
for the registry a .csv file in the registry.csv layout is read too.

Each file is sent in batches of --batch-size records with ids <batch>-0001,
<batch>-0002, ...; the default <batch> is derived from the file's name, size and
SHA-256, so running the same command again after an interruption skips the
batches that completed (the server answers "replayed") and resumes the rest.

The batch header source is --source, else the one given for the file in a
manifest.json next to it, else the context's default (registry: dukcapil;
income, serviceusage: dtsenctl; asset: the records' own source).

Ends with the accepted, unchanged and rejected counts and the rejections by
reason; every rejection (index, line, key, field, reason, description) is
written as JSONL to --rejections (default FILE.rejections.jsonl). Exits 0 when
the import completed, even with rejections; 1 on a transport or server failure.

Only the integration client of the agency that owns the records may import them
(AGENCY_NOT_OWNER otherwise): authenticate with --token/DTSEN_TOKEN or with
--client-id/--client-secret and --issuer. Without either, against services on
loopback, dtsenctl uses the development issuer's data-exchange hub client
(dtsen-hub, from ./var/dev-issuer/clients.json) when make run's issuer is there.`,
		Conn: true,
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&source, "source", "", "batch header source (default: manifest.json, the context's default, or the records')")
			fs.StringVar(&batch, "batch", "", "base batch id (default: derived from the file's name, size and SHA-256)")
			fs.IntVar(&batchSize, "batch-size", DefaultBatchSize, "records per batch")
			fs.StringVar(&rejections, "rejections", "", "JSONL file for the rejections (default: FILE.rejections.jsonl)")
		},
		Run: func(ctx context.Context, e *Env, args []string) error {
			if len(args) < 1 {
				return usagef("missing <context> (registry, asset, income or serviceusage)")
			}
			ic, err := lookupContext(args[0])
			if err != nil {
				return err
			}
			if len(args) < 2 {
				return usagef("missing FILE: give one or more files to import into %s", ic.Name)
			}
			if batchSize < 1 {
				return usagef("--batch-size must be at least 1")
			}
			if err := e.Conn.authenticate(e, submitAuth, ic.Name); err != nil {
				return err
			}
			defer e.Conn.Close()
			results, err := importFiles(ctx, e.Conn, args[1:], importOptions{
				Context: ic, Source: source, Batch: batch, BatchSize: batchSize, Rejections: rejections,
				Progress: e.Terminal && !e.Quiet, Stderr: e.Stderr,
			})
			for _, r := range results {
				printResult(e.Stdout, r)
			}
			if len(results) > 1 {
				var t fileResult
				for _, r := range results {
					t.Records += r.Records
					t.Accepted += r.Accepted
					t.Unchanged += r.Unchanged
					t.Rejected += r.Rejected
				}
				fmt.Fprintf(e.Stdout, "total: %s records, %s accepted, %s unchanged, %s rejected\n",
					thousands(t.Records), thousands(t.Accepted), thousands(t.Unchanged), thousands(t.Rejected))
			}
			return err
		},
	})
}
