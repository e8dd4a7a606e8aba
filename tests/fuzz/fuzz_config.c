/* fuzz_config.c: any bytes as a pipeline file: the loader reports problems
 * as diagnostics and never crashes. */
#include "config/project.h"
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char path[128];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/sluice-fuzz-cfg-%d", (int)getpid());
        mkdir(dir, 0755);
        snprintf(path, sizeof path, "%s/pipelines", dir);
        mkdir(path, 0755);
        snprintf(path, sizeof path, "%s/sluice.yml", dir);
        FILE *f = fopen(path, "w");
        if (f) {
            fputs("name: fuzz\n", f);
            fclose(f);
        }
    }
    snprintf(path, sizeof path, "%s/pipelines/p.yml", dir);
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    sl_diags d;
    sl_diags_init(&d);
    sl_project *p = NULL;
    sl_project_load(dir, &p, &d);
    sl_project_free(p);
    sl_diags_release(&d);
    return 0;
}
