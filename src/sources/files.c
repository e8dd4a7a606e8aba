/* files.c: the shared machinery of file sources. See files.h. */
#include "sources/files.h"
#include "core/log.h"
#include "core/mem.h"
#include <dirent.h>
#include <errno.h>
#include <glob.h>
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
    (*v)[*n].path = sl_strdup(path);
    (*v)[*n].size = st->st_size;
    (*v)[*n].mtime = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
    (*n)++;
}

int sl_files_list(const char *pattern, sl_file_entry **out, size_t *nout, sl_error *err)
{
    sl_file_entry *v = NULL;
    size_t n = 0, cap = 0;
    struct stat st;
    if (strpbrk(pattern, "*?[{")) {
        glob_t g;
        int rc = glob(pattern, GLOB_BRACE, NULL, &g);
        if (rc == 0)
            for (size_t i = 0; i < g.gl_pathc; i++)
                if (stat(g.gl_pathv[i], &st) == 0 && S_ISREG(st.st_mode))
                    add_file(&v, &n, &cap, g.gl_pathv[i], &st);
        if (rc == 0 || rc == GLOB_NOMATCH)
            globfree(&g);
    } else if (stat(pattern, &st) == 0 && S_ISDIR(st.st_mode)) {
        DIR *d = opendir(pattern);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char *p = sl_printf("%s/%s", pattern, e->d_name);
            if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
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
    if (n == 0) {
        sl_free(v);
        return sl_error_set(err, SL_EIO, "no files match '%s'", pattern);
    }
    qsort(v, n, sizeof *v, cmp_entry);
    *out = v;
    *nout = n;
    return 0;
}

void sl_files_free(sl_file_entry *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sl_free(v[i].path);
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
    return 0;
}

int64_t sl_filesource_total(const sl_filesource *fs)
{
    int64_t t = 0;
    for (size_t i = 0; i < fs->nfiles; i++)
        t += fs->files[i].size;
    return t;
}

int sl_filesource_next(sl_filesource *fs, sl_batch *b, sl_error *err)
{
    for (;;) {
        if (!fs->in) {
            if (fs->cur >= fs->nfiles)
                return 0;
            sl_file_entry *f = &fs->files[fs->cur];
            sl_resume pos = {0, 0};
            if (fs->resume && fs->resume(fs->run, f->path, f->size, f->mtime, &pos) < 0)
                return -1;
            fs->in = sl_input_open(f->path, err);
            if (!fs->in)
                return -1;
            if (sl_input_set_encoding(fs->in, fs->opts->encoding, err) < 0) { /* encoding: */
                sl_input_close(fs->in);
                fs->in = NULL;
                return -1;
            }
            if (fs->ops->open(fs->fmt, fs->in, f->path, &pos, err) < 0) {
                sl_input_close(fs->in);
                fs->in = NULL;
                return -1;
            }
        }
        sl_file_entry *f = &fs->files[fs->cur];
        int64_t raw_before = sl_input_raw_pos(fs->in);
        int done = 0;
        b->file = f->path;
        b->file_index = (int)fs->cur;
        if (fs->ops->fill(fs->fmt, b, (size_t)fs->batch_rows, &done, err) < 0)
            return -1; /* format and input errors name the file */
        b->bytes = sl_input_raw_pos(fs->in) - raw_before;
        b->nread = (int64_t)b->nrows + (int64_t)b->nrejects;
        if (done) {
            b->file_done = 1;
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
        char hash[33];
        if (sl_file_hash(fs->files[i].path, hash, err) < 0 ||
            sl_state_file_put(fs->run->state, fs->run->pipeline->name, fs->files[i].path, fs->files[i].size,
                              fs->files[i].mtime, hash, fs->run->run_id, err) < 0)
            return -1;
    }
    return 0;
}

void sl_filesource_close(sl_filesource *fs)
{
    if (fs->in) {
        fs->ops->close(fs->fmt);
        sl_input_close(fs->in);
    }
    sl_files_free(fs->files, fs->nfiles);
    memset(fs, 0, sizeof *fs);
}

int sl_filesource_check(sl_instance *in, sl_diags *d)
{
    sl_file_opts *o = in->opts;
    size_t before = d->n;
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
