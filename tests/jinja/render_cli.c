/*
 * render_cli.c: the test driver of the renderer's differential test
 * (tests/jinja/oracle.py): renders every case of a corpus file with a fixed
 * set of globals and prints each output between markers, so the same
 * corpus rendered by python3-jinja2 with dbt's settings can be compared
 * byte for byte.
 *
 * Corpus format: a line "=== NAME" starts a case; the case's template is
 * the lines up to the next such line. Output: "=== NAME\n", then the
 * rendered text, or the line "ERROR" when rendering fails (the message goes
 * to stderr), then "\n--- end\n".
 *
 * Usage: render_cli CORPUS [ITERATIONS]  (ITERATIONS > 1: timing runs, no output)
 */
#include "core/mem.h"
#include "jinja/jinja.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int shout(void *ud, const sl_jinja_args *a, sl_jv **ret, sl_error *err)
{
    (void)ud;
    sl_jv *x = sl_jinja_arg(a, 0, "x");
    if (!x)
        return sl_error_set(err, SL_EDATA, "shout() needs an argument");
    sl_buf b;
    sl_buf_init(&b);
    if (sl_jv_print(x, &b, err) < 0) {
        sl_buf_release(&b);
        return -1;
    }
    for (size_t i = 0; i < b.len; i++)
        if (b.data[i] >= 'a' && b.data[i] <= 'z')
            b.data[i] = (char)(b.data[i] - 32);
    sl_buf_addc(&b, '!');
    *ret = sl_jv_str(b.data, b.len);
    sl_buf_release(&b);
    return 0;
}

static sl_jv *strlist(const char *const *v, size_t n)
{
    sl_jv *l = sl_jv_list();
    for (size_t i = 0; i < n; i++)
        sl_jv_list_push(l, sl_jv_cstr(v[i]));
    return l;
}

static sl_jv *user(const char *name, int age, int active)
{
    sl_jv *d = sl_jv_dict();
    sl_jv_dict_set(d, "name", sl_jv_cstr(name));
    sl_jv_dict_set(d, "age", sl_jv_int(age));
    sl_jv_dict_set(d, "active", sl_jv_bool(active));
    return d;
}

/* The globals; tests/jinja/oracle.py defines the same. */
static void set_globals(sl_jinja_env *env)
{
    sl_jinja_env_set(env, "s", sl_jv_cstr("Hello World"));
    sl_jinja_env_set(env, "n", sl_jv_int(7));
    sl_jinja_env_set(env, "neg", sl_jv_int(-3));
    sl_jinja_env_set(env, "f", sl_jv_float(2.5));
    sl_jinja_env_set(env, "big", sl_jv_int(INT64_MAX));
    sl_jv *items = sl_jv_list();
    sl_jv_list_push(items, sl_jv_int(3));
    sl_jv_list_push(items, sl_jv_int(1));
    sl_jv_list_push(items, sl_jv_int(2));
    sl_jinja_env_set(env, "items", items);
    static const char *const names[] = {"bob", "Alice", "carol"};
    sl_jinja_env_set(env, "names", strlist(names, 3));
    static const char *const words[] = {"a", "b", "c"};
    sl_jinja_env_set(env, "words", strlist(words, 3));
    static const char *const cols[] = {"id", "name", "email"};
    sl_jinja_env_set(env, "cols", strlist(cols, 3));
    sl_jv *d = sl_jv_dict();
    sl_jv_dict_set(d, "b", sl_jv_int(2));
    sl_jv_dict_set(d, "a", sl_jv_int(1));
    sl_jv_dict_set(d, "c", sl_jv_int(3));
    sl_jinja_env_set(env, "d", d);
    sl_jv *users = sl_jv_list();
    sl_jv_list_push(users, user("ann", 31, 1));
    sl_jv_list_push(users, user("bob", 25, 0));
    sl_jv_list_push(users, user("cy", 40, 1));
    sl_jinja_env_set(env, "users", users);
    sl_jinja_env_set(env, "empty", sl_jv_list());
    sl_jinja_env_set(env, "nothing", sl_jv_none());
    sl_jinja_env_set(env, "flag", sl_jv_bool(1));
    sl_jinja_env_set(env, "text", sl_jv_cstr("  padded  "));
    sl_jinja_env_set(env, "multiline", sl_jv_cstr("line1\nline2\n\nline4"));
    sl_jv *inner = sl_jv_list();
    sl_jv_list_push(inner, sl_jv_int(10));
    sl_jv_list_push(inner, sl_jv_int(20));
    sl_jv *z = sl_jv_dict();
    sl_jv_dict_set(z, "z", sl_jv_cstr("deep"));
    sl_jv_list_push(inner, z);
    sl_jv *y = sl_jv_dict();
    sl_jv_dict_set(y, "y", inner);
    sl_jv *nested = sl_jv_dict();
    sl_jv_dict_set(nested, "x", y);
    sl_jinja_env_set(env, "nested", nested);
    sl_jinja_env_set(env, "shout", sl_jv_fn("shout", shout, NULL));
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: render_cli CORPUS [ITERATIONS]\n");
        return 2;
    }
    int iters = argc > 2 ? atoi(argv[2]) : 1;
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    sl_buf all;
    sl_buf_init(&all);
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        sl_buf_add(&all, chunk, got);
    fclose(f);
    sl_buf_addc(&all, 0);
    all.len--;
    int failures = 0;
    for (int it = 0; it < iters; it++) {
        char *p = all.data;
        char *end = all.data + all.len;
        while (p < end) {
            if (strncmp(p, "=== ", 4) != 0) { /* skip to the first header */
                char *nl = memchr(p, '\n', (size_t)(end - p));
                p = nl ? nl + 1 : end;
                continue;
            }
            char *nl = memchr(p, '\n', (size_t)(end - p));
            if (!nl)
                break;
            char name[256];
            snprintf(name, sizeof name, "%.*s", (int)(nl - p - 4), p + 4);
            char *body = nl + 1, *next = body;
            while (next < end && !(strncmp(next, "=== ", 4) == 0 && (next == body || next[-1] == '\n'))) {
                char *n2 = memchr(next, '\n', (size_t)(end - next));
                next = n2 ? n2 + 1 : end;
            }
            sl_jinja_env *env = sl_jinja_env_new();
            set_globals(env);
            sl_jinja_tpl *t = NULL;
            sl_error err;
            sl_error_clear(&err);
            sl_buf out;
            sl_buf_init(&out);
            int rc = sl_jinja_parse(name, body, (size_t)(next - body), &t, &err);
            if (rc == 0)
                rc = sl_jinja_render(env, t, NULL, &out, &err);
            if (iters == 1) {
                printf("=== %s\n", name);
                if (rc == 0)
                    fwrite(out.data, 1, out.len, stdout);
                else {
                    printf("ERROR");
                    fprintf(stderr, "%s\n", err.msg);
                    failures++;
                }
                printf("\n--- end\n");
            }
            sl_buf_release(&out);
            sl_jinja_tpl_free(t);
            sl_jinja_env_free(env);
            p = next;
        }
    }
    sl_buf_release(&all);
    (void)failures;
    return 0;
}
