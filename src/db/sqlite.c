/* sqlite.c: see sqlite.h. */
#include "db/sqlite.h"
#include <pthread.h>

static pthread_once_t setup_once = PTHREAD_ONCE_INIT;

static void setup(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int sl_sqlite_open(const char *path, sqlite3 **db, int flags)
{
    pthread_once(&setup_once, setup);
    return sqlite3_open_v2(path, db, flags, NULL);
}
