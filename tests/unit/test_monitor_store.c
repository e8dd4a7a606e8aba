/* test_monitor_store.c: monitor points and the monitors through them in the
 * SQLite state store; the same cases on PostgreSQL are in
 * tests/pipeline/test_monitor_store_pg.c (tests/monitor_store_cases.h). */
#include "monitor_store_cases.h"
#include "helpers.h"
#include <stdlib.h>

static char store_path[4200];

static sl_state *ms_open(void)
{
    sl_state *s = NULL;
    sl_error err = {0};
    if (sl_state_open(store_path, &s, &err) < 0) {
        fprintf(stderr, "open %s: %s\n", store_path, err.msg);
        return NULL;
    }
    return s;
}

int main(void)
{
    char *dir = th_tmpdir();
    snprintf(store_path, sizeof store_path, "%s/state.db", dir);
    snprintf(ms_tag, sizeof ms_tag, "%d", (int)getpid());
    const struct CMUnitTest tests[] = {MS_TESTS};
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    th_rmtree(dir);
    free(dir);
    return rc;
}
