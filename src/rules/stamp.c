/* stamp.c - telling cheaply whether a rules file changed since it
 * was last looked at, without reading it. */
#include "pcapflow/rules.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

void pf_rules_stamp_read(const char *path, struct pf_rules_stamp *out) {
  struct stat st;
  memset(out, 0, sizeof(*out));
  if (stat(path, &st) != 0) {
    out->error = errno;
    return;
  }
  out->exists = true;
  out->dev = st.st_dev;
  out->ino = st.st_ino;
  out->size = st.st_size;
  out->mtime = st.st_mtim;
  /* ctime too: an edit that restores the old mtime (cp -p, touch -r)
   * still moves it. */
  out->ctime = st.st_ctim;
}

static bool pf_ts_equal(struct timespec a, struct timespec b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

bool pf_rules_stamp_equal(const struct pf_rules_stamp *a,
                          const struct pf_rules_stamp *b) {
  if (a->exists != b->exists)
    return false;
  if (!a->exists)
    return a->error == b->error;
  return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
         pf_ts_equal(a->mtime, b->mtime) && pf_ts_equal(a->ctime, b->ctime);
}
