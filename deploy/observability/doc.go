// Package observability holds DTSEN's operator files for telemetry: the
// OpenTelemetry Collector configuration (otel-collector.yaml) and the
// Grafana dashboard (grafana-dashboard.json). Its tests check that both
// parse, that the dashboard queries only the metrics DTSEN exports, and that
// every collector pipeline strips personal data before it exports.
package observability
