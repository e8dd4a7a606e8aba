/*
 * targetfiles.c: writing files under target/ (graph.h): the manifest whole
 * and atomically (a temporary file renamed into place), compiled SQL in
 * place and only when it changed, so that compiling 10,000 unchanged
 * models reads 10,000 small files instead of creating 10,000 inodes.
 * Folders are made only when an open says they are missing.
 */
#include "core/mem.h"
#include "core/redact.h"
#include "core/util.h"
#include "models/graph.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* mkdir -p of the folder holding path. */
static int make_parent(const char *path, sl_error *err)
{
    char *p = sl_strdup(path);
    char *slash = strrchr(p, '/');
    int rc = 0;
    if (slash && slash != p) {
        *slash = 0;
        if (sl_mkdir_p(p) < 0)
            rc = sl_error_set(err, SL_EIO, "cannot create %s: %s", p, strerror(errno));
    }
    sl_free(p);
    return rc;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t w = write(fd, data, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Open path for writing (created, truncated), making its folders if missing. */
static int open_out(const char *path, sl_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0 && errno == ENOENT) {
        if (make_parent(path, err) < 0)
            return -1;
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    }
    if (fd < 0)
        sl_error_set(err, SL_EIO, "cannot write %s: %s", path, strerror(errno));
    return fd;
}

int sl_graph_write_file(const char *path, const char *data, size_t len, sl_error *err)
{
    char *tmp = sl_printf("%s.tmp", path);
    int fd = open_out(tmp, err);
    if (fd < 0) {
        sl_free(tmp);
        return -1;
    }
    int bad = write_all(fd, data, len) < 0;
    bad |= close(fd) < 0;
    if (bad || rename(tmp, path) < 0) {
        sl_error_set(err, SL_EIO, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        sl_free(tmp);
        return -1;
    }
    sl_free(tmp);
    return 0;
}

/* Whether the file at path holds exactly data[0..len): one read of len + 1
 * bytes (a regular file gives all it has up to that), no stat. */
static int same_content(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char small[8192];
    char *buf = len + 1 <= sizeof small ? small : sl_malloc(len + 1);
    size_t got = 0;
    for (;;) {
        ssize_t r = read(fd, buf + got, len + 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
        if (got == len + 1)
            break;
    }
    close(fd);
    int same = got == len && memcmp(buf, data, len) == 0;
    if (buf != small)
        sl_free(buf);
    return same;
}

int sl_graph_write_compiled(const char *path, const char *data, size_t len, sl_error *err)
{
    /* a copy for people to read: a secret an env_var() read shows as ***
     * (the SQL that runs keeps it), whichever command writes the file */
    char *text = sl_malloc(len + 1);
    memcpy(text, data, len);
    len = sl_redact_span(text, len);
    int rc = 0;
    if (!same_content(path, text, len)) {
        int fd = open_out(path, err);
        if (fd < 0) {
            rc = -1;
        } else {
            int bad = write_all(fd, text, len) < 0;
            if (close(fd) < 0 || bad)
                rc = sl_error_set(err, SL_EIO, "cannot write %s: %s", path, strerror(errno));
        }
    }
    sl_free(text);
    return rc;
}
