/* files.c: the shared machinery of file sources. See files.h. */
#include "sources/files.h"
#include "core/failpoint.h"
#include "core/log.h"
#include "core/mem.h"
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const sl_file_entry *)a)->path, ((const sl_file_entry *)b)->path);
}

static void add_file(sl_file_entry **v, size_t *n, size_t *cap, const char *path, const struct stat *st)
{
    SL_GROW(*v, *cap, *n + 1);
    memset(&(*v)[*n], 0, sizeof **v);
    (*v)[*n].path = sl_strdup(path);
    (*v)[*n].size = st->st_size;
    (*v)[*n].mtime = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
    (*n)++;
}

/* A path the pattern matched but that cannot be looked at (a dangling
 * link, no permission, gone): the run fails rather than read the others as
 * if they were all. 1 if path is a regular file (st filled), 0 if it is
 * something else (a directory), -1 with err. */
static int matched_file(const char *path, struct stat *st, sl_error *err)
{
    if (stat(path, st) < 0)
        return sl_error_set(err, SL_EIO, "%s: %s (the path matches the source's files but cannot be read)", path,
                            strerror(errno));
    return S_ISREG(st->st_mode) ? 1 : 0;
}

/* glob: a directory it cannot read (no permission, an I/O error) fails
 * the listing; one that does not exist ({2024,2025}/) matches nothing. glob
 * has no user pointer, hence these (per thread: pipelines run on threads) */
static _Thread_local char glob_failed_path[1024];
static _Thread_local int glob_failed_errno;
static int on_glob_error(const char *path, int e)
{
    if (e == ENOENT || e == ENOTDIR)
        return 0;
    snprintf(glob_failed_path, sizeof glob_failed_path, "%s", path);
    glob_failed_errno = e;
    return 1;
}

int sl_files_list(const char *pattern, sl_file_entry **out, size_t *nout, sl_error *err)
{
    sl_file_entry *v = NULL;
    size_t n = 0, cap = 0;
    struct stat st;
    int bad = 0;
    if (strpbrk(pattern, "*?[{")) {
        glob_t g;
        glob_failed_path[0] = 0;
        int rc = glob(pattern, GLOB_BRACE, on_glob_error, &g);
        if (rc == GLOB_ABORTED) {
            bad = sl_error_set(err, SL_EIO, "%s: %s (a directory the pattern '%s' goes through cannot be read)",
                               glob_failed_path[0] ? glob_failed_path : pattern, strerror(glob_failed_errno), pattern);
        } else if (rc == 0) {
            for (size_t i = 0; i < g.gl_pathc && !bad; i++) {
                int k = matched_file(g.gl_pathv[i], &st, err);
                if (k < 0)
                    bad = -1;
                else if (k)
                    add_file(&v, &n, &cap, g.gl_pathv[i], &st);
            }
        }
        if (rc == 0 || rc == GLOB_NOMATCH || rc == GLOB_ABORTED)
            globfree(&g);
    } else if (stat(pattern, &st) == 0 && S_ISDIR(st.st_mode)) {
        DIR *d = opendir(pattern);
        if (!d)
            bad = sl_error_set(err, SL_EIO, "%s: %s", pattern, strerror(errno));
        struct dirent *e;
        while (d && !bad) {
            errno = 0;
            if ((e = readdir(d)) == NULL) {
                if (errno)
                    bad = sl_error_set(err, SL_EIO, "%s: %s", pattern, strerror(errno));
                break;
            }
            if (e->d_name[0] == '.')
                continue;
            char *p = sl_printf("%s/%s", pattern, e->d_name);
            int k = matched_file(p, &st, err);
            if (k < 0)
                bad = -1;
            else if (k)
                add_file(&v, &n, &cap, p, &st);
            sl_free(p);
        }
        if (d)
            closedir(d);
    } else if (stat(pattern, &st) == 0) {
        add_file(&v, &n, &cap, pattern, &st);
    } else {
        return sl_error_set(err, SL_EIO, "%s: %s", pattern, strerror(errno));
    }
    if (bad || n == 0) {
        sl_files_free(v, n);
        return bad ? -1 : sl_error_set(err, SL_EIO, "no files match '%s'", pattern);
    }
    qsort(v, n, sizeof *v, cmp_entry);
    *out = v;
    *nout = n;
    return 0;
}

void sl_files_free(sl_file_entry *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sl_free(v[i].path);
        sl_free(v[i].key);
        sl_free(v[i].ident);
    }
    sl_free(v);
}

static int new_files_only(const sl_filesource *fs)
{
    return strcmp(fs->opts->incremental, "new_files") == 0 && !fs->run->full_refresh;
}

/* Has this exact file been loaded by an earlier run? */
static int already_loaded(sl_filesource *fs, const sl_file_entry *f, int *loaded, sl_error *err)
{
    int64_t size, mtime;
    char hash[33], now[33];
    int found;
    *loaded = 0;
    if (sl_state_file_get(fs->run->state, fs->run->pipeline->name, f->path, &size, &mtime, hash, &found, err) < 0)
        return -1;
    if (!found || size != f->size)
        return 0;
    if (mtime == f->mtime) {
        *loaded = 1;
        return 0;
    }
    /* touched but maybe unchanged: the content decides */
    if (sl_file_hash(f->path, now, err) < 0)
        return -1;
    *loaded = strcmp(now, hash) == 0;
    return 0;
}

/* ---- identity records: "v1 gen dev ino size mtime ctime bytes hash" ---- */

static void ident_fn(void *ctx, const char *path, const char *value)
{
    sl_filesource *fs = ctx;
    sl_file_entry want = {.path = (char *)path};
    sl_file_entry *f = bsearch(&want, fs->files, fs->nfiles, sizeof *f, cmp_entry);
    if (f && !f->ident)
        f->ident = sl_strdup(value ? value : "");
}

static int ident_put(sl_filesource *fs, sl_file_entry *f, int64_t bytes, const char *hash, sl_error *err)
{
    const sl_input_identity *id = sl_input_identity_of(fs->in);
    char v[200];
    snprintf(v, sizeof v, "v1 %d %lld %lld %lld %lld %lld %lld %s", f->gen, (long long)id->dev, (long long)id->ino,
             (long long)id->size, (long long)id->mtime, (long long)id->ctime, (long long)bytes, hash);
    return sl_bookmarks_input_put(&fs->marks, f->path, v, err);
}

/* What differs between the recorded identity and the open file, for the log. */
static void describe_change(const sl_input_identity *was, const sl_input_identity *now, char *out, size_t n)
{
    if (was->dev != now->dev || was->ino != now->ino)
        snprintf(out, n, "replaced by another file, size %lld -> %lld bytes", (long long)was->size,
                 (long long)now->size);
    else if (was->size != now->size)
        snprintf(out, n, "rewritten, size %lld -> %lld bytes", (long long)was->size, (long long)now->size);
    else
        snprintf(out, n, "rewritten, same size");
}

/* The file just opened: is it the one this epoch's positions of its path
 * were taken on? Sets f->key (and f->gen). A different file is read from
 * its start under a new key, recorded before any of its batches leaves. */
/* The first sink whose result would be wrong if a changed input were read
 * again from its start in this epoch: a `full_refresh` table, which must
 * end up holding exactly the input as it is, has rows of the old content
 * staged by the interrupted run. (Upsert sinks overwrite by key; an append
 * table keeps what the old content committed, as appending the new file
 * would; file and http sinks key their positions by content.) NULL: none. */
static const sl_instance *sink_keeping_old_rows(const sl_run *run, const char **mode)
{
    const sl_pipeline *pl = run->pipeline;
    for (size_t i = 0; i < pl->nsinks; i++) {
        const sl_instance *k = &pl->sinks[i];
        const char *m = sl_options_string(SL_SINK(k)->options, k->opts, "mode");
        if (m && strcmp(m, "full_refresh") == 0) {
            *mode = m;
            return k;
        }
        /* --full-refresh stages every table, whatever its mode */
        if (m && run->full_refresh && (strcmp(k->type, "sqlite") == 0 || strcmp(k->type, "postgres") == 0)) {
            *mode = "full_refresh, by --full-refresh";
            return k;
        }
    }
    return NULL;
}

static int check_identity(sl_filesource *fs, sl_file_entry *f, sl_error *err)
{
    f->gen = 0;
    f->ident_at = -1;
    sl_free(f->key);
    f->key = NULL;
    if (f->ident) {
        int gen = -1;
        long long dev, ino, size, mtime, ctime, bytes;
        char hash[33] = "", now[33];
        int64_t hashed = 0;
        int ok = sscanf(f->ident, "v1 %d %lld %lld %lld %lld %lld %lld %32s", &gen, &dev, &ino, &size, &mtime,
                        &ctime, &bytes, hash) == 8 && gen >= 0 && bytes >= 0;
        if (ok && sl_input_digest(fs->in, bytes, now, &hashed, err) < 0)
            return -1;
        if (ok && hashed == bytes && strcmp(now, hash) == 0) {
            f->gen = gen;
        } else {
            sl_input_identity was = {dev, ino, size, mtime, ctime};
            char what[160] = "its identity record is unreadable";
            if (ok) {
                describe_change(&was, sl_input_identity_of(fs->in), what, sizeof what);
                size_t len = strlen(what);
                snprintf(what + len, sizeof what - len, "; its first %lld bytes differ", bytes);
            }
            const char *mode = NULL;
            const sl_instance *keeper = sink_keeping_old_rows(fs->run, &mode);
            if (keeper)
                return sl_error_set(err, SL_EDATA,
                                    "%s changed since the interrupted run read it (%s); sink %s (mode: %s) has rows "
                                    "of the old content staged by that run, which a re-read cannot tell from the new "
                                    "ones: `sluice run %s %s--restart` loads the file as it is now into a new epoch",
                                    f->path, what, keeper->id, mode, fs->run->pipeline->name,
                                    fs->run->full_refresh ? "--full-refresh " : "");
            f->gen = ok ? gen + 1 : 1;
            sl_log_warn("%s: %s changed since the interrupted run read it (%s): the positions taken on the old "
                        "content do not apply, reading it from the start",
                        fs->run->pipeline->name, f->path, what);
            char empty[33];
            int64_t nb;
            if (sl_input_digest(fs->in, hashed, empty, &nb, err) < 0) /* no further: describes bytes [0, nb) */
                return -1;
            if (ident_put(fs, f, nb, empty, err) < 0)
                return -1;
            f->ident_at = nb;
        }
    }
    f->key = sl_bookmarks_key(f->path, f->gen);
    return 0;
}

int sl_filesource_open(sl_filesource *fs, sl_instance *in, sl_run *run, sl_resume_fn resume,
                       const sl_format_ops *ops, void *fmt, sl_error *err)
{
    memset(fs, 0, sizeof *fs);
    fs->opts = in->opts;
    fs->ops = ops;
    fs->fmt = fmt;
    fs->run = run;
    fs->resume = resume;
    fs->batch_rows = run->pipeline->batch_rows;
    char *pattern = sl_project_path(run->project, fs->opts->path);
    int rc = sl_files_list(pattern, &fs->files, &fs->nfiles, err);
    sl_free(pattern);
    if (rc < 0)
        return -1;
    if (new_files_only(fs)) {
        size_t w = 0;
        for (size_t i = 0; i < fs->nfiles; i++) {
            int loaded;
            if (already_loaded(fs, &fs->files[i], &loaded, err) < 0)
                return -1;
            if (loaded) {
                sl_log_debug("%s: %s was loaded before; skipping", run->pipeline->name, fs->files[i].path);
                sl_free(fs->files[i].path);
            } else {
                fs->files[w++] = fs->files[i];
            }
        }
        fs->nfiles = w;
    }
    sl_bookmarks_init(&fs->marks, run, in->id);
    if (run->dry_run)
        return 0; /* nothing recorded; no position of epoch 0 exists */
    if (!run->resumed)
        return sl_bookmarks_inputs_fresh(&fs->marks, err);
    return sl_bookmarks_inputs_each(&fs->marks, ident_fn, fs, err);
}

int64_t sl_filesource_total(const sl_filesource *fs)
{
    int64_t t = 0;
    for (size_t i = 0; i < fs->nfiles; i++)
        t += fs->files[i].size;
    return t;
}

int sl_filesource_cancelled(const sl_filesource *fs, sl_error *err)
{
    sl_failpoint("source.record"); /* sleepMS: a slow reader, for cancellation tests */
    if (!sl_run_cancelled(fs->run))
        return 0;
    sl_error_set(err, SL_ECANCELLED, "interrupted");
    return 1;
}

/* After the first batch of the open file: read the rest in ranges on
 * several threads (sources/ranges.h) when the format, the input (a plain
 * file: offsets are file offsets), the option and the machine allow. */
static void start_ranges(sl_filesource *fs, const sl_file_entry *f, const sl_batch *b)
{
    fs->ranges_tried = 1;
    int64_t size = sl_input_identity_of(fs->in)->size, rbytes;
    if (!fs->range_ops || !sl_input_is_plain(fs->in) || !fs->ranges_ready(fs->fmt))
        return;
    int n = sl_ranges_workers(fs->opts->parallel, size - b->end_offset, &rbytes);
    if (n <= 0)
        return;
    fs->ranges = sl_ranges_start(fs->range_ops, fs->fmt, fs->in, b, size, n, rbytes,
                                 (size_t)fs->batch_rows);
    int64_t nr;
    sl_ranges_counts(fs->ranges, &nr, &n, &rbytes); /* the range size in effect, the threads that started */
    sl_log_debug("%s: reading %s from byte %lld in ranges of %lld bytes on %d threads", fs->run->pipeline->name,
                 f->path, (long long)b->end_offset, (long long)rbytes, n);
}

/* The file read in ranges is done with (read, or the run ends): the run
 * says how its source read (engine/run.h: ranges, range_workers). */
static void count_ranges(sl_filesource *fs, const sl_ranges *rs)
{
    int64_t n, rbytes;
    int workers;
    sl_ranges_counts(rs, &n, &workers, &rbytes);
    atomic_fetch_add(&fs->run->ranges, n);
    if (workers > atomic_load(&fs->run->range_workers))
        atomic_store(&fs->run->range_workers, workers);
}

/* b is back from the pipeline (empty): the ranges' strings it pointed to are free. */
static void release_ranges(sl_filesource *fs, const sl_batch *b)
{
    sl_ranges_release(fs->ranges, b);
    size_t k = 0;
    for (size_t i = 0; i < fs->nretired; i++) {
        sl_ranges_release(fs->retired[i], b);
        if (sl_ranges_idle(fs->retired[i]))
            sl_ranges_free(fs->retired[i]);
        else
            fs->retired[k++] = fs->retired[i];
    }
    fs->nretired = k;
}

int sl_filesource_next(sl_filesource *fs, sl_batch *b, sl_error *err)
{
    release_ranges(fs, b);
    for (;;) {
        if (sl_filesource_cancelled(fs, err))
            return -1;
        if (!fs->in) {
            if (fs->cur >= fs->nfiles)
                return 0;
            sl_file_entry *f = &fs->files[fs->cur];
            fs->in = sl_input_open(f->path, err);
            if (!fs->in)
                return -1;
            fs->counted = 0;
            fs->ranges_tried = 0;
            sl_resume pos = {0, 0};
            int opened = 0;
            if (sl_input_set_encoding(fs->in, fs->opts->encoding, err) < 0 || /* encoding: */
                check_identity(fs, f, err) < 0 ||
                (fs->resume && fs->resume(fs->run, f->key, sl_input_identity_of(fs->in)->size,
                                          sl_input_identity_of(fs->in)->mtime, &pos) < 0) ||
                (opened = 1, fs->ops->open(fs->fmt, fs->in, f->path, &pos, err) < 0)) {
                if (opened)
                    fs->ops->close(fs->fmt); /* what the reader set up before it failed (a too wide header) */
                sl_input_close(fs->in);
                fs->in = NULL;
                return -1;
            }
            sl_log_debug("%s: reading %s (%lld bytes) as %s", fs->run->pipeline->name, f->path,
                         (long long)sl_input_identity_of(fs->in)->size, f->key);
            sl_failpoint("source.file_opened"); /* sleepMS: tests replace the file while it is read */
        }
        sl_file_entry *f = &fs->files[fs->cur];
        int done = 0;
        b->file = f->key;
        b->file_index = (int)fs->cur;
        int64_t size = sl_input_identity_of(fs->in)->size, pos;
        if (fs->ranges) {
            if (sl_ranges_next(fs->ranges, b, (size_t)fs->batch_rows, &done, err) < 0)
                return -1;
            /* bytes as one reader would count them: up to the batch's end */
            pos = done ? size : b->end_offset;
            b->bytes = pos > fs->counted ? pos - fs->counted : 0;
            fs->counted = pos > fs->counted ? pos : fs->counted;
            if (pos < sl_input_raw_pos(fs->in))
                pos = sl_input_raw_pos(fs->in);
        } else {
            if (fs->ops->fill(fs->fmt, b, (size_t)fs->batch_rows, &done, err) < 0)
                return -1; /* format and input errors name the file */
            int64_t nread = sl_input_bytes_read(fs->in);
            b->bytes = nread - fs->counted; /* the header and the read-ahead count in the batch that read them */
            fs->counted = nread;
            pos = sl_input_raw_pos(fs->in);
            if (!done && !fs->ranges_tried)
                start_ranges(fs, f, b);
        }
        b->nread = (int64_t)b->nrows + (int64_t)b->nrejects;
        if (!fs->run->dry_run && (pos > f->ident_at || done)) {
            /* write-ahead: what the file is up to here, before its rows can commit */
            char hash[33];
            /* ranges: the batch's end, or further where the identity check of a
             * resumed run already hashed past it (the hash only goes forward) */
            int64_t hashed, upto = -1;
            if (fs->ranges)
                upto = pos > sl_input_hashed(fs->in) ? pos : sl_input_hashed(fs->in);
            if (done && size > pos)
                upto = size; /* a reader that stopped early (a JSON document) still describes the whole file */
            if (sl_input_digest(fs->in, upto, hash, &hashed, err) < 0)
                return -1;
            if (hashed != f->ident_at && ident_put(fs, f, hashed, hash, err) < 0)
                return -1;
            f->ident_at = hashed;
            if (done) {
                f->read_done = 1;
                f->read_size = hashed;
                f->read_mtime = sl_input_identity_of(fs->in)->mtime;
                memcpy(f->read_hash, hash, sizeof hash);
            }
        }
        if (done) {
            b->file_done = 1;
            if (fs->ranges) {
                sl_ranges_stop(fs->ranges); /* b and the batches before it may point to its strings */
                count_ranges(fs, fs->ranges);
                sl_log_debug("%s: %s read in ranges; %lld read again from their true start", fs->run->pipeline->name,
                             f->path, (long long)sl_ranges_redone(fs->ranges));
                SL_GROW(fs->retired, fs->capretired, fs->nretired + 1);
                fs->retired[fs->nretired++] = fs->ranges;
                fs->ranges = NULL;
            }
            fs->ops->close(fs->fmt);
            sl_input_close(fs->in);
            fs->in = NULL;
            fs->cur++;
        }
        if (b->nrows || b->nrejects || done)
            return 1;
    }
}

int sl_filesource_done(sl_filesource *fs, sl_error *err)
{
    if (strcmp(fs->opts->incremental, "new_files") != 0)
        return 0;
    for (size_t i = 0; i < fs->nfiles; i++) {
        const sl_file_entry *f = &fs->files[i];
        if (!f->read_done) /* not read to its end by this run: not loaded */
            continue;
        /* what was read through the descriptor, not what the path holds now */
        if (sl_state_file_put(fs->run->state, fs->run->pipeline->name, f->path, f->read_size, f->read_mtime,
                              f->read_hash, fs->run->run_id, err) < 0)
            return -1;
    }
    return 0;
}

void sl_filesource_close(sl_filesource *fs)
{
    if (fs->ranges && fs->run) /* a run that ended inside a file read in ranges */
        count_ranges(fs, fs->ranges);
    sl_ranges_free(fs->ranges);
    fs->ranges = NULL;
    for (size_t i = 0; i < fs->nretired; i++)
        sl_ranges_free(fs->retired[i]);
    sl_free(fs->retired);
    if (fs->in) {
        fs->ops->close(fs->fmt);
        sl_input_close(fs->in);
    }
    sl_files_free(fs->files, fs->nfiles);
    sl_bookmarks_release(&fs->marks);
    memset(fs, 0, sizeof *fs);
}

int sl_filesource_check(sl_instance *in, sl_diags *d)
{
    sl_file_opts *o = in->opts;
    size_t before = d->n;
    if (o->parallel && strcmp(o->parallel, "auto") != 0 && strcmp(o->parallel, "false") != 0) {
        char *end;
        long n = strtol(o->parallel, &end, 10);
        if (*end || n < 1 || n > 64)
            sl_diags_add(d, sl_options_loc(SL_SOURCE(in)->options, o, "parallel"),
                         "parallel must be auto, false or a number of threads (1-64)");
    }
    if (o->common.max_columns < 1 || o->common.max_columns > 100000)
        sl_diags_add(d, sl_options_loc(SL_SOURCE(in)->options, o, "max_columns"),
                     "max_columns must be between 1 and 100000");
    for (size_t i = 0; i < o->common.columns.n; i++) {
        sl_type t;
        const sl_kv *kv = &o->common.columns.v[i];
        if (sl_type_parse(kv->value, &t) < 0)
            sl_diags_add(d, kv->loc, "column '%s': unknown type '%s' (int, float, decimal, bool, text, "
                                     "date, timestamp, json)", kv->key, kv->value);
    }
    return (int)(d->n - before);
}

int sl_filesource_plugin_next(sl_instance *in, sl_batch *b, sl_error *err)
{
    return sl_filesource_next((sl_filesource *)in->state, b, err);
}

int sl_filesource_plugin_done(sl_instance *in, sl_run *run, sl_error *err)
{
    return sl_filesource_done((sl_filesource *)in->state, err);
}

int64_t sl_filesource_plugin_total(sl_instance *in)
{
    return sl_filesource_total((sl_filesource *)in->state);
}
