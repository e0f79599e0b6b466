package k8s

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/kio"

	kjson "sigs.k8s.io/json"
)

// The overlays under test, by name; each is a directory under overlays/.
var overlays = []string{"dev", "production"}

// namespace is where every DTSEN object lives.
const namespace = "dtsen"

// cluster is one overlay's build, every object decoded into its API type.
type cluster struct {
	overlay string

	namespaces      []*corev1.Namespace
	serviceAccounts map[string]*corev1.ServiceAccount
	configMaps      map[string]*corev1.ConfigMap
	services        map[string]*corev1.Service
	deployments     map[string]*appsv1.Deployment
	cronJobs        map[string]*batchv1.CronJob
	hpas            map[string]*autoscalingv2.HorizontalPodAutoscaler
	pdbs            map[string]*policyv1.PodDisruptionBudget
	networkPolicies map[string]*networkingv1.NetworkPolicy
	ingresses       map[string]*networkingv1.Ingress
}

// decoders maps apiVersion/kind to a decoder into the API type and a place
// in the cluster. A kind missing here fails the build test: a new kind is
// added here deliberately, with its checks.
var decoders = map[string]func(c *cluster, data []byte) (metav1.Object, error){
	"v1/Namespace": func(c *cluster, data []byte) (metav1.Object, error) {
		o := &corev1.Namespace{}
		err := decodeStrict(data, o)
		c.namespaces = append(c.namespaces, o)
		return o, err
	},
	"v1/ServiceAccount": func(c *cluster, data []byte) (metav1.Object, error) {
		return put(c.serviceAccounts, data, &corev1.ServiceAccount{})
	},
	"v1/ConfigMap": func(c *cluster, data []byte) (metav1.Object, error) {
		return put(c.configMaps, data, &corev1.ConfigMap{})
	},
	"v1/Service": func(c *cluster, data []byte) (metav1.Object, error) {
		return put(c.services, data, &corev1.Service{})
	},
	"apps/v1/Deployment": func(c *cluster, data []byte) (metav1.Object, error) {
		return put(c.deployments, data, &appsv1.Deployment{})
	},
	"batch/v1/CronJob": func(c *cluster, data []byte) (metav1.Object, error) {
		return put(c.cronJobs, data, &batchv1.CronJob{})
	},
	"autoscaling/v2/HorizontalPodAutoscaler": func(c *cluster, data []byte) (metav1.Object, error) {
		return put(c.hpas, data, &autoscalingv2.HorizontalPodAutoscaler{})
	},
	"policy/v1/PodDisruptionBudget": func(c *cluster, data []byte) (metav1.Object, error) {
		return put(c.pdbs, data, &policyv1.PodDisruptionBudget{})
	},
	"networking.k8s.io/v1/NetworkPolicy": func(c *cluster, data []byte) (metav1.Object, error) {
		return put(c.networkPolicies, data, &networkingv1.NetworkPolicy{})
	},
	"networking.k8s.io/v1/Ingress": func(c *cluster, data []byte) (metav1.Object, error) {
		return put(c.ingresses, data, &networkingv1.Ingress{})
	},
}

func put[T metav1.Object](m map[string]T, data []byte, o T) (metav1.Object, error) {
	if err := decodeStrict(data, o); err != nil {
		return o, err
	}
	if _, dup := m[o.GetName()]; dup {
		return o, fmt.Errorf("two objects of one kind named %q", o.GetName())
	}
	m[o.GetName()] = o
	return o, nil
}

// decodeStrict decodes JSON into v as the API server's strict field
// validation does: field names match case-sensitively, and a field v's type
// does not have, or a field given twice, is an error (a misspelt or
// misplaced field would otherwise vanish silently).
func decodeStrict(data []byte, v any) error {
	strict, err := kjson.UnmarshalStrict(data, v)
	if err != nil {
		return err
	}
	return errors.Join(strict...)
}

var (
	buildMu sync.Mutex
	builds  = map[string]*cluster{}
	errs    = map[string]error{}
)

// build runs kustomize on overlays/<overlay> once per test binary and
// decodes the result.
func build(t testing.TB, overlay string) *cluster {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if c, ok := builds[overlay]; ok {
		return c
	}
	if err, ok := errs[overlay]; ok {
		t.Fatalf("overlay %s: %v", overlay, err)
	}
	c, err := buildCluster(overlay)
	if err != nil {
		errs[overlay] = err
		t.Fatalf("overlay %s: %v", overlay, err)
	}
	builds[overlay] = c
	return c
}

func buildCluster(overlay string) (*cluster, error) {
	objs, err := kustomize(filepath.Join("overlays", overlay))
	if err != nil {
		return nil, err
	}
	c := &cluster{
		overlay:         overlay,
		serviceAccounts: map[string]*corev1.ServiceAccount{},
		configMaps:      map[string]*corev1.ConfigMap{},
		services:        map[string]*corev1.Service{},
		deployments:     map[string]*appsv1.Deployment{},
		cronJobs:        map[string]*batchv1.CronJob{},
		hpas:            map[string]*autoscalingv2.HorizontalPodAutoscaler{},
		pdbs:            map[string]*policyv1.PodDisruptionBudget{},
		networkPolicies: map[string]*networkingv1.NetworkPolicy{},
		ingresses:       map[string]*networkingv1.Ingress{},
	}
	for _, data := range objs {
		var tm metav1.TypeMeta
		if err := json.Unmarshal(data, &tm); err != nil {
			return nil, err
		}
		key := tm.APIVersion + "/" + tm.Kind
		dec, ok := decoders[key]
		if !ok {
			return nil, fmt.Errorf("unexpected kind %s in the build (add it to decoders, with checks)", key)
		}
		o, err := dec(c, data)
		if err != nil {
			return nil, fmt.Errorf("%s %s: strict decode: %w", key, o.GetName(), err)
		}
		if tm.Kind != "Namespace" && o.GetNamespace() != namespace {
			return nil, fmt.Errorf("%s %s is in namespace %q, not %q", key, o.GetName(), o.GetNamespace(), namespace)
		}
	}
	return c, nil
}

// kustomize builds the kustomization in dir (relative to this package) on
// the real filesystem and returns each object as JSON.
func kustomize(dir string) ([][]byte, error) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	rm, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	var out [][]byte
	for _, r := range rm.Resources() {
		j, err := r.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.CurId(), err)
		}
		out = append(out, j)
	}
	return out, nil
}

// readYAMLFile reads a multi-document YAML file as JSON objects.
func readYAMLFile(path string) ([][]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	nodes, err := kio.FromBytes(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out [][]byte
	for _, n := range nodes {
		j, err := n.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, j)
	}
	return out, nil
}

// podTemplates are the workloads' pod templates by workload name: each
// Deployment's and the CronJob's (under its pods' app.kubernetes.io/name).
func (c *cluster) podTemplates() map[string]*corev1.PodTemplateSpec {
	out := map[string]*corev1.PodTemplateSpec{}
	for name, d := range c.deployments {
		out[name] = &d.Spec.Template
	}
	for _, cj := range c.cronJobs {
		tpl := &cj.Spec.JobTemplate.Spec.Template
		out[tpl.Labels[nameLabel]] = tpl
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestOverlaysBuildAndDecodeStrictly builds every overlay and checks that it
// holds exactly the expected workloads. The decoding itself (strict, known
// kinds only, everything in the namespace) happens in build.
func TestOverlaysBuildAndDecodeStrictly(t *testing.T) {
	for _, o := range overlays {
		t.Run(o, func(t *testing.T) {
			c := build(t, o)
			if got, want := sortedKeys(c.deployments), sortedStrings(workloads); !equalStrings(got, want) {
				t.Errorf("Deployments %v, want %v", got, want)
			}
			if got := sortedKeys(c.cronJobs); !equalStrings(got, []string{"national-ranking"}) {
				t.Errorf("CronJobs %v, want [national-ranking]", got)
			}
			if len(c.namespaces) != 1 || c.namespaces[0].Name != namespace {
				t.Errorf("want exactly the Namespace %q", namespace)
			}
			for _, ns := range c.namespaces {
				if ns.Labels["pod-security.kubernetes.io/enforce"] != "restricted" {
					t.Errorf("Namespace %s does not enforce the restricted Pod Security Standard", ns.Name)
				}
			}
		})
	}
}

// TestStrictDecodingRefusesUnknownFields makes sure the decoder the build
// test relies on really is strict: a misspelt field must fail.
func TestStrictDecodingRefusesUnknownFields(t *testing.T) {
	bad := []byte(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x"},"spec":{"replica":3}}`)
	if err := decodeStrict(bad, &appsv1.Deployment{}); err == nil {
		t.Fatal(`"replica" (for "replicas") decoded without error`)
	}
	nested := []byte(`{"spec":{"template":{"spec":{"containers":[{"name":"x","securityContext":{"readOnlyRootFileSystem":true}}]}}}}`)
	if err := decodeStrict(nested, &appsv1.Deployment{}); err == nil {
		t.Fatal(`"readOnlyRootFileSystem" (for "readOnlyRootFilesystem") decoded without error`)
	}
	dup := []byte(`{"metadata":{"name":"x","name":"y"}}`)
	if err := decodeStrict(dup, &appsv1.Deployment{}); err == nil {
		t.Fatal("a field given twice decoded without error")
	}
	c := &cluster{deployments: map[string]*appsv1.Deployment{}}
	if _, ok := decoders["apps/v1/Deployment"]; !ok {
		t.Fatal("no Deployment decoder")
	}
	if _, err := decoders["apps/v1/Deployment"](c, bad); err == nil {
		t.Fatal("the Deployment decoder accepted an unknown field")
	}
}

func sortedStrings(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
