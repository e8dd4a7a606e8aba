/* json_path.c: see json_path.h. */
#include "formats/json_path.h"
#include "core/mem.h"
#include <stdio.h>
#include <string.h>

int sl_json_path_at(sl_json *j, const char *doc, size_t n, const char *path)
{
    sl_json_init(j, doc, n);
    if (strncmp(path, "$.", 2) == 0)
        path += 2;
    else if (strcmp(path, "$") == 0)
        path = "";
    sl_buf key;
    sl_buf_init(&key);
    int rc = 0;
    while (*path && rc == 0) {
        const char *dot = strchr(path, '.');
        size_t len = dot ? (size_t)(dot - path) : strlen(path);
        if (sl_json_peek(j) != SL_JSON_OBJECT) {
            rc = -1;
            break;
        }
        sl_json_object_begin(j);
        int first = 1, found = 0;
        while (sl_json_member(j, &first, &key) == 1) {
            if (key.len == len && memcmp(key.data, path, len) == 0) {
                found = 1;
                break;
            }
            if (sl_json_skip(j) < 0)
                break;
        }
        if (!found)
            rc = -1;
        path += len + (dot ? 1 : 0);
    }
    sl_buf_release(&key);
    return rc;
}

char *sl_json_path_text(const char *doc, size_t n, const char *path)
{
    sl_json j;
    if (!path || sl_json_path_at(&j, doc ? doc : "", n, path) < 0)
        return NULL;
    sl_json_kind k = sl_json_peek(&j);
    if (k == SL_JSON_STRING) {
        sl_buf s;
        sl_buf_init(&s);
        char *out = sl_json_string(&j, &s) == 0 ? (s.data ? sl_buf_detach(&s) : sl_strdup("")) : NULL;
        sl_buf_release(&s);
        return out;
    }
    if (k == SL_JSON_NUMBER) {
        const char *p;
        size_t len;
        return sl_json_number(&j, &p, &len) == 0 ? sl_strndup(p, len) : NULL;
    }
    return NULL;
}

int sl_json_path_validate_body(const sl_buf *body, char *why, size_t cap)
{
    char e[200];
    if (sl_json_validate(body->data ? body->data : "", body->len, e, sizeof e) == 0)
        return 0;
    snprintf(why, cap, "invalid JSON body: %s", e);
    return -1;
}
