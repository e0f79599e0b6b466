// Package k8s holds DTSEN's Kubernetes manifests: the kustomize base, the
// dev and production overlays and the workload certificates. Its tests
// build them with the kustomize API, decode every object strictly into the
// k8s.io/api types and check the properties docs/deployment.md promises:
// probes, resources, hardened pods, a disruption budget, autoscaler,
// Service, ServiceAccount and NetworkPolicy per workload, references that
// resolve, and the network-policy graph. No cluster is needed.
package k8s
