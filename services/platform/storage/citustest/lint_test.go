package citustest

import (
	"strings"
	"testing"

	"github.com/dtsen-id/dtsen/services/platform/storage"
)

var lintTables = storage.Tables{
	"families":     storage.Distributed("kk"),
	"persons":      storage.Distributed("family_kk"),
	"person_keys":  storage.Distributed("nik"),
	"models":       storage.Reference,
	"outbox_head":  storage.Local,
	"audit_events": storage.Distributed("record"),
}

func TestLintPassesStatementsThatNameTheKey(t *testing.T) {
	for _, sql := range []string{
		"SELECT * FROM families WHERE kk = $1",
		"SELECT * FROM families WHERE kk = ANY($1) ORDER BY kk",
		"SELECT * FROM families WHERE kk = ANY($1::text[])",
		"SELECT * FROM families WHERE kk IN ($1, $2, '3201')",
		"SELECT * FROM families f WHERE f.kk = '3201010101010001' AND f.region_code >= $2",
		"SELECT p.nik FROM persons p JOIN families f ON f.kk = p.family_kk WHERE p.family_kk = ANY($1) AND p.nik = ANY($2)",
		"SELECT p.nik FROM persons p, families f WHERE f.kk = $1 AND p.family_kk = f.kk",
		"SELECT f.kk FROM families f WHERE f.kk = $1 AND EXISTS (SELECT 1 FROM persons p WHERE p.family_kk = f.kk)",
		"INSERT INTO families (kk, region_code) VALUES ($1, $2) ON CONFLICT (kk) DO UPDATE SET region_code = EXCLUDED.region_code",
		"UPDATE persons SET full_name = $3 WHERE family_kk = $1 AND nik = $2",
		"DELETE FROM persons WHERE family_kk = $1 AND nik = $2",
		"COPY persons (nik, family_kk, full_name) FROM STDIN",
		"UPDATE outbox_head SET sequence = sequence + $1 WHERE id = 1 RETURNING sequence",
		"SELECT id FROM models",
		"WITH k AS (SELECT family_kk FROM person_keys WHERE nik = $1) SELECT family_kk FROM k",
		"SELECT * FROM families /* dtsen:fanout officer list by region */ WHERE region_code >= $1 ORDER BY region_code, kk LIMIT 50",
		"CREATE TABLE x (a int)",
		"SELECT pg_advisory_lock($1)",
		"SELECT * FROM families WHERE kk = $1 FOR UPDATE",
		"SELECT p.nik FROM persons p JOIN families f ON f.kk = p.family_kk WHERE f.kk = $1 FOR UPDATE",
		"SELECT id FROM models WHERE id > $1 FOR UPDATE",
	} {
		if f := Lint(lintTables, sql); len(f) > 0 {
			t.Errorf("%s\n  findings: %v", sql, f)
		}
	}
}

func TestLintFindsStatementsThatFanOutUnmarked(t *testing.T) {
	for sql, want := range map[string]string{
		"SELECT * FROM families WHERE region_code >= $1":                                                       "families: kk is not fixed",
		"SELECT * FROM persons WHERE nik = $1":                                                                 "persons: family_kk is not fixed",
		"SELECT * FROM families WHERE kk = $1 OR region_code = $2":                                             "families: kk is not fixed",
		"SELECT * FROM families WHERE kk IN (SELECT family_kk FROM persons WHERE nik = $1)":                    "persons: family_kk is not fixed",
		"UPDATE families SET version = version + 1 WHERE kk IN (SELECT kk FROM families LIMIT 10)":             "families: kk is not fixed",
		"SELECT p.nik FROM persons p JOIN families f ON f.kk = p.family_kk WHERE f.region_code = $1":           "families: kk is not fixed",
		"SELECT count(*) FROM audit_events WHERE subject = $1":                                                 "audit_events: record is not fixed",
		"INSERT INTO families (region_code) VALUES ($1)":                                                       "INSERT does not supply the distribution column kk",
		"INSERT INTO families (kk) SELECT family_kk FROM persons WHERE full_name = $1":                         "persons: family_kk is not fixed",
		"COPY persons (nik, full_name) FROM STDIN":                                                             "COPY does not supply the distribution column family_kk",
		"UPDATE persons SET family_kk = $2 WHERE family_kk = $1 AND nik = $3":                                  "assigns the distribution column family_kk",
		"UPDATE persons /* dtsen:fanout moves */ SET family_kk = $2 WHERE nik = $1":                            "assigns the distribution column family_kk",
		"INSERT INTO families (kk) VALUES ($1) ON CONFLICT (kk) DO UPDATE SET kk = EXCLUDED.kk":                "assigns the distribution column kk",
		"SELECT * FROM families /* dtsen:fanout */ WHERE region_code = $1":                                     "families: kk is not fixed",
		"SELECT * FROM families f WHERE f.kk = $1 UNION ALL SELECT * FROM families g WHERE g.region_code = $2": "families: kk is not fixed",
		"SELECT * FROM (SELECT * FROM families WHERE region_code = $1) sub":                                    "families: kk is not fixed",
		"SELECT * FROM families WHERE kk = ":                                                                   "does not parse",
	} {
		found := Lint(lintTables, sql)
		if len(found) == 0 || !strings.Contains(strings.Join(found, "\n"), want) {
			t.Errorf("%s\n  findings %v, want one containing %q", sql, found, want)
		}
	}
}
