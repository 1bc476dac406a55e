/**
 * Export of the audit log as OpenTelemetry log records over OTLP/HTTP: {@link
 * dev.berth.server.audit.otlp.OtlpExporter} follows an {@link dev.berth.server.audit.AuditSource}
 * from a persisted cursor and delivers each event at least once, in seq order.
 */
package dev.berth.server.audit.otlp;
