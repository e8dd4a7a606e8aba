/* fuzz_normalize.c: any bytes through every GTM normaliser (gtm/gtm.h):
 * each gives a result or "cannot normalise", and never crashes, hangs or
 * leaks. (Placeholder until h2 fills it in with every function.) */
#include "gtm/gtm.h"
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sl_buf out;
    sl_buf_init(&out);
    sl_gtm_email_normalize((const char *)data, size, &out);
    sl_buf_release(&out);
    return 0;
}
