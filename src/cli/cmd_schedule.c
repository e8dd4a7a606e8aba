/*
 * cmd_schedule.c: `sluice schedule next EXPR|PIPELINE [--from TIME]
 * [--count N] [--timezone TZ]`: the next fire times of a cron expression
 * (or "every 15m", or a pipeline's schedule), so an expression can be
 * checked before it is deployed. A bad expression is refused with a caret
 * under the field at fault; one that never fires (0 0 31 4 *) with
 * validate's message.
 */
#include "cli/cli.h"
#include "core/mem.h"
#include "core/types.h"
#include "sched/schedule.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* "2026-03-29T01:30:00Z", "...+02:00", or a time without a zone
 * ("2026-03-29 01:30", "2026-03-29"), read on tz's wall clock. */
static int parse_from(const char *s, const sl_tz *tz, int64_t *out)
{
    size_t n = strlen(s);
    int64_t us;
    if (sl_parse_timestamp(s, n, &us) < 0)
        return -1;
    *out = us / 1000000;
    int zoned = n > 10 && (s[n - 1] == 'Z' || s[n - 1] == 'z' || strpbrk(s + 11, "+-"));
    if (!zoned)
        sl_tz_resolve(tz, *out, out);
    return 0;
}

int cmd_schedule(sl_cli *cli, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[0], "next") != 0) {
        fprintf(stderr, "usage: sluice schedule next EXPR|PIPELINE [--from TIME] [--count N] [--timezone TZ]\n");
        return EXIT_USAGE;
    }
    const char *what = argv[1], *from = NULL, *tz_arg = NULL;
    long count = 5;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
            from = argv[++i];
        else if (strcmp(argv[i], "--timezone") == 0 && i + 1 < argc)
            tz_arg = argv[++i];
        else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc) {
            char *end;
            count = strtol(argv[++i], &end, 10);
            if (*end || count < 1 || count > 10000) {
                fprintf(stderr, "sluice schedule next: --count takes 1-10000\n");
                return EXIT_USAGE;
            }
        } else {
            fprintf(stderr, "sluice schedule next: unknown option '%s'\n", argv[i]);
            return EXIT_USAGE;
        }
    }
    sl_schedule own, *sc = &own;
    sl_project *p = NULL;
    char msg[1024];
    /* a pipeline name (letters, digits, _ and -) in a project, else an expression */
    int looks_like_name =
        strspn(what, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == strlen(what) &&
        strchr(what, ' ') == NULL && what[0] != '@';
    if (looks_like_name) {
        p = sl_cli_project(cli);
        if (!p)
            return EXIT_USAGE;
        sl_pipeline *pl = sl_project_find(p, what);
        if (!pl) {
            sl_error err;
            sl_error_set(&err, SL_EUSAGE, "no pipeline called '%s' (or give a cron expression in quotes)", what);
            sl_project_free(p);
            return sl_cli_fail(cli, EXIT_USAGE, &err);
        }
        sc = pl->schedule;
        if (!sl_schedule_timed(sc)) {
            sl_error err;
            sl_error_set(&err, SL_EUSAGE, "pipeline '%s' has no schedule: or every: (it runs %s)", what,
                         sc->after.n ? "after its upstreams" : "only when asked");
            sl_project_free(p);
            return sl_cli_fail(cli, EXIT_USAGE, &err);
        }
        if (tz_arg) {
            sl_tz *tz = sl_tz_open(tz_arg);
            if (!tz) {
                sl_error err;
                sl_error_set(&err, SL_EUSAGE, "unknown time zone '%s'", tz_arg);
                sl_project_free(p);
                return sl_cli_fail(cli, EXIT_USAGE, &err);
            }
            sl_tz_free(sc->tz);
            sc->tz = tz;
        }
    } else if (sl_schedule_parse_expr(what, tz_arg ? tz_arg : "UTC", &own, msg, sizeof msg) < 0) {
        sl_error err;
        sl_error_set(&err, SL_EUSAGE, "invalid schedule: %s", msg);
        return sl_cli_fail(cli, EXIT_USAGE, &err);
    }
    int64_t t = (int64_t)time(NULL);
    if (from && parse_from(from, sc->tz, &t) < 0) {
        sl_error err;
        sl_error_set(&err, SL_EUSAGE,
                     "--from '%s': use 2026-03-29T01:30:00Z, 2026-03-29T03:30:00+02:00 or "
                     "2026-03-29 01:30 (local to --timezone)",
                     from);
        if (sc == &own)
            sl_schedule_free_fields(&own);
        sl_project_free(p);
        return sl_cli_fail(cli, EXIT_USAGE, &err);
    }
    /* an expression no date matches (0 0 31 4 *): refused as validate does,
     * not an empty list */
    int64_t first = sl_schedule_next(sc, t);
    if (first < 0 && sc->has_cron && sl_cron_next(&sc->cron, sc->tz, 0) < 0) {
        sl_error err;
        sl_error_set(&err, SL_EUSAGE, "invalid schedule: '%s' never fires (no date matches it)",
                     sc->cron_text ? sc->cron_text : what);
        if (sc == &own)
            sl_schedule_free_fields(&own);
        sl_project_free(p);
        return sl_cli_fail(cli, EXIT_USAGE, &err);
    }
    sl_buf b;
    sl_buf_init(&b);
    if (cli->json) {
        sl_buf_adds(&b, "{\"schema_version\":1,\"timezone\":");
        sl_buf_add_json_str(&b, sl_tz_name(sc->tz), strlen(sl_tz_name(sc->tz)));
        sl_buf_adds(&b, ",\"next\":[");
    }
    for (long i = 0; i < count; i++) {
        t = sl_schedule_next(sc, t);
        if (t < 0)
            break;
        char local[40], utc[40];
        sl_tz_format(sc->tz, t, local);
        sl_format_timestamp(utc, t * 1000000);
        if (cli->json)
            sl_buf_addf(&b, "%s{\"local\":\"%s\",\"utc\":\"%s\",\"unix\":%lld}", i ? "," : "", local, utc,
                        (long long)t);
        else
            sl_buf_addf(&b, "%s  %s\n", local, utc);
    }
    if (cli->json)
        sl_buf_adds(&b, "]}\n");
    fputs(b.data ? b.data : "", stdout);
    sl_buf_release(&b);
    if (sc == &own)
        sl_schedule_free_fields(&own);
    sl_project_free(p);
    return EXIT_OK;
}
