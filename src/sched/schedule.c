/* schedule.c: see schedule.h. */
#include "sched/schedule.h"
#include "config/yaml.h"
#include "core/mem.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const sl_option schedule_options[] = {
    {"schedule", SL_OPT_STRING, NULL, 0, offsetof(sl_schedule, cron_text), NULL,
     "cron expression (5 fields, names, @daily...) in `timezone`"},
    {"every", SL_OPT_DURATION, "0", 0, offsetof(sl_schedule, every_s), NULL,
     "run at a fixed interval (15m, 1h), aligned to the Unix epoch"},
    {"timezone", SL_OPT_STRING, "UTC", 0, offsetof(sl_schedule, timezone), NULL,
     "IANA time zone of the cron expression (Europe/Berlin)"},
    {"after", SL_OPT_LIST, NULL, 0, offsetof(sl_schedule, after), NULL,
     "pipelines that must have succeeded (in the same cycle) before this one runs"},
    {"timeout", SL_OPT_DURATION, "0", 0, offsetof(sl_schedule, timeout_s), NULL,
     "cancel a run that takes longer (status timeout; the current batch is rolled back)"},
    {"retries", SL_OPT_MAP, NULL, 0, offsetof(sl_schedule, retries), NULL,
     "{attempts: N, backoff: 1m}: run again after a failure, the wait doubling each time"},
    {"catchup", SL_OPT_BOOL, "false", 0, offsetof(sl_schedule, catchup), NULL,
     "after downtime, run every missed slot oldest first (false: run once now)"},
    SL_OPT_END,
};

void sl_schedule_help(sl_buf *out)
{
    sl_options_help(schedule_options, out);
}

const char *const sl_schedule_keys[] = {"schedule", "every",   "timezone", "after",
                                        "timeout",  "retries", "catchup",  NULL};

/* Column of the first character of a scalar's value: libfyaml marks a
 * quoted scalar at its quote. */
static int value_col(sl_loc loc)
{
    FILE *f = loc.file ? fopen(loc.file, "r") : NULL;
    if (!f)
        return loc.col;
    char line[4096];
    int n = 0, col = loc.col;
    while (fgets(line, sizeof line, f))
        if (++n == loc.line) {
            if (loc.col >= 1 && (size_t)loc.col <= strlen(line) &&
                (line[loc.col - 1] == '"' || line[loc.col - 1] == '\''))
                col++;
            break;
        }
    fclose(f);
    return col;
}

static void derive(sl_schedule *s, sl_diags *d)
{
    s->tz = sl_tz_open(s->timezone);
    if (!s->tz) {
        sl_loc loc = sl_options_loc(schedule_options, s, "timezone");
        sl_diags_add(d, loc, "unknown time zone '%s' (an IANA name such as UTC, Europe/Berlin, America/New_York)",
                     s->timezone);
        s->tz = sl_tz_open("UTC");
    }
    if (s->cron_text) {
        char msg[256];
        int col = 1;
        sl_loc loc = sl_options_loc(schedule_options, s, "schedule");
        if (s->every_s)
            sl_diags_add(d, loc, "give schedule: or every:, not both");
        if (sl_cron_parse(s->cron_text, &s->cron, msg, sizeof msg, &col) < 0) {
            loc.col = value_col(loc) + col - 1;
            sl_diags_add(d, loc, "schedule: %s", msg);
        } else if (sl_cron_next(&s->cron, s->tz, 0) < 0) {
            sl_diags_add(d, loc, "schedule: '%s' never fires (no date matches it)", s->cron_text);
        } else {
            s->has_cron = 1;
        }
    }
    if (s->timezone && strcmp(s->timezone, "UTC") != 0 && !s->cron_text) {
        sl_loc loc = sl_options_loc(schedule_options, s, "timezone");
        if (loc.line)
            sl_diags_add(d, loc, "timezone: only applies to a cron schedule:");
    }
    s->retry_attempts = 0;
    s->retry_backoff_s = 60;
    for (size_t i = 0; i < s->retries.n; i++) {
        const sl_kv *kv = &s->retries.v[i];
        char *end = NULL;
        if (strcmp(kv->key, "attempts") == 0) {
            long n = strtol(kv->value, &end, 10);
            if (!*kv->value || *end || n < 0 || n > 100)
                sl_diags_add(d, kv->loc, "retries: attempts must be a whole number 0-100");
            else
                s->retry_attempts = (int)n;
        } else if (strcmp(kv->key, "backoff") == 0) {
            int64_t b = sl_parse_duration(kv->value);
            if (b < 0)
                sl_diags_add(d, kv->loc, "retries: backoff must be a duration like 30s or 1m, not '%s'", kv->value);
            else
                s->retry_backoff_s = b;
        } else {
            sl_diags_add(d, kv->loc, "retries: unknown key '%s' (attempts, backoff)", kv->key);
        }
    }
}

int sl_schedule_is_key(const char *k)
{
    for (size_t i = 0; sl_schedule_keys[i]; i++)
        if (strcmp(k, sl_schedule_keys[i]) == 0)
            return 1;
    return 0;
}

sl_schedule *sl_schedule_load(struct fy_node *root, const char *file, sl_diags *d)
{
    sl_schedule *s = sl_calloc(1, sizeof *s);
    /* the option table sees only its own keys: the pipeline reports the rest */
    char **others = sl_calloc((size_t)fy_node_mapping_item_count(root) + 1, sizeof *others);
    size_t n = 0;
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(root, &it)) != NULL) {
        char *k = sl_yaml_key(p);
        if (k && !sl_schedule_is_key(k))
            others[n++] = k;
        else
            sl_free(k);
    }
    sl_options_load(schedule_options, s, root, file, (const char *const *)others, "pipeline", d);
    for (size_t i = 0; i < n; i++)
        sl_free(others[i]);
    sl_free(others);
    derive(s, d);
    return s;
}

void sl_schedule_free_fields(sl_schedule *s)
{
    sl_options_release(schedule_options, s);
    sl_tz_free(s->tz);
    s->tz = NULL;
}

void sl_schedule_free(sl_schedule *s)
{
    if (!s)
        return;
    sl_schedule_free_fields(s);
    sl_free(s);
}

int sl_schedule_timed(const sl_schedule *s)
{
    return s && (s->has_cron || s->every_s > 0);
}

int64_t sl_schedule_next(const sl_schedule *s, int64_t after)
{
    if (s->has_cron)
        return sl_cron_next(&s->cron, s->tz, after);
    if (s->every_s > 0) {
        int64_t k = after >= 0 ? after / s->every_s : (after - s->every_s + 1) / s->every_s;
        return (k + 1) * s->every_s;
    }
    return -1;
}

int64_t sl_schedule_prev(const sl_schedule *s, int64_t since, int64_t at)
{
    if (s->every_s > 0 && !s->has_cron) {
        int64_t k = at >= 0 ? at / s->every_s : (at - s->every_s + 1) / s->every_s;
        return k * s->every_s > since ? k * s->every_s : -1;
    }
    int64_t last = -1;
    for (int64_t t = sl_schedule_next(s, since); t >= 0 && t <= at; t = sl_schedule_next(s, t))
        last = t;
    return last;
}

void sl_schedule_describe(const sl_schedule *s, char *out, size_t len)
{
    size_t used = 0;
    out[0] = 0;
    if (s->has_cron)
        used = (size_t)snprintf(out, len, "%s%s%s%s", s->cron_text, strcmp(sl_tz_name(s->tz), "UTC") ? " (" : "",
                                strcmp(sl_tz_name(s->tz), "UTC") ? sl_tz_name(s->tz) : "",
                                strcmp(sl_tz_name(s->tz), "UTC") ? ")" : "");
    else if (s->every_s > 0)
        used = (size_t)snprintf(out, len, "every %llds", (long long)s->every_s);
    for (size_t i = 0; i < s->after.n && used < len; i++)
        used += (size_t)snprintf(out + used, len - used, "%s%s",
                                 i      ? ", "
                                 : used ? "; after "
                                        : "after ",
                                 s->after.v[i]);
    if (!out[0])
        snprintf(out, len, "manual");
}

int sl_schedule_parse_expr(const char *expr, const char *tz, sl_schedule *out, char *msg, size_t len)
{
    memset(out, 0, sizeof *out);
    out->tz = sl_tz_open(tz);
    if (!out->tz) {
        snprintf(msg, len, "unknown time zone '%s' (an IANA name such as UTC, Europe/Berlin)", tz);
        return -1;
    }
    if (strncmp(expr, "every ", 6) == 0) {
        out->every_s = sl_parse_duration(expr + 6);
        if (out->every_s <= 0) {
            snprintf(msg, len, "'%s': every needs a duration like 15m or 1h", expr);
            sl_tz_free(out->tz);
            out->tz = NULL;
            return -1;
        }
        return 0;
    }
    char why[256];
    int col = 1;
    if (sl_cron_parse(expr, &out->cron, why, sizeof why, &col) < 0) {
        snprintf(msg, len, "%s\n  %s\n  %*s^", why, expr, col - 1, "");
        sl_tz_free(out->tz);
        out->tz = NULL;
        return -1;
    }
    out->has_cron = 1;
    out->cron_text = sl_strdup(expr);
    return 0;
}
