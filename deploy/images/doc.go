// Package images holds the container image build of every DTSEN command
// (Dockerfile) and the test that keeps it in step with the Kubernetes
// manifests. There is no Go code to build here.
package images
