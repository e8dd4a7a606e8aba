/*
 * compile.c: rendering nodes' templates in the project's context
 * (models/compile.h, graph.h's sl_graph_compile and sl_graph_compile_test).
 *
 * The environment: the project's macro files (macros/, tests/generic/, and
 * {% docs %} blocks in .md files), then sluice's built-in macros
 * (builtin.c) whose names the project does not define, then the context's
 * globals (context.c).
 *
 * Parse mode renders a node once at load time to collect its ref()/source()
 * calls and apply its config(); then its schema and identifier are decided
 * by dbt's rules: generate_schema_name (the target schema, or
 * "<target schema>_<custom schema>") and generate_alias_name (the alias or
 * the name), or the project's own macros of those names.
 *
 * Execute mode renders the SQL that runs: ref()s resolve to relations and
 * the ephemeral models reached are inlined as CTEs (ephemeral.c). Generic
 * and singular tests compile in testsql.c.
 */
#include "models/compile.h"
#include "config/project.h"
#include "core/mem.h"
#include "models/builtin.h"
#include "models/compile_int.h"
#include "models/context.h"
#include "models/jvyaml.h"
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- errors ---- */

/* A renderer error "FILE:LINE:COL: message" as a diagnostic at that place
 * (file is the node's or macro file's path, kept by the diagnostic). */
static void diag_from_error(sl_diags *d, const sl_error *err, const char *file)
{
    const char *m = err->msg;
    size_t fl = strlen(file);
    int line = 0, col = 0, used = 0;
    if (strncmp(m, file, fl) == 0 && m[fl] == ':' && sscanf(m + fl + 1, "%d:%d: %n", &line, &col, &used) == 2 && used) {
        sl_diags_add(d, (sl_loc){file, line, col}, "%s", m + fl + 1 + used);
        return;
    }
    sl_diags_add(d, (sl_loc){file, 1, 1}, "%s", m);
}

/* ---- the environment ---- */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    sl_buf b;
    sl_buf_init(&b);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        sl_buf_add(&b, chunk, n);
    fclose(f);
    *len = b.len;
    if (!b.data)
        sl_buf_add(&b, "", 0);
    return sl_buf_detach(&b);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file under dir (relative to the project) whose name ends in ext,
 * sorted, as project-relative paths appended to *out. */
static void list_files(const char *root, const char *rel, const char *ext, char ***out, size_t *n, size_t *cap)
{
    char *path = sl_printf("%s/%s", root, rel);
    DIR *dir = opendir(path);
    sl_free(path);
    if (!dir)
        return;
    char **names = NULL;
    size_t nn = 0, nc = 0;
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (e->d_name[0] == '.')
            continue;
        SL_GROW(names, nc, nn + 1);
        names[nn++] = sl_strdup(e->d_name);
    }
    closedir(dir);
    if (nn)
        qsort(names, nn, sizeof *names, cmp_str);
    for (size_t i = 0; i < nn; i++) {
        char *sub = sl_printf("%s/%s", rel, names[i]);
        char *full = sl_printf("%s/%s", root, sub);
        struct stat sb;
        if (stat(full, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            list_files(root, sub, ext, out, n, cap);
            sl_free(sub);
        } else {
            size_t l = strlen(sub), el = strlen(ext);
            if (l > el && strcmp(sub + l - el, ext) == 0) {
                SL_GROW(*out, *cap, *n + 1);
                (*out)[(*n)++] = sub;
            } else {
                sl_free(sub);
            }
        }
        sl_free(full);
        sl_free(names[i]);
    }
    sl_free(names);
}

/* Load the project's macro files: .sql files under the macro paths and
 * under <test path>/generic, and the {% docs %} blocks of .md files under
 * the docs paths (dbt's: every resource folder unless docs-paths:). */
static int load_project_macros(sl_graph *g, sl_diags *d)
{
    const sl_project *p = g->project;
    if (!p || !p->dir)
        return 0;
    const char *root = p->dir;
    char **files = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < p->macro_paths.n; i++)
        list_files(root, p->macro_paths.v[i], ".sql", &files, &n, &cap);
    for (size_t i = 0; i < p->test_paths.n; i++) {
        char *gen = sl_printf("%s/generic", p->test_paths.v[i]);
        list_files(root, gen, ".sql", &files, &n, &cap);
        sl_free(gen);
    }
    for (size_t i = 0; i < p->docs_paths.n; i++)
        list_files(root, p->docs_paths.v[i], ".md", &files, &n, &cap);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char *full = sl_printf("%s/%s", root, files[i]);
        size_t len = 0;
        char *text = read_file(full, &len);
        sl_free(full);
        if (!text) {
            sl_diags_add(d, (sl_loc){files[i], 1, 1}, "cannot read the macro file");
            rc = -1;
        } else {
            sl_error err = {0};
            if (sl_jinja_env_load(g->env, files[i], text, len, &err) < 0) {
                diag_from_error(d, &err, files[i]);
                rc = -1;
            }
            sl_free(text);
        }
        sl_free(files[i]);
    }
    sl_free(files);
    return rc;
}

/* Add the entries of dict src to dict dst (later ones win). */
static void dict_merge(sl_jv *dst, const sl_jv *src)
{
    for (size_t i = 0; i < sl_jv_len(src); i++)
        sl_jv_dict_set(dst, sl_jv_dict_key_at(src, i), sl_jv_ref(sl_jv_dict_value_at(src, i)));
}

/* The vars var() sees: the project's `vars:` (a `vars:` entry named after
 * the project, a mapping, is dbt's scoping: merged over the global ones),
 * then --vars over both. A new dict, or NULL with a diagnostic. */
static sl_jv *load_vars(sl_graph *g, const char *cli_vars, sl_diags *d)
{
    sl_jv *vars = sl_jv_dict();
    const sl_project *p = g->project;
    if (p && p->vars.node) {
        sl_jv *pv = sl_jv_from_fy(p->vars.node);
        if (sl_jv_type_of(pv) == SL_JV_DICT) {
            sl_jv *scoped = g->name ? sl_jv_dict_get(pv, g->name) : NULL;
            if (scoped && sl_jv_type_of(scoped) != SL_JV_DICT)
                scoped = NULL;
            for (size_t i = 0; i < sl_jv_len(pv); i++) {
                const char *k = sl_jv_dict_key_at(pv, i);
                if (!(scoped && strcmp(k, g->name) == 0))
                    sl_jv_dict_set(vars, k, sl_jv_ref(sl_jv_dict_value_at(pv, i)));
            }
            if (scoped)
                dict_merge(vars, scoped);
        }
        sl_jv_unref(pv);
    }
    if (cli_vars) {
        sl_error err = {0};
        sl_jv *cv = sl_jv_from_yaml("--vars", cli_vars, strlen(cli_vars), &err);
        if (!cv || (sl_jv_type_of(cv) != SL_JV_DICT && sl_jv_type_of(cv) != SL_JV_NONE)) {
            sl_diags_add(d, (sl_loc){"--vars", 1, 1}, "%s",
                         cv ? "--vars: expected a mapping like '{key: value}'" : err.msg);
            if (cv)
                sl_jv_unref(cv);
            sl_jv_unref(vars);
            return NULL;
        }
        if (sl_jv_type_of(cv) == SL_JV_DICT)
            dict_merge(vars, cv);
        sl_jv_unref(cv);
    }
    return vars;
}

int sl_compile_env_init(sl_graph *g, sl_diags *d)
{
    sl_compile_env_free(g);
    g->env = sl_jinja_env_new();
    sl_compile_state *st = sl_calloc(1, sizeof *st);
    st->g = g;
    g->compile = st;
    int rc = load_project_macros(g, d);
    for (const sl_builtin *b = sl_builtins; b->name; b++) {
        if (sl_jinja_env_has(g->env, b->name))
            continue; /* the project's own replaces sluice's (dbt's rule) */
        sl_error err = {0};
        if (sl_jinja_env_load(g->env, SL_BUILTIN_FILE, b->text, strlen(b->text), &err) < 0) {
            diag_from_error(d, &err, SL_BUILTIN_FILE);
            rc = -1;
        }
    }
    sl_jv *vars = load_vars(g, g->vars_yaml, d);
    if (!vars) {
        vars = sl_jv_dict();
        rc = -1;
    }
    sl_context_init(st, vars);
    sl_context_enter(st, NULL);
    return rc;
}

void sl_compile_env_free(sl_graph *g)
{
    if (g->compile) {
        sl_compile_state *st = g->compile;
        sl_context_release(st);
        if (st->vars)
            sl_jv_unref(st->vars);
        sl_free(st);
        g->compile = NULL;
    }
    if (g->env) {
        sl_jinja_env_free(g->env);
        g->env = NULL;
    }
}

/* ---- rendering ---- */

void sl_compile_render_release(sl_render *r)
{
    sl_compile_deps_free(r->deps, r->ndeps);
    sl_free(r->eph);
    memset(r, 0, sizeof *r);
}

/* Render node i's text with r as the render in progress. */
int sl_compile_render_node(sl_graph *g, size_t i, sl_render *r, sl_buf *out, sl_error *err)
{
    sl_compile_state *st = g->compile;
    const sl_node *n = &g->nodes[i];
    /* parsed for each render: keeping 10,000 parsed templates between the
     * load and the compile costs more memory (~15 KB each) than parsing
     * again costs time */
    sl_jinja_tpl *t = NULL;
    if (sl_jinja_parse(n->file ? n->file : n->name, n->raw, strlen(n->raw), &t, err) < 0)
        return -1;
    sl_render *saved = st->cur;
    sl_context_enter(st, r);
    int rc = sl_jinja_render(g->env, t, NULL, out, err);
    sl_context_enter(st, saved);
    sl_jinja_tpl_free(t);
    return rc;
}

/* Where a dependency is called in text: the first ref(/source( call
 * naming it, else 1:1. */
static void dep_position(const char *text, sl_compile_dep *dep)
{
    const char *fn = dep->source_name ? "source" : "ref";
    const char *want = dep->name;
    size_t fl = strlen(fn);
    int line = 1, col = 1;
    for (const char *p = text; *p; p++) {
        if (*p == '\n') {
            line++;
            col = 1;
            continue;
        }
        if (strncmp(p, fn, fl) == 0 && (p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_'))) {
            const char *q = p + fl;
            while (*q == ' ' || *q == '\t')
                q++;
            if (*q == '(') {
                /* the call names the dependency if one of its string arguments does */
                const char *end = strchr(q, ')');
                size_t wl = strlen(want);
                for (const char *s = q; end && s < end; s++)
                    if ((*s == '\'' || *s == '"') && strncmp(s + 1, want, wl) == 0 && s[1 + wl] == *s) {
                        dep->line = line;
                        dep->col = col;
                        return;
                    }
            }
        }
        col++;
    }
    dep->line = 1;
    dep->col = 1;
}

/* Call the project's generate_NAME macro with (custom or none, node); its
 * output trimmed into *out (caller frees). */
static int call_generate(sl_graph *g, const char *macro, const char *custom, size_t i, char **out,
                         sl_error *err)
{
    sl_jv *pos[2] = {custom ? sl_jv_cstr(custom) : sl_jv_none(), sl_context_node_value(g, i)};
    sl_jinja_args a = {.npos = 2, .pos = pos};
    sl_buf b;
    sl_buf_init(&b);
    int rc = sl_jinja_call(g->env, macro, &a, &b, err);
    sl_jv_unref(pos[0]);
    sl_jv_unref(pos[1]);
    if (rc == 0) {
        size_t s = 0, e = b.len;
        while (s < e && isspace((unsigned char)b.data[s]))
            s++;
        while (e > s && isspace((unsigned char)b.data[e - 1]))
            e--;
        if (e == s)
            rc = sl_error_set(err, SL_ECONFIG, "%s() gave an empty name for %s", macro, g->nodes[i].name);
        else
            *out = sl_strndup(b.data + s, e - s);
    }
    sl_buf_release(&b);
    return rc;
}

int sl_compile_relation(sl_graph *g, size_t i, sl_error *err)
{
    sl_node *n = &g->nodes[i];
    if (n->kind != SL_NODE_MODEL && n->kind != SL_NODE_SEED && n->kind != SL_NODE_SNAPSHOT)
        return 0;
    char *schema = NULL, *ident = NULL;
    const char *tschema = g->target.schema ? g->target.schema : "main";
    if (n->kind == SL_NODE_SNAPSHOT && n->config.target_schema) {
        schema = sl_strdup(n->config.target_schema); /* dbt's legacy key: as written */
    } else if (g->env && sl_jinja_env_has(g->env, "generate_schema_name")) {
        if (call_generate(g, "generate_schema_name", n->config.schema, i, &schema, err) < 0)
            return -1;
    } else if (n->config.schema && *n->config.schema) {
        schema = sl_printf("%s_%s", tschema, n->config.schema);
    }
    if (g->env && sl_jinja_env_has(g->env, "generate_alias_name")) {
        if (call_generate(g, "generate_alias_name", n->config.alias, i, &ident, err) < 0) {
            sl_free(schema);
            return -1;
        }
    } else {
        ident = sl_strdup(n->config.alias && *n->config.alias ? n->config.alias : n->name);
    }
    sl_free(n->schema);
    n->schema = schema;
    sl_free(n->identifier);
    n->identifier = ident;
    return 0;
}

int sl_compile_parse(sl_graph *g, size_t i, sl_compile_dep **deps, size_t *ndeps, sl_diags *d)
{
    sl_node *n = &g->nodes[i];
    *deps = NULL;
    *ndeps = 0;
    if (!g->compile) {
        sl_diags_add(d, (sl_loc){n->file, 1, 1}, "internal: templates rendered before sl_compile_env_init");
        return -1;
    }
    sl_compile_state *st = g->compile;
    const char *file = n->file ? n->file : n->name;
    sl_render r = {.node = i, .execute = 0};
    sl_error err = {0};
    int rc = 0;
    if (n->raw) {
        sl_buf out;
        sl_buf_init(&out);
        rc = sl_compile_render_node(g, i, &r, &out, &err);
        sl_buf_release(&out);
    } else if (n->kind == SL_NODE_TEST && n->test_name) {
        sl_render *saved = st->cur;
        sl_context_enter(st, &r);
        sl_jv *kw = sl_compile_test_kwargs(g, n, &err);
        sl_context_enter(st, saved);
        if (kw)
            sl_jv_unref(kw);
        else
            rc = -1;
    }
    if (rc == 0 && sl_compile_relation(g, i, &err) < 0)
        rc = -1;
    if (rc < 0) {
        diag_from_error(d, &err, file);
        sl_compile_render_release(&r);
        return -1;
    }
    for (size_t k = 0; k < r.ndeps; k++)
        dep_position(n->raw ? n->raw : "", &r.deps[k]);
    *deps = r.deps;
    *ndeps = r.ndeps;
    r.deps = NULL;
    r.ndeps = 0;
    sl_compile_render_release(&r);
    return 0;
}

/* A text of a properties file (a description, a source's schema or
 * identifier) rendered as dbt renders them: var, env_var, target, doc.
 * Text without "{{" or "{%" is left as it is. */
static int render_prop(sl_graph *g, size_t i, const char *file, char **text, sl_diags *d)
{
    if (!*text || (!strstr(*text, "{{") && !strstr(*text, "{%")))
        return 0;
    sl_compile_state *st = g->compile;
    sl_jinja_tpl *t = NULL;
    sl_error err = {0};
    sl_buf out;
    sl_buf_init(&out);
    sl_render r = {.node = i, .execute = 0};
    int rc = sl_jinja_parse(file, *text, strlen(*text), &t, &err);
    if (rc == 0) {
        sl_render *saved = st->cur;
        sl_context_enter(st, &r);
        rc = sl_jinja_render(g->env, t, NULL, &out, &err);
        sl_context_enter(st, saved);
        sl_jinja_tpl_free(t);
    }
    sl_compile_render_release(&r);
    if (rc < 0) {
        /* the renderer's line:col count from the value's first byte */
        sl_error_prefix(&err, "in a value of the properties file");
        sl_diags_add(d, (sl_loc){file, 1, 1}, "%s", err.msg);
        sl_buf_release(&out);
        return -1;
    }
    sl_free(*text);
    *text = sl_buf_detach(&out);
    return 0;
}

int sl_compile_render_props(sl_graph *g, sl_diags *d)
{
    int rc = 0;
    for (size_t i = 0; i < g->n; i++) {
        sl_node *n = &g->nodes[i];
        const char *file = n->patch_file ? n->patch_file : n->file ? n->file : n->name;
        if (render_prop(g, i, file, &n->description, d) < 0)
            rc = -1;
        for (size_t c = 0; c < n->ncolumns; c++)
            if (render_prop(g, i, file, &n->columns[c].description, d) < 0)
                rc = -1;
        if (n->kind == SL_NODE_SOURCE) {
            if (render_prop(g, i, file, &n->schema, d) < 0 || render_prop(g, i, file, &n->identifier, d) < 0)
                rc = -1;
        }
    }
    return rc;
}

void sl_compile_deps_free(sl_compile_dep *deps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sl_free(deps[i].package);
        sl_free(deps[i].name);
        sl_free(deps[i].source_name);
    }
    sl_free(deps);
}

int sl_graph_compile(sl_graph *g, size_t i, int is_incremental, sl_buf *out, sl_error *err)
{
    sl_node *n = &g->nodes[i];
    if (!g->compile)
        return sl_error_set(err, SL_EINTERNAL, "%s: compiled before sl_compile_env_init", n->name);
    if (n->kind == SL_NODE_TEST)
        return sl_graph_compile_test(g, i, out, err);
    if (!n->raw)
        return sl_error_set(err, SL_EINTERNAL, "%s: a %s has no SQL to compile", n->name,
                            n->kind == SL_NODE_SEED     ? "seed"
                            : n->kind == SL_NODE_SOURCE ? "source"
                            : n->kind == SL_NODE_MODEL  ? "typed model (a YAML spec)"
                                                        : "pipeline");
    sl_render r = {.node = i, .execute = 1, .is_incremental = is_incremental};
    sl_buf b;
    sl_buf_init(&b);
    int rc = sl_compile_render_node(g, i, &r, &b, err);
    if (rc == 0)
        rc = sl_compile_finish(g, i, &r, b.data ? b.data : "", b.len, out, err);
    sl_buf_release(&b);
    sl_compile_render_release(&r);
    return rc;
}

