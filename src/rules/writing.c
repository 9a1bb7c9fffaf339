/* writing.c - a process writing the rules file, seen through inotify
 * (writing.h). IN_MODIFY comes with every write and with truncation,
 * IN_CLOSE_WRITE when a writer closes the file. */
#include "rules/writing.h"

#include <stdint.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#define PF_WRITING_EVENTS (IN_MODIFY | IN_CLOSE_WRITE)

void pf_writing_init(struct pf_rules_writing *w) {
  memset(w, 0, sizeof(*w));
  w->wd = -1;
  w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
}

void pf_writing_free(struct pf_rules_writing *w) {
  if (w->fd >= 0)
    close(w->fd);
  w->fd = -1;
  w->wd = -1;
}

/* Moves the watch to the file's inode now; what was dirty was another's. */
static void pf_follow(struct pf_rules_writing *w, const char *path,
                      const struct pf_rules_stamp *now) {
  if (w->wd >= 0 && now->exists && now->dev == w->dev && now->ino == w->ino)
    return;
  if (w->wd >= 0)
    inotify_rm_watch(w->fd, w->wd); /* may be gone with its inode: fine */
  w->wd = -1;
  w->dirty = false;
  if (!now->exists)
    return;
  w->wd = inotify_add_watch(w->fd, path, PF_WRITING_EVENTS);
  w->dev = now->dev;
  w->ino = now->ino;
}

/* Events in order: the last of MODIFY and CLOSE_WRITE on our watch wins. */
static void pf_drain(struct pf_rules_writing *w) {
  char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
  for (int rounds = 0; rounds < 64; rounds++) {
    ssize_t n = read(w->fd, buf, sizeof(buf));
    if (n <= 0)
      return;
    for (size_t at = 0; at + sizeof(struct inotify_event) <= (size_t)n;) {
      const struct inotify_event *ev = (const void *)(buf + at);
      if (ev->wd == w->wd && (ev->mask & IN_MODIFY))
        w->dirty = true;
      if (ev->wd == w->wd && (ev->mask & IN_CLOSE_WRITE))
        w->dirty = false;
      at += sizeof(*ev) + ev->len;
    }
  }
}

bool pf_writing_now(struct pf_rules_writing *w, const char *path,
                    const struct pf_rules_stamp *now) {
  if (w->fd < 0)
    return false;
  pf_drain(w); /* events of the inode watched so far, before moving */
  pf_follow(w, path, now);
  return w->wd >= 0 && w->dirty;
}
