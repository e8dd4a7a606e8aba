/* test_config.c: ${ENV} interpolation, option tables and project
 * validation messages, checked word for word. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config/project.h"
#include "config/yaml.h"
#include "core/log.h"
#include "helpers.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interpolation), cmocka_unit_test(test_secret_redaction),
        cmocka_unit_test(test_validation_messages), cmocka_unit_test(test_yaml_syntax_and_env),
        cmocka_unit_test(test_directives_and_nul_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
