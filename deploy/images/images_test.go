package images

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const root = "../.."

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func manifests(t *testing.T, pattern string) map[string]string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(root, pattern))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no manifests match %s (%v)", pattern, err)
	}
	out := map[string]string{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[p] = string(b)
	}
	return out
}

// Every image the manifests run is a command the Dockerfile can build: a
// service at services/<name>/cmd/<name>, or <name>/cmd/<name> (the gateway).
func TestEveryImageHasACommand(t *testing.T) {
	image := regexp.MustCompile(`image: ghcr\.io/dtsen-id/dtsen/([a-z]+)`)
	seen := 0
	for path, body := range manifests(t, "deploy/k8s/base/*/*.yaml") {
		for _, m := range image.FindAllStringSubmatch(body, -1) {
			seen++
			name := m[1]
			_, errService := os.Stat(filepath.Join(root, "services", name, "cmd", name))
			_, errTop := os.Stat(filepath.Join(root, name, "cmd", name))
			if errService != nil && errTop != nil {
				t.Errorf("%s runs image %s, but there is no services/%s/cmd/%s or %s/cmd/%s to build it from",
					path, name, name, name, name, name)
			}
		}
	}
	if seen < 8 {
		t.Errorf("found %d images in the base manifests, want the six services, the gateway and dtsenctl", seen)
	}
}

// The image runs as the uid the manifests' securityContext names, and puts
// the health probe where the production readiness probes call it.
func TestImageMatchesTheManifests(t *testing.T) {
	dockerfile := read(t, "deploy/images/Dockerfile")
	final := dockerfile[strings.LastIndex(dockerfile, "\nFROM "):]

	user := regexp.MustCompile(`(?m)^USER (\d+):(\d+)$`).FindStringSubmatch(final)
	if user == nil {
		t.Fatal("the final stage sets no numeric USER uid:gid")
	}
	runAs := regexp.MustCompile(`(?:runAsUser|runAsGroup|fsGroup): (\d+)`)
	for path, body := range manifests(t, "deploy/k8s/base/*/*.yaml") {
		for _, m := range runAs.FindAllStringSubmatch(body, -1) {
			if m[1] != user[1] {
				t.Errorf("%s: %s, but the image's USER is %s", path, m[0], user[1])
			}
		}
	}

	probe := regexp.MustCompile(`- (/\S*grpc_health_probe)`)
	for path, body := range manifests(t, "deploy/k8s/overlays/production/patches/*.yaml") {
		for _, m := range probe.FindAllStringSubmatch(body, -1) {
			if !strings.Contains(final, "grpc-health-probe "+m[1]+"\n") {
				t.Errorf("%s calls %s, which the image does not install there", path, m[1])
			}
		}
	}
}

// The build stage uses the toolchain go.work names, so an image is built
// with the Go the tests ran on.
func TestBuildUsesTheWorkspaceToolchain(t *testing.T) {
	work := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(read(t, "go.work"))
	from := regexp.MustCompile(`(?m)^FROM golang:(\d+\.\d+)\S* AS build$`).FindStringSubmatch(read(t, "deploy/images/Dockerfile"))
	if work == nil || from == nil || work[1] != from[1] {
		t.Errorf("go.work says go %v, the Dockerfile builds with golang:%v", work, from)
	}
}
