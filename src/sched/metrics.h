/*
 * metrics.h: /metrics in the Prometheus text format (version 0.0.4),
 * names after Prometheus' naming practices (prometheus.io/docs/practices/naming):
 *
 *   sluice_build_info{version}                                 gauge 1
 *   sluice_pipeline_runs_total{pipeline,status}                counter
 *   sluice_pipeline_run_duration_seconds{pipeline}             histogram
 *   sluice_pipeline_last_success_timestamp_seconds{pipeline}   gauge
 *   sluice_pipeline_rows_total{pipeline,outcome}               counter (read|loaded|filtered|rejected)
 *   sluice_component_received_events_total{pipeline,component_id,component_kind,component_type}
 *   sluice_component_sent_events_total{...}                    counter (per sink)
 *   sluice_component_discarded_events_total{pipeline,reason}   counter (filtered|rejected)
 *   sluice_pipeline_errors_total{pipeline}                     counter (failed, timed-out, interrupted runs)
 *   sluice_check_status{node,check,kind,severity}              gauge: latest result, 0 pass 1 warn 2 fail 3 error
 *   sluice_check_failures{node,check}                          gauge: failing rows of the latest result (row-level kinds)
 *   sluice_check_failed_total{node,check}                      counter: results with status fail or error
 *   sluice_incidents_open{kind}                                gauge: open data-quality incidents
 *   + the scheduler's gauges (daemon.c), http request and alert counters,
 *   + process_cpu_seconds_total, process_resident_memory_bytes,
 *     process_virtual_memory_bytes, process_open_fds, process_start_time_seconds
 *
 * Run counters come from the run history in the state store, so they
 * match `sluice history` and survive restarts and lease hand-overs; the
 * check series from the check results and incidents kept there too
 * (state/quality_store.h).
 */
#ifndef SL_METRICS_H
#define SL_METRICS_H
#include "config/project.h"
#include "core/util.h"
#include "state/state.h"

/* Append every family to out. p may be NULL (no per-component series). */
int sl_metrics_render(sl_state *s, const sl_project *p, sl_buf *out, sl_error *err);
/* Append a label value with backslash, double quote and newline escaped. */
void sl_metrics_label(sl_buf *b, const char *v);
/* The process_* families. */
void sl_metrics_process(sl_buf *out);

#endif
