/* store.h - the pcapflow series pcapflow-top has read from collectd, by
 * source (a host and a plugin_instance of pcapflow), each with what the
 * view made of its readings (rate.h). Bounded: at most PFT_MAX_SERIES
 * series and PFT_MAX_SOURCES sources; series collectd no longer lists are
 * kept (a quiet interval's handshake figures and top lists stay on screen
 * with their age) until their room is needed. */
#ifndef PCAPFLOW_TOP_STORE_H
#define PCAPFLOW_TOP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "names.h"
#include "rate.h"
#include "reply.h"

#define PFT_MAX_SERIES 8192
#define PFT_MAX_SOURCES 256
#define PFT_NAME_MAX 128

/* Where a series belongs: the source's own plugin, its classes' plugin, or
 * a handshake quantile of its classes (plugin_instance "<source>-<q>"). */
enum pft_family { PFT_OWN, PFT_CLASS, PFT_CLASS_QUANTILE };

struct pft_series {
  char *ident;               /* collectd's identifier, GETVAL's argument */
  const char *key;           /* "type-type_instance", inside ident */
  const char *type_instance; /* inside key */
  size_t type_len;
  uint16_t source;
  uint8_t family;
  int8_t quantile; /* PFT_CLASS_QUANTILE: index in pft_quantiles */
  bool counter;
  bool listed;        /* in collectd's latest LISTVAL */
  double listed_time; /* its time there */
  bool fetching;      /* a GETVAL answer waits to be checked (poll.c) */
  double fetched_time;
  double fetched[PFT_MAX_VALUES];
  unsigned n_fetched;
  struct pft_acc acc;
};

struct pft_source {
  char host[PFT_NAME_MAX];
  char name[PFT_NAME_MAX];
  struct pft_clock clock;
  /* Each top-N list's newest update with keys, and that update's bytes
   * (keys and other; 0 when its `other` was not seen, for an update older
   * than the view): a list shown after quieter updates keeps its shares
   * though collectd's cache has moved on to the next `other`. */
  double list_time[PFT_N_LISTS], list_whole[PFT_N_LISTS];
};

struct pft_store {
  struct pft_series *series;
  size_t n_series;
  uint32_t *index; /* open addressing over ident, PFT_INDEX_SLOTS slots */
  struct pft_source sources[PFT_MAX_SOURCES];
  size_t n_sources;
  uint64_t refused; /* series not kept: the store was full of listed ones */
};

int pft_store_init(struct pft_store *st);
void pft_store_free(struct pft_store *st);

/* The series of a LISTVAL identifier, added if new; NULL for a series that
 * is not pcapflow's or is filtered out (host or source: NULL takes any),
 * or when there is no room. */
struct pft_series *pft_store_listed(struct pft_store *st, const char *ident,
                                    const char *host_filter,
                                    const char *source_filter);
/* The series known by identifier, or NULL. */
struct pft_series *pft_store_get(const struct pft_store *st, const char *ident);
/* A series of source src, by family, quantile (PFT_CLASS_QUANTILE) and
 * "type-type_instance"; NULL when collectd never listed it. */
const struct pft_series *pft_store_find(const struct pft_store *st, size_t src,
                                        enum pft_family family, int quantile,
                                        const char *key);
/* Whether series s is of source src and family, with type `type`. */
bool pft_series_is(const struct pft_series *s, size_t src,
                   enum pft_family family, const char *type);

#endif
