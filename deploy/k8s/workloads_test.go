package k8s

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

const nameLabel = "app.kubernetes.io/name"

// The six contexts, the source contexts among them, and every Deployment.
var (
	services = []string{"registry", "asset", "income", "serviceusage", "scoring", "grievance"}
	sources  = []string{"registry", "asset", "income", "serviceusage"}
	// workloads are the Deployments: the contexts and the gateway.
	workloads = append(slices.Clone(services), "gateway")
)

const (
	grpcPort    = 50051
	httpPort    = 8080
	metricsPort = 9090
	imageRepo   = "ghcr.io/dtsen-id/dtsen/"
)

// externalSecrets are the Secrets (and their keys) the manifests use but do
// not define: they hold credentials, so they are created in the cluster, not
// committed (docs/deployment.md, "Secrets"; the TLS ones by cert-manager).
// Every entry must be used by some overlay, and every Secret reference must
// be either defined by the build or listed here.
var externalSecrets = map[string][]string{
	"registry-secrets":     {"database-url", "auth-client-secret"},
	"asset-secrets":        {"database-url", "auth-client-secret"},
	"income-secrets":       {"database-url", "auth-client-secret"},
	"serviceusage-secrets": {"database-url", "auth-client-secret"},
	"scoring-secrets":      {"database-url", "auth-client-secret"},
	"grievance-secrets":    {"database-url", "auth-client-secret"},
	"gateway-secrets":      {"auth-client-secret", "session-key", "rate-key-secret"},
	"dtsen-redis":          {"url"},
	"ranking-secrets":      {"client-secret"},
	// cert-manager's, in production (deploy/k8s/cert-manager and
	// deploy/tls/cert-manager.yaml): tls.crt, tls.key, ca.crt.
	"registry-tls":     {"tls.crt", "tls.key", "ca.crt"},
	"asset-tls":        {"tls.crt", "tls.key", "ca.crt"},
	"income-tls":       {"tls.crt", "tls.key", "ca.crt"},
	"serviceusage-tls": {"tls.crt", "tls.key", "ca.crt"},
	"scoring-tls":      {"tls.crt", "tls.key", "ca.crt"},
	"grievance-tls":    {"tls.crt", "tls.key", "ca.crt"},
	"gateway-tls":      {"tls.crt", "tls.key", "ca.crt"},
	"ranking-tls":      {"tls.crt", "tls.key", "ca.crt"},
	// The public certificate of the Ingress (production).
	"gateway-public-tls": {"tls.crt", "tls.key"},
}

// envPrefix is the prefix of the variables a workload's own ConfigMap sets.
func envPrefix(workload string) string {
	if workload == "ranking" {
		return "DTSEN_CTL_"
	}
	return "DTSEN_" + strings.ToUpper(workload) + "_"
}

// TestWorkloadsAreHardened checks every pod template, the CronJob's too:
// resources, the restricted security settings, no service-account token,
// and probes on every Deployment container.
func TestWorkloadsAreHardened(t *testing.T) {
	for _, o := range overlays {
		t.Run(o, func(t *testing.T) {
			c := build(t, o)
			for name, tpl := range c.podTemplates() {
				checkPodSecurity(t, name, &tpl.Spec)
				for _, ctr := range allContainers(&tpl.Spec) {
					checkResources(t, name, ctr)
					checkContainerSecurity(t, name, &tpl.Spec, ctr)
					checkImage(t, o, name, ctr)
				}
			}
			for name, d := range c.deployments {
				for _, ctr := range d.Spec.Template.Spec.Containers {
					checkProbes(t, o, name, ctr)
				}
			}
		})
	}
}

func allContainers(spec *corev1.PodSpec) []corev1.Container {
	return append(slices.Clone(spec.InitContainers), spec.Containers...)
}

func checkPodSecurity(t *testing.T, name string, spec *corev1.PodSpec) {
	t.Helper()
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		t.Errorf("%s: the pod mounts a service-account token (automountServiceAccountToken must be false)", name)
	}
	sc := spec.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
		t.Errorf("%s: pod securityContext.runAsNonRoot is not true", name)
	}
	if sc == nil || sc.RunAsUser == nil || *sc.RunAsUser == 0 {
		t.Errorf("%s: pod securityContext.runAsUser must be a non-zero UID (a named image user fails runAsNonRoot)", name)
	}
	if sc == nil || sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: pod seccompProfile is not RuntimeDefault", name)
	}
	if spec.HostNetwork || spec.HostPID || spec.HostIPC {
		t.Errorf("%s: the pod shares a host namespace", name)
	}
	for _, v := range spec.Volumes {
		if v.HostPath != nil {
			t.Errorf("%s: hostPath volume %s", name, v.Name)
		}
	}
}

func checkResources(t *testing.T, name string, ctr corev1.Container) {
	t.Helper()
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, okReq := ctr.Resources.Requests[r]
		lim, okLim := ctr.Resources.Limits[r]
		if !okReq || req.IsZero() {
			t.Errorf("%s/%s: no %s request", name, ctr.Name, r)
		}
		if !okLim || lim.IsZero() {
			t.Errorf("%s/%s: no %s limit", name, ctr.Name, r)
		}
		if okReq && okLim && req.Cmp(lim) > 0 {
			t.Errorf("%s/%s: %s request %s is above its limit %s", name, ctr.Name, r, req.String(), lim.String())
		}
	}
}

func checkContainerSecurity(t *testing.T, name string, spec *corev1.PodSpec, ctr corev1.Container) {
	t.Helper()
	sc := ctr.SecurityContext
	if sc == nil {
		t.Errorf("%s/%s: no container securityContext", name, ctr.Name)
		return
	}
	nonRoot := (sc.RunAsNonRoot != nil && *sc.RunAsNonRoot) ||
		(sc.RunAsNonRoot == nil && spec.SecurityContext != nil && spec.SecurityContext.RunAsNonRoot != nil && *spec.SecurityContext.RunAsNonRoot)
	if !nonRoot {
		t.Errorf("%s/%s: runAsNonRoot is not true", name, ctr.Name)
	}
	if sc.RunAsUser != nil && *sc.RunAsUser == 0 {
		t.Errorf("%s/%s: runs as UID 0", name, ctr.Name)
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Errorf("%s/%s: readOnlyRootFilesystem is not true", name, ctr.Name)
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("%s/%s: allowPrivilegeEscalation is not false", name, ctr.Name)
	}
	if sc.Privileged != nil && *sc.Privileged {
		t.Errorf("%s/%s: privileged", name, ctr.Name)
	}
	if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
		t.Errorf("%s/%s: capabilities do not drop ALL", name, ctr.Name)
	} else if len(sc.Capabilities.Add) > 0 {
		t.Errorf("%s/%s: adds capabilities %v", name, ctr.Name, sc.Capabilities.Add)
	}
	if sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s/%s: seccompProfile is not RuntimeDefault", name, ctr.Name)
	}
}

func checkImage(t *testing.T, overlay, name string, ctr corev1.Container) {
	t.Helper()
	binary := name
	if name == "ranking" {
		binary = "dtsenctl"
	}
	repo, tag, ok := strings.Cut(ctr.Image, ":")
	if repo != imageRepo+binary {
		t.Errorf("%s/%s: image %q is not from %s%s", name, ctr.Name, ctr.Image, imageRepo, binary)
	}
	if !ok || tag == "" || tag == "latest" {
		t.Errorf("%s/%s: image %q has no explicit tag (set one with kustomize images)", name, ctr.Name, ctr.Image)
	}
	if overlay == "production" && tag == "dev" {
		t.Errorf("%s/%s: production runs the dev image %q", name, ctr.Name, ctr.Image)
	}
}

// checkProbes: readiness and liveness on every Deployment container. The
// services' readiness is the gRPC health service on the gRPC port: the
// kubelet's grpc probe in plaintext, grpc_health_probe over mutual TLS in
// production. The gateway's are HTTP /readyz and /healthz.
func checkProbes(t *testing.T, overlay, name string, ctr corev1.Container) {
	t.Helper()
	ready, live := ctr.ReadinessProbe, ctr.LivenessProbe
	if ready == nil || live == nil {
		t.Errorf("%s/%s: needs a readiness and a liveness probe", name, ctr.Name)
		return
	}
	for _, p := range []*corev1.Probe{ready, live, ctr.StartupProbe} {
		if p != nil && handlerCount(p) != 1 {
			t.Errorf("%s/%s: a probe has %d handlers, want exactly one", name, ctr.Name, handlerCount(p))
		}
	}
	if name == "gateway" {
		if ready.HTTPGet == nil || ready.HTTPGet.Path != "/readyz" || !portIs(ctr, ready.HTTPGet.Port, httpPort) {
			t.Errorf("gateway: readiness must be HTTP GET /readyz on port %d", httpPort)
		}
		if live.HTTPGet == nil || live.HTTPGet.Path != "/healthz" || !portIs(ctr, live.HTTPGet.Port, httpPort) {
			t.Errorf("gateway: liveness must be HTTP GET /healthz on port %d", httpPort)
		}
		return
	}
	switch {
	case ready.GRPC != nil:
		if ready.GRPC.Port != grpcPort {
			t.Errorf("%s: readiness grpc probe on port %d, want %d", name, ready.GRPC.Port, grpcPort)
		}
		if overlay == "production" {
			t.Errorf("%s: production serves mutual TLS, which the kubelet's grpc probe cannot speak", name)
		}
	case ready.Exec != nil:
		cmd := strings.Join(ready.Exec.Command, " ")
		if !strings.Contains(cmd, "grpc_health_probe") || !strings.Contains(cmd, fmt.Sprintf("-addr=127.0.0.1:%d", grpcPort)) ||
			!strings.Contains(cmd, " -tls ") || !strings.Contains(cmd, "-tls-client-cert=") || !strings.Contains(cmd, "-tls-server-name="+name) {
			t.Errorf("%s: readiness exec %q is not grpc_health_probe over mutual TLS on the gRPC port", name, cmd)
		}
	default:
		t.Errorf("%s: readiness must ask the gRPC health service", name)
	}
	switch {
	case live.GRPC != nil:
		if live.GRPC.Port != grpcPort {
			t.Errorf("%s: liveness grpc probe on port %d, want %d", name, live.GRPC.Port, grpcPort)
		}
		if overlay == "production" {
			t.Errorf("%s: production liveness cannot be a plaintext grpc probe", name)
		}
	case live.TCPSocket != nil:
		if !portIs(ctr, live.TCPSocket.Port, grpcPort) {
			t.Errorf("%s: liveness TCP check not on the gRPC port", name)
		}
	default:
		t.Errorf("%s: liveness must check the gRPC port", name)
	}
}

func handlerCount(p *corev1.Probe) int {
	n := 0
	for _, set := range []bool{p.Exec != nil, p.HTTPGet != nil, p.TCPSocket != nil, p.GRPC != nil} {
		if set {
			n++
		}
	}
	return n
}

// portIs reports whether p (a number or a container port's name) is port.
func portIs(ctr corev1.Container, p intstr.IntOrString, port int32) bool {
	if p.Type == intstr.Int {
		return p.IntVal == port
	}
	for _, cp := range ctr.Ports {
		if cp.Name == p.StrVal {
			return cp.ContainerPort == port
		}
	}
	return false
}

// servingPort is the port a workload's callers use: gRPC, or the gateway's HTTP.
func servingPort(name string) (string, int32) {
	if name == "gateway" {
		return "http", httpPort
	}
	return "grpc", grpcPort
}

// TestEveryDeploymentHasItsCompanions checks that each Deployment has an
// autoscaler that owns its replica count, a disruption budget that selects
// its pods and lets a drain go on, a Service, a NetworkPolicy of its own and
// a ServiceAccount that exists and mounts no token.
func TestEveryDeploymentHasItsCompanions(t *testing.T) {
	for _, o := range overlays {
		t.Run(o, func(t *testing.T) {
			c := build(t, o)
			for _, name := range sortedKeys(c.deployments) {
				d := c.deployments[name]
				podLabels := labels.Set(d.Spec.Template.Labels)
				sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
				if err != nil || sel.Empty() || !sel.Matches(podLabels) {
					t.Errorf("%s: the Deployment's selector does not select its own pods", name)
				}
				if d.Spec.Replicas != nil {
					t.Errorf("%s: spec.replicas is set; the HorizontalPodAutoscaler owns the count", name)
				}

				minReplicas := checkHPA(t, c, name)
				checkPDB(t, c, o, name, podLabels, minReplicas)

				svcPortName, svcPort := servingPort(name)
				if s, ok := c.services[name]; !ok {
					t.Errorf("%s: no Service named %s", name, name)
				} else {
					if !selects(s.Spec.Selector, podLabels) {
						t.Errorf("%s: Service selector %v does not select the pods", name, s.Spec.Selector)
					}
					if !serviceTargets(s, d.Spec.Template.Spec.Containers[0], svcPortName, svcPort) {
						t.Errorf("%s: Service has no port reaching container port %s (%d)", name, svcPortName, svcPort)
					}
				}

				if own := ownPolicies(c, podLabels); len(own) == 0 {
					t.Errorf("%s: no NetworkPolicy of its own selects it", name)
				}
				checkServiceAccount(t, c, name, &d.Spec.Template.Spec)
			}
			for name, tpl := range c.podTemplates() {
				if _, isDeployment := c.deployments[name]; isDeployment {
					continue
				}
				if own := ownPolicies(c, labels.Set(tpl.Labels)); len(own) == 0 {
					t.Errorf("%s: no NetworkPolicy of its own selects it", name)
				}
				checkServiceAccount(t, c, name, &tpl.Spec)
			}
		})
	}
}

func checkHPA(t *testing.T, c *cluster, name string) int32 {
	t.Helper()
	var found int
	var minReplicas int32
	for _, h := range c.hpas {
		ref := h.Spec.ScaleTargetRef
		if ref.Kind != "Deployment" || ref.Name != name {
			continue
		}
		found++
		if ref.APIVersion != "apps/v1" {
			t.Errorf("%s: HPA %s targets apiVersion %q", name, h.Name, ref.APIVersion)
		}
		if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 1 {
			t.Errorf("%s: HPA %s has no minReplicas >= 1", name, h.Name)
			continue
		}
		minReplicas = *h.Spec.MinReplicas
		if h.Spec.MaxReplicas < minReplicas {
			t.Errorf("%s: HPA %s maxReplicas %d < minReplicas %d", name, h.Name, h.Spec.MaxReplicas, minReplicas)
		}
		if len(h.Spec.Metrics) == 0 {
			t.Errorf("%s: HPA %s has no metric", name, h.Name)
		}
		for _, m := range h.Spec.Metrics {
			if m.Resource != nil && m.Resource.Name == corev1.ResourceCPU {
				if u := m.Resource.Target.AverageUtilization; u == nil || *u <= 0 || *u > 100 {
					t.Errorf("%s: HPA %s CPU target is not a utilisation in (0, 100]", name, h.Name)
				}
			}
		}
	}
	if found != 1 {
		t.Errorf("%s: %d HorizontalPodAutoscalers target it, want 1", name, found)
	}
	if name == "scoring" && minReplicas > 0 {
		// docs/scoring.md, "One replica": runs and the feed consumers are
		// not yet safe on several replicas.
		for _, h := range c.hpas {
			if h.Spec.ScaleTargetRef.Name == "scoring" && h.Spec.MaxReplicas != 1 {
				t.Errorf("scoring: maxReplicas %d; scoring must run as one replica until it takes a lease", h.Spec.MaxReplicas)
			}
		}
	}
	return minReplicas
}

// checkPDB: exactly one budget selects the pods; at the autoscaler's minimum
// it still allows one eviction (or a drain would hang); in production the
// replicated workloads keep at least two pods up.
func checkPDB(t *testing.T, c *cluster, overlay, name string, podLabels labels.Set, minReplicas int32) {
	t.Helper()
	var matched []string
	for pn, p := range c.pdbs {
		sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
		if err != nil {
			t.Errorf("PDB %s: %v", pn, err)
			continue
		}
		if sel.Empty() || !sel.Matches(podLabels) {
			continue
		}
		matched = append(matched, pn)
		if minReplicas == 0 {
			continue
		}
		var allowed, kept int32
		switch {
		case p.Spec.MinAvailable != nil && p.Spec.MaxUnavailable != nil:
			t.Errorf("PDB %s sets both minAvailable and maxUnavailable", pn)
			continue
		case p.Spec.MinAvailable != nil:
			v, err := intstr.GetScaledValueFromIntOrPercent(p.Spec.MinAvailable, int(minReplicas), true)
			if err != nil {
				t.Errorf("PDB %s: %v", pn, err)
				continue
			}
			kept, allowed = int32(v), minReplicas-int32(v)
		case p.Spec.MaxUnavailable != nil:
			v, err := intstr.GetScaledValueFromIntOrPercent(p.Spec.MaxUnavailable, int(minReplicas), true)
			if err != nil {
				t.Errorf("PDB %s: %v", pn, err)
				continue
			}
			allowed, kept = int32(v), minReplicas-int32(v)
		default:
			t.Errorf("PDB %s sets neither minAvailable nor maxUnavailable", pn)
			continue
		}
		if allowed < 1 {
			t.Errorf("%s: PDB %s allows no eviction at %d replicas: node drains would hang", name, pn, minReplicas)
		}
		if overlay == "production" && minReplicas >= 3 && kept < 2 {
			t.Errorf("%s: PDB %s keeps only %d of %d replicas through a drain", name, pn, kept, minReplicas)
		}
		if overlay == "production" && minReplicas >= 3 && p.Spec.MinAvailable == nil {
			t.Errorf("%s: production PDB %s should say minAvailable", name, pn)
		}
		if p.Spec.UnhealthyPodEvictionPolicy == nil || *p.Spec.UnhealthyPodEvictionPolicy != "AlwaysAllow" {
			t.Errorf("%s: PDB %s should let unhealthy pods be evicted (unhealthyPodEvictionPolicy AlwaysAllow)", name, pn)
		}
	}
	if len(matched) != 1 {
		t.Errorf("%s: PodDisruptionBudgets %v select it, want exactly one", name, matched)
	}
}

func selects(selector map[string]string, podLabels labels.Set) bool {
	return len(selector) > 0 && labels.SelectorFromSet(selector).Matches(podLabels)
}

func serviceTargets(s *corev1.Service, ctr corev1.Container, portName string, port int32) bool {
	for _, sp := range s.Spec.Ports {
		if portIs(ctr, sp.TargetPort, port) || (sp.TargetPort.Type == intstr.String && sp.TargetPort.StrVal == portName) {
			return true
		}
	}
	return false
}

// ownPolicies are the NetworkPolicies that select these pods by a non-empty
// selector (the namespace-wide ones select every pod).
func ownPolicies(c *cluster, podLabels labels.Set) []string {
	var out []string
	for name, p := range c.networkPolicies {
		sel, err := metav1.LabelSelectorAsSelector(&p.Spec.PodSelector)
		if err == nil && !sel.Empty() && sel.Matches(podLabels) {
			out = append(out, name)
		}
	}
	return out
}

func checkServiceAccount(t *testing.T, c *cluster, name string, spec *corev1.PodSpec) {
	t.Helper()
	if spec.ServiceAccountName == "" || spec.ServiceAccountName == "default" {
		t.Errorf("%s: runs as the default ServiceAccount", name)
		return
	}
	sa, ok := c.serviceAccounts[spec.ServiceAccountName]
	if !ok {
		t.Errorf("%s: ServiceAccount %q is not in the build", name, spec.ServiceAccountName)
		return
	}
	if sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
		t.Errorf("%s: ServiceAccount %s does not set automountServiceAccountToken: false", name, sa.Name)
	}
}

// TestReferencesResolve checks that every ConfigMap and Secret a pod reads
// (envFrom, env valueFrom, volumes) and the Ingress's certificate exist:
// ConfigMaps (and their keys) in the build, Secrets in the build or in
// externalSecrets; that every external Secret is used; and that the
// $(VAR) references of commands and env values are defined.
func TestReferencesResolve(t *testing.T) {
	used := map[string]bool{}
	for _, o := range overlays {
		t.Run(o, func(t *testing.T) {
			c := build(t, o)
			secret := func(where, name, key string, optional bool) {
				used[name] = true
				keys, ok := externalSecrets[name]
				if !ok {
					if !optional {
						t.Errorf("%s: Secret %q is neither in the build nor declared external", where, name)
					}
					return
				}
				if key != "" && !slices.Contains(keys, key) {
					t.Errorf("%s: Secret %s has no key %q (declared: %v)", where, name, key, keys)
				}
			}
			configMap := func(where, name, key string) {
				cm, ok := c.configMaps[name]
				if !ok {
					t.Errorf("%s: ConfigMap %q is not in the build", where, name)
					return
				}
				if _, ok := cm.Data[key]; key != "" && !ok {
					t.Errorf("%s: ConfigMap %s has no key %q", where, name, key)
				}
			}
			for name, tpl := range c.podTemplates() {
				for _, ctr := range allContainers(&tpl.Spec) {
					where := name + "/" + ctr.Name
					seen := map[string]bool{}
					for _, ef := range ctr.EnvFrom {
						switch {
						case ef.ConfigMapRef != nil:
							configMap(where, ef.ConfigMapRef.Name, "")
						case ef.SecretRef != nil:
							secret(where, ef.SecretRef.Name, "", false)
						}
					}
					for _, e := range ctr.Env {
						if seen[e.Name] {
							t.Errorf("%s: env %s set twice", where, e.Name)
						}
						seen[e.Name] = true
						if e.ValueFrom == nil {
							continue
						}
						switch vf := e.ValueFrom; {
						case vf.SecretKeyRef != nil:
							secret(where+" env "+e.Name, vf.SecretKeyRef.Name, vf.SecretKeyRef.Key,
								vf.SecretKeyRef.Optional != nil && *vf.SecretKeyRef.Optional)
						case vf.ConfigMapKeyRef != nil:
							configMap(where+" env "+e.Name, vf.ConfigMapKeyRef.Name, vf.ConfigMapKeyRef.Key)
						case vf.FieldRef != nil, vf.ResourceFieldRef != nil:
						default:
							t.Errorf("%s: env %s has an empty valueFrom", where, e.Name)
						}
					}
					checkExpansions(t, c, where, ctr)
				}
				for _, v := range tpl.Spec.Volumes {
					switch {
					case v.Secret != nil:
						secret(name+" volume "+v.Name, v.Secret.SecretName, "", v.Secret.Optional != nil && *v.Secret.Optional)
						for _, it := range v.Secret.Items {
							secret(name+" volume "+v.Name, v.Secret.SecretName, it.Key, false)
						}
					case v.ConfigMap != nil:
						configMap(name+" volume "+v.Name, v.ConfigMap.Name, "")
					case v.Projected != nil:
						t.Errorf("%s: projected volume %s: add its checks here", name, v.Name)
					}
				}
			}
			for name, ing := range c.ingresses {
				for _, tls := range ing.Spec.TLS {
					secret("Ingress "+name, tls.SecretName, "", false)
				}
			}
			// Each workload's ConfigMap sets only its own variables: a
			// copied line naming another context would be ignored.
			for name := range c.podTemplates() {
				cm, ok := c.configMaps[configMapName(c, name)]
				if !ok {
					t.Errorf("%s: no ConfigMap %s-config", name, name)
					continue
				}
				for k := range cm.Data {
					if !strings.HasPrefix(k, envPrefix(name)) {
						t.Errorf("%s: %s-config sets %s, not a %s* variable", name, name, k, envPrefix(name))
					}
				}
			}
		})
	}
	for name := range externalSecrets {
		if !used[name] {
			t.Errorf("external Secret %s is declared but no overlay uses it", name)
		}
	}
}

// configMapName finds the (hash-suffixed) ConfigMap generated as <workload>-config.
func configMapName(c *cluster, workload string) string {
	for name := range c.configMaps {
		if base, _, ok := cutLast(name, "-"); ok && base == workload+"-config" {
			return name
		}
	}
	return ""
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}

var expansion = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// checkExpansions: the kubelet expands $(VAR) in a command or args from the
// container's environment, and in an env value from the variables above it;
// an undefined one is left as the literal text.
func checkExpansions(t *testing.T, c *cluster, where string, ctr corev1.Container) {
	t.Helper()
	all := map[string]bool{}
	for _, ef := range ctr.EnvFrom {
		if ef.ConfigMapRef != nil {
			if cm, ok := c.configMaps[ef.ConfigMapRef.Name]; ok {
				for k := range cm.Data {
					all[ef.Prefix+k] = true
				}
			}
		}
	}
	above := map[string]bool{}
	for _, e := range ctr.Env {
		for _, m := range expansion.FindAllStringSubmatch(e.Value, -1) {
			if !above[m[1]] && !all[m[1]] {
				t.Errorf("%s: env %s uses $(%s), which is not defined before it", where, e.Name, m[1])
			}
		}
		above[e.Name] = true
		all[e.Name] = true
	}
	for _, arg := range append(slices.Clone(ctr.Command), ctr.Args...) {
		for _, m := range expansion.FindAllStringSubmatch(arg, -1) {
			if !all[m[1]] {
				t.Errorf("%s: argument %q uses $(%s), which the container's environment does not define", where, arg, m[1])
			}
		}
	}
}

// env resolves a container's environment as the kubelet would, from its
// ConfigMaps and literal values; a variable from a Secret or the downward
// API is reported as "<from NAME>".
func (c *cluster) env(ctr corev1.Container) map[string]string {
	out := map[string]string{}
	for _, ef := range ctr.EnvFrom {
		if ef.ConfigMapRef != nil {
			for k, v := range c.configMaps[ef.ConfigMapRef.Name].Data {
				out[ef.Prefix+k] = v
			}
		}
	}
	for _, e := range ctr.Env {
		switch {
		case e.ValueFrom == nil:
			out[e.Name] = e.Value
		case e.ValueFrom.ConfigMapKeyRef != nil:
			out[e.Name] = c.configMaps[e.ValueFrom.ConfigMapKeyRef.Name].Data[e.ValueFrom.ConfigMapKeyRef.Key]
		case e.ValueFrom.SecretKeyRef != nil:
			out[e.Name] = "<from Secret " + e.ValueFrom.SecretKeyRef.Name + ">"
		default:
			out[e.Name] = "<from the downward API>"
		}
	}
	return out
}

// TestConfiguration checks what each process reads: it listens where its
// container port and Service say; every address it dials names a Service
// and one of its ports; its database URL and client secret come from a
// Secret; /metrics is on port 9090 with the scrape annotations.
func TestConfiguration(t *testing.T) {
	for _, o := range overlays {
		t.Run(o, func(t *testing.T) {
			c := build(t, o)
			for _, name := range sortedKeys(c.deployments) {
				d := c.deployments[name]
				ctr := d.Spec.Template.Spec.Containers[0]
				env := c.env(ctr)
				p := envPrefix(name)

				if name == "gateway" {
					wantEnv(t, name, env, p+"HTTP_ADDR", fmt.Sprintf(":%d", httpPort))
				} else {
					wantEnv(t, name, env, p+"GRPC_ADDR", fmt.Sprintf(":%d", grpcPort))
					wantEnv(t, name, env, p+"DATABASE_URL", "<from Secret "+name+"-secrets>")
				}
				wantEnv(t, name, env, p+"AUTH_CLIENT_ID", "dtsen-"+name)
				wantEnv(t, name, env, p+"AUTH_CLIENT_SECRET", "<from Secret "+name+"-secrets>")
				if name == "gateway" {
					wantEnv(t, name, env, p+"SESSION_KEY", "<from Secret gateway-secrets>")
					wantEnv(t, name, env, p+"RATE_KEY_SECRET", "<from Secret gateway-secrets>")
				}
				if env["DTSEN_AUTH_ISSUER"] == "" {
					t.Errorf("%s: DTSEN_AUTH_ISSUER is not set: the process does not start without it", name)
				}
				if !strings.HasPrefix(env["OTEL_EXPORTER_OTLP_ENDPOINT"], "http") {
					t.Errorf("%s: OTEL_EXPORTER_OTLP_ENDPOINT %q is not a collector URL", name, env["OTEL_EXPORTER_OTLP_ENDPOINT"])
				}

				// Metrics.
				wantEnv(t, name, env, p+"METRICS_ADDR", fmt.Sprintf(":%d", metricsPort))
				if !slices.ContainsFunc(ctr.Ports, func(cp corev1.ContainerPort) bool {
					return cp.Name == "metrics" && cp.ContainerPort == metricsPort
				}) {
					t.Errorf("%s: no container port metrics/%d", name, metricsPort)
				}
				ann := d.Spec.Template.Annotations
				if ann["prometheus.io/scrape"] != "true" || ann["prometheus.io/port"] != fmt.Sprint(metricsPort) || ann["prometheus.io/path"] != "/metrics" {
					t.Errorf("%s: Prometheus scrape annotations missing or wrong: %v", name, ann)
				}

				// Every address dialled names a Service port.
				for k, v := range env {
					if !strings.HasSuffix(k, "_ADDR") || k == p+"GRPC_ADDR" || k == p+"HTTP_ADDR" || k == p+"METRICS_ADDR" {
						continue
					}
					checkDialAddress(t, c, name+" "+k, v)
				}
			}
			for name, tpl := range c.podTemplates() {
				if _, ok := c.deployments[name]; ok {
					continue
				}
				env := c.env(tpl.Spec.Containers[0])
				for k, v := range env {
					if strings.HasSuffix(k, "_ADDR") {
						checkDialAddress(t, c, name+" "+k, v)
					}
				}
			}
		})
	}
}

func wantEnv(t *testing.T, name string, env map[string]string, key, want string) {
	t.Helper()
	if got, ok := env[key]; !ok || got != want {
		t.Errorf("%s: %s = %q, want %q", name, key, got, want)
	}
}

func checkDialAddress(t *testing.T, c *cluster, where, addr string) {
	t.Helper()
	host, port, ok := strings.Cut(addr, ":")
	if !ok {
		t.Errorf("%s: %q is not host:port", where, addr)
		return
	}
	s, ok := c.services[host]
	if !ok {
		t.Errorf("%s: %q names no Service in the namespace", where, addr)
		return
	}
	if !slices.ContainsFunc(s.Spec.Ports, func(sp corev1.ServicePort) bool { return fmt.Sprint(sp.Port) == port }) {
		t.Errorf("%s: Service %s has no port %s", where, host, port)
	}
}
