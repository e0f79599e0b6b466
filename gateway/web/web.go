// Package web serves DTSEN's web pages from the gateway's own origin
// (issue 8): the citizen page "Cek DTSEN" at /, the officer console at
// /officer, the analyst dashboard at /analyst, the administrator's page at
// /admin and the browsable OpenAPI document at /docs, with their shared
// assets under /assets/.
//
// Everything is embedded in the gateway binary: there is no separate web
// server, no build step, no framework and no third-party origin. The pages
// are plain HTML, one small style sheet and plain JavaScript that calls the
// gateway's REST API (docs/gateway.md) from the same origin, so the strict
// Content-Security-Policy below holds (no inline script, no inline style,
// nothing from another host). docs/web.md describes the pages, their page
// weight budgets and the data-testid attributes browser tests rely on.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"
)

//go:embed static
var staticFS embed.FS

// Options configures Handler.
type Options struct {
	// OfficialOrigin is the platform's official public origin, scheme and
	// host (and port, if not the default) with no path, e.g.
	// "https://cekdtsen.kemensos.go.id". The citizen page shows it in its
	// banner, rendered on the server, and the page's script compares it
	// with the address the browser actually shows (location.origin): a copy
	// of the page served from a look-alike host warns that it is not the
	// official address. Empty (development): the banner shows the current
	// origin and says that no official origin is configured.
	OfficialOrigin string
}

// Validate reports whether the options can be served; Handler panics on
// options that do not validate, so call it where configuration is read.
func (o Options) Validate() error {
	if o.OfficialOrigin == "" {
		return nil
	}
	u, err := url.Parse(o.OfficialOrigin)
	if err != nil {
		return fmt.Errorf("web: official origin %q: %w", o.OfficialOrigin, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || !hostRe.MatchString(u.Host) || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("web: official origin %q must be scheme://host[:port] with nothing after it", o.OfficialOrigin)
	}
	return nil
}

// hostRe is a host name or address, with an optional port.
var hostRe = regexp.MustCompile(`^([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$`)

// officialOrigin is the origin as location.origin spells it: lower case,
// no trailing slash.
func (o Options) officialOrigin() string {
	if o.OfficialOrigin == "" {
		return ""
	}
	u, _ := url.Parse(o.OfficialOrigin)
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

// Pages maps each page's path to its HTML file under static/. The lead
// mounts Handler at exactly these paths plus AssetPrefix.
var Pages = map[string]string{
	"/":        "index.html",
	"/officer": "officer.html",
	"/analyst": "analyst.html",
	"/admin":   "admin.html",
	"/docs":    "docs.html",
}

// AssetPrefix is the path prefix of the pages' style sheets and scripts.
const AssetPrefix = "/assets/"

// ContentSecurityPolicy is sent with every response of the handler.
//
//   - Scripts, styles and connections: this origin only, and no inline
//     script or style at all (no 'unsafe-inline', no nonces: there is nothing
//     inline to allow).
//   - No fonts (the pages use the system's), no plugins, no <base>
//     rewriting, and no framing by anyone (clickjacking).
//   - form-action 'none': every form is handled by script; if the script
//     failed to load, a form submission must not carry a NIK into a URL.
//   - Trusted Types: the pages never assign HTML strings to the DOM, and the
//     browser enforces that, closing DOM XSS sinks.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'none'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; " +
	"frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'"

// file is one response body, ready to serve.
type file struct {
	body        []byte
	gz          []byte // gzip of body, when it is smaller
	etag        string // strong ETag of body; the gzip variant appends "-gz"
	contentType string
	version     string // short content hash, the ?v= of a versioned asset URL
}

type handler struct {
	pages  map[string]*file
	assets map[string]*file
}

// Handler returns the web pages' handler. It serves GET and HEAD on the
// paths in Pages and under AssetPrefix, 404 elsewhere. It panics if opts
// does not validate.
func Handler(opts Options) http.Handler {
	if err := opts.Validate(); err != nil {
		panic(err)
	}
	h, err := build(opts)
	if err != nil {
		// The embedded files are part of the binary; failing here is a
		// build defect, caught by the package's tests.
		panic(err)
	}
	return h
}

func build(opts Options) (*handler, error) {
	h := &handler{pages: map[string]*file{}, assets: map[string]*file{}}
	assets, err := fs.Sub(staticFS, "static/assets")
	if err != nil {
		return nil, err
	}
	err = fs.WalkDir(assets, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(assets, p)
		if err != nil {
			return err
		}
		h.assets[p] = newFile(body, contentType(p))
		return nil
	})
	if err != nil {
		return nil, err
	}

	// Asset URLs in the pages carry the asset's content hash (?v=), so a
	// browser may keep an asset for a year and still gets a new one the
	// moment it changes. Longer names first: "a.js" must not match inside
	// "ba.js" (the quotes around the URL make that impossible anyway).
	names := make([]string, 0, len(h.assets))
	for n := range h.assets {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	var pairs []string
	for _, n := range names {
		pairs = append(pairs, `"`+AssetPrefix+n+`"`, `"`+AssetPrefix+n+"?v="+h.assets[n].version+`"`)
	}
	origin := opts.officialOrigin()
	// The banner's text: the official origin, or, in development, an empty
	// element the script fills with location.origin.
	pairs = append(pairs,
		"%%OFFICIAL_ORIGIN%%", html.EscapeString(origin),
	)
	versioned := strings.NewReplacer(pairs...)
	for route, name := range Pages {
		body, err := fs.ReadFile(staticFS, "static/"+name)
		if err != nil {
			return nil, err
		}
		h.pages[route] = newFile([]byte(versioned.Replace(string(body))), "text/html; charset=utf-8")
	}
	return h, nil
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".json":
		return "application/json"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

func newFile(body []byte, ctype string) *file {
	sum := sha256.Sum256(body)
	f := &file{body: body, contentType: ctype, version: hex.EncodeToString(sum[:6])}
	f.etag = `"` + hex.EncodeToString(sum[:12]) + `"`
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(body)
	_ = zw.Close()
	if buf.Len() < len(body) {
		f.gz = buf.Bytes()
	}
	return f
}

// setSecurityHeaders applies to every response of the handler, errors and
// 304s included.
func setSecurityHeaders(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", ContentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	// The field verifier's form asks for the device's position; nothing
	// else may use a sensor or payment API (the pages never take payment).
	hd.Set("Permissions-Policy", "geolocation=(self), camera=(), microphone=(), payment=(), usb=()")
	if r.TLS != nil {
		hd.Set("Strict-Transport-Security", "max-age=31536000")
	}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w, r)
	var f *file
	cache := "no-cache" // revalidate every time: a 304 costs a few bytes
	if name, ok := strings.CutPrefix(r.URL.Path, AssetPrefix); ok {
		f = h.assets[name]
		if f != nil && r.URL.Query().Get("v") == f.version {
			// The URL names this exact content (see build).
			cache = "public, max-age=31536000, immutable"
		}
	} else {
		f = h.pages[r.URL.Path]
	}
	if f == nil {
		http.Error(w, "404 page not found", http.StatusNotFound)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}

	body, etag := f.body, f.etag
	w.Header().Set("Vary", "Accept-Encoding")
	if f.gz != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		body, etag = f.gz, strings.TrimSuffix(f.etag, `"`)+`-gz"`
		w.Header().Set("Content-Encoding", "gzip")
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", cache)
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.Header().Del("Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(body)
	}
}

// acceptsGzip reads Accept-Encoding well enough for browsers: gzip listed
// without q=0.
func acceptsGzip(ae string) bool {
	for part := range strings.SplitSeq(ae, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q := strings.ReplaceAll(strings.ToLower(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

// etagMatches implements If-None-Match's weak comparison (RFC 9110
// §13.1.2): any listed tag equal to ours, ignoring W/, or "*".
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	for part := range strings.SplitSeq(header, ",") {
		tag := strings.TrimPrefix(strings.TrimSpace(part), "W/")
		if tag == "*" || tag == etag {
			return true
		}
	}
	return false
}

// errNoPage is returned by PageAssets for a path not in Pages.
var errNoPage = errors.New("web: no such page")

// PageAssets returns the asset names (relative to AssetPrefix) that the
// page at route loads, in document order; tests and the page-weight budget
// use it.
func PageAssets(route string) ([]string, error) {
	name, ok := Pages[route]
	if !ok {
		return nil, errNoPage
	}
	body, err := fs.ReadFile(staticFS, "static/"+name)
	if err != nil {
		return nil, err
	}
	var out []string
	s := string(body)
	for {
		i := strings.Index(s, `"`+AssetPrefix)
		if i < 0 {
			return out, nil
		}
		s = s[i+1+len(AssetPrefix):]
		j := strings.IndexByte(s, '"')
		if j < 0 {
			return out, nil
		}
		out = append(out, s[:j])
		s = s[j:]
	}
}
