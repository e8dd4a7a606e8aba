/* fuzz_json.c: any bytes through the JSON validator and the record reader:
 * no crash, bounded depth, and the two agree on what is valid; and the
 * value skip agrees with its oracle (tests/unit/json_skip_oracle.h), also
 * when it may read past the input's end into bytes that must not count. */
#include "formats/json_record.h"
#include "../unit/json_skip_oracle.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char err[256];
    /* the input followed by 16 quotes: a scan that took them for input
     * would end a string the input leaves unterminated */
    char *padded = malloc(size + 16);
    memcpy(padded, data, size);
    memset(padded + size, '"', 16);
    char why[512];
    if (oracle_compare(padded, size, 16, why, sizeof why) != 0)
        abort();
    free(padded);
    int valid = sl_json_validate((const char *)data, size, err, sizeof err) == 0;
    sl_batch *b = sl_batch_new();
    sl_json_record_ctx ctx;
    sl_json_record_init(&ctx);
    sl_json j;
    sl_json_init(&j, (const char *)data, size);
    size_t row = sl_batch_add_row(b, 0, 1);
    sl_json_record_opts o = {size % 2, 3, "_", size % 3 == 0, size % 5 == 0 ? 4 : 0};
    /* snake_case names on a third of the inputs; on a fifth, members beyond 3 columns go into _extra */
    int rc = sl_json_record_read(&ctx, &j, b, row, &o);
    if (rc == 0) {
        sl_json_ws(&j);
        if (j.p == j.end && !valid)
            abort(); /* the record reader accepted what the validator refused */
    }
    sl_json_record_release(&ctx);
    sl_batch_free(b);
    return 0;
}
