/* file.c - reading a rules file (file.h). open(2) of a FIFO waits for a
 * writer and a read of /dev/zero never ends, so the type is checked before
 * the file is opened, the open is non-blocking, and the type is checked
 * again on the descriptor; a file edited while it is read is not used. */
#include "rules/file.h"

#include "base/check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Read in pieces, looking at `stop` between them. */
#define PF_READ_CHUNK (1u << 20)

static const char *pf_file_type(mode_t mode) {
  if (S_ISFIFO(mode))
    return "a FIFO";
  if (S_ISDIR(mode))
    return "a directory";
  if (S_ISCHR(mode))
    return "a character device";
  if (S_ISBLK(mode))
    return "a block device";
  if (S_ISSOCK(mode))
    return "a socket";
  return "not a file";
}

/* A regular file of at most the limit. */
static int pf_check_stat(const struct stat *st, struct pf_rules_err *e) {
  if (!S_ISREG(st->st_mode))
    return pf_rules_fail(e,
                         "not a regular file but %s; a rules file must be a "
                         "regular file",
                         pf_file_type(st->st_mode));
  if ((uintmax_t)st->st_size > PF_RULES_MAX_FILE_BYTES)
    return pf_rules_fail(e,
                         "%jd bytes, larger than %u MiB, the limit for a "
                         "rules file",
                         (intmax_t)st->st_size, PF_RULES_MAX_FILE_BYTES >> 20);
  return 0;
}

static void pf_stamp_of(const struct stat *st, struct pf_rules_stamp *out) {
  memset(out, 0, sizeof(*out));
  out->exists = true;
  out->dev = st->st_dev;
  out->ino = st->st_ino;
  out->size = st->st_size;
  out->mtime = st->st_mtim;
  out->ctime = st->st_ctim;
}

static int pf_changed(struct pf_rules_err *e) {
  pf_rules_fail(e, "changed while it was being read");
  return PF_RULES_CHANGED;
}

/* Doubles the buffer, or frees it and returns NULL. */
static char *pf_grow_buf(char *buf, size_t *cap) {
  char *grown = realloc(buf, *cap * 2 + 1);
  if (!grown)
    free(buf);
  else
    *cap *= 2;
  return grown;
}

/* Why reading cannot go on, or NULL. */
static const char *pf_read_stop(const char *buf, size_t n,
                                const atomic_bool *stop) {
  if (!buf)
    return "out of memory reading the file";
  if (n > PF_RULES_MAX_FILE_BYTES)
    return "larger than 16 MiB, the limit for a rules file";
  if (stop && atomic_load_explicit(stop, memory_order_relaxed))
    return "reading stopped";
  return NULL;
}

/* Reads to the end, or one byte past the limit, into a buffer of `cap`
 * bytes that grows: a file may be growing while it is read. */
static int pf_read_all(int fd, const atomic_bool *stop, char **text,
                       size_t *len, size_t cap, struct pf_rules_err *e) {
  PF_STATIC_ASSERT(PF_RULES_MAX_FILE_BYTES == 16u << 20, "message says 16");
  char *buf = malloc(cap + 1);
  size_t n = 0;
  const char *why;
  while ((why = pf_read_stop(buf, n, stop)) == NULL) {
    if (n == cap && !(buf = pf_grow_buf(buf, &cap)))
      continue;
    size_t want = cap - n < PF_READ_CHUNK ? cap - n : PF_READ_CHUNK;
    ssize_t got = read(fd, buf + n, want);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      int saved = errno;
      free(buf);
      return pf_rules_fail(e, "cannot read: %s", strerror(saved));
    }
    if (got == 0) {
      buf[n] = '\0';
      *text = buf;
      *len = n;
      return 0;
    }
    n += (size_t)got;
  }
  free(buf);
  return pf_rules_fail(e, "%s", why);
}

static bool pf_same_version(const struct stat *a, const struct stat *b) {
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
         a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
         a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
         a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
         a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Reads the open file; PF_RULES_CHANGED unless the descriptor still shows
 * the version `before` afterwards, all of it read. */
static int pf_read_version(int fd, const struct stat *before,
                           const atomic_bool *stop, char **text, size_t *len,
                           struct pf_rules_err *e) {
  int rc = pf_read_all(fd, stop, text, len, (size_t)before->st_size + 1, e);
  if (rc != 0)
    return rc;
  struct stat after;
  if (fstat(fd, &after) == 0 && pf_same_version(before, &after) &&
      (off_t)*len == after.st_size)
    return 0;
  free(*text);
  *text = NULL;
  return pf_changed(e);
}

int pf_rules_read_file(const char *path, const atomic_bool *stop, char **text,
                       size_t *len, struct pf_rules_stamp *stamp,
                       struct pf_rules_err *e) {
  struct stat named, opened;
  if (stat(path, &named) != 0)
    return pf_rules_fail(e, "cannot open: %s", strerror(errno));
  if (pf_check_stat(&named, e) != 0)
    return -1;
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return pf_rules_fail(e, "cannot open: %s", strerror(errno));
  int rc = fstat(fd, &opened) != 0
               ? pf_rules_fail(e, "cannot stat: %s", strerror(errno))
           : !pf_same_version(&named, &opened)
               ? pf_changed(e)
               : pf_read_version(fd, &opened, stop, text, len, e);
  close(fd);
  if (rc == 0)
    pf_stamp_of(&opened, stamp);
  return rc;
}
