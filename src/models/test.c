/* test.c: evaluating data checks (see test.h). */
#include "models/test.h"
#include "core/mem.h"
#include "core/util.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sl_test_condition(const char *cond, int64_t failures, int *holds, sl_error *err)
{
    const char *c = cond && *cond ? cond : "!=0";
    const char *p = c;
    while (isspace((unsigned char)*p))
        p++;
    enum { EQ, NE, GT, GE, LT, LE } op;
    if (strncmp(p, "==", 2) == 0)
        op = EQ, p += 2;
    else if (strncmp(p, "!=", 2) == 0 || strncmp(p, "<>", 2) == 0)
        op = NE, p += 2;
    else if (strncmp(p, ">=", 2) == 0)
        op = GE, p += 2;
    else if (strncmp(p, "<=", 2) == 0)
        op = LE, p += 2;
    else if (*p == '=')
        op = EQ, p++;
    else if (*p == '>')
        op = GT, p++;
    else if (*p == '<')
        op = LT, p++;
    else
        return sl_error_set(err, SL_ECONFIG, "condition '%s' is not a comparison with a number (like '>10' or '!=0')",
                            c);
    while (isspace((unsigned char)*p))
        p++;
    char *end;
    errno = 0;
    long long v = strtoll(p, &end, 10);
    if (end == p || errno)
        return sl_error_set(err, SL_ECONFIG, "condition '%s' is not a comparison with a number (like '>10' or '!=0')",
                            c);
    while (isspace((unsigned char)*end))
        end++;
    if (*end)
        return sl_error_set(err, SL_ECONFIG, "condition '%s' is not a comparison with a number (like '>10' or '!=0')",
                            c);
    int64_t f = failures;
    switch (op) {
    case EQ: *holds = f == v; break;
    case NE: *holds = f != v; break;
    case GT: *holds = f > v; break;
    case GE: *holds = f >= v; break;
    case LT: *holds = f < v; break;
    case LE: *holds = f <= v; break;
    }
    return 0;
}

/* The failing-rows SQL without trailing blanks and semicolons, so that it
 * can stand in a subquery. */
static void add_body(sl_buf *b, const char *sql)
{
    size_t n = strlen(sql);
    while (n && (isspace((unsigned char)sql[n - 1]) || sql[n - 1] == ';'))
        n--;
    sl_buf_add(b, sql, n);
}

/* A sample's values are cut at 256 bytes and its rows after 8 KiB
 * (quality/check.h's SL_CHECK_SAMPLE_*). */
#define SAMPLE_CELL_MAX 256
#define SAMPLE_ROW_MAX 8192

typedef struct sample_ctx {
    sl_buf *out;
    size_t rows;
} sample_ctx;

static int sample_row(void *ctx, size_t ncols, const char *const *names, const char *const *cells)
{
    sample_ctx *s = ctx;
    size_t row_start = s->out->len;
    sl_buf_adds(s->out, s->rows++ ? ",{" : "{");
    for (size_t i = 0; i < ncols; i++) {
        if (i)
            sl_buf_addc(s->out, ',');
        sl_buf_add_json_str(s->out, names[i] ? names[i] : "", names[i] ? strlen(names[i]) : 0);
        sl_buf_addc(s->out, ':');
        size_t n = cells[i] ? strlen(cells[i]) : 0;
        if (!cells[i]) {
            sl_buf_adds(s->out, "null");
        } else if (n <= SAMPLE_CELL_MAX) {
            sl_buf_add_json_str(s->out, cells[i], n);
        } else { /* what people read stays small: cut at a character, marked */
            size_t k = SAMPLE_CELL_MAX;
            while (k > 0 && ((unsigned char)cells[i][k] & 0xC0) == 0x80)
                k--;
            sl_buf tx;
            sl_buf_init(&tx);
            sl_buf_add(&tx, cells[i], k);
            sl_buf_adds(&tx, "\xe2\x80\xa6");
            sl_buf_add_json_str(s->out, tx.data, tx.len);
            sl_buf_release(&tx);
        }
        if (s->out->len - row_start > SAMPLE_ROW_MAX && i + 1 < ncols) {
            sl_buf_addf(s->out, ",\"...\":\"%zu more column%s\"", ncols - i - 1, ncols - i - 1 == 1 ? "" : "s");
            break;
        }
    }
    sl_buf_addc(s->out, '}');
    return 0;
}

int sl_test_sample_json(sl_adapter *a, const char *sql, size_t max, char **json, sl_error *err)
{
    sl_buf s;
    sl_buf_init(&s);
    sample_ctx sc = {&s, 0};
    sl_buf_addc(&s, '[');
    if (sl_adapter_query(a, sql, max, sample_row, &sc, err) < 0) {
        sl_buf_release(&s);
        *json = NULL;
        return -1;
    }
    sl_buf_addc(&s, ']');
    *json = sl_buf_detach(&s);
    return 0;
}

/* store_failures: the failing rows replace the audit table's. */
static int store_failures(sl_adapter *a, const sl_node *n, const char *sql, sl_test_result *r, sl_error *err)
{
    const char *custom = n->config.schema ? n->config.schema : "dbt_test__audit";
    char *schema = sl_printf("%s_%s", sl_adapter_schema(a), custom);
    sl_relation rel = {schema, n->config.alias ? n->config.alias : n->name};
    sl_buf q, name;
    sl_buf_init(&q);
    sl_buf_init(&name);
    sl_adapter_relation_sql(a, rel, &name);
    int rc = sl_adapter_ensure_schema(a, schema, err);
    if (rc == 0)
        rc = sl_adapter_begin(a, err);
    if (rc == 0) {
        sl_buf_addf(&q, "DROP TABLE IF EXISTS %s", name.data);
        rc = sl_adapter_exec(a, q.data, err);
        sl_buf_reset(&q);
        sl_buf_addf(&q, "CREATE TABLE %s AS SELECT * FROM (", name.data);
        add_body(&q, sql);
        sl_buf_adds(&q, ") dbt_internal_test");
        if (rc == 0)
            rc = sl_adapter_exec_one(a, q.data, NULL, err);
        if (rc == 0)
            rc = sl_adapter_commit(a, err);
        else
            sl_adapter_rollback(a);
    }
    if (rc == 0)
        r->stored_in = sl_buf_detach(&name);
    sl_buf_release(&name);
    sl_buf_release(&q);
    sl_free(schema);
    return rc;
}

int sl_test_run(sl_adapter *a, const sl_node *n, const char *sql, sl_test_result *r)
{
    memset(r, 0, sizeof *r);
    r->failures = -1;
    sl_error err = {0};
    const sl_node_config *c = &n->config;
    sl_buf q;
    sl_buf_init(&q);
    sl_buf_adds(&q, "SELECT count(*) FROM (\n");
    add_body(&q, sql);
    if (c->limit >= 0)
        sl_buf_addf(&q, "\nLIMIT %lld", (long long)c->limit);
    sl_buf_adds(&q, "\n) dbt_internal_test");
    double t0 = sl_mono_s();
    int64_t failures = 0;
    int rc = sl_adapter_scalar(a, q.data, &failures, &err);
    int warn = 0, fail = 0;
    int is_warn = c->severity && strcmp(c->severity, "warn") == 0;
    if (rc == 0 && !is_warn && sl_test_condition(c->error_if, failures, &fail, &err) < 0) {
        sl_error_prefix(&err, "error_if");
        rc = -1;
    }
    if (rc == 0 && sl_test_condition(c->warn_if, failures, &warn, &err) < 0) {
        sl_error_prefix(&err, "warn_if");
        rc = -1;
    }
    if (rc < 0) {
        snprintf(r->status, sizeof r->status, "error");
        snprintf(r->message, sizeof r->message, "%s", err.msg);
        r->sql_s = sl_mono_s() - t0;
        sl_buf_release(&q);
        return -1;
    }
    r->failures = failures;
    snprintf(r->status, sizeof r->status, "%s", fail ? "fail" : warn ? "warn" : "pass");
    if (fail || warn)
        snprintf(r->message, sizeof r->message, "Got %lld result%s, configured to %s if %s", (long long)failures,
                 failures == 1 ? "" : "s", fail ? "fail" : "warn",
                 fail ? (c->error_if && *c->error_if ? c->error_if : "!= 0")
                      : (c->warn_if && *c->warn_if ? c->warn_if : "!= 0"));
    if (failures > 0) {
        sl_buf s;
        sl_buf_init(&s);
        sample_ctx sc = {&s, 0};
        sl_buf_reset(&q);
        sl_buf_adds(&q, "SELECT * FROM (\n");
        add_body(&q, sql);
        sl_buf_adds(&q, "\n) dbt_internal_test");
        sl_buf_addc(&s, '[');
        sl_error ignored = {0};
        if (sl_adapter_query(a, q.data, SL_TEST_SAMPLE_ROWS, sample_row, &sc, &ignored) == 0) {
            sl_buf_addc(&s, ']');
            r->sample_json = sl_buf_detach(&s);
        }
        sl_buf_release(&s);
    }
    if (c->store_failures > 0 && store_failures(a, n, sql, r, &err) < 0) {
        snprintf(r->status, sizeof r->status, "error");
        snprintf(r->message, sizeof r->message, "store_failures: %s", err.msg);
    }
    r->sql_s = sl_mono_s() - t0;
    sl_buf_release(&q);
    return strcmp(r->status, "pass") == 0 || strcmp(r->status, "warn") == 0 ? 0 : -1;
}

void sl_test_result_release(sl_test_result *r)
{
    sl_free(r->sample_json);
    sl_free(r->stored_in);
    r->sample_json = r->stored_in = NULL;
}
