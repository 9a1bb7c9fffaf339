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
 * never half a rule set.
 *
 * Thread-safety: a loaded rule set is immutable. Any number of threads may
 * call the query functions and pf_rules_classify on it concurrently without
 * locks. It is reference counted: pf_rules_ref takes another reference,
 * pf_rules_free drops one and frees the set when the last is dropped; both
 * may be called from any thread. Rule sets share nothing, so one may be
 * freed while another is in use. */
#ifndef PCAPFLOW_RULES_H
#define PCAPFLOW_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "pcapflow/localnet.h"

/* Classes a file may define; `unclassified` comes on top. */
#define PF_RULES_MAX_CLASSES 128
/* Room for every class a rule set can have, `unclassified` included. */
#define PF_CLASS_SLOTS (PF_RULES_MAX_CLASSES + 1)
/* A class name is 1 to PF_RULES_NAME_MAX - 1 characters. */
#define PF_RULES_NAME_MAX 64
/* The implicit class of packets that match no class. */
#define PF_RULES_UNCLASSIFIED "unclassified"
/* A larger file is refused before it is parsed. */
#define PF_RULES_MAX_FILE_BYTES (16u << 20)

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

#endif
