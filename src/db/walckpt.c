/* walckpt.c: see walckpt.h. */
#include "db/walckpt.h"
#include "core/mem.h"
#include "core/util.h"
#include "db/sqlite.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <unistd.h>

/* without a kick, a pass this often anyway (another writer's commits) */
#define IDLE_PASS_S 0.1

struct sl_walckpt {
    sqlite3 *db;
    /* The log, for writeback hints; -1 until the log exists. Never the
     * database file itself: closing any descriptor of a file drops every
     * POSIX lock the process holds on it, SQLite's own connections' shared
     * locks included, and another process then takes the database for
     * unused: its last connection's close checkpointed and deleted the
     * log under `sluice serve`'s other runs (disk I/O errors, then a
     * malformed database). SQLite locks the database file and the -shm,
     * never the log. */
    int walfd;
    char *walpath;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_mutex_t pass_lock; /* held for a pass: the writer's checkpoint waits for it */
    int kicked;         /* a commit since the thread last woke */
    int stop;
    int64_t pass_frames;   /* frames committed between passes (at least 1) */
    int64_t pending;       /* frames committed since the last pass */
    int64_t last_frames;   /* the log's size at the last kick, in frames */
};

static void pass(sl_walckpt *c)
{
    int nlog = 0, ncopied = 0;
    /* PASSIVE copies what no reader needs and never waits for the writer */
    sqlite3_wal_checkpoint_v2(c->db, "main", SQLITE_CHECKPOINT_PASSIVE, &nlog, &ncopied);
}

/* Ask the kernel to start writing the log's new pages out (it returns at
 * once): the pass's fsync of the log then finds them on their way, and the
 * disk writes the log while the load runs rather than when a pass waits. */
static void hint_wal(sl_walckpt *c)
{
    if (c->walfd < 0)
        c->walfd = open(c->walpath, O_RDONLY | O_CLOEXEC);
    if (c->walfd >= 0)
        sync_file_range(c->walfd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

static void *walckpt_main(void *arg)
{
    sl_walckpt *c = arg;
    pthread_mutex_lock(&c->lock);
    for (;;) {
        int timed_out = 0;
        if (!c->kicked && !c->stop) {
            struct timespec ts = sl_deadline_in(IDLE_PASS_S);
            timed_out = pthread_cond_timedwait(&c->cond, &c->lock, &ts) == ETIMEDOUT;
        }
        /* a commit: hint the log's writeback; a pass (its fsync of the log,
         * its copy) once pass_frames were committed since the last one, at
         * stop (the last pass copies what the final commits left, so that
         * the writer's close finds little to do) or when idle */
        int stop = c->stop, kicked = c->kicked;
        int due = stop || timed_out || c->pending >= c->pass_frames;
        c->kicked = 0;
        if (due)
            c->pending = 0;
        pthread_mutex_unlock(&c->lock);
        if (kicked)
            hint_wal(c);
        if (due) {
            pthread_mutex_lock(&c->pass_lock);
            pass(c);
            pthread_mutex_unlock(&c->pass_lock);
        }
        pthread_mutex_lock(&c->lock);
        if (stop)
            break;
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

/* The connection, file and sync objects; the thread is gone or never ran. */
static void walckpt_free(sl_walckpt *c)
{
    sqlite3_close(c->db);
    if (c->walfd >= 0)
        close(c->walfd);
    sl_free(c->walpath);
    pthread_mutex_destroy(&c->lock);
    pthread_mutex_destroy(&c->pass_lock);
    pthread_cond_destroy(&c->cond);
    sl_free(c);
}

/* Set *flag (kicked or stop) and wake the thread. */
static void wake(sl_walckpt *c, int *flag)
{
    pthread_mutex_lock(&c->lock);
    *flag = 1;
    pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

sl_walckpt *sl_walckpt_start(const char *path, int64_t pass_frames)
{
    sqlite3 *db = NULL;
    if (sl_sqlite_open(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX) != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 1000);
    sqlite3_exec(db, "PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0", NULL, NULL, NULL);
    sl_walckpt *c = sl_calloc(1, sizeof *c);
    c->db = db;
    c->walfd = -1;
    c->walpath = sl_printf("%s-wal", path);
    c->pass_frames = pass_frames > 0 ? pass_frames : 1;
    pthread_mutex_init(&c->lock, NULL);
    pthread_mutex_init(&c->pass_lock, NULL);
    pthread_cond_init(&c->cond, NULL);
    if (pthread_create(&c->thread, NULL, walckpt_main, c) != 0) {
        walckpt_free(c);
        return NULL;
    }
    return c;
}

void sl_walckpt_kick(sl_walckpt *c, int frames)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    /* a log smaller than at the last kick restarted: all its frames are new */
    c->pending += frames >= c->last_frames ? frames - c->last_frames : frames;
    c->last_frames = frames;
    c->kicked = 1;
    pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

void sl_walckpt_flush(sl_walckpt *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    c->pending = c->pass_frames; /* due whatever was committed since the last pass */
    c->kicked = 1;
    pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

void sl_walckpt_complete(sl_walckpt *c, sqlite3 *writer)
{
    if (c)
        pthread_mutex_lock(&c->pass_lock);
    sqlite3_wal_checkpoint_v2(writer, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    if (c)
        pthread_mutex_unlock(&c->pass_lock);
}

void sl_walckpt_stop(sl_walckpt *c)
{
    if (!c)
        return;
    wake(c, &c->stop);
    pthread_join(c->thread, NULL);
    walckpt_free(c);
}
