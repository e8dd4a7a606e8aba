/* reorder.c: filters before derives that cannot tell (reorder.h). */
#include "transforms/reorder.h"
#include "core/log.h"
#include "core/mem.h"
#include "config/project.h"
#include "engine/run.h"
#include "expr/expr.h"
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* derive.c and filter.c: their options */
const sl_kvlist *sl_derive_columns(const sl_instance *in);
const char *sl_filter_where(const sl_instance *in);

static const char *skip_ws(const char *q)
{
    while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
        q++;
    return q;
}

static int is_ident_start(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int is_ident(char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9');
}

/* Whether q is only text functions and || over columns and literals, with
 * at least one of them (reorder.h). */
static int text_only(const char *q)
{
    static const char *const fns[] = {"lower", "upper", "trim", "ltrim", "rtrim", "replace", "substr",
                                      "substring", "char", NULL};
    int ops = 0;
    for (q = skip_ws(q); *q; q = skip_ws(q)) {
        if (*q == '\'' || *q == '"') { /* a literal, or a quoted name */
            char quote = *q++;
            for (;;) {
                if (!*q)
                    return 0;
                if (*q == quote && q[1] != quote)
                    break;
                q += *q == quote ? 2 : 1;
            }
            q++;
        } else if (*q >= '0' && *q <= '9') {
            while (*q >= '0' && *q <= '9')
                q++;
            if (is_ident(*q) || *q == '.')
                return 0;
        } else if (q[0] == '|' && q[1] == '|') {
            q += 2;
            ops++;
        } else if (*q == '(' || *q == ')' || *q == ',') {
            q++;
        } else if (is_ident_start(*q)) {
            size_t n = 0;
            while (is_ident(q[n]))
                n++;
            if (q[n] == '$' || (unsigned char)q[n] >= 0x80)
                return 0;
            if (*skip_ws(q + n) == '(') {
                int known = 0;
                for (int i = 0; fns[i]; i++)
                    known |= strlen(fns[i]) == n && strncasecmp(q, fns[i], n) == 0;
                if (!known)
                    return 0;
                ops++;
            } else if (sqlite3_keyword_check(q, (int)n)) {
                return 0; /* NULL, CASE, AND, COLLATE, ... */
            }
            q += n;
        } else {
            return 0;
        }
    }
    return ops > 0;
}

/* Whether derive d's expressions are all text_only. */
static int text_derive(const sl_instance *d)
{
    if (strcmp(d->type, "derive") != 0)
        return 0;
    const sl_kvlist *cols = sl_derive_columns(d);
    for (size_t i = 0; i < cols->n; i++)
        if (!text_only(cols->v[i].value))
            return 0;
    return cols->n > 0;
}

/* Whether filter f reads none of the columns derive d writes. */
static int reads_none(const sl_instance *f, const sl_instance *d)
{
    char **names = NULL;
    size_t n = 0;
    sl_error err;
    if (sl_expr_unknown_columns(sl_filter_where(f), NULL, 0, &names, &n, &err) < 0)
        return 0;
    const sl_kvlist *cols = sl_derive_columns(d);
    int ok = 1;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < cols->n; k++)
            if (strcasecmp(names[i], cols->v[k].key) == 0)
                ok = 0;
        sl_free(names[i]);
    }
    sl_free(names);
    return ok;
}

/* Whether no name derive d writes is declared by the source with a type
 * other than text. */
static int undeclared(const sl_source_common *c, const sl_instance *d)
{
    const sl_kvlist *cols = sl_derive_columns(d);
    for (size_t k = 0; k < cols->n; k++)
        for (size_t i = 0; i < c->columns.n; i++) {
            sl_type t;
            if (strcasecmp(c->columns.v[i].key, cols->v[k].key) == 0 &&
                (sl_type_parse(c->columns.v[i].value, &t) < 0 || t != SL_T_TEXT))
                return 0;
        }
    return 1;
}

int sl_reorder_filters_first(sl_pipeline *pl, sl_buf *note)
{
    const char *env = getenv("SLUICE_PUSHDOWN");
    const sl_source_common *c = pl->source.opts;
    if ((env && strcmp(env, "0") == 0) || !pl->source.type || strcmp(pl->source.type, "csv") != 0 || !c ||
        c->infer_types)
        return 0;
    int moved = 0;
    for (size_t i = 1; i < pl->ntransforms; i++) {
        if (strcmp(pl->transforms[i].type, "filter") != 0)
            continue;
        for (size_t j = i; j > 0; j--) {
            sl_instance *d = &pl->transforms[j - 1], *f = &pl->transforms[j];
            if (!text_derive(d) || !reads_none(f, d) || !undeclared(c, d))
                break;
            int prefix_ok = 1; /* ahead of the derive: filters and text derives only */
            for (size_t k = 0; k + 1 < j && prefix_ok; k++)
                prefix_ok = strcmp(pl->transforms[k].type, "filter") == 0 || text_derive(&pl->transforms[k]);
            if (!prefix_ok)
                break;
            sl_log_debug("%s: filter %s runs before derive %s (it reads none of the derived columns, and the "
                         "derive's text expressions cannot fail on a row): filter pushdown", pl->name, f->id, d->id);
            if (note)
                sl_buf_addf(note, "%sfilter %s before derive %s", note->len ? "; " : "", f->id, d->id);
            sl_instance tmp = *d;
            *d = *f;
            *f = tmp;
            moved++;
        }
    }
    return moved;
}
