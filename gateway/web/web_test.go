package web

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// get serves one request through the handler.
func get(t *testing.T, h http.Handler, method, target string, header map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func checkSecurityHeaders(t *testing.T, what string, res *http.Response) {
	t.Helper()
	want := map[string]string{
		"Content-Security-Policy":      ContentSecurityPolicy,
		"X-Content-Type-Options":       "nosniff",
		"Referrer-Policy":              "no-referrer",
		"X-Frame-Options":              "DENY",
		"Cross-Origin-Opener-Policy":   "same-origin",
		"Cross-Origin-Resource-Policy": "same-origin",
	}
	for k, v := range want {
		if got := res.Header.Get(k); got != v {
			t.Errorf("%s: %s = %q, want %q", what, k, got, v)
		}
	}
	csp := res.Header.Get("Content-Security-Policy")
	for _, directive := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, directive) {
			t.Errorf("%s: CSP lacks %q", what, directive)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "http") {
		t.Errorf("%s: CSP allows inline code or another origin: %s", what, csp)
	}
}

func TestPagesServed(t *testing.T) {
	h := Handler(Options{})
	for route := range Pages {
		res := get(t, h, http.MethodGet, route, nil)
		b := body(t, res)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", route, res.StatusCode)
		}
		if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q", route, ct)
		}
		checkSecurityHeaders(t, route, res)
		if res.Header.Get("ETag") == "" || res.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("GET %s: ETag %q, Cache-Control %q: pages revalidate every time", route, res.Header.Get("ETag"), res.Header.Get("Cache-Control"))
		}
		for _, want := range []string{`<!doctype html>`, `<html lang="id">`, `<meta name="viewport" content="width=device-width, initial-scale=1">`, `<title>`, `<main id="main"`} {
			if !strings.Contains(b, want) {
				t.Errorf("GET %s: page lacks %s", route, want)
			}
		}
		if strings.Contains(b, "%%") {
			t.Errorf("GET %s: a placeholder was left in the page", route)
		}
		// Every asset URL in a page names its content version.
		for _, m := range regexp.MustCompile(`"/assets/([^"?]+)(\?v=[0-9a-f]+)?"`).FindAllStringSubmatch(b, -1) {
			if m[2] == "" {
				t.Errorf("GET %s: %s is not versioned", route, m[1])
			}
		}
	}
}

func TestAssetsServed(t *testing.T) {
	h := Handler(Options{})
	types := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".json": "application/json"}
	for route := range Pages {
		page := body(t, get(t, h, http.MethodGet, route, nil))
		for _, m := range regexp.MustCompile(`"(/assets/[^"]+)"`).FindAllStringSubmatch(page, -1) {
			res := get(t, h, http.MethodGet, m[1], nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d", m[1], res.StatusCode)
			}
			if ct := res.Header.Get("Content-Type"); ct != types[path.Ext(strings.Split(m[1], "?")[0])] {
				t.Errorf("GET %s: Content-Type %q", m[1], ct)
			}
			checkSecurityHeaders(t, m[1], res)
			if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
				t.Errorf("GET %s (versioned): Cache-Control %q", m[1], cc)
			}
			// Without the version (a module import), or with an old one, the
			// asset must be revalidated.
			for _, u := range []string{strings.Split(m[1], "?")[0], strings.Split(m[1], "?")[0] + "?v=0"} {
				if cc := get(t, h, http.MethodGet, u, nil).Header.Get("Cache-Control"); cc != "no-cache" {
					t.Errorf("GET %s: Cache-Control %q, want no-cache", u, cc)
				}
			}
		}
	}
}

func TestETagAndNotModified(t *testing.T) {
	h := Handler(Options{})
	for _, target := range []string{"/", "/officer", "/assets/cek.js", "/assets/dtsen.css"} {
		first := get(t, h, http.MethodGet, target, nil)
		full := body(t, first)
		etag := first.Header.Get("ETag")
		if !regexp.MustCompile(`^"[0-9a-f]{24}"$`).MatchString(etag) {
			t.Fatalf("GET %s: ETag %q is not a strong tag", target, etag)
		}
		for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
			res := get(t, h, http.MethodGet, target, map[string]string{"If-None-Match": inm})
			if res.StatusCode != http.StatusNotModified || body(t, res) != "" {
				t.Errorf("GET %s If-None-Match %s: %d, want 304 without a body", target, inm, res.StatusCode)
			}
			if res.Header.Get("ETag") != etag || res.Header.Get("Cache-Control") == "" {
				t.Errorf("GET %s 304: ETag %q, Cache-Control %q", target, res.Header.Get("ETag"), res.Header.Get("Cache-Control"))
			}
			checkSecurityHeaders(t, target+" 304", res)
		}
		if res := get(t, h, http.MethodGet, target, map[string]string{"If-None-Match": `"stale"`}); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s with a stale tag: %d", target, res.StatusCode)
		}

		// The gzip variant is its own representation with its own tag.
		gz := get(t, h, http.MethodGet, target, map[string]string{"Accept-Encoding": "gzip, deflate, br"})
		if gz.Header.Get("Content-Encoding") != "gzip" || gz.Header.Get("Vary") != "Accept-Encoding" {
			t.Fatalf("GET %s gzip: Content-Encoding %q, Vary %q", target, gz.Header.Get("Content-Encoding"), gz.Header.Get("Vary"))
		}
		gzTag := gz.Header.Get("ETag")
		if gzTag == etag {
			t.Errorf("GET %s: gzip and identity share the ETag %s", target, etag)
		}
		zr, err := gzip.NewReader(gz.Body)
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := io.ReadAll(zr)
		if string(plain) != full {
			t.Errorf("GET %s: the gzip body differs from the plain one", target)
		}
		if res := get(t, h, http.MethodGet, target, map[string]string{"Accept-Encoding": "gzip", "If-None-Match": gzTag}); res.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s gzip If-None-Match: %d", target, res.StatusCode)
		}
		if res := get(t, h, http.MethodGet, target, map[string]string{"Accept-Encoding": "gzip;q=0"}); res.Header.Get("Content-Encoding") != "" {
			t.Errorf("GET %s: gzip sent although refused with q=0", target)
		}
	}
}

func TestMethodsAndUnknownPaths(t *testing.T) {
	h := Handler(Options{})
	if res := get(t, h, http.MethodHead, "/", nil); res.StatusCode != http.StatusOK || body(t, res) != "" || res.Header.Get("Content-Length") == "" {
		t.Errorf("HEAD /: %d, Content-Length %q", res.StatusCode, res.Header.Get("Content-Length"))
	}
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		res := get(t, h, m, "/", nil)
		if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s /: %d, Allow %q", m, res.StatusCode, res.Header.Get("Allow"))
		}
		checkSecurityHeaders(t, m+" /", res)
	}
	for _, p := range []string{"/index.html", "/officer/", "/assets/", "/assets/nope.js", "/assets/../web.go", "/static/index.html", "/v1/cases"} {
		res := get(t, h, http.MethodGet, p, nil)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, res.StatusCode)
		}
		checkSecurityHeaders(t, p, res)
	}
}

func TestOfficialOrigin(t *testing.T) {
	h := Handler(Options{OfficialOrigin: "https://CekDTSEN.kemensos.go.id/"})
	page := body(t, get(t, h, http.MethodGet, "/", nil))
	// Rendered by the server, where the page's script compares it with
	// location.origin (which is lower case and has no trailing slash).
	for _, want := range []string{
		`<meta name="dtsen-official-origin" content="https://cekdtsen.kemensos.go.id">`,
		`data-testid="origin-official">https://cekdtsen.kemensos.go.id</strong>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the citizen page lacks %s", want)
		}
	}
	dev := body(t, get(t, Handler(Options{}), http.MethodGet, "/", nil))
	if !strings.Contains(dev, `<meta name="dtsen-official-origin" content="">`) {
		t.Error("without an official origin the page must leave it empty for the script to fill")
	}

	for _, bad := range []string{"cekdtsen.go.id", "ftp://x.go.id", "https://x.go.id/path", "https://x.go.id?q=1", "https://u@x.go.id", `https://"><script>`, "https://"} {
		if (Options{OfficialOrigin: bad}).Validate() == nil {
			t.Errorf("Validate accepted %q", bad)
		}
	}
	for _, good := range []string{"", "https://cekdtsen.go.id", "http://127.0.0.1:8080", "https://x.go.id:8443"} {
		if err := (Options{OfficialOrigin: good}).Validate(); err != nil {
			t.Errorf("Validate(%q): %v", good, err)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Handler accepted an invalid official origin")
		}
	}()
	Handler(Options{OfficialOrigin: "not an origin"})
}

// ---- static checks on the embedded files

func staticFiles(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(staticFS, p)
		out[strings.TrimPrefix(p, "static/")] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var importRe = regexp.MustCompile(`(?m)^import [^;]*? from '\./([\w.-]+)';`)

// loads lists the assets a page loads: its links and scripts, the modules
// they import, and (separately) the data files it may fetch on demand.
func loads(t *testing.T, route string) (code, data []string) {
	t.Helper()
	files := staticFiles(t)
	names, err := PageAssets(route)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var visit func(string)
	visit = func(n string) {
		if seen[n] {
			return
		}
		seen[n] = true
		if path.Ext(n) == ".json" {
			data = append(data, n)
			return
		}
		code = append(code, n)
		for _, m := range importRe.FindAllStringSubmatch(files["assets/"+n], -1) {
			visit(m[1])
		}
	}
	for _, n := range names {
		visit(n)
	}
	return code, data
}

// TestPageBudgets holds each page to its weight: what a browser transfers
// (uncompressed) to show it, as served.
func TestPageBudgets(t *testing.T) {
	h := Handler(Options{OfficialOrigin: "https://cekdtsen.kemensos.go.id"})
	size := func(target string) int {
		res := get(t, h, http.MethodGet, target, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", target, res.StatusCode)
		}
		return len(body(t, res))
	}
	budgets := map[string]int{"/": 40_000, "/officer": 120_000, "/analyst": 120_000, "/admin": 120_000, "/docs": 120_000}
	for _, route := range slices.Sorted(func(yield func(string) bool) {
		for r := range Pages {
			if !yield(r) {
				return
			}
		}
	}) {
		code, data := loads(t, route)
		total := size(route)
		parts := []string{route + " " + itoa(total)}
		for _, n := range code {
			s := size(AssetPrefix + n)
			total += s
			parts = append(parts, n+" "+itoa(s))
		}
		t.Logf("%-8s %6d bytes (%s)", route, total, strings.Join(parts, ", "))
		if total > budgets[route] {
			t.Errorf("%s weighs %d bytes (HTML+CSS+JS), over its budget of %d", route, total, budgets[route])
		}
		// A dictionary fetched only when the visitor asks for English.
		for _, n := range data {
			s := size(AssetPrefix + n)
			t.Logf("%-8s + %s %d bytes, on demand", route, n, s)
			if s > 10_000 {
				t.Errorf("%s: %s weighs %d bytes, over 10000", route, n, s)
			}
		}
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestNoExternalURLs(t *testing.T) {
	urlRe := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}[^\s"'<>)]*|https?://[^\s"'<>)]+`)
	for name, text := range staticFiles(t) {
		for _, u := range urlRe.FindAllString(text, -1) {
			// The SVG namespace is a name, never fetched.
			if u == "http://www.w3.org/2000/svg" {
				continue
			}
			t.Errorf("%s names another host: %s", name, u)
		}
		if strings.HasSuffix(name, ".html") {
			for _, m := range regexp.MustCompile(`(?i)\s(?:src|href|action)="([^"]*)"`).FindAllStringSubmatch(text, -1) {
				if u := m[1]; !(strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//")) && !strings.HasPrefix(u, "#") && u != "data:," {
					t.Errorf("%s loads or links %q: only this origin's paths are allowed", name, u)
				}
			}
		}
	}
}

// TestCSPCompatible: no inline script, event-handler attribute, inline style
// or javascript: URL (the CSP would block them), and no HTML-string DOM sink
// (the pages build the DOM from text; Trusted Types enforce it).
func TestCSPCompatible(t *testing.T) {
	scriptRe := regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script>`)
	for name, text := range staticFiles(t) {
		switch path.Ext(name) {
		case ".html":
			for _, m := range scriptRe.FindAllStringSubmatch(text, -1) {
				if strings.TrimSpace(m[2]) != "" || !strings.Contains(m[1], `src="/assets/`) {
					t.Errorf("%s has an inline script: %s", name, m[0])
				}
			}
			if strings.Count(text, "<script") != len(scriptRe.FindAllString(text, -1)) {
				t.Errorf("%s has a script tag that does not close", name)
			}
			for _, bad := range []*regexp.Regexp{
				regexp.MustCompile(`(?i)<[^>]*\son[a-z]+\s*=`),
				regexp.MustCompile(`(?i)<[^>]*\sstyle\s*=`),
				regexp.MustCompile(`(?i)<style\b`),
				regexp.MustCompile(`(?i)javascript:`),
			} {
				if m := bad.FindString(text); m != "" {
					t.Errorf("%s: %s is blocked by the CSP", name, m)
				}
			}
		case ".js":
			for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "setAttribute('style'", "javascript:", "localStorage.setItem('dtsen.staff", "localStorage.setItem(STORE"} {
				if strings.Contains(text, bad) {
					t.Errorf("%s uses %s", name, bad)
				}
			}
		}
	}
	// Storage holds the language choice and the staff token (sessionStorage,
	// this tab only), nothing else: never the citizen's session token.
	allowed := []string{"localStorage.setItem('dtsen.lang'", "sessionStorage.setItem(TOKEN"}
	for name, text := range staticFiles(t) {
		for _, m := range regexp.MustCompile(`\w*Storage\.setItem\([^,]*`).FindAllString(text, -1) {
			if !slices.Contains(allowed, m) {
				t.Errorf("%s stores something else: %s", name, m)
			}
		}
	}
	if strings.Contains(staticFiles(t)["assets/cek.js"], "sessionStorage") {
		t.Error("cek.js uses sessionStorage: the citizen's session token stays in memory")
	}
}

// TestInputsLabelled: every form control in the pages has a label, either
// <label for=id> or around it.
func TestInputsLabelled(t *testing.T) {
	controlRe := regexp.MustCompile(`(?is)<(input|select|textarea)\b([^>]*)>`)
	idRe := regexp.MustCompile(`\sid="([^"]+)"`)
	wrapRe := regexp.MustCompile(`(?is)<label\b[^>]*>.*?</label>`)
	for name, text := range staticFiles(t) {
		if path.Ext(name) != ".html" {
			continue
		}
		wrapped := map[string]bool{}
		for _, l := range wrapRe.FindAllString(text, -1) {
			for _, c := range controlRe.FindAllString(l, -1) {
				wrapped[c] = true
			}
		}
		for _, m := range controlRe.FindAllStringSubmatch(text, -1) {
			if strings.Contains(m[2], `type="hidden"`) || wrapped[m[0]] {
				continue
			}
			id := idRe.FindStringSubmatch(m[2])
			if id == nil || !strings.Contains(text, `<label for="`+id[1]+`"`) {
				t.Errorf("%s: %s has no label", name, m[0])
			}
		}
	}
	// Controls built by scripts get labels too: every h('input'|'select'|
	// 'textarea', {id: ...}) is paired with h('label', {for: ...}).
	for name, text := range staticFiles(t) {
		if path.Ext(name) != ".js" {
			continue
		}
		made := len(regexp.MustCompile(`h\('(input|select|textarea)', \{ id`).FindAllString(text, -1))
		labels := len(regexp.MustCompile(`h\('label', \{ for: `).FindAllString(text, -1))
		if labels < made {
			t.Errorf("%s builds %d form controls but only %d labels", name, made, labels)
		}
	}
}

var (
	dictRe  = regexp.MustCompile(`(?s)/\* i18n:begin \*/(.*?)/\* i18n:end \*/`)
	i18nRe  = regexp.MustCompile(`data-i18n="([^"]+)"`)
	tCallRe = regexp.MustCompile(`\bt\('([a-z][\w.]*)'\s*[,)]`)
	// t('state.' + x): a key built at run time; some key must have the prefix.
	tDynRe = regexp.MustCompile(`\bt\('([a-z][\w.]*\.)'\s*\+`)
)

type dicts struct{ id, en map[string]string }

// dictionaries reads the JSON dictionaries between the markers in a script:
// {id: {...}, en: {...}}, or for cek.js the Indonesian one alone.
func dictionaries(t *testing.T, name, text string) dicts {
	t.Helper()
	d := dicts{id: map[string]string{}, en: map[string]string{}}
	for _, m := range dictRe.FindAllStringSubmatch(text, -1) {
		var both struct{ ID, EN map[string]string }
		if err := json.Unmarshal([]byte(m[1]), &both); err != nil {
			t.Fatalf("%s: the dictionary between the markers is not JSON: %v", name, err)
		}
		if both.ID == nil && both.EN == nil {
			if err := json.Unmarshal([]byte(m[1]), &both.ID); err != nil {
				t.Fatal(err)
			}
		}
		for k, v := range both.ID {
			d.id[k] = v
		}
		for k, v := range both.EN {
			d.en[k] = v
		}
	}
	return d
}

func keys[M ~map[string]V, V any](m M) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func diff(a, b map[string]bool) []string {
	var out []string
	for k := range a {
		if !b[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// TestDictionaries: both languages have the same keys on every page. The
// Indonesian static text is the HTML's own (data-i18n), so the Indonesian
// keys are the page's data-i18n keys plus its scripts' "id" dictionaries;
// English has them all. Every t('key') a script writes exists.
func TestDictionaries(t *testing.T) {
	files := staticFiles(t)
	for route, page := range Pages {
		code, data := loads(t, route)
		id := map[string]bool{}
		en := map[string]bool{}
		var used, prefixes []string
		for _, m := range i18nRe.FindAllStringSubmatch(files[page], -1) {
			id[m[1]] = true
		}
		htmlKeys := len(id)
		for _, n := range code {
			if path.Ext(n) != ".js" {
				continue
			}
			d := dictionaries(t, n, files["assets/"+n])
			for k, v := range d.id {
				if strings.TrimSpace(v) == "" {
					t.Errorf("%s: id %q is empty", n, k)
				}
				id[k] = true
			}
			for k, v := range d.en {
				if strings.TrimSpace(v) == "" {
					t.Errorf("%s: en %q is empty", n, k)
				}
				en[k] = true
			}
			for _, m := range tCallRe.FindAllStringSubmatch(files["assets/"+n], -1) {
				used = append(used, m[1])
			}
			for _, m := range tDynRe.FindAllStringSubmatch(files["assets/"+n], -1) {
				prefixes = append(prefixes, m[1])
			}
		}
		for _, n := range data {
			var d map[string]string
			if err := json.Unmarshal([]byte(files["assets/"+n]), &d); err != nil {
				t.Fatalf("%s: %v", n, err)
			}
			for k := range d {
				en[k] = true
			}
		}
		if htmlKeys == 0 || len(en) == 0 {
			t.Fatalf("%s: no dictionary found", route)
		}
		// Keys English lacks are always an error. English keys without an
		// Indonesian source are an error on the citizen page; staff pages share
		// one dictionary (staff.js), whose sign-in strings the docs page,
		// which needs no token, does not show.
		if missing := diff(id, en); len(missing) > 0 {
			t.Errorf("%s: English lacks %v", route, missing)
		}
		extra := diff(en, id)
		if route != "/" {
			extra = slices.DeleteFunc(extra, func(k string) bool { return staffOnlyElsewhere(t, files, k) })
		}
		if len(extra) > 0 {
			t.Errorf("%s: Indonesian lacks %v", route, extra)
		}
		for _, k := range used {
			if !id[k] && !en[k] {
				t.Errorf("%s: t(%q) has no string", route, k)
			}
		}
		for _, p := range prefixes {
			if !slices.ContainsFunc(keys(en), func(k string) bool { return strings.HasPrefix(k, p) }) {
				t.Errorf("%s: no string starts with %q, which a script builds keys from", route, p)
			}
		}
	}
}

// staffOnlyElsewhere reports whether key is static text of another staff
// page (so the shared dictionary carries its English on every page).
func staffOnlyElsewhere(t *testing.T, files map[string]string, key string) bool {
	t.Helper()
	for route, page := range Pages {
		if route != "/" && strings.Contains(files[page], `data-i18n="`+key+`"`) {
			return true
		}
	}
	return false
}

// TestTestIDsDocumented: every data-testid in the pages and scripts is
// listed in docs/web.md, which the browser tests are written from.
func TestTestIDsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/web.md")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, text := range staticFiles(t) {
		for _, re := range []*regexp.Regexp{regexp.MustCompile(`data-testid="([^"]+)"`), regexp.MustCompile(`testid: '([^']+)'`),
			regexp.MustCompile(`objectButton\([^,]+, '([^']+)'\)`)} {
			for _, m := range re.FindAllStringSubmatch(text, -1) {
				// 'factor-' + k: a family of ids built at run time, documented
				// by their full names.
				if !strings.HasSuffix(m[1], "-") {
					ids[m[1]] = true
				}
			}
		}
	}
	if len(ids) < 50 {
		t.Fatalf("only %d data-testids found", len(ids))
	}
	for _, id := range keys(ids) {
		if !bytes.Contains(doc, []byte("`"+id+"`")) {
			t.Errorf("data-testid %q is not in docs/web.md", id)
		}
	}
}

func TestPageAssets(t *testing.T) {
	got, err := PageAssets("/")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"cek.en.json", "dtsen.css", "cek.js"}; !slices.Equal(got, want) {
		t.Errorf("PageAssets(/) = %v, want %v", got, want)
	}
	if _, err := PageAssets("/nope"); err == nil {
		t.Error("PageAssets of an unknown page succeeded")
	}
}
