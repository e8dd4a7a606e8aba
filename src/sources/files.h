/*
 * files.h: what every file source shares: finding the files (a path, a
 * glob or a directory), `incremental: new_files`, resuming inside a file,
 * and opening it through the decompressing reader. The csv, jsonl and json
 * sources each add a format reader (sl_format_ops) and an option table
 * that starts with SL_FILE_OPTIONS.
 *
 * A position is only used on the file it was taken on. Before a batch of a
 * file leaves the source, the file's identity (device, inode, size, mtime,
 * ctime from one fstat of the open descriptor) and the hash of its bytes
 * read so far are recorded for the epoch (sources/bookmarks.h). A resumed
 * epoch hashes the same number of bytes of the file it opens: when they
 * differ (the file was replaced or rewritten), the old positions do not
 * apply and the file is read from its start under the key "<path>#<n>"
 * (logged as a warning). A file that only grew (a log: same first bytes)
 * resumes where it was. `new_files` records what was read: the size and
 * hash of the bytes read through the descriptor and its fstat mtime, never
 * what the path holds later.
 *
 * Width and cancellation: a file source fills a batch with at most
 * sl_batch_max_rows() rows for the columns it knows, checks `max_columns`
 * before it makes the columns (a CSV header wider than it fails the run,
 * naming the file and line; JSON members beyond it go into `_extra`), and
 * stops between records, and between files, once the run is cancelled
 * (sl_filesource_cancelled).
 */
#ifndef SL_FILES_H
#define SL_FILES_H
#include "engine/component.h"
#include "engine/run.h"
#include "formats/encoding.h"
#include "formats/input.h"
#include "sources/bookmarks.h"
#include "sources/ranges.h"

/* Every file source's option struct starts with this. */
typedef struct sl_file_opts {
    sl_source_common common; /* must be first: columns, infer_types */
    char *path;
    char *incremental;       /* "none" | "new_files" */
    char *encoding;          /* formats/encoding.h: SL_ENCODINGS */
    char *parallel;          /* "auto" | "false" | threads (SL_PARALLEL_OPTION); NULL: sequential */
} sl_file_opts;

/* The option of the sources that can read one large file on several
 * threads (sources/ranges.h). */
#define SL_PARALLEL_OPTION(T)                                                                      \
    {"parallel", SL_OPT_STRING, "auto", 0, offsetof(T, files.parallel), NULL,                     \
     "read a large plain file (uncompressed, UTF-8, 8 MB or more) in ranges parsed by several "      \
     "threads: auto (cores - 3 threads on 4 or more cores, else one reader), false (one reader), or a "\
     "number of threads; rows, rejects, positions and order are the same either way"}

#define SL_FILE_OPTIONS(T)                                                                         \
    {"path", SL_OPT_STRING, NULL, SL_OPT_REQUIRED, offsetof(T, files.path), NULL,                   \
     "a file, a glob (data/*.csv) or a directory; .gz and .zst are read transparently"},            \
    {"incremental", SL_OPT_ENUM, "none", 0, offsetof(T, files.incremental), "none|new_files",      \
     "new_files: load only files not loaded before (by path, size, mtime and content hash)"},       \
    {"encoding", SL_OPT_ENUM, "utf-8", 0, offsetof(T, files.encoding), SL_ENCODINGS,                \
     "the files' text encoding, converted to UTF-8 as read; utf-16 takes the byte order from the BOM "  \
     "(without one: little-endian unless the file starts with a NUL byte)"},                         \
    {"columns", SL_OPT_MAP, NULL, 0, offsetof(T, files.common.columns), NULL,                       \
     "declared column types (name: int|float|decimal|bool|text|date|timestamp|json); they win over inference"}, \
    {"infer_types", SL_OPT_BOOL, "true", 0, offsetof(T, files.common.infer_types), NULL,            \
     "infer column types from the first batch; false keeps undeclared columns as text"},            \
    SL_NORMALIZE_NAMES_OPTION(T, files.common.normalize_names),                                     \
    SL_MAX_COLUMNS_OPTION(T, files.common.max_columns)


typedef struct sl_file_entry {
    char *path;
    int64_t size, mtime; /* when listed; mtime in nanoseconds */
    char *key;           /* position key in this epoch: path, or "<path>#<n>" after a change */
    char *ident;         /* this epoch's identity record of the file, if any */
    int gen;             /* n of the key */
    int64_t ident_at;    /* file bytes covered by the last record written */
    /* what was read, once at its end (for new_files) */
    int read_done;
    int64_t read_size, read_mtime;
    char read_hash[33];
} sl_file_entry;

/* A format reader: reads records of one open file into raw batches. */
typedef struct sl_format_ops {
    /* Start a file; `resume` says where (the input is already at resume->offset). */
    int (*open)(void *fmt, sl_input *in, const char *path, const sl_resume *resume, sl_error *err);
    /* Append up to max rows to b (raw cells; rejects via sl_batch_reject_raw).
     * Sets *done at end of file. Sets b->end_offset. 0 ok, -1 error. */
    int (*fill)(void *fmt, sl_batch *b, size_t max, int *done, sl_error *err);
    void (*close)(void *fmt);
} sl_format_ops;

typedef struct sl_filesource {
    sl_file_opts *opts;
    const sl_format_ops *ops;
    void *fmt;
    sl_run *run;
    sl_resume_fn resume;
    sl_file_entry *files;
    size_t nfiles, cur;
    sl_input *in;
    int64_t counted;      /* bytes of the open input already counted in a batch */
    int64_t batch_rows;
    sl_bookmarks marks;   /* identity records */
    /* a format that can read ranges (sources/ranges.h) sets these after
     * sl_filesource_open: its reader of ranges, used after a file's first
     * batch when ranges_ready(fmt) says so */
    const sl_range_ops *range_ops;
    int (*ranges_ready)(void *fmt);
    sl_ranges *ranges;    /* the open file read in ranges by several threads, or NULL */
    int ranges_tried;     /* the open file's first batch was read: ranges decided */
    sl_ranges **retired;  /* ranges of files read to their end whose strings batches still point to */
    size_t nretired, capretired;
} sl_filesource;

/* List files matching a path, glob or directory (sorted). */
int sl_files_list(const char *pattern, sl_file_entry **out, size_t *n, sl_error *err);
void sl_files_free(sl_file_entry *v, size_t n);

int sl_filesource_open(sl_filesource *fs, sl_instance *in, sl_run *run, sl_resume_fn resume,
                       const sl_format_ops *ops, void *fmt, sl_error *err);
int sl_filesource_next(sl_filesource *fs, sl_batch *b, sl_error *err);
int sl_filesource_done(sl_filesource *fs, sl_error *err);
void sl_filesource_close(sl_filesource *fs);
int64_t sl_filesource_total(const sl_filesource *fs);
int sl_filesource_check(sl_instance *in, sl_diags *d);
/* 1 with err set (SL_ECANCELLED) when the run is being cancelled: format
 * readers call it once per record. */
int sl_filesource_cancelled(const sl_filesource *fs, sl_error *err);

/* Plugin callbacks shared by every file source, whose state struct must
 * start with its sl_filesource (in->state is cast to it). */
int sl_filesource_plugin_next(sl_instance *in, sl_batch *b, sl_error *err);
int sl_filesource_plugin_done(sl_instance *in, sl_run *run, sl_error *err);
int64_t sl_filesource_plugin_total(sl_instance *in);

#endif
