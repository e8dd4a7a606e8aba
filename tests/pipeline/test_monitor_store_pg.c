/* test_monitor_store_pg.c: monitor points and the monitors through them in
 * a PostgreSQL state store (the ctest fixture's server): the cases of
 * tests/monitor_store_cases.h, which the SQLite store passes too
 * (tests/unit/test_monitor_store.c). */
#include "monitor_store_cases.h"
#include "helpers.h"
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static sl_state *ms_open(void)
{
    sl_project p;
    memset(&p, 0, sizeof p);
    p.state_url = (char *)th_pg_url();
    sl_state *s = NULL;
    sl_error err = {0};
    if (sl_state_open_project(&p, &s, &err) < 0) {
        fprintf(stderr, "open the PostgreSQL store: %s\n", err.msg);
        return NULL;
    }
    return s;
}

int main(void)
{
    snprintf(ms_tag, sizeof ms_tag, "%d_%lld", (int)getpid(), (long long)time(NULL));
    const struct CMUnitTest tests[] = {MS_TESTS};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
