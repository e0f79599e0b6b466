package k8s

import (
	"encoding/json"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// TestRankingCronJob checks the national ranking: quarterly in Jakarta time,
// never two at once, `dtsenctl rank --wait` against scoring with the run id
// of its Job (so a retried pod follows the same run), client credentials
// from a Secret; suspended in dev (plaintext), running with its client
// certificate in production.
func TestRankingCronJob(t *testing.T) {
	for _, o := range overlays {
		t.Run(o, func(t *testing.T) {
			c := build(t, o)
			cj, ok := c.cronJobs["national-ranking"]
			if !ok {
				t.Fatal("no CronJob national-ranking")
			}
			s := cj.Spec
			if s.Schedule != "0 2 1 1,4,7,10 *" {
				t.Errorf("schedule %q, want quarterly 0 2 1 1,4,7,10 *", s.Schedule)
			}
			if s.TimeZone == nil || *s.TimeZone != "Asia/Jakarta" {
				t.Errorf("timeZone %v, want Asia/Jakarta", s.TimeZone)
			}
			if s.ConcurrencyPolicy != batchv1.ForbidConcurrent {
				t.Errorf("concurrencyPolicy %q, want Forbid", s.ConcurrencyPolicy)
			}
			suspended := s.Suspend != nil && *s.Suspend
			if want := o == "dev"; suspended != want {
				t.Errorf("suspend = %v, want %v", suspended, want)
			}
			pod := s.JobTemplate.Spec.Template.Spec
			if pod.RestartPolicy != corev1.RestartPolicyNever && pod.RestartPolicy != corev1.RestartPolicyOnFailure {
				t.Errorf("restartPolicy %q", pod.RestartPolicy)
			}
			if len(pod.Containers) != 1 {
				t.Fatalf("%d containers, want 1", len(pod.Containers))
			}
			ctr := pod.Containers[0]
			args := strings.Join(append(slices.Clone(ctr.Command), ctr.Args...), " ")
			if !strings.HasPrefix(args, "rank ") || !strings.Contains(args, "--wait") {
				t.Errorf("args %q, want dtsenctl rank --wait", args)
			}
			if !strings.Contains(args, "--run-id=$(DTSEN_RANK_RUN_ID)") {
				t.Errorf("args %q do not name the run after the Job", args)
			}
			var runID *corev1.EnvVar
			for i := range ctr.Env {
				if ctr.Env[i].Name == "DTSEN_RANK_RUN_ID" {
					runID = &ctr.Env[i]
				}
			}
			if runID == nil || runID.ValueFrom == nil || runID.ValueFrom.FieldRef == nil ||
				runID.ValueFrom.FieldRef.FieldPath != "metadata.labels['batch.kubernetes.io/job-name']" {
				t.Errorf("DTSEN_RANK_RUN_ID must come from the pod's job-name label")
			}
			env := c.env(ctr)
			wantEnv(t, "ranking", env, "DTSEN_CTL_SCORING_ADDR", fmt.Sprintf("scoring:%d", grpcPort))
			wantEnv(t, "ranking", env, "DTSEN_CTL_CLIENT_SECRET", "<from Secret ranking-secrets>")
			if env["DTSEN_CTL_CLIENT_ID"] == "" || env["DTSEN_AUTH_ISSUER"] == "" {
				t.Error("the job needs DTSEN_CTL_CLIENT_ID and DTSEN_AUTH_ISSUER for client credentials")
			}
			if o == "production" {
				if !strings.HasPrefix(env["DTSEN_AUTH_ISSUER"], "https://") {
					t.Errorf("dtsenctl sends its client secret only to an https issuer, got %q", env["DTSEN_AUTH_ISSUER"])
				}
				checkTLSFiles(t, "ranking", &pod, ctr, "ranking-tls",
					env["DTSEN_CTL_TLS_CERT"], env["DTSEN_CTL_TLS_KEY"], env["DTSEN_CTL_TLS_CA"])
			}
		})
	}
}

// checkTLSFiles: the three files are set and lie in a whole-Secret mount of
// secretName (no subPath: the kubelet never refreshes those, and rotation
// relies on it).
func checkTLSFiles(t *testing.T, name string, pod *corev1.PodSpec, ctr corev1.Container, secretName string, files ...string) {
	t.Helper()
	var volume string
	for _, v := range pod.Volumes {
		if v.Secret != nil && v.Secret.SecretName == secretName {
			volume = v.Name
		}
	}
	if volume == "" {
		t.Errorf("%s: no volume of the Secret %s", name, secretName)
		return
	}
	var mount *corev1.VolumeMount
	for i := range ctr.VolumeMounts {
		if ctr.VolumeMounts[i].Name == volume {
			mount = &ctr.VolumeMounts[i]
		}
	}
	if mount == nil {
		t.Errorf("%s: the volume %s is not mounted", name, volume)
		return
	}
	if mount.SubPath != "" || mount.SubPathExpr != "" {
		t.Errorf("%s: %s is mounted with a subPath; renewed certificates would never reach the pod", name, secretName)
	}
	if !mount.ReadOnly {
		t.Errorf("%s: %s is mounted read-write", name, secretName)
	}
	for _, f := range files {
		if f == "" || path.Dir(f) != path.Clean(mount.MountPath) {
			t.Errorf("%s: TLS file %q is not in the mount %s of %s", name, f, mount.MountPath, secretName)
		}
	}
}

// TestProductionOverlay checks what production adds: mutual TLS everywhere
// with each workload's own certificate, three or more replicas of the
// gateway and the source contexts spread across zones, and the Ingress.
func TestProductionOverlay(t *testing.T) {
	c := build(t, "production")
	for _, name := range sortedKeys(c.deployments) {
		d := c.deployments[name]
		pod := &d.Spec.Template.Spec
		ctr := pod.Containers[0]
		env := c.env(ctr)
		checkTLSFiles(t, name, pod, ctr, name+"-tls", env["DTSEN_TLS_CERT_FILE"], env["DTSEN_TLS_KEY_FILE"], env["DTSEN_TLS_CA_FILE"])

		minReplicas := int32(0)
		for _, h := range c.hpas {
			if h.Spec.ScaleTargetRef.Name == name && h.Spec.MinReplicas != nil {
				minReplicas = *h.Spec.MinReplicas
			}
		}
		if name == "gateway" || slices.Contains(sources, name) {
			if minReplicas < 3 {
				t.Errorf("%s: minReplicas %d, want at least 3", name, minReplicas)
			}
		}
		if minReplicas > 1 {
			var zone bool
			for _, tsc := range pod.TopologySpreadConstraints {
				sel := labels.SelectorFromSet(tsc.LabelSelector.MatchLabels)
				if tsc.TopologyKey == "topology.kubernetes.io/zone" && sel.Matches(labels.Set(d.Spec.Template.Labels)) &&
					len(tsc.LabelSelector.MatchLabels) > 0 {
					zone = true
				}
			}
			if !zone {
				t.Errorf("%s: replicas are not spread across zones", name)
			}
		}
	}
	ing, ok := c.ingresses["gateway"]
	if !ok {
		t.Fatal("no Ingress for the gateway")
	}
	if len(ing.Spec.TLS) == 0 {
		t.Error("the Ingress serves no TLS")
	}
	for _, r := range ing.Spec.Rules {
		for _, p := range r.HTTP.Paths {
			b := p.Backend.Service
			s, ok := c.services[b.Name]
			if !ok || b.Name != "gateway" {
				t.Errorf("Ingress backend %q is not the gateway Service", b.Name)
				continue
			}
			if !slices.ContainsFunc(s.Spec.Ports, func(sp corev1.ServicePort) bool {
				return (b.Port.Name != "" && sp.Name == b.Port.Name) || (b.Port.Number != 0 && sp.Port == b.Port.Number)
			}) {
				t.Errorf("Ingress backend port %v is not a port of the gateway Service", b.Port)
			}
		}
	}
	gw := c.env(c.deployments["gateway"].Spec.Template.Spec.Containers[0])
	if gw["DTSEN_GATEWAY_TRUSTED_PROXIES"] == "" {
		t.Error("DTSEN_GATEWAY_TRUSTED_PROXIES is empty: behind the Ingress every client would share the controller's IP limits")
	}
	if !strings.HasPrefix(gw["DTSEN_GATEWAY_OFFICIAL_ORIGIN"], "https://") {
		t.Error("DTSEN_GATEWAY_OFFICIAL_ORIGIN is not an https origin")
	}
}

// TestDevOverlay: one replica of everything, plaintext, the kubelet's own
// gRPC probes.
func TestDevOverlay(t *testing.T) {
	c := build(t, "dev")
	for name, h := range c.hpas {
		if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas != 1 {
			t.Errorf("HPA %s: minReplicas %v, want 1 in dev", name, h.Spec.MinReplicas)
		}
	}
	for name, d := range c.deployments {
		env := c.env(d.Spec.Template.Spec.Containers[0])
		if env["DTSEN_TLS_CERT_FILE"] != "" {
			t.Errorf("%s: TLS is configured in dev, where no certificates are issued", name)
		}
	}
}

// certificate is the part of cert-manager's Certificate (cert-manager.io/v1)
// DTSEN uses; decoding into it strictly catches a misspelt field.
type certificate struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string            `json:"name"`
		Namespace string            `json:"namespace"`
		Labels    map[string]string `json:"labels"`
	} `json:"metadata"`
	Spec struct {
		SecretName string `json:"secretName"`
		CommonName string `json:"commonName"`
		IsCA       bool   `json:"isCA"`
		Subject    *struct {
			Organizations []string `json:"organizations"`
		} `json:"subject"`
		DNSNames    []string `json:"dnsNames"`
		Usages      []string `json:"usages"`
		Duration    string   `json:"duration"`
		RenewBefore string   `json:"renewBefore"`
		PrivateKey  struct {
			Algorithm      string `json:"algorithm"`
			Size           int    `json:"size"`
			RotationPolicy string `json:"rotationPolicy"`
		} `json:"privateKey"`
		IssuerRef struct {
			Name  string `json:"name"`
			Kind  string `json:"kind"`
			Group string `json:"group"`
		} `json:"issuerRef"`
	} `json:"spec"`
}

// TestCertificatesCoverTheTLSSecrets: deploy/k8s/cert-manager and the
// registry's Certificate in deploy/tls/cert-manager.yaml issue every
// "-tls" Secret the production overlay mounts, each valid for the names its
// peers dial, and the workloads' mirror the registry's in everything else.
func TestCertificatesCoverTheTLSSecrets(t *testing.T) {
	certs := map[string]certificate{}
	load := func(objs [][]byte, source string) {
		for _, data := range objs {
			var probe struct {
				Kind string `json:"kind"`
			}
			if err := json.Unmarshal(data, &probe); err != nil {
				t.Fatalf("%s: %v", source, err)
			}
			if probe.Kind != "Certificate" {
				continue // the Issuers of deploy/tls/cert-manager.yaml
			}
			var c certificate
			if err := decodeStrict(data, &c); err != nil {
				t.Fatalf("%s: Certificate: %v", source, err)
			}
			if c.APIVersion != "cert-manager.io/v1" {
				t.Errorf("%s: Certificate %s has apiVersion %q", source, c.Metadata.Name, c.APIVersion)
			}
			if _, dup := certs[c.Spec.SecretName]; dup {
				t.Errorf("%s: a second Certificate for the Secret %s", source, c.Spec.SecretName)
			}
			certs[c.Spec.SecretName] = c
		}
	}
	tlsFile := filepath.Join("..", "tls", "cert-manager.yaml")
	objs, err := readYAMLFile(tlsFile)
	if err != nil {
		t.Fatal(err)
	}
	load(objs, tlsFile)
	objs, err = kustomize("cert-manager")
	if err != nil {
		t.Fatal(err)
	}
	load(objs, "deploy/k8s/cert-manager")

	registry, ok := certs["registry-tls"]
	if !ok {
		t.Fatalf("%s no longer issues registry-tls", tlsFile)
	}
	prod := build(t, "production")
	for name := range prod.podTemplates() {
		secret := name + "-tls"
		cert, ok := certs[secret]
		if !ok {
			t.Errorf("%s: no Certificate issues the Secret %s", name, secret)
			continue
		}
		if cert.Metadata.Namespace != namespace {
			t.Errorf("Certificate %s is in namespace %q", cert.Metadata.Name, cert.Metadata.Namespace)
		}
		if cert.Spec.IssuerRef != registry.Spec.IssuerRef || cert.Spec.PrivateKey != registry.Spec.PrivateKey ||
			cert.Spec.Duration != registry.Spec.Duration || cert.Spec.RenewBefore != registry.Spec.RenewBefore {
			t.Errorf("Certificate %s differs from the registry's in its issuer, key or lifetime", cert.Metadata.Name)
		}
		if _, isDeployment := prod.deployments[name]; isDeployment {
			if !equalStrings(cert.Spec.Usages, registry.Spec.Usages) {
				t.Errorf("Certificate %s usages %v, want the registry's %v (server and client)", cert.Metadata.Name, cert.Spec.Usages, registry.Spec.Usages)
			}
			for _, dns := range []string{name, name + "." + namespace, name + "." + namespace + ".svc", name + "." + namespace + ".svc.cluster.local"} {
				if !slices.Contains(cert.Spec.DNSNames, dns) {
					t.Errorf("Certificate %s lacks the name %s that peers dial", cert.Metadata.Name, dns)
				}
			}
		} else if !slices.Contains(cert.Spec.Usages, "client auth") {
			t.Errorf("Certificate %s (for the %s job) lacks client auth", cert.Metadata.Name, name)
		}
	}
}
