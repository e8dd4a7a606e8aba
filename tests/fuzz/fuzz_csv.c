/* fuzz_csv.c: any bytes through the CSV reader, with and without an escape
 * and a comment character: no crash, no overread, every record's fields
 * inside the input. */
#include "formats/csv.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[64];

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (!path[0])
        snprintf(path, sizeof path, "/tmp/sluice-fuzz-csv-%d", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    for (int mode = 0; mode < 2; mode++) {
        sl_error err;
        sl_input *in = sl_input_open(path, &err);
        if (!in)
            return 0;
        sl_csv_config cfg = {mode ? ';' : ',', '"', mode ? '\\' : 0, mode ? '#' : 0};
        sl_csv_reader r;
        sl_csv_init(&r, in, &cfg, 0, 1);
        size_t total = 0;
        while (sl_csv_next(&r, &err) == 1) {
            for (size_t i = 0; i < r.nfields; i++)
                total += r.fields[i].n;
            if (r.rawlen > size + 3 || r.rec_offset > (int64_t)size)
                abort();
        }
        if (total > size)
            abort(); /* unescaping only ever shortens fields */
        sl_csv_release(&r);
        sl_input_close(in);
    }
    return 0;
}
