/* sqlident.c: see sqlident.h. */
#include "core/sqlident.h"

static void quote(sl_buf *out, const char *s, char q)
{
    sl_buf_addc(out, q);
    for (; *s; s++) {
        if (*s == q)
            sl_buf_addc(out, q);
        sl_buf_addc(out, *s);
    }
    sl_buf_addc(out, q);
}

void sl_sql_ident(sl_buf *out, const char *name)
{
    quote(out, name, '"');
}

void sl_sql_literal(sl_buf *out, const char *value)
{
    quote(out, value, '\'');
}
