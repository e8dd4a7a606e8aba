/* stubs_h1.c: placeholders until h1 lands email.c, text.c, company.c,
 * domain.c and the text functions' registration (delete this file). */
#include "gtm/gtm.h"
#include "gtm/register.h"
int sl_gtm_email_normalize(const char *s, size_t n, sl_buf *out) { return 0; }
int sl_gtm_email_canonical(const char *s, size_t n, sl_buf *out) { return 0; }
int sl_gtm_email_domain(const char *s, size_t n, sl_buf *out) { return 0; }
int sl_gtm_email_valid(const char *s, size_t n) { return 0; }
int sl_gtm_text_lower(const char *s, size_t n, sl_buf *out) { return 0; }
int sl_gtm_text_upper(const char *s, size_t n, sl_buf *out) { return 0; }
int sl_gtm_text_casefold(const char *s, size_t n, sl_buf *out) { return 0; }
int sl_gtm_text_unaccent(const char *s, size_t n, sl_buf *out) { return 0; }
int sl_gtm_company_normalize(const char *s, size_t n, sl_buf *out) { return 0; }
const char *const *sl_gtm_company_legal_forms(size_t *n) { *n = 0; return NULL; }
int sl_gtm_domain_host(const char *s, size_t n, sl_buf *out) { return 0; }
int sl_gtm_domain_registered(const char *s, size_t n, sl_buf *out) { return 0; }
int sl_gtm_register_text(sqlite3 *db) { return 0; }
