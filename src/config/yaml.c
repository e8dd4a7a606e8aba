/* yaml.c: see yaml.h. */
#include "config/yaml.h"
#include "core/log.h"
#include "core/mem.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libfyaml 0.7 prints its diagnostics ("file:line:col: error: message",
 * then the source line and a caret) rather than collecting them; we capture
 * that text and keep the first line of each error. */
static void add_printed_errors(const char *path, const char *text, sl_diags *d)
{
    size_t plen = strlen(path);
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        int l, c, used = 0;
        if (n > plen && strncmp(line, path, plen) == 0 &&
            sscanf(line + plen, ":%d:%d: error: %n", &l, &c, &used) == 2 && used > 0) {
            sl_loc loc = {path, l, c};
            sl_diags_add(d, loc, "YAML syntax error: %.*s", (int)(n - plen - (size_t)used), line + plen + used);
        }
        line = nl ? nl + 1 : NULL;
    }
}

/* Checks libfyaml should not have to survive: sluice files never need YAML
 * directives, and libfyaml 0.7.12 can loop forever on a malformed one
 * (found by tests/fuzz/fuzz_config; inputs kept in regressions/). A line
 * starts after "\n", "\r" or "\r\n", as YAML counts them, and after a
 * leading byte-order mark. NUL bytes are refused anywhere. */
static int precheck(const char *path, sl_diags *d)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        sl_loc loc = {path, 0, 0};
        sl_diags_add(d, loc, "cannot read this file");
        return -1;
    }
    unsigned char bom[3];
    if (fread(bom, 1, 3, f) != 3 || memcmp(bom, "\xEF\xBB\xBF", 3) != 0)
        rewind(f);
    int line = 1, col = 1, c, prev = '\n', rc = 0;
    while ((c = getc(f)) != EOF) {
        if (c == 0) {
            sl_loc loc = {path, line, col};
            sl_diags_add(d, loc, "a NUL byte is not allowed in a configuration file");
            rc = -1;
            break;
        }
        if (c == '%' && col == 1) {
            sl_loc loc = {path, line, 1};
            sl_diags_add(d, loc, "YAML directives (lines starting with %%) are not supported");
            rc = -1;
            break;
        }
        if (c == '\n' && prev == '\r') {
            prev = c; /* the second half of "\r\n", counted at the '\r' */
            continue;
        }
        if (c == '\n' || c == '\r') {
            line++;
            col = 1;
        } else {
            col++;
        }
        prev = c;
    }
    fclose(f);
    return rc;
}

struct fy_document *sl_yaml_load(const char *path, sl_diags *d)
{
    if (precheck(path, d) < 0)
        return NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = mem;
    dcfg.colorize = false;
    dcfg.level = FYET_ERROR;
    struct fy_diag *diag = fy_diag_create(&dcfg);
    struct fy_parse_cfg cfg = {.flags = 0, .diag = diag};
    struct fy_document *doc = fy_document_build_from_file(&cfg, path);
    if (diag)
        fy_diag_destroy(diag);
    fclose(mem);
    if (!doc || !fy_document_root(doc)) {
        size_t before = d->n;
        add_printed_errors(path, text ? text : "", d);
        if (d->n == before) {
            sl_loc loc = {path, 1, 1};
            sl_diags_add(d, loc, doc ? "the file is empty" : "cannot read or parse this file");
        }
        if (doc)
            fy_document_destroy(doc);
        doc = NULL;
    }
    free(text);
    return doc;
}

sl_loc sl_yaml_loc(struct fy_node *n, const char *file)
{
    sl_loc loc = {file, 0, 0};
    struct fy_token *t = n ? fy_node_get_scalar_token(n) : NULL;
    const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
    if (!m && n && fy_node_is_mapping(n)) {
        /* a mapping has no token of its own: point at its first key */
        void *it = NULL;
        struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);
        if (p)
            return sl_yaml_loc(fy_node_pair_key(p), file);
    }
    if (!m && n && fy_node_is_sequence(n)) {
        void *it = NULL;
        struct fy_node *first = fy_node_sequence_iterate(n, &it);
        if (first)
            return sl_yaml_loc(first, file);
    }
    if (m) {
        loc.line = m->line + 1;
        loc.col = m->column + 1;
    }
    return loc;
}

char *sl_yaml_key(struct fy_node_pair *p)
{
    struct fy_node *k = fy_node_pair_key(p);
    size_t n;
    const char *s = k && fy_node_is_scalar(k) ? fy_node_get_scalar(k, &n) : NULL;
    return s ? sl_strndup(s, n) : NULL;
}

static int valid_name_char(char c, int first)
{
    return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (!first && c >= '0' && c <= '9');
}

int sl_env_name_is_secret(const char *name)
{
    static const char *const words[] = {"KEY",     "TOKEN",   "SECRET",    "PASSWORD", "PASSWD",
                                        "PWD",     "PASS",    "AUTH",      "CREDENTIAL", "PRIVATE",
                                        "COOKIE",  "SESSION", "SIGNATURE", NULL};
    char up[256];
    size_t n = 0;
    for (; name[n] && n + 1 < sizeof up; n++)
        up[n] = (char)(name[n] >= 'a' && name[n] <= 'z' ? name[n] - 32 : name[n]);
    up[n] = 0;
    for (int i = 0; words[i]; i++)
        if (strstr(up, words[i]))
            return 1;
    return 0;
}

char *sl_interpolate(const char *s, size_t len, sl_loc loc, unsigned flags, sl_diags *d)
{
    sl_buf out;
    sl_buf_init(&out);
    sl_buf_reserve(&out, len);
    size_t i = 0;
    while (i < len) {
        if (s[i] != '$' || i + 1 >= len || (s[i + 1] != '{' && s[i + 1] != '$')) {
            sl_buf_addc(&out, s[i++]);
            continue;
        }
        if (s[i + 1] == '$') {
            sl_buf_addc(&out, '$');
            i += 2;
            continue;
        }
        const char *close = memchr(s + i, '}', len - i);
        if (!close) {
            sl_diags_add(d, loc, "unterminated ${ in value (write $$ for a literal $)");
            sl_buf_release(&out);
            return NULL;
        }
        const char *name = s + i + 2, *p = name;
        while (p < close && valid_name_char(*p, p == name))
            p++;
        size_t nlen = (size_t)(p - name);
        if (nlen == 0) {
            sl_diags_add(d, loc, "invalid variable reference '%.*s'", (int)(close - s - i + 1), s + i);
            sl_buf_release(&out);
            return NULL;
        }
        char var[256];
        snprintf(var, sizeof var, "%.*s", (int)nlen, name);
        const char *val = getenv(var);
        const char *op = p, *arg = p;
        int colon = 0;
        if (op < close && *op == ':') {
            colon = 1;
            op++;
        }
        char kind = op < close ? *op : 0;
        if (kind == '-' || kind == '?')
            arg = op + 1;
        else if (op < close) {
            sl_diags_add(d, loc, "invalid variable reference '%.*s'", (int)(close - s - i + 1), s + i);
            sl_buf_release(&out);
            return NULL;
        }
        int missing = !val || (colon && !*val);
        if (kind == '-' && missing) {
            if ((flags & SL_YAML_SECRET) || sl_env_name_is_secret(var)) {
                char *def = sl_strndup(arg, (size_t)(close - arg));
                sl_log_secret(def);
                sl_free(def);
            }
            sl_buf_add(&out, arg, (size_t)(close - arg));
        } else if (missing && (kind == '?' || kind == 0)) {
            if (kind == '?' && close > arg)
                sl_diags_add(d, loc, "environment variable %s: %.*s", var, (int)(close - arg), arg);
            else if (val)
                sl_diags_add(d, loc, "environment variable %s is empty", var);
            else
                sl_diags_add(d, loc, "environment variable %s is not set (use ${%s:-default} for a default)",
                             var, var);
            sl_buf_release(&out);
            return NULL;
        } else {
            if (!(flags & SL_YAML_MULTILINE) && strpbrk(val, "\r\n")) {
                sl_diags_add(d, loc, "environment variable %s holds a line break, which this option does not allow", var);
                sl_buf_release(&out);
                return NULL;
            }
            if ((flags & SL_YAML_SECRET) || sl_env_name_is_secret(var))
                sl_log_secret(val);
            sl_buf_adds(&out, val);
        }
        i = (size_t)(close - s) + 1;
    }
    return sl_buf_detach(&out);
}

char *sl_yaml_scalar(struct fy_node *n, const char *file, unsigned flags, sl_diags *d)
{
    sl_loc loc = sl_yaml_loc(n, file);
    if (!n || !fy_node_is_scalar(n)) {
        sl_diags_add(d, loc, "expected a single value here, not a %s",
                     n && fy_node_is_mapping(n) ? "mapping" : "list");
        return NULL;
    }
    size_t len;
    const char *s = fy_node_get_scalar(n, &len);
    if (s && memchr(s, 0, len)) {
        sl_diags_add(d, loc, "a value may not contain a NUL byte");
        return NULL;
    }
    char *v = sl_interpolate(s ? s : "", s ? len : 0, loc, flags, d);
    if (v && !(flags & SL_YAML_MULTILINE) && strpbrk(v, "\r\n")) {
        sl_diags_add(d, loc, "this option takes a single line");
        sl_free(v);
        return NULL;
    }
    return v;
}
