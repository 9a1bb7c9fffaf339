/* rules.h - traffic rules from a YAML file: local networks and named traffic
 * classes, compiled so that a packet is classified in constant time.
 *
 * The file's schema, the matching semantics and every error are documented
 * in docs/RULES.md. In short: `local_networks` is a list of CIDRs,
 * `classes` an ordered list of named classes whose match fields combine
 * with AND; the first class that matches wins, and a packet that matches
 * none is in the implicit class `unclassified`, so classes add up to the
 * total.
 *
 * Lifecycle: pf_rules_load reads, validates and compiles a whole file, or
 * fails with one message "PATH:LINE:COLUMN: ..." and loads nothing: there is
 * never half a rule set. A watch (pf_rules_watch_start, below) does the
 * same for every new version of the file, on a thread of its own.
 *
 * Thread-safety: a loaded rule set is immutable. Any number of threads may
 * call the query functions and pf_rules_classify on it concurrently without
 * locks. It is reference counted: pf_rules_ref takes another reference,
 * pf_rules_free drops one and frees the set when the last is dropped; both
 * may be called from any thread. Rule sets share nothing, so one may be
 * freed while another is in use. */
#ifndef PCAPFLOW_RULES_H
#define PCAPFLOW_RULES_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "pcapflow/error.h"
#include "pcapflow/localnet.h"

/* Classes a file may define; `unclassified` comes on top. */
#define PF_RULES_MAX_CLASSES 128
/* Room for every class a rule set can have, `unclassified` included. */
#define PF_CLASS_SLOTS (PF_RULES_MAX_CLASSES + 1)
/* A class name is 1 to PF_RULES_NAME_MAX - 1 characters. */
#define PF_RULES_NAME_MAX 64
/* The implicit class of packets that match no class. */
#define PF_RULES_UNCLASSIFIED "unclassified"
/* Caps on a rules file (docs/RULES.md, "Limits and costs"), each checked
 * before the memory or the work it guards is spent, each refused with a
 * message naming the file, line and column, the cap and the value. */
/* A larger file is refused before it is read. */
#define PF_RULES_MAX_FILE_BYTES (16u << 20)
/* YAML nodes (keys, values, lists, mappings), every alias counted as the
 * nodes it stands for: bounds the memory and the work of everything after
 * the parser. */
#define PF_RULES_MAX_NODES (1u << 18)
/* Lists and mappings nested in each other (the schema needs 4). */
#define PF_RULES_MAX_DEPTH 16
/* Bytes of one key, value or anchor name (a network is at most 49). */
#define PF_RULES_MAX_SCALAR 256

struct pf_rules;

/* Reads, validates and compiles the rules file at `path`. Returns 0 with
 * *out holding one reference, or -1 with *out untouched and one message in
 * err: "PATH:LINE:COLUMN: message" naming the key and the value (or
 * "PATH: message" when the file cannot be read at all). */
int pf_rules_load(const char *path, struct pf_rules **out, char *err,
                  size_t errlen);

/* The same for a file's contents already in memory; `path` is used in
 * messages only. */
int pf_rules_parse(const char *path, const char *text, size_t len,
                   struct pf_rules **out, char *err, size_t errlen);

/* Takes another reference; returns `rules`. */
struct pf_rules *pf_rules_ref(struct pf_rules *rules);

/* Drops a reference; the last one frees the set. NULL is ignored. */
void pf_rules_free(struct pf_rules *rules);

/* ---- classes ---- */

/* Number of classes including `unclassified`, which is always the last:
 * indexes 0 .. count - 2 are the file's classes in file order. Counters
 * indexed by class need this many slots. */
size_t pf_rules_class_count(const struct pf_rules *rules);

/* The index of `unclassified` (pf_rules_class_count - 1). */
size_t pf_rules_unclassified(const struct pf_rules *rules);

/* The name of class `index`, as it goes into type_instance:
 * [a-z][a-z0-9_]*, or "unclassified"; NULL when index is not below
 * pf_rules_class_count. */
const char *pf_rules_class_name(const struct pf_rules *rules, size_t index);

/* The index of the class called `name`, or -1 when there is none. */
int pf_rules_class_index(const struct pf_rules *rules, const char *name);

/* For carrying per-class counters across a reload: map[i] receives the
 * index in `to` of the class with the same name as class i of `from`, or -1
 * when `to` has no such class. `unclassified` maps to `unclassified`. map
 * has pf_rules_class_count(from) slots. */
void pf_rules_class_map(const struct pf_rules *from, const struct pf_rules *to,
                        int *map);

/* ---- local networks ---- */

/* The file's `local_networks`, in file order. */
size_t pf_rules_local_count(const struct pf_rules *rules);
const struct pf_prefix *pf_rules_local_prefix(const struct pf_rules *rules,
                                              size_t index);

/* Adds every one of the file's local networks to *set (which keeps what it
 * had: the LocalNetwork options). Returns 0, or -1 with err. */
int pf_rules_add_local(const struct pf_rules *rules, struct pf_localnet *set,
                       char *err, size_t errlen);

/* ---- about the set ---- */

/* The path given to pf_rules_load / pf_rules_parse. */
const char *pf_rules_path(const struct pf_rules *rules);

/* Bytes the compiled set holds (tables, tries, names), for sizing. */
size_t pf_rules_memory(const struct pf_rules *rules);

/* ---- noticing that the file changed ---- */

/* What identifies a version of a file without reading it: a replaced file
 * (rename over it) has a new inode, an edited one a new size or mtime. */
struct pf_rules_stamp {
  bool exists;
  int error; /* errno of stat when !exists */
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec mtime;
  struct timespec ctime;
};

/* Stats `path` now. Never fails: a missing file is a stamp too. */
void pf_rules_stamp_read(const char *path, struct pf_rules_stamp *out);

bool pf_rules_stamp_equal(const struct pf_rules_stamp *a,
                          const struct pf_rules_stamp *b);

/* ---- watching the file: reloads off the caller's thread ---- */

/* A watch looks at the file on a thread of its own and loads each new
 * version once it has settled (docs/RULES.md, "Reloading"): unchanged for
 * settle_ms, not held open for writing, and unchanged while it is read.
 * What it finds waits, in order, for the owner to take it with
 * pf_rules_watch_next, which never blocks: a slow, huge or hostile file
 * costs the owner's thread nothing. */
struct pf_rules_watch;

struct pf_rules_watch_config {
  unsigned poll_ms;   /* between two looks (stat) at the file; 0: 500 */
  unsigned settle_ms; /* a new version unchanged this long; 0: 1000 */
  /* How the watch's thread is started (collectd: plugin_thread_create);
   * NULL: pthread_create. */
  int (*thread_create)(pthread_t *thread, void *(*start)(void *), void *arg,
                       const char *name);
};

enum pf_rules_news_kind {
  PF_RULES_LOADED,  /* a new version: `rules` */
  PF_RULES_REFUSED, /* a new version with an error: `message` is it */
  PF_RULES_MISSING, /* the file is gone: `message` says why */
  PF_RULES_WRITING, /* a new version held open for writing: read once closed */
};

struct pf_rules_news {
  enum pf_rules_news_kind kind;
  struct pf_rules *rules; /* LOADED: one reference, the taker's */
  char message[PF_ERR_MAX];
  /* Messages (never a rule set) dropped before this piece because 16
   * pieces waited: the owner says how many it did not see. */
  unsigned dropped;
};

/* Loads the file now, as pf_rules_load does (*first: one reference), and
 * starts watching it for new versions. Returns 0, or -1 with err (the
 * file's first error, or why the thread did not start). */
int pf_rules_watch_start(const char *path,
                         const struct pf_rules_watch_config *cfg,
                         struct pf_rules **first, struct pf_rules_watch **out,
                         char *err, size_t errlen);

/* Takes the oldest piece of news, if any: true with *news filled. Holds a
 * lock only to copy it out. One taker at a time. */
bool pf_rules_watch_next(struct pf_rules_watch *w, struct pf_rules_news *news);

/* Stops the watch and frees it, news not taken included. Waits for the
 * thread at most about a second: a load in progress gives up at its next
 * step, and a thread stuck in a system call (a hung network file system)
 * is left to finish alone and free what it holds. Returns true when the
 * thread ended within the wait (NULL: true), false when it was left. */
bool pf_rules_watch_stop(struct pf_rules_watch *w);

#endif
