package k8s

import (
	"net/netip"
	"slices"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// endpoint is one end of a connection: a pod (namespace, its labels, its
// container ports) or an address outside the cluster.
type endpoint struct {
	name      string
	namespace string
	nsLabels  labels.Set
	pod       labels.Set // nil for an address outside the cluster
	ip        netip.Addr
	ports     []corev1.ContainerPort
}

func (e endpoint) String() string { return e.name }

// pod is a pod outside DTSEN's namespace, such as Prometheus or PostgreSQL.
func pod(name, ns string, podLabels map[string]string) endpoint {
	return endpoint{name: name, namespace: ns, nsLabels: labels.Set{"kubernetes.io/metadata.name": ns}, pod: podLabels}
}

func address(name, ip string) endpoint {
	return endpoint{name: name, ip: netip.MustParseAddr(ip)}
}

// workloadEndpoints are DTSEN's pods, from the build's pod templates.
func (c *cluster) workloadEndpoints() map[string]endpoint {
	nsLabels := labels.Set{"kubernetes.io/metadata.name": namespace}
	for _, ns := range c.namespaces {
		for k, v := range ns.Labels {
			nsLabels[k] = v
		}
	}
	out := map[string]endpoint{}
	for name, tpl := range c.podTemplates() {
		var ports []corev1.ContainerPort
		for _, ctr := range tpl.Spec.Containers {
			ports = append(ports, ctr.Ports...)
		}
		out[name] = endpoint{name: name, namespace: namespace, nsLabels: nsLabels, pod: labels.Set(tpl.Labels), ports: ports}
	}
	return out
}

// allowed evaluates the NetworkPolicy semantics for a connection from src to
// dst on port/proto: the source's egress and the destination's ingress must
// both allow it. Pods no policy selects for a direction are open in it; the
// policies are all in DTSEN's namespace.
func (c *cluster) allowed(src, dst endpoint, proto corev1.Protocol, port int32) bool {
	return c.allowedOneWay(src, dst, proto, port, networkingv1.PolicyTypeEgress) &&
		c.allowedOneWay(dst, src, proto, port, networkingv1.PolicyTypeIngress)
}

// allowedOneWay: subject's policies of this direction allow peer (the other
// end). For ingress the port is the subject's own; for egress, the peer's.
func (c *cluster) allowedOneWay(subject, peer endpoint, proto corev1.Protocol, port int32, dir networkingv1.PolicyType) bool {
	if subject.pod == nil || subject.namespace != namespace {
		return true // not governed by DTSEN's policies
	}
	portOwner := peer
	if dir == networkingv1.PolicyTypeIngress {
		portOwner = subject
	}
	selected := false
	for _, p := range c.networkPolicies {
		if !policyHasType(p, dir) {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(&p.Spec.PodSelector)
		if err != nil || !sel.Matches(subject.pod) {
			continue
		}
		selected = true
		if dir == networkingv1.PolicyTypeEgress {
			for _, r := range p.Spec.Egress {
				if peersMatch(r.To, p.Namespace, peer) && portsMatch(r.Ports, portOwner, proto, port) {
					return true
				}
			}
		} else {
			for _, r := range p.Spec.Ingress {
				if peersMatch(r.From, p.Namespace, peer) && portsMatch(r.Ports, portOwner, proto, port) {
					return true
				}
			}
		}
	}
	return !selected
}

func policyHasType(p *networkingv1.NetworkPolicy, t networkingv1.PolicyType) bool {
	if len(p.Spec.PolicyTypes) == 0 {
		// The API's default: Ingress, plus Egress when there are egress rules.
		return t == networkingv1.PolicyTypeIngress || (t == networkingv1.PolicyTypeEgress && len(p.Spec.Egress) > 0)
	}
	return slices.Contains(p.Spec.PolicyTypes, t)
}

func peersMatch(peers []networkingv1.NetworkPolicyPeer, policyNS string, e endpoint) bool {
	if len(peers) == 0 {
		return true
	}
	for _, p := range peers {
		if peerMatches(p, policyNS, e) {
			return true
		}
	}
	return false
}

func peerMatches(p networkingv1.NetworkPolicyPeer, policyNS string, e endpoint) bool {
	if p.IPBlock != nil {
		if e.pod != nil {
			return false // pod IPs in ipBlocks are implementation-defined; DTSEN does not rely on them
		}
		prefix := netip.MustParsePrefix(p.IPBlock.CIDR)
		if !prefix.Contains(e.ip) {
			return false
		}
		for _, ex := range p.IPBlock.Except {
			if netip.MustParsePrefix(ex).Contains(e.ip) {
				return false
			}
		}
		return true
	}
	if e.pod == nil {
		return false
	}
	if p.NamespaceSelector == nil {
		if e.namespace != policyNS {
			return false
		}
	} else if sel, err := metav1.LabelSelectorAsSelector(p.NamespaceSelector); err != nil || !sel.Matches(e.nsLabels) {
		return false
	}
	if p.PodSelector == nil {
		return true
	}
	sel, err := metav1.LabelSelectorAsSelector(p.PodSelector)
	return err == nil && sel.Matches(e.pod)
}

func portsMatch(ports []networkingv1.NetworkPolicyPort, owner endpoint, proto corev1.Protocol, port int32) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		pp := corev1.ProtocolTCP
		if p.Protocol != nil {
			pp = *p.Protocol
		}
		if pp != proto {
			continue
		}
		switch {
		case p.Port == nil:
			return true
		case p.Port.Type == intstr.Int:
			end := p.Port.IntVal
			if p.EndPort != nil {
				end = *p.EndPort
			}
			if port >= p.Port.IntVal && port <= end {
				return true
			}
		default:
			for _, cp := range owner.ports {
				cpProto := cp.Protocol
				if cpProto == "" {
					cpProto = corev1.ProtocolTCP
				}
				if cp.Name == p.Port.StrVal && cp.ContainerPort == port && cpProto == proto {
					return true
				}
			}
		}
	}
	return false
}

// intendedEdges are the gRPC (and HTTP) calls between DTSEN's workloads,
// caller -> callee, and nothing else (docs/deployment.md, "Network policy").
var intendedEdges = map[string][]string{
	"gateway":      services,
	"asset":        {"registry"},
	"income":       {"registry"},
	"serviceusage": {"registry"},
	"scoring":      {"registry", "asset", "income", "serviceusage", "grievance"},
	"grievance":    {"registry", "asset", "income", "serviceusage"},
	"ranking":      {"scoring"},
}

// The dependencies outside the namespace, where docs/deployment.md puts
// them, and strangers.
var (
	kubeDNS    = pod("kube-dns", "kube-system", map[string]string{"k8s-app": "kube-dns"})
	postgres   = pod("postgresql", "dtsen-data", map[string]string{"cnpg.io/cluster": "dtsen-pg"})
	redis      = pod("redis", "dtsen-data", map[string]string{"app.kubernetes.io/name": "redis"})
	keycloak   = pod("keycloak", "iam", map[string]string{"app.kubernetes.io/name": "keycloak"})
	collector  = pod("otel-collector", "observability", map[string]string{"app.kubernetes.io/name": "otel-collector"})
	prometheus = pod("prometheus", "observability", map[string]string{"app.kubernetes.io/name": "prometheus"})
	ingressCtl = pod("ingress-controller", "ingress", map[string]string{"app.kubernetes.io/name": "ingress-controller"})
	otherApp   = pod("another-team's-app", "default", map[string]string{"app": "other"})
	managedDB  = address("managed PostgreSQL (placeholder range)", "203.0.113.10")
	internet   = address("an internet host", "198.51.100.7")
)

// TestNetworkPolicyGraph evaluates the NetworkPolicies of each overlay: the
// calls between workloads are exactly intendedEdges; only the gateway is
// reachable from outside the namespace; everyone reaches DNS, the issuer,
// the collector and Redis, the six contexts PostgreSQL; Prometheus reaches
// /metrics and nothing else.
func TestNetworkPolicyGraph(t *testing.T) {
	for _, o := range overlays {
		t.Run(o, func(t *testing.T) {
			c := build(t, o)
			eps := c.workloadEndpoints()
			if len(eps) != len(workloads)+1 {
				t.Fatalf("endpoints %v", sortedKeys(eps))
			}

			// The whole matrix among DTSEN's workloads.
			var got, want []string
			for _, src := range sortedKeys(eps) {
				for _, dst := range workloads {
					_, port := servingPort(dst)
					if c.allowed(eps[src], eps[dst], corev1.ProtocolTCP, port) {
						got = append(got, src+" -> "+dst)
					}
					if src == dst {
						continue
					}
					if slices.Contains(intendedEdges[src], dst) {
						want = append(want, src+" -> "+dst)
					}
				}
			}
			sort.Strings(got)
			sort.Strings(want)
			if !equalStrings(got, want) {
				t.Errorf("allowed calls between workloads differ from the intended graph:\n got  %s\n want %s\n extra %v\n missing %v",
					strings.Join(got, ", "), strings.Join(want, ", "), minus(got, want), minus(want, got))
			}

			type conn struct {
				src, dst endpoint
				proto    corev1.Protocol
				port     int32
				want     bool
			}
			var checks []conn
			add := func(src, dst endpoint, port int32, want bool) {
				checks = append(checks, conn{src, dst, corev1.ProtocolTCP, port, want})
			}
			// A few must-allow and must-deny pairs, spelt out.
			add(eps["gateway"], eps["registry"], grpcPort, true)
			add(eps["scoring"], eps["asset"], grpcPort, true)
			add(eps["grievance"], eps["serviceusage"], grpcPort, true)
			add(eps["asset"], eps["registry"], grpcPort, true)
			add(eps["scoring"], eps["grievance"], grpcPort, true)
			add(eps["ranking"], eps["scoring"], grpcPort, true)
			add(eps["registry"], eps["asset"], grpcPort, false)
			add(eps["asset"], eps["income"], grpcPort, false)
			add(eps["income"], eps["scoring"], grpcPort, false)
			add(eps["grievance"], eps["scoring"], grpcPort, false)
			add(eps["registry"], eps["gateway"], httpPort, false)
			add(eps["ranking"], eps["registry"], grpcPort, false)
			add(eps["gateway"], eps["scoring"], metricsPort, false)
			// From outside the namespace: the gateway only.
			add(ingressCtl, eps["gateway"], httpPort, true)
			add(internet, eps["gateway"], httpPort, true)
			add(otherApp, eps["gateway"], httpPort, true)
			for _, s := range services {
				add(ingressCtl, eps[s], grpcPort, false)
				add(otherApp, eps[s], grpcPort, false)
				add(internet, eps[s], grpcPort, false)
			}
			add(otherApp, eps["ranking"], grpcPort, false)
			// Prometheus scrapes /metrics, and (but for the public gateway)
			// only that.
			for _, w := range workloads {
				add(prometheus, eps[w], metricsPort, true)
				_, port := servingPort(w)
				add(prometheus, eps[w], port, w == "gateway")
			}
			// Egress to the dependencies.
			for _, name := range sortedKeys(eps) {
				e := eps[name]
				checks = append(checks, conn{e, kubeDNS, corev1.ProtocolUDP, 53, true})
				add(e, keycloak, 8443, true)
				add(e, collector, 4317, true)
				add(e, redis, 6379, true)
				isService := slices.Contains(services, name)
				add(e, postgres, 5432, isService)
				add(e, managedDB, 5432, isService)
				add(e, internet, 443, false)
				add(e, otherApp, 8080, false)
				add(e, postgres, 22, false)
			}
			for _, k := range checks {
				if got := c.allowed(k.src, k.dst, k.proto, k.port); got != k.want {
					verb := "must be allowed"
					if !k.want {
						verb = "must be denied"
					}
					t.Errorf("%s -> %s:%d/%s %s", k.src, k.dst, k.port, k.proto, verb)
				}
			}
		})
	}
}

// TestPolicyEvaluator checks the evaluator itself on a hand-made policy, so a
// bug there cannot pass the graph test vacuously.
func TestPolicyEvaluator(t *testing.T) {
	tcp := corev1.ProtocolTCP
	grpc := intstr.FromString("grpc")
	c := &cluster{networkPolicies: map[string]*networkingv1.NetworkPolicy{
		"deny": {ObjectMeta: metav1.ObjectMeta{Name: "deny", Namespace: namespace},
			Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{"Ingress", "Egress"}}},
		"b": {ObjectMeta: metav1.ObjectMeta{Name: "b", Namespace: namespace},
			Spec: networkingv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{nameLabel: "b"}},
				PolicyTypes: []networkingv1.PolicyType{"Ingress"},
				Ingress: []networkingv1.NetworkPolicyIngressRule{{
					From:  []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{nameLabel: "a"}}}},
					Ports: []networkingv1.NetworkPolicyPort{{Protocol: &tcp, Port: &grpc}},
				}},
			}},
		"a": {ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: namespace},
			Spec: networkingv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{nameLabel: "a"}},
				PolicyTypes: []networkingv1.PolicyType{"Egress"},
				Egress: []networkingv1.NetworkPolicyEgressRule{{
					To: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{nameLabel: "b"}}}},
				}},
			}},
	}}
	ns := labels.Set{"kubernetes.io/metadata.name": namespace}
	ports := []corev1.ContainerPort{{Name: "grpc", ContainerPort: grpcPort}}
	a := endpoint{name: "a", namespace: namespace, nsLabels: ns, pod: labels.Set{nameLabel: "a"}, ports: ports}
	b := endpoint{name: "b", namespace: namespace, nsLabels: ns, pod: labels.Set{nameLabel: "b"}, ports: ports}
	x := endpoint{name: "x", namespace: namespace, nsLabels: ns, pod: labels.Set{nameLabel: "x"}, ports: ports}
	bElsewhere := pod("b elsewhere", "other", map[string]string{nameLabel: "b"})
	for _, tc := range []struct {
		src, dst endpoint
		port     int32
		want     bool
	}{
		{a, b, grpcPort, true},
		{a, b, 9999, false},     // not the named port
		{b, a, grpcPort, false}, // b has no egress
		{x, b, grpcPort, false}, // x is not a
		{a, x, grpcPort, false}, // a may only reach b
		{a, bElsewhere, grpcPort, false},
	} {
		if got := c.allowed(tc.src, tc.dst, corev1.ProtocolTCP, tc.port); got != tc.want {
			t.Errorf("%s -> %s:%d = %v, want %v", tc.src, tc.dst, tc.port, got, tc.want)
		}
	}
}

func minus(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}
