/*
 * trigger.h: what the trigger sinks share (email, slack: one message per
 * row, docs/events/triggers.md): idempotent per event, positions kept
 * beside the record of what was sent, retries with backoff.
 *
 * An event's id is a hash of the pipeline, the sink and the row's `key:`
 * columns (default: every column the sink gets), names and values. The
 * state store's sync records (state.h, one per event id, status "synced")
 * say which events were sent: a row whose id is there is not sent again.
 * Each id is recorded (its own transaction) as soon as the server accepted
 * its message; the batch's position commits after its last message
 * (sl_state_sync_commit, the records and the position in one store). The
 * window: a crash after the server accepted a message and before its
 * record committed (failpoint sink.after_send) sends that one message
 * again on the next run, with the same id (an e-mail: the same
 * Message-ID); nothing is sent twice otherwise, whatever the batch size.
 */
#ifndef SL_TRIGGER_H
#define SL_TRIGGER_H
#include "engine/component.h"
#include "engine/run.h"
#include "sinks/posmap.h"

typedef struct sl_trigger {
    sl_run *run;
    const char *id, *pipeline;
    const sl_strlist *key;     /* key columns; n == 0: every column */
    char **sent;               /* event ids committed as sent: open addressing, NULL = free */
    size_t cap, n;
    sl_posmap committed;
    int64_t nsent, nskipped, nfailed;
    int64_t attempts;          /* per message: tries before the run fails */
    double backoff_s;          /* the first wait; doubled each try, with jitter */
} sl_trigger;

/* Load the sink's positions and sent ids for run (pipeline = the run's). */
int sl_trigger_open(sl_trigger *t, sl_instance *in, sl_run *run, const sl_strlist *key, sl_error *err);
void sl_trigger_close(sl_trigger *t);
/* The event id of row r of b: 32 hex digits and a NUL. */
void sl_trigger_event_id(const sl_trigger *t, const sl_batch *b, size_t r, char out[33]);
/* Whether the event was sent (recorded). */
int sl_trigger_was_sent(const sl_trigger *t, const char *id);
/* The server accepted the event's message: record it now (a dry run:
 * remember it for this run only). */
int sl_trigger_sent(sl_trigger *t, const char *id, sl_error *err);
/* sl_sink_plugin.position / commit / rollback over t. */
int sl_trigger_position(const sl_trigger *t, const char *key, sl_resume *pos, int *found);
int sl_trigger_commit(sl_trigger *t, const sl_batch *b, sl_error *err);
/* Wait before try `attempt` (2, 3, ...): backoff_s * 2^(attempt-2), full
 * jitter, at least retry_after_s; cut short when the run is cancelled.
 * Returns -1 when it was. */
int sl_trigger_wait(const sl_trigger *t, int attempt, double retry_after_s);

/* The option rows every trigger sink has (T its option struct). */
#define SL_TRIGGER_OPTIONS(T)                                                                                \
    {"key", SL_OPT_LIST, NULL, 0, offsetof(T, key), NULL,                                                   \
     "the columns that identify an event: a row whose key was sent before is not sent again, also after a " \
     "crash (default: every column the sink gets)"},                                                        \
    {"attempts", SL_OPT_INT, "5", 0, offsetof(T, attempts), NULL,                                           \
     "tries per message on a temporary failure (connection, 4xx SMTP, 429/5xx HTTP) before the run fails " \
     "(the next run sends what was not sent)"},                                                             \
    {"backoff", SL_OPT_STRING, "1s", 0, offsetof(T, backoff), NULL,                                         \
     "the first wait between tries (100ms, 1s, ...), doubled each try, with full jitter"}

/* "1s", "250ms", "2" (seconds) -> seconds; -1 when not a duration. */
double sl_trigger_parse_backoff(const char *s);

#endif
