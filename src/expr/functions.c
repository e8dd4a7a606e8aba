/* functions.c: see functions.h. */
#include "expr/functions.h"
#include "gtm/register.h"
#include <openssl/evp.h>
#include <string.h>

static void fn_sha256(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    const unsigned char *p = sqlite3_value_text(argv[0]);
    int n = sqlite3_value_bytes(argv[0]);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (!EVP_Digest(p, (size_t)n, md, &len, EVP_sha256(), NULL)) {
        sqlite3_result_error(ctx, "sha256: digest failed", -1);
        return;
    }
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < len; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    sqlite3_result_text(ctx, hex, (int)(2 * len), SQLITE_TRANSIENT);
}

int sl_functions_register(sqlite3 *db)
{
    int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    if (sqlite3_create_function(db, "sha256", 1, flags, NULL, fn_sha256, NULL, NULL) != SQLITE_OK ||
        sl_gtm_register(db) < 0)
        return -1;
    return 0;
}
