/*
 * urltpl.h: data values in URLs. A value put into a URL (a row's column,
 * a key, a destination id an API returned, a cursor) is always exactly one
 * URL component: it can never add a path segment, leave the path, start or
 * end a query parameter, or name another host. Used by the http sink's
 * paths and the http source's path (its query parameters go through
 * sl_api_add_param, which encodes the same way).
 *
 * The encoding: every byte but RFC 3986's unreserved characters
 * (A-Z a-z 0-9 - . _ ~) becomes %XX, so '/', '?', '#', '&', '=', '%', '@',
 * ':', '+', spaces, CR, LF, NUL and every byte of non-ASCII UTF-8 are
 * encoded; decoding the component gives back the value byte for byte.
 *
 * Dot segments: a value that is only dots ("." or "..") would be a dot
 * segment, which libcurl (like every URL resolver) squashes, moving the
 * request up the path (/crm/contacts/.. is /crm/). Such a value has its
 * dots encoded too (%2E%2E): libcurl leaves %2E as it is, and the value
 * still decodes to "..". (CURLOPT_PATH_AS_IS was the other way; it would
 * also keep the dot segments of the configured paths, which users expect
 * resolved.)
 *
 * Empty values: an empty (or NULL) value in the path part of a template
 * (before its first '?') is refused: /crm/contacts/{{ dest_id }} with an
 * empty id would be /crm/contacts/, the collection, and a PATCH or DELETE
 * there is not the row's record. The caller decides what a refusal means
 * (the http sink sends the row to the DLQ, the source fails the run). In
 * the query an empty value is an ordinary value (?email=).
 */
#ifndef SL_URLTPL_H
#define SL_URLTPL_H
#include "core/util.h"
#include <stddef.h>

/* Append v[0..n) to out as one URL component (see above). v may hold any
 * bytes, NUL included. */
void sl_url_add_component(sl_buf *out, const char *v, size_t n);

/* The value of template name[0..n) (spaces trimmed): 1 with *v, *len set
 * (the text is not copied and must live until the call returns), 0 for a
 * NULL or unknown value (rendered empty). */
typedef int (*sl_urltpl_value_fn)(void *ctx, const char *name, size_t n, const char **v, size_t *len);

/* Expand the {{ name }} templates of tpl into out, each value encoded with
 * sl_url_add_component; the text around them is copied as it is (it is
 * configuration). 0, or -1 when a value in the path part is empty or NULL:
 * why (cap bytes) then says which template, and out holds a partial URL. */
int sl_urltpl_expand(sl_buf *out, const char *tpl, sl_urltpl_value_fn fn, void *ctx, char *why, size_t cap);

/* Whether tpl has any {{ }} template; *only_ids: every template in it is
 * {{ dest_id }} or {{ key }} (either pointer may be NULL). */
int sl_urltpl_has_templates(const char *tpl, int *only_ids);

/* Whether ref, resolved against base (RFC 3986: a relative reference, a
 * path, //host...), is on the scheme, host and port of origin (the API's
 * configured URL or the request's): 1 yes; 0 no, with where (cap bytes)
 * set to "scheme://host:port" of the target; -1 when one of them is not a
 * URL (where says so). An answer (a next URL, a redirect) that leads
 * elsewhere must not take the request's credentials along. */
/* "scheme://host:port" (host lower-cased, the scheme's default port
 * written out) of ref resolved against base (ref NULL: base itself) into
 * out (cap bytes); -1 when they are not a URL. */
int sl_url_origin(const char *base, const char *ref, char *out, size_t cap);

int sl_url_same_origin(const char *origin, const char *base, const char *ref, char *where, size_t cap);

#endif
