/* watch.c - the rules file watched on a thread of its own (rules.h,
 * "watching the file"): it looks at the file every poll_ms, decides with
 * settle.c when a new version is read, loads it with load.h's stoppable
 * load, and queues what it found for the owner, who takes it without ever
 * waiting for a load. */
#include "rules/watch.h"

#include "rules/load.h"
#include "rules/news.h"
#include "rules/settle.h"
#include "rules/writing.h"

#include "base/clock.h"
#include "base/err.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define PF_WATCH_POLL_MS 500
#define PF_WATCH_SETTLE_MS 1000

struct pf_rules_watch {
  char *path;
  unsigned poll_ms;
  pthread_t thread;
  atomic_bool stop;
  int wake_fd; /* eventfd: written by stop */

  pthread_mutex_t lock;      /* the queue and the thread's end */
  pthread_cond_t ended_cond; /* on the monotonic clock */
  struct pf_news_queue news;
  bool ended;    /* the thread is about to return */
  bool orphaned; /* stop gave up waiting: the thread frees the watch */

  /* The thread's own. */
  struct pf_rules_settle settle;
  struct pf_rules_writing writing;
};

static uint64_t pf_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void (*pf_load_hook)(const atomic_bool *stop);

void pf_rules_watch_test_hook(void (*hook)(const atomic_bool *stop)) {
  pf_load_hook = hook;
}

static void pf_post(struct pf_rules_watch *w, enum pf_rules_news_kind kind,
                    struct pf_rules *rules, const char *message) {
  pthread_mutex_lock(&w->lock);
  pf_news_push(&w->news, kind, rules, message);
  pthread_mutex_unlock(&w->lock);
}

static void pf_watch_destroy(struct pf_rules_watch *w) {
  pf_news_free(&w->news);
  pf_writing_free(&w->writing);
  if (w->wake_fd >= 0)
    close(w->wake_fd);
  pthread_cond_destroy(&w->ended_cond);
  pthread_mutex_destroy(&w->lock);
  free(w->path);
  free(w);
}

bool pf_rules_watch_next(struct pf_rules_watch *w, struct pf_rules_news *news) {
  pthread_mutex_lock(&w->lock);
  bool any = pf_news_pop(&w->news, news);
  pthread_mutex_unlock(&w->lock);
  return any;
}

/* ---- the thread ---- */

/* Reads the version that settled, and queues what came of it. */
static void pf_watch_read(struct pf_rules_watch *w) {
  char err[PF_ERR_MAX];
  struct pf_rules_err e = {w->path, err, sizeof(err)};
  struct pf_rules *fresh;
  struct pf_rules_stamp version = w->settle.seen;
  if (pf_load_hook)
    pf_load_hook(&w->stop);
  int rc = pf_rules_load_file(w->path, &w->stop, &fresh, &version, &e);
  if (atomic_load(&w->stop)) {
    if (rc == 0)
      pf_rules_free(fresh);
    return;
  }
  if (rc == PF_RULES_CHANGED) {
    pf_settle_changed(&w->settle);
    return;
  }
  pf_settle_read(&w->settle, &version);
  if (rc == 0)
    pf_post(w, PF_RULES_LOADED, fresh, "");
  else
    pf_post(w, PF_RULES_REFUSED, NULL, err);
}

/* One look at the file. */
static void pf_watch_look(struct pf_rules_watch *w) {
  struct pf_rules_stamp now;
  char msg[PF_ERR_MAX];
  pf_rules_stamp_read(w->path, &now);
  bool writing = pf_writing_now(&w->writing, w->path, &now);
  switch (pf_settle_look(&w->settle, &now, writing, pf_now_ms())) {
  case PF_SETTLE_READ:
    pf_watch_read(w);
    break;
  case PF_SETTLE_MISSING:
    pf_post(w, PF_RULES_MISSING, NULL, strerror(now.error));
    break;
  case PF_SETTLE_WRITING:
    snprintf(msg, sizeof(msg),
             "%s: changed, and a process has it open for writing; it is "
             "read once closed",
             w->path);
    pf_post(w, PF_RULES_WRITING, NULL, msg);
    break;
  default:
    break;
  }
}

/* Sleeps poll_ms, or until stopped. inotify's events wait in the kernel
 * for the next look: they decide nothing before the settle time. */
static void pf_watch_wait(struct pf_rules_watch *w) {
  struct pollfd wake = {.fd = w->wake_fd, .events = POLLIN};
  if (poll(&wake, 1, (int)w->poll_ms) < 0 && errno != EINTR)
    usleep(w->poll_ms * 1000u); /* cannot happen; never spin */
}

static void *pf_watch_main(void *arg) {
  struct pf_rules_watch *w = arg;
  while (!atomic_load(&w->stop)) {
    pf_watch_wait(w);
    if (!atomic_load(&w->stop))
      pf_watch_look(w);
  }
  pthread_mutex_lock(&w->lock);
  w->ended = true;
  bool orphaned = w->orphaned;
  pthread_cond_signal(&w->ended_cond);
  pthread_mutex_unlock(&w->lock);
  if (orphaned)
    pf_watch_destroy(w);
  return NULL;
}

/* ---- start and stop ---- */

static int pf_start_thread(struct pf_rules_watch *w,
                           const struct pf_rules_watch_config *cfg) {
  if (cfg && cfg->thread_create)
    return cfg->thread_create(&w->thread, pf_watch_main, w, "pf:rules");
  return pthread_create(&w->thread, NULL, pf_watch_main, w);
}

/* The first version, read at once: a file that keeps changing while it is
 * read is tried a few times, then refused. */
static int pf_first_load(struct pf_rules_watch *w, struct pf_rules **first,
                         struct pf_rules_stamp *version, char *err,
                         size_t errlen) {
  struct pf_rules_err e = {w->path, err, errlen};
  int rc = PF_RULES_CHANGED;
  for (int attempt = 0; attempt < 3 && rc == PF_RULES_CHANGED; attempt++)
    rc = pf_rules_load_file(w->path, NULL, first, version, &e);
  return rc == 0 ? 0 : -1;
}

static struct pf_rules_watch *
pf_watch_new(const char *path, const struct pf_rules_watch_config *cfg) {
  struct pf_rules_watch *w = calloc(1, sizeof(*w));
  if (!w)
    return NULL;
  w->wake_fd = -1;
  pthread_mutex_init(&w->lock, NULL);
  int cond_rc = pf_cond_init_monotonic(&w->ended_cond);
  pf_writing_init(&w->writing);
  w->poll_ms = cfg && cfg->poll_ms ? cfg->poll_ms : PF_WATCH_POLL_MS;
  w->path = strdup(path);
  w->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (!w->path || w->wake_fd < 0 || cond_rc != 0) {
    pf_watch_destroy(w);
    return NULL;
  }
  return w;
}

int pf_rules_watch_start(const char *path,
                         const struct pf_rules_watch_config *cfg,
                         struct pf_rules **first, struct pf_rules_watch **out,
                         char *err, size_t errlen) {
  struct pf_rules_watch *w = pf_watch_new(path, cfg);
  if (!w)
    return pf_err(err, errlen, "%s: out of memory for the rules watch", path);
  struct pf_rules_stamp version;
  if (pf_first_load(w, first, &version, err, errlen) != 0) {
    pf_watch_destroy(w);
    return -1;
  }
  pf_settle_init(&w->settle, &version,
                 cfg && cfg->settle_ms ? cfg->settle_ms : PF_WATCH_SETTLE_MS);
  int rc = pf_start_thread(w, cfg);
  if (rc != 0) {
    pf_rules_free(*first);
    pf_watch_destroy(w);
    return pf_err_errno(err, errlen, rc,
                        "%s: cannot start the thread that watches it", path);
  }
  *out = w;
  return 0;
}

/* Waits for the thread's end at most PF_WATCH_STOP_MS; false when it did
 * not come, and the thread now owns the watch. */
static bool pf_wait_end(struct pf_rules_watch *w) {
  struct timespec until = pf_mono_deadline(PF_WATCH_STOP_MS);
  pthread_mutex_lock(&w->lock);
  int rc = 0;
  while (!w->ended && rc != ETIMEDOUT)
    rc = pthread_cond_timedwait(&w->ended_cond, &w->lock, &until);
  bool ended = w->ended;
  w->orphaned = !ended;
  pthread_mutex_unlock(&w->lock);
  return ended;
}

bool pf_rules_watch_stop(struct pf_rules_watch *w) {
  if (!w)
    return true;
  atomic_store(&w->stop, true);
  uint64_t one = 1;
  if (write(w->wake_fd, &one, sizeof(one)) < 0) {
    /* the counter is full: the thread is awake anyway */
  }
  pthread_t thread = w->thread; /* w is the thread's once it is orphaned */
  if (!pf_wait_end(w)) {
    pthread_detach(thread);
    return false;
  }
  pthread_join(thread, NULL);
  pf_watch_destroy(w);
  return true;
}
