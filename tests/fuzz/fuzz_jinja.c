/* fuzz_jinja.c: any bytes as a template and as a macros file: the renderer
 * parses, renders (with a few globals and a host function) or fails with a
 * message, and never crashes, hangs or leaks. */
#include "jinja/jinja.h"
#include <string.h>

static int fz_id(void *ud, const sl_jinja_args *a, sl_jv **ret, sl_error *err)
{
    (void)ud;
    (void)err;
    sl_jv *x = sl_jinja_arg(a, 0, "x");
    *ret = x ? sl_jv_ref(x) : NULL;
    return 0;
}

static void globals(sl_jinja_env *env)
{
    sl_jinja_env_set(env, "s", sl_jv_cstr("Hello World"));
    sl_jinja_env_set(env, "n", sl_jv_int(7));
    sl_jinja_env_set(env, "f", sl_jv_float(2.5));
    sl_jv *l = sl_jv_list();
    sl_jv_list_push(l, sl_jv_int(3));
    sl_jv_list_push(l, sl_jv_cstr("a"));
    sl_jinja_env_set(env, "items", l);
    sl_jv *d = sl_jv_dict();
    sl_jv_dict_set(d, "k", sl_jv_cstr("v"));
    sl_jv_dict_set(d, "n", sl_jv_none());
    sl_jinja_env_set(env, "d", d);
    sl_jv *attrs = sl_jv_dict();
    sl_jv_dict_set(attrs, "schema", sl_jv_cstr("main"));
    sl_jinja_env_set(env, "this", sl_jv_object(attrs, "\"main\".\"t\""));
    sl_jinja_env_set(env, "ref", sl_jv_fn("ref", fz_id, NULL));
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    const char *text = (const char *)data;
    sl_error err;
    sl_jinja_env *env = sl_jinja_env_new();
    globals(env);
    /* as a macros file: then call what it defined */
    if (sl_jinja_env_load(env, "macros/f.sql", text, size, &err) == 0) {
        sl_buf out;
        sl_buf_init(&out);
        sl_jv *arg = sl_jv_cstr("x");
        sl_jinja_args a = {.npos = 1, .pos = &arg};
        static const char *const names[] = {"m", "a", "x", "test_t", "test_x"};
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (sl_jinja_env_has(env, names[i])) {
                sl_buf_reset(&out);
                sl_jinja_call(env, names[i], &a, &out, &err);
            }
        sl_jv_unref(arg);
        sl_buf_release(&out);
    }
    /* as a template */
    sl_jinja_tpl *t = NULL;
    if (sl_jinja_parse("models/f.sql", text, size, &t, &err) == 0) {
        sl_buf out;
        sl_buf_init(&out);
        sl_jinja_render(env, t, NULL, &out, &err);
        for (size_t i = 0; i < sl_jinja_tpl_nsnapshots(t); i++) {
            const char *name;
            sl_buf_reset(&out);
            sl_jinja_render(env, sl_jinja_tpl_snapshot(t, i, &name), NULL, &out, &err);
        }
        sl_buf_release(&out);
        sl_jinja_tpl_free(t);
    }
    sl_jinja_env_free(env);
    return 0;
}
