/* filesink.c: see filesink.h. */
#include "sinks/filesink.h"
#include "core/failpoint.h"
#include "core/mem.h"
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CKPT_KEY "__file__"

/* value: "<bytes> <finished>\n" then "<offset> <line> <key>\n" per input */
static void parse_checkpoint(void *ctx, const char *key, const char *value)
{
    sl_filesink *fs = ctx;
    if (strcmp(key, CKPT_KEY) != 0 || !value)
        return;
    char *copy = sl_strdup(value), *save = NULL;
    char *line = strtok_r(copy, "\n", &save);
    if (line) {
        long long bytes = 0;
        int fin = 0;
        sscanf(line, "%lld %d", &bytes, &fin);
        fs->bytes = bytes;
        fs->finished = fin;
    }
    while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
        long long off, ln;
        int n = 0;
        if (sscanf(line, "%lld %lld %n", &off, &ln, &n) >= 2 && n > 0) {
            sl_posmap_put(&fs->positions, line + n, off, ln);
            sl_posmap_put(&fs->pending, line + n, off, ln);
        }
    }
    sl_free(copy);
}

static int save_checkpoint(sl_filesink *fs, sl_error *err)
{
    sl_buf v;
    sl_buf_init(&v);
    sl_buf_addf(&v, "%lld %d\n", (long long)fs->bytes, fs->finished);
    for (size_t i = 0; i < fs->pending.n; i++)
        sl_buf_addf(&v, "%lld %lld %s\n", (long long)fs->pending.pos[i].offset, (long long)fs->pending.pos[i].line,
                    fs->pending.keys[i]);
    int rc = sl_state_checkpoint_put(fs->run->state, fs->run->pipeline->name, fs->id, fs->run->epoch, CKPT_KEY,
                                     v.data, err);
    sl_buf_release(&v);
    return rc;
}

int sl_filesink_open(sl_filesink *fs, sl_instance *in, sl_run *run, const char *path, sl_error *err)
{
    memset(fs, 0, sizeof *fs);
    fs->run = run;
    fs->id = in->id;
    fs->fd = -1;
    sl_buf_init(&fs->out);
    fs->path = sl_project_path(run->project, path);
    fs->tmp = sl_printf("%s.sluice-tmp", fs->path);
    if (sl_state_checkpoint_each(run->state, run->pipeline->name, fs->id, run->epoch, parse_checkpoint, fs, err) < 0)
        return -1;
    /* create the folder of the output if needed */
    char *dir = sl_strdup(fs->path);
    fs->dir = sl_strdup(dirname(dir));
    sl_free(dir);
    if (sl_mkdir_p(fs->dir) < 0)
        return sl_error_set(err, SL_EIO, "sink %s: cannot create %s: %s", fs->id, fs->dir, strerror(errno));
    if (fs->finished)
        return 0;
    if (fs->bytes > 0 && access(fs->tmp, F_OK) != 0 && access(fs->path, F_OK) == 0) {
        /* the rename happened, the checkpoint saying so did not */
        fs->finished = 1;
        return 0;
    }
    fs->fd = open(fs->tmp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fs->fd < 0)
        return sl_error_set(err, SL_EIO, "sink %s: %s: %s", fs->id, fs->tmp, strerror(errno));
    if (ftruncate(fs->fd, fs->bytes) < 0 || lseek(fs->fd, fs->bytes, SEEK_SET) < 0)
        return sl_error_set(err, SL_EIO, "sink %s: %s: %s", fs->id, fs->tmp, strerror(errno));
    fs->written = fs->bytes;
    fs->last_sync = sl_mono_s();
    return 0;
}

int sl_filesink_position(sl_filesink *fs, const char *key, sl_resume *pos, int *found)
{
    if (fs->finished) {
        *pos = (sl_resume){INT64_MAX, 0};
        *found = 1;
        return 0;
    }
    *found = sl_posmap_get(&fs->positions, key, pos);
    return 0;
}

/* Make what was written durable and record it: one fdatasync, then one
 * checkpoint holding the file length and every position. */
static int sync_checkpoint(sl_filesink *fs, sl_error *err)
{
    if (fs->written > fs->bytes && fdatasync(fs->fd) < 0)
        return sl_error_set(err, SL_EIO, "sink %s: %s: %s", fs->id, fs->tmp, strerror(errno));
    if (sl_failpoint("sink.before_checkpoint"))
        return sl_error_set(err, SL_EIO, "sink %s: failpoint sink.before_checkpoint", fs->id);
    fs->bytes = fs->written;
    fs->last_sync = sl_mono_s();
    return save_checkpoint(fs, err);
}

int sl_filesink_commit(sl_filesink *fs, const sl_batch *b, sl_error *err)
{
    if (fs->finished)
        return 0;
    if (sl_failpoint("sink.before_data"))
        return sl_error_set(err, SL_EIO, "sink %s: failpoint sink.before_data", fs->id);
    size_t off = 0;
    while (off < fs->out.len) {
        ssize_t w = write(fs->fd, fs->out.data + off, fs->out.len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return sl_error_set(err, SL_EIO, "sink %s: %s: %s", fs->id, fs->tmp, strerror(errno));
        off += (size_t)w;
    }
    fs->written += (int64_t)fs->out.len;
    sl_buf_reset(&fs->out);
    fs->rows += fs->out_rows;
    fs->out_rows = 0;
    if (b->file && !b->no_position)
        sl_posmap_put(&fs->pending, b->file, b->end_offset, b->end_line);
    /* group commits: a sync per batch cost more than the formatting. Until
     * the next sync, a crash loses only what a resumed run writes again
     * (the temp file is cut back to the checkpointed length). */
    if (sl_mono_s() - fs->last_sync >= SL_FILESINK_SYNC_S && sync_checkpoint(fs, err) < 0)
        return -1;
    if (sl_failpoint("sink.after_commit"))
        return sl_error_set(err, SL_EIO, "sink %s: failpoint sink.after_commit", fs->id);
    return 0;
}

int sl_filesink_finish(sl_filesink *fs, sl_error *err)
{
    if (fs->finished)
        return 0;
    if (sync_checkpoint(fs, err) < 0)
        return -1;
    if (fsync(fs->fd) < 0)
        return sl_error_set(err, SL_EIO, "sink %s: %s: %s", fs->id, fs->tmp, strerror(errno));
    if (rename(fs->tmp, fs->path) < 0)
        return sl_error_set(err, SL_EIO, "sink %s: rename to %s: %s", fs->id, fs->path, strerror(errno));
    /* the rename itself durable before the checkpoint says it happened */
    if (sl_fsync_dir(fs->dir) < 0)
        return sl_error_set(err, SL_EIO, "sink %s: %s: %s", fs->id, fs->dir, strerror(errno));
    fs->finished = 1;
    return save_checkpoint(fs, err);
}

int sl_filesink_discard(sl_filesink *fs, sl_error *err)
{
    if (fs->finished)
        return 0;
    sl_buf_reset(&fs->out);
    fs->out_rows = 0;
    fs->rows = 0;
    if (fs->fd >= 0) {
        close(fs->fd);
        fs->fd = -1;
    }
    if (unlink(fs->tmp) < 0 && errno != ENOENT)
        return sl_error_set(err, SL_EIO, "sink %s: %s: %s", fs->id, fs->tmp, strerror(errno));
    return sl_state_checkpoint_delete(fs->run->state, fs->run->pipeline->name, fs->id, err);
}

void sl_filesink_close(sl_filesink *fs)
{
    if (fs->fd >= 0)
        close(fs->fd);
    sl_free(fs->path);
    sl_free(fs->tmp);
    sl_free(fs->dir);
    sl_posmap_release(&fs->positions);
    sl_posmap_release(&fs->pending);
    sl_buf_release(&fs->out);
    for (size_t i = 0; i < fs->nheader; i++)
        sl_free(fs->header[i]);
    sl_free(fs->header);
    memset(fs, 0, sizeof *fs);
    fs->fd = -1;
}
