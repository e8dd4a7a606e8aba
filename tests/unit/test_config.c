/* test_config.c: ${ENV} interpolation, option tables and project
 * validation messages, checked word for word. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config/options.h"
#include "config/project.h"
#include "config/yaml.h"
#include "core/log.h"
#include "core/mem.h"
#include "helpers.h"
#include <pthread.h>
#include <stdatomic.h>

static char *interp(const char *s, sl_diags *d)
{
    sl_loc loc = {"p.yml", 3, 7};
    return sl_interpolate(s, strlen(s), loc, 0, d);
}

static void test_interpolation(void **state)
{
    sl_diags d;
    sl_diags_init(&d);
    setenv("SL_T_A", "alpha", 1);
    setenv("SL_T_EMPTY", "", 1);
    unsetenv("SL_T_UNSET");
    char *v;
    v = interp("x ${SL_T_A} y", &d); assert_string_equal(v, "x alpha y"); free(v);
    v = interp("${SL_T_UNSET:-dflt}", &d); assert_string_equal(v, "dflt"); free(v);
    v = interp("${SL_T_EMPTY:-dflt}", &d); assert_string_equal(v, "dflt"); free(v);
    v = interp("${SL_T_EMPTY-dflt}", &d); assert_string_equal(v, ""); free(v);
    v = interp("cost $$5 and $.path", &d); assert_string_equal(v, "cost $5 and $.path"); free(v);
    assert_int_equal(d.n, 0);
    assert_null(interp("${SL_T_UNSET}", &d));
    assert_null(interp("${SL_T_UNSET:?set it to the API key}", &d));
    assert_null(interp("${SL_T_A", &d));
    setenv("SL_T_NL", "a\nb", 1);
    assert_null(interp("${SL_T_NL}", &d));
    assert_int_equal(d.n, 4);
    sl_buf b;
    sl_buf_init(&b);
    sl_diags_format(&d, &b);
    assert_string_equal(b.data,
        "p.yml:3:7: environment variable SL_T_UNSET is not set (use ${SL_T_UNSET:-default} for a default)\n"
        "p.yml:3:7: environment variable SL_T_UNSET: set it to the API key\n"
        "p.yml:3:7: unterminated ${ in value (write $$ for a literal $)\n"
        "p.yml:3:7: environment variable SL_T_NL holds a line break, which this option does not allow\n");
    sl_buf_release(&b);
    sl_diags_release(&d);
}

static void test_secret_redaction(void **state)
{
    sl_diags d;
    sl_diags_init(&d);
    setenv("SL_T_SECRET", "hunter2-very-secret", 1);
    sl_loc loc = {"p.yml", 1, 1};
    char *v = sl_interpolate("${SL_T_SECRET}", 14, loc, SL_YAML_SECRET, &d);
    assert_string_equal(v, "hunter2-very-secret");
    free(v);
    char msg[128] = "connect failed with password hunter2-very-secret at host";
    sl_log_redact(msg);
    assert_string_equal(msg, "connect failed with password *** at host");
    sl_diags_release(&d);
}

static char *validate(const char *dir)
{
    sl_diags d;
    sl_diags_init(&d);
    sl_project *p = NULL;
    int rc = sl_project_load(dir, &p, &d);
    sl_buf b;
    sl_buf_init(&b);
    sl_diags_format(&d, &b);
    sl_diags_release(&d);
    sl_project_free(p);
    char *out = strdup(b.data ? b.data : "");
    sl_buf_release(&b);
    if (rc == 0)
        assert_string_equal(out, "");
    /* make paths relative to the project for stable comparisons */
    size_t n = strlen(dir);
    char *w = out;
    for (char *r = out; *r;) {
        if (strncmp(r, dir, n) == 0 && r[n] == '/')
            r += n + 1;
        else
            *w++ = *r++;
    }
    *w = 0;
    return out;
}

static void test_validation_messages(void **state)
{
    char *dir = th_tmpdir();
    th_write(dir, "sluice.yml", "name: t\nwarehous: x.db\n");
    th_write(dir, "pipelines/a.yml",
             "source:\n"
             "  type: csvv\n"
             "  path: x.csv\n"
             "sinks:\n"
             "  - type: sqlite\n"
             "    tabel: people\n"
             "  - {type: sqlite, table: t, mode: upsert}\n"
             "transforms:\n"
             "  - {type: cast, columns: {a: integr}}\n"
             "  - {type: filter}\n"
             "on_eror: fail\n");
    char *out = validate(dir);
    assert_string_equal(out,
        "sluice.yml:2:1: unknown project key 'warehous'; did you mean 'warehouse'?\n"
        "pipelines/a.yml:2:9: unknown source type 'csvv'; did you mean 'csv'?\n"
        "pipelines/a.yml:5:5: sqlite sink is missing required option 'table' (destination table)\n"
        "pipelines/a.yml:6:5: unknown option 'tabel' for sqlite sink; did you mean 'table'?\n"
        "pipelines/a.yml:7:36: mode: upsert needs key: [columns]\n"
        "pipelines/a.yml:9:31: cast: unknown type 'integr' (int, float, decimal, bool, text, date, timestamp, json)\n"
        "pipelines/a.yml:10:6: filter transform is missing required option 'where' (SQL boolean expression; rows where it is not true are dropped (counted as filtered))\n"
        "pipelines/a.yml:11:1: unknown pipeline key 'on_eror'; did you mean 'on_error'?\n");
    free(out);
    th_rmtree(dir);
    free(dir);
}

static void test_yaml_syntax_and_env(void **state)
{
    char *dir = th_tmpdir();
    th_write(dir, "sluice.yml", "name: t\n");
    th_write(dir, "pipelines/b.yml", "source: {type: csv, path: \"${SL_T_NOPE}\"}\nsinks: [{type: stdout}\n");
    char *out = validate(dir);
    assert_string_equal(out, "pipelines/b.yml:3:1: YAML syntax error: flow sequence without a closing bracket\n");
    free(out);
    th_write(dir, "pipelines/b.yml", "source: {type: csv, path: \"${SL_T_NOPE}\"}\nsinks: [{type: stdout}]\n");
    out = validate(dir);
    assert_string_equal(out, "pipelines/b.yml:1:28: environment variable SL_T_NOPE is not set "
                             "(use ${SL_T_NOPE:-default} for a default)\n");
    free(out);
    th_rmtree(dir);
    free(dir);
}

/* Regression: libfyaml 0.7.12 loops forever on some malformed directives.
 * The pre-check must find a directive line however the lines end (a fuzzer
 * found one after bare "\r" line breaks), and name the right line. */
static void test_directives_and_nul_refused(void **state)
{
    char *dir = th_tmpdir();
    th_write(dir, "sluice.yml", "name: t\n");
    th_write(dir, "pipelines/c.yml", "a: 1\r\r%YAML 1.2\r---\r");
    char *out = validate(dir);
    assert_string_equal(out, "pipelines/c.yml:3:1: YAML directives (lines starting with %) are not supported\n");
    free(out);
    th_write(dir, "pipelines/c.yml", "a: 1\r\n\r\n%TAG ! x\n");
    out = validate(dir);
    assert_string_equal(out, "pipelines/c.yml:3:1: YAML directives (lines starting with %) are not supported\n");
    free(out);
    th_write(dir, "pipelines/c.yml", "\xEF\xBB\xBF%YAML 1.2\n");
    out = validate(dir);
    assert_string_equal(out, "pipelines/c.yml:1:1: YAML directives (lines starting with %) are not supported\n");
    free(out);
    th_write(dir, "pipelines/c.yml", "name: x\rsource: {type: csv}");
    char path[4200];
    snprintf(path, sizeof path, "%s/pipelines/c.yml", dir);
    FILE *f = fopen(path, "ab");
    assert_non_null(f);
    fputc(0, f);
    fclose(f);
    out = validate(dir);
    assert_string_equal(out, "pipelines/c.yml:2:20: a NUL byte is not allowed in a configuration file\n");
    free(out);
    th_rmtree(dir);
    free(dir);
}

/* Option locations are one table for the process: `sluice serve` loads a
 * project on its scheduler thread (a reload) while a run thread frees the
 * previous one (the last run started with it ended). Two threads loading
 * and releasing options at once: each finds the location of every option
 * it loaded (a compaction racing an append lost entries, and a realloc
 * under a compaction wrote into freed memory: the daemon died). */
typedef struct loc_opts {
    char *a, *b, *c;
} loc_opts;

static const sl_option loc_table[] = {
    {"a", SL_OPT_STRING, NULL, 0, offsetof(loc_opts, a), NULL, "a"},
    {"b", SL_OPT_STRING, NULL, 0, offsetof(loc_opts, b), NULL, "b"},
    {"c", SL_OPT_STRING, NULL, 0, offsetof(loc_opts, c), NULL, "c"},
    SL_OPT_END,
};

/* Each thread keeps LOC_LIVE structs loaded (a long table: a release's
 * compaction takes a while), releasing the oldest to load the next. */
enum { LOC_LIVE = 300, LOC_ROUNDS = 4000 };

static void *loc_worker(void *arg)
{
    atomic_int *bad = arg;
    struct fy_document *doc = fy_document_build_from_string(NULL, "a: x\nb: y\nc: z\n", FY_NT);
    struct fy_node *root = doc ? fy_document_root(doc) : NULL;
    loc_opts *live[LOC_LIVE] = {0};
    for (int k = 0; root && k < LOC_ROUNDS; k++) {
        loc_opts **slot = &live[k % LOC_LIVE];
        if (*slot) {
            for (int i = 0; i < 3; i++)
                if (sl_options_loc(loc_table, *slot, loc_table[i].name).line != i + 1)
                    atomic_fetch_add(bad, 1);
            sl_options_release(loc_table, *slot);
            if (sl_options_loc(loc_table, *slot, "a").line != 0) /* forgotten with the struct */
                atomic_fetch_add(bad, 1);
            sl_free(*slot);
        }
        *slot = sl_calloc(1, sizeof **slot);
        sl_diags d;
        sl_diags_init(&d);
        if (sl_options_load(loc_table, *slot, root, "f.yml", NULL, "test", &d) != 0)
            atomic_fetch_add(bad, 1);
        sl_diags_release(&d);
    }
    for (int i = 0; i < LOC_LIVE; i++)
        if (live[i]) {
            sl_options_release(loc_table, live[i]);
            sl_free(live[i]);
        }
    if (!root)
        atomic_fetch_add(bad, 1000000);
    fy_document_destroy(doc);
    return NULL;
}

static void test_option_locations_across_threads(void **state)
{
    (void)state;
    atomic_int bad = 0;
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&t[i], NULL, loc_worker, &bad), 0);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(atomic_load(&bad), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interpolation), cmocka_unit_test(test_secret_redaction),
        cmocka_unit_test(test_validation_messages), cmocka_unit_test(test_yaml_syntax_and_env),
        cmocka_unit_test(test_directives_and_nul_refused), cmocka_unit_test(test_option_locations_across_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
