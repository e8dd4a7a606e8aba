/* test_jinja.c: the template renderer (jinja/jinja.h): each construct,
 * whitespace control byte for byte, every error message word for word
 * (FILE:LINE:COL and text), the limits (deep nesting, runaway recursion,
 * huge loops, huge output) failing cleanly, macros files (macros across
 * files, tests, docs, a name defined twice), sl_jinja_call with return(),
 * snapshot blocks, host functions and objects. The differential test
 * against python3-jinja2 (tests/jinja/oracle.py) covers the semantics in
 * breadth; this file pins what sluice adds and its messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/mem.h"
#include "jinja/jinja.h"

static sl_jinja_env *g_env;
static char *g_last; /* render's last result */

/* Render text (file "t.sql") in g_env with locals; returns the output, or
 * "ERR " + the message. The result is valid until the next call. */
static const char *render_with(const char *text, const sl_jv *locals)
{
    sl_free(g_last);
    g_last = NULL;
    sl_jinja_tpl *t = NULL;
    sl_error err;
    sl_error_clear(&err);
    sl_buf out;
    sl_buf_init(&out);
    int rc = sl_jinja_parse("t.sql", text, strlen(text), &t, &err);
    if (rc == 0)
        rc = sl_jinja_render(g_env, t, locals, &out, &err);
    sl_jinja_tpl_free(t);
    if (rc < 0) {
        g_last = sl_printf("ERR %s", err.msg);
        assert_int_not_equal(err.code, SL_OK);
    } else
        g_last = sl_strndup(out.data ? out.data : "", out.len);
    sl_buf_release(&out);
    return g_last;
}

static const char *render(const char *text) { return render_with(text, NULL); }

static int setup(void **state)
{
    (void)state;
    g_env = sl_jinja_env_new();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sl_jinja_env_free(g_env);
    sl_free(g_last);
    return 0;
}

static void test_output_and_expressions(void **state)
{
    (void)state;
    assert_string_equal(render("a {{ 1 + 2 * 3 }} b"), "a 7 b");
    assert_string_equal(render("{{ 'x' ~ 1 ~ none ~ true }}"), "x1NoneTrue");
    assert_string_equal(render("{{ [1, 'a', 2.5, none] }} {{ {'k': (1,)} }}"), "[1, 'a', 2.5, None] {'k': (1,)}");
    assert_string_equal(render("{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }}"), "3 -4 2 3.5 1024");
    assert_string_equal(render("{{ 1 if false else 2 }} {{ 'a' in 'cat' }} {{ 3 not in [1, 2] }}"), "2 True True");
    assert_string_equal(render("{{ 0 or 'x' }} {{ 1 and [] }}"), "x []");
    assert_string_equal(render("{{ 'abc'[::-1] }} {{ [1, 2, 3][1:] }}"), "cba [2, 3]");
    assert_string_equal(render("{{ 1e16 }} {{ 0.1 + 0.2 }} {{ 1e-05 }}"), "1e+16 0.30000000000000004 1e-05");
}

static void test_statements(void **state)
{
    (void)state;
    assert_string_equal(render("{% set x = 2 %}{% set a, b = 1, x %}{{ a + b }}"), "3");
    assert_string_equal(render("{% set b %}in {{ 1 }}{% endset %}[{{ b }}]"), "[in 1]");
    assert_string_equal(render("{% for x in [1, 2, 3] %}{{ loop.index }}{{ x }}{{ ',' if not loop.last }}{% endfor %}"),
                        "11,22,33");
    assert_string_equal(render("{% for x in [] %}a{% else %}none{% endfor %}"), "none");
    assert_string_equal(render("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}{{ v }}{% endfor %}"), "a1b2");
    assert_string_equal(render("{% for i in range(9) if i is odd %}{% if i > 5 %}{% break %}{% endif %}{{ i }}{% endfor %}"),
                        "135");
    assert_string_equal(render("{% if 0 %}a{% elif 1 %}b{% else %}c{% endif %}"), "b");
    assert_string_equal(render("{% macro m(a, b='d') %}{{ a }}{{ b }}{% endmacro %}{{ m(1) }}{{ m(b=2, a=3) }}"), "1d32");
    assert_string_equal(render("{% macro w() %}<{{ caller() }}>{% endmacro %}{% call w() %}x{% endcall %}"), "<x>");
    assert_string_equal(render("{% set l = [] %}{% do l.append(1) %}{{ l }}"), "[1]");
    assert_string_equal(render("{% set ns = namespace(n=0) %}{% for i in [1, 2] %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}"),
                        "3");
    assert_string_equal(render("{% raw %}{{ x }}{% endraw %}"), "{{ x }}");
    assert_string_equal(render("a{# c #}b"), "ab");
}

static void test_filters(void **state)
{
    (void)state;
    assert_string_equal(render("{{ 'Ab' | upper }}{{ 'Ab' | lower }}{{ [1, 2] | join('-') }}{{ x | default('d') }}"),
                        "ABab1-2d");
    assert_string_equal(render("{{ ' a ' | trim }}|{{ 'aXa' | replace('a', 'b') }}|{{ [3, 1] | first }}{{ [3, 1] | last }}"),
                        "a|bXb|31");
    assert_string_equal(render("{{ 'ab' | list }} {{ 5 | string ~ '!' }} {{ '42' | int + 1 }} {{ 2.5 | round }} {{ [1, 2] | length }}"),
                        "['a', 'b'] 5! 43 2.0 2");
    assert_string_equal(render("{{ [2, 1, 2] | unique | sort | list }} {{ [{'a': 1}, {'a': 2}] | map(attribute='a') | sum }}"),
                        "[1, 2] 3");
}

/* Whitespace control, byte for byte (jinja2's rules, dbt's settings). */
static void test_whitespace_exact(void **state)
{
    (void)state;
    assert_string_equal(render("a  {{- 1 -}}  b"), "a1b");
    assert_string_equal(render("a\n  {%- if true -%}\n  b\n  {%- endif -%}\n c"), "abc");
    assert_string_equal(render("a\n{% if true %}\nb\n{% endif %}\nc"), "a\n\nb\n\nc"); /* trim_blocks off */
    assert_string_equal(render("  {% if true %}x{% endif %}  "), "  x  ");             /* lstrip_blocks off */
    assert_string_equal(render("x\n"), "x");                                             /* one trailing newline dropped */
    assert_string_equal(render("x\n\n"), "x\n");
    assert_string_equal(render("a\r\nb\rc"), "a\nb\nc");
    assert_string_equal(render("a {#- c -#} b"), "ab");
    assert_string_equal(render("a {%- raw -%} {{ x }} {%- endraw -%} b"), "a{{ x }}b");
    assert_string_equal(render("{% for c in ['a', 'b'] %}\n  {{ c }},\n{%- endfor %}"), "\n  a,\n  b,");
}

/* Every message: FILE:LINE:COL: text. */
static void test_error_messages(void **state)
{
    (void)state;
    assert_string_equal(render("{{ x }}"), "ERR t.sql:1:4: 'x' is undefined");
    assert_string_equal(render("ab\n  {{ 1 + nope }}"), "ERR t.sql:2:10: 'nope' is undefined");
    assert_string_equal(render("{% if missing %}{% endif %}"), "ERR t.sql:1:7: 'missing' is undefined");
    assert_string_equal(render("{{ {'a': 1}.b }}"), "ERR t.sql:1:13: 'dict object' has no attribute 'b'");
    assert_string_equal(render("{{ [1][3] }}"), "ERR t.sql:1:7: list object has no element 3");
    assert_string_equal(render("\n{{ 'a' | uper }}"), "ERR t.sql:2:10: unknown filter 'uper' (did you mean 'upper'?)");
    assert_string_equal(render("{{ 1 is nmber }}"), "ERR t.sql:1:9: unknown test 'nmber' (did you mean 'number'?)");
    assert_string_equal(render("{% fro x in y %}"), "ERR t.sql:1:4: unknown tag 'fro' (did you mean 'for'?)");
    assert_string_equal(render("{% include 'x.sql' %}"),
                        "ERR t.sql:1:4: '{% include %}' is not supported in sluice templates (docs/TEMPLATES.md)");
    assert_string_equal(render("{% materialization m, default %}{% endmaterialization %}"),
                        "ERR t.sql:1:4: '{% materialization %}' is not supported in sluice templates (docs/TEMPLATES.md)");
    assert_string_equal(render("{% extends 'base' %}"),
                        "ERR t.sql:1:4: '{% extends %}' is not supported in sluice templates (docs/TEMPLATES.md)");
    assert_string_equal(render("{% if true %}x"), "ERR t.sql:1:15: unexpected end of template: expected '{% endif %}'");
    assert_string_equal(render("{% endfor %}"), "ERR t.sql:1:4: unexpected '{% endfor %}': no open block it closes");
    assert_string_equal(render("{{ 1 + }}"), "ERR t.sql:1:8: expected an expression, got end of print statement");
    assert_string_equal(render("{{ 'abc }}"), "ERR t.sql:1:4: unterminated string literal");
    assert_string_equal(render("{{ x"), "ERR t.sql:1:5: unexpected end of template: the '{{' tag is not closed");
    assert_string_equal(render("{# x"), "ERR t.sql:1:1: unexpected end of template: the comment '{#' is not closed");
    assert_string_equal(render("{{ (1 ] }}"), "ERR t.sql:1:7: unexpected ']', expected ')'");
    assert_string_equal(render("{% break %}"), "ERR t.sql:1:4: 'break' outside of a for loop");
    assert_string_equal(render("{% macro m(a=1, b) %}{% endmacro %}"),
                        "ERR t.sql:1:17: non-default argument follows default argument");
    assert_string_equal(render("{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}"),
                        "ERR t.sql:1:34: macro 'm' takes not more than 1 argument(s)");
    assert_string_equal(render("{% macro m(a) %}{% endmacro %}{{ m(b=2) }}"),
                        "ERR t.sql:1:34: macro 'm' takes no keyword argument 'b'");
    assert_string_equal(render("{% macro m(a) %}{{ a }}{% endmacro %}{{ m() }}"),
                        "ERR t.sql:1:20: parameter 'a' was not provided");
    assert_string_equal(render("{{ 1 + 'a' }}"), "ERR t.sql:1:6: unsupported operand type(s) for +: 'int' and 'str'");
    assert_string_equal(render("{{ 1 < 'a' }}"), "ERR t.sql:1:6: '<' not supported between instances of 'int' and 'str'");
    assert_string_equal(render("{{ 1 // 0 }}"), "ERR t.sql:1:6: integer division or modulo by zero");
    assert_string_equal(render("{{ 9223372036854775807 + 1 }}"),
                        "ERR t.sql:1:24: integer overflow: 9223372036854775807 + 1 does not fit in 64 bits");
    assert_string_equal(render("{{ 2 ** 64 }}"), "ERR t.sql:1:6: integer overflow: 2 ** 64 does not fit in 64 bits");
    assert_string_equal(render("{{ 99999999999999999999 }}"),
                        "ERR t.sql:1:4: integer literal 99999999999999999999 is out of range (64-bit)");
    assert_string_equal(render("{{ 5() }}"), "ERR t.sql:1:4: 'int' object is not callable");
    assert_string_equal(render("{% set a, b = [1] %}"), "ERR t.sql:1:8: not enough values to unpack (expected 2, got 1)");
    assert_string_equal(render("{% for x in 5 %}{% endfor %}"), "ERR t.sql:1:13: 'int' object is not iterable");
    assert_string_equal(render("{{ range(100001) }}"), "ERR t.sql:1:4: range too big: the limit is 100000 items");
    assert_string_equal(render("{{ return(1) }}"), "ERR t.sql:1:4: return() outside of a macro");
    assert_string_equal(render("{{ exceptions.raise_compiler_error('bad input: ' ~ 3) }}"),
                        "ERR t.sql:1:15: bad input: 3");
    assert_string_equal(render("{% set x = 1 %}{% set x.y = 2 %}"),
                        "ERR t.sql:1:23: cannot assign attribute on non-namespace object");
}

static void test_limits(void **state)
{
    (void)state;
    /* deep nesting: parentheses, blocks */
    sl_buf b;
    sl_buf_init(&b);
    sl_buf_adds(&b, "{{ ");
    for (int i = 0; i < 300; i++)
        sl_buf_addc(&b, '(');
    sl_buf_addc(&b, '1');
    for (int i = 0; i < 300; i++)
        sl_buf_addc(&b, ')');
    sl_buf_adds(&b, " }}");
    assert_string_equal(render(b.data), "ERR t.sql:1:260: brackets nested too deeply (limit 256)");
    sl_buf_reset(&b);
    for (int i = 0; i < 300; i++)
        sl_buf_adds(&b, "{% if true %}");
    const char *r = render(b.data);
    assert_non_null(strstr(r, "ERR t.sql:1:"));
    assert_non_null(strstr(r, "nested too deeply (limit 256)"));
    sl_buf_reset(&b);
    for (int i = 0; i < 300; i++)
        sl_buf_adds(&b, "not ");
    sl_buf_adds(&b, "1");
    char *tpl = sl_printf("{{ %s }}", b.data);
    assert_non_null(strstr(render(tpl), "nested too deeply (limit 256)"));
    sl_free(tpl);
    sl_buf_release(&b);
    /* runaway recursion */
    assert_string_equal(render("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"),
                        "ERR t.sql:1:20: macro calls nested too deeply (limit 256)");
    /* huge loops and huge output, with the limits lowered so the test is
     * quick (the defaults, 10 million and 256 MiB, work the same way) */
    sl_jinja_env_set_limits(g_env, 4 << 20, 200000);
    assert_string_equal(render("{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"),
                        "ERR t.sql:1:29: more than 200000 loop iterations in one render (the limit)");
    assert_string_equal(render("{% for a in range(3000) %}{{ 'x' * 10000 }}{% endfor %}"),
                        "ERR t.sql:1:27: output larger than the 4 MiB limit");
    assert_string_equal(render("{% macro m() %}{% for a in range(3000) %}{{ 'x' * 10000 }}{% endfor %}{% endmacro %}{{ m() }}"),
                        "ERR t.sql:1:42: output larger than the 4 MiB limit");
    sl_jinja_env_set_limits(g_env, 1000, 0);
    assert_string_equal(render("{{ 'x' * 1001 }}"), "ERR t.sql:1:1: output larger than the 1000-byte limit");
    sl_jinja_env_set_limits(g_env, 0, 0);
    assert_string_equal(render("{% for a in range(1000) %}{% for b in range(1000) %}{% endfor %}{% endfor %}"), "");
    /* huge strings: refused before they are built */
    assert_string_equal(render("{{ 'x' * 300000000 }}"), "ERR t.sql:1:8: repetition larger than the 256 MiB limit");
}

static int h_echo(void *ud, const sl_jinja_args *a, sl_jv **ret, sl_error *err)
{
    (void)ud;
    sl_jv *x = sl_jinja_arg(a, 0, "x");
    if (!x)
        return sl_error_set(err, SL_ECONFIG, "echo() needs x");
    sl_jv *l = sl_jv_list();
    sl_jv_list_push(l, sl_jv_ref(x));
    sl_jv_list_push(l, sl_jv_int((int64_t)a->npos));
    sl_jv_list_push(l, sl_jv_int((int64_t)a->nkw));
    *ret = l;
    return 0;
}

static void test_host_values(void **state)
{
    (void)state;
    sl_jinja_env_set(g_env, "echo", sl_jv_fn("echo", h_echo, NULL));
    sl_jv *attrs = sl_jv_dict();
    sl_jv_dict_set(attrs, "schema", sl_jv_cstr("main"));
    sl_jv_dict_set(attrs, "identifier", sl_jv_cstr("orders"));
    sl_jinja_env_set(g_env, "this", sl_jv_object(attrs, "\"main\".\"orders\""));
    assert_string_equal(render("{{ echo('a') }} {{ echo(x=1, y=2) }}"), "['a', 1, 0] [1, 0, 2]");
    assert_string_equal(render("\n  {{ echo() }}"), "ERR t.sql:2:6: echo() needs x");
    assert_string_equal(render("{{ this }} {{ this.schema }}.{{ this.identifier }} {{ this is mapping }}"),
                        "\"main\".\"orders\" main.orders True");
    sl_jv *locals = sl_jv_dict();
    sl_jv_dict_set(locals, "this", sl_jv_cstr("local wins"));
    sl_jv_dict_set(locals, "n", sl_jv_int(5));
    assert_string_equal(render_with("{{ this }} {{ n * 2 }}", locals), "local wins 10");
    sl_jv_unref(locals);
    /* values: the accessors of jinja.h */
    sl_jv *d = sl_jv_dict();
    sl_jv_dict_set(d, "z", sl_jv_int(1));
    sl_jv_dict_set(d, "a", sl_jv_float(2.5));
    sl_jv_dict_set(d, "z", sl_jv_int(3)); /* replaces, keeps its place */
    assert_int_equal(sl_jv_len(d), 2);
    assert_string_equal(sl_jv_dict_key_at(d, 0), "z");
    assert_int_equal(sl_jv_int_of(sl_jv_dict_value_at(d, 0)), 3);
    assert_true(sl_jv_float_of(sl_jv_dict_get(d, "a")) == 2.5);
    assert_null(sl_jv_dict_get(d, "nope"));
    sl_buf out;
    sl_buf_init(&out);
    sl_error err;
    assert_int_equal(sl_jv_print(d, &out, &err), 0);
    assert_string_equal(out.data, "{'z': 3, 'a': 2.5}");
    sl_buf_release(&out);
    sl_jv_unref(d);
    sl_jv *u = sl_jv_undefined();
    sl_buf_init(&out);
    assert_int_equal(sl_jv_print(u, &out, &err), -1);
    sl_buf_release(&out);
    sl_jv_unref(u);
}

static const char *call(const char *name, const sl_jinja_args *a)
{
    static char buf[4096];
    sl_buf out;
    sl_buf_init(&out);
    sl_error err;
    sl_error_clear(&err);
    if (sl_jinja_call(g_env, name, a, &out, &err) < 0)
        snprintf(buf, sizeof buf, "ERR %s", err.msg);
    else
        snprintf(buf, sizeof buf, "%s", out.data ? out.data : "");
    sl_buf_release(&out);
    return buf;
}

static int load(const char *file, const char *text, int flags, char *msg, size_t cap)
{
    sl_error err;
    sl_error_clear(&err);
    int rc = sl_jinja_env_load_ex(g_env, file, text, strlen(text), flags, &err);
    snprintf(msg, cap, "%s", rc < 0 ? err.msg : "");
    return rc;
}

static void test_macro_files(void **state)
{
    (void)state;
    char msg[2048];
    assert_int_equal(load("macros/money.sql",
                          "ignored text\n{% macro cents(col, scale=2) %}({{ col }} / 100)::numeric(16, {{ scale }}){% endmacro %}\n"
                          "{% macro pick(x) %}{{ return({'v': x}) }}{% endmacro %}\n"
                          "{% macro uses_local() %}{{ where_am_i }}{% endmacro %}",
                          0, msg, sizeof msg),
                     0);
    assert_int_equal(load("macros/more.sql",
                          "{% macro total(col) %}sum({{ cents(col) }}){% endmacro %}\n"
                          "{% test positive(model, column_name) %}select * from {{ model }} where {{ column_name }} <= 0{% endtest %}\n"
                          "{% docs orders %}\nThe **orders** table.\n{% enddocs %}",
                          0, msg, sizeof msg),
                     0);
    assert_true(sl_jinja_env_has(g_env, "cents"));
    assert_true(sl_jinja_env_has(g_env, "test_positive"));
    assert_int_equal(sl_jv_type_of(sl_jinja_env_lookup(g_env, "cents")), SL_JV_CALLABLE);
    assert_null(sl_jinja_env_lookup(g_env, "nope"));
    sl_jinja_env_set(g_env, "cents_alias", sl_jv_ref(sl_jinja_env_lookup(g_env, "cents")));
    assert_string_equal(render("{{ cents_alias('x') }}"), "(x / 100)::numeric(16, 2)");
    assert_false(sl_jinja_env_has(g_env, "positive"));
    assert_string_equal(sl_jinja_env_doc(g_env, "orders"), "\nThe **orders** table.\n");
    assert_null(sl_jinja_env_doc(g_env, "nope"));
    /* across files, from a template */
    assert_string_equal(render("select {{ total('amount') }}"), "select sum((amount / 100)::numeric(16, 2))");
    assert_string_equal(render("{{ pick(3).v + 1 }}"), "4");
    /* a macro sees the render's locals (dbt: the node's context) */
    sl_jv *locals = sl_jv_dict();
    sl_jv_dict_set(locals, "where_am_i", sl_jv_cstr("model x"));
    assert_string_equal(render_with("{{ uses_local() }}", locals), "model x");
    sl_jv_unref(locals);
    /* sl_jinja_call */
    sl_jv *pos[2] = {sl_jv_cstr("orders"), sl_jv_cstr("amount")};
    sl_jinja_args a = {.npos = 2, .pos = pos};
    assert_string_equal(call("test_positive", &a), "select * from orders where amount <= 0");
    sl_jinja_args one = {.npos = 1, .pos = pos};
    assert_string_equal(call("pick", &one), "{'v': 'orders'}");
    const char *kwn[1] = {"scale"};
    sl_jv *kwv[1] = {sl_jv_int(4)};
    sl_jinja_args kw = {.npos = 1, .pos = pos + 1, .nkw = 1, .kw_names = kwn, .kw = kwv};
    assert_string_equal(call("cents", &kw), "(amount / 100)::numeric(16, 4)");
    assert_string_equal(call("nope", &one), "ERR no macro named 'nope'");
    assert_string_equal(call("uses_local", NULL), "ERR macros/money.sql:4:28: 'where_am_i' is undefined");
    sl_jv_unref(pos[0]);
    sl_jv_unref(pos[1]);
    sl_jv_unref(kwv[0]);
    /* a name defined twice names both places */
    assert_int_equal(load("macros/dup.sql", "\n{% macro cents(x) %}{% endmacro %}", 0, msg, sizeof msg), -1);
    assert_string_equal(msg, "macros/dup.sql:2:1: macro 'cents' is defined twice (first at macros/money.sql:2:1)");
    assert_int_equal(load("macros/dup2.sql", "{% test positive(model) %}{% endtest %}", 0, msg, sizeof msg), -1);
    assert_string_equal(msg, "macros/dup2.sql:1:1: test 'positive' is defined twice (first at macros/more.sql:2:1)");
    /* built-ins may be overridden by a project's file */
    assert_int_equal(load("builtin.sql", "{% macro gen_name(x) %}builtin {{ x }}{% endmacro %}", SL_JINJA_LOAD_OVERRIDABLE,
                          msg, sizeof msg),
                     0);
    assert_string_equal(render("{{ gen_name(1) }}"), "builtin 1");
    assert_int_equal(load("macros/gen.sql", "{% macro gen_name(x) %}project {{ x }}{% endmacro %}", 0, msg, sizeof msg), 0);
    assert_string_equal(render("{{ gen_name(1) }}"), "project 1");
    /* errors in a macros file name the file */
    assert_int_equal(load("macros/bad.sql", "{% macro x() %}{{ 1 + }}{% endmacro %}", 0, msg, sizeof msg), -1);
    assert_string_equal(msg, "macros/bad.sql:1:23: expected an expression, got end of print statement");
}

static void test_snapshots(void **state)
{
    (void)state;
    const char *text = "{% snapshot orders_snap %}\n{{ config(x=1) if false }}select {{ 1 + 1 }}\n{% endsnapshot %}\n"
                       "text between\n{% snapshot second %}b{% endsnapshot %}";
    sl_jinja_tpl *t = NULL;
    sl_error err;
    assert_int_equal(sl_jinja_parse("snapshots/s.sql", text, strlen(text), &t, &err), 0);
    assert_int_equal(sl_jinja_tpl_nsnapshots(t), 2);
    const char *name = NULL;
    const sl_jinja_tpl *s0 = sl_jinja_tpl_snapshot(t, 0, &name);
    assert_string_equal(name, "orders_snap");
    sl_buf out;
    sl_buf_init(&out);
    assert_int_equal(sl_jinja_render(g_env, s0, NULL, &out, &err), 0);
    assert_string_equal(out.data, "\nselect 2\n");
    sl_buf_reset(&out);
    assert_non_null(sl_jinja_tpl_snapshot(t, 1, &name));
    assert_string_equal(name, "second");
    assert_null(sl_jinja_tpl_snapshot(t, 2, &name));
    /* the whole file: the blocks print nothing in place */
    assert_int_equal(sl_jinja_render(g_env, t, NULL, &out, &err), 0);
    assert_string_equal(out.data, "\ntext between\n");
    sl_buf_release(&out);
    sl_jinja_tpl_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_output_and_expressions),
        cmocka_unit_test(test_statements),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_whitespace_exact),
        cmocka_unit_test(test_error_messages),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_host_values),
        cmocka_unit_test(test_macro_files),
        cmocka_unit_test(test_snapshots),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
