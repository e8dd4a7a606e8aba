/* stubs_h2.c: placeholders until h2 lands phone.cc, country.c and the
 * reference functions' registration (delete this file). */
#include "gtm/gtm.h"
#include "gtm/register.h"
int sl_gtm_phone_normalize(const char *s, size_t n, const char *region, sl_buf *out) { return 0; }
int sl_gtm_phone_valid(const char *s, size_t n, const char *region) { return 0; }
int sl_gtm_phone_region(const char *s, size_t n, const char *region, sl_buf *out) { return 0; }
int sl_gtm_phone_type(const char *s, size_t n, const char *region, sl_buf *out) { return 0; }
int sl_gtm_country_code(const char *s, size_t n, sl_buf *out) { return 0; }
int sl_gtm_country_name(const char *s, size_t n, sl_buf *out) { return 0; }
int sl_gtm_country_alpha3(const char *s, size_t n, sl_buf *out) { return 0; }
int sl_gtm_currency_code(const char *s, size_t n, sl_buf *out) { return 0; }
int sl_gtm_currency_name(const char *s, size_t n, sl_buf *out) { return 0; }
int sl_gtm_register_reference(sqlite3 *db) { return 0; }
