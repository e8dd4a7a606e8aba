/* register.c: see register.h. */
#include "gtm/register.h"

int sl_gtm_register(sqlite3 *db)
{
    if (sl_gtm_register_text(db) < 0 || sl_gtm_register_reference(db) < 0)
        return -1;
    return 0;
}
