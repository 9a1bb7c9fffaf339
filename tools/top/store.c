/* store.c - the series store (store.h): an array of series with an
 * open-addressing index over their identifiers, and the list of sources. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "store.h"

#define PFT_INDEX_SLOTS (2 * PFT_MAX_SERIES)
#define PFT_NO_SERIES UINT32_MAX

static uint64_t pft_hash(const char *s) {
  uint64_t h = 14695981039346656037ull; /* FNV-1a */
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

int pft_store_init(struct pft_store *st) {
  memset(st, 0, sizeof *st);
  st->series = calloc(PFT_MAX_SERIES, sizeof *st->series);
  st->index = malloc(PFT_INDEX_SLOTS * sizeof *st->index);
  if (st->series == NULL || st->index == NULL) {
    pft_store_free(st);
    return -1;
  }
  memset(st->index, 0xff, PFT_INDEX_SLOTS * sizeof *st->index);
  return 0;
}

void pft_store_free(struct pft_store *st) {
  for (size_t i = 0; st->series != NULL && i < st->n_series; i++)
    free(st->series[i].ident);
  free(st->series);
  free(st->index);
  st->series = NULL;
  st->index = NULL;
  st->n_series = 0;
}

/* The slot of ident: where it is, or the empty slot where it would go. */
static size_t pft_slot(const struct pft_store *st, const char *ident) {
  size_t slot = pft_hash(ident) % PFT_INDEX_SLOTS;
  while (st->index[slot] != PFT_NO_SERIES &&
         strcmp(st->series[st->index[slot]].ident, ident) != 0)
    slot = (slot + 1) % PFT_INDEX_SLOTS;
  return slot;
}

struct pft_series *pft_store_get(const struct pft_store *st,
                                 const char *ident) {
  uint32_t i = st->index[pft_slot(st, ident)];
  return i == PFT_NO_SERIES ? NULL : &st->series[i];
}

/* Makes room by dropping the series updated longest ago (a vanished one,
 * normally), and indexes the rest again. */
static bool pft_store_evict(struct pft_store *st) {
  size_t oldest = 0;
  for (size_t i = 1; i < st->n_series; i++)
    if (st->series[i].listed_time < st->series[oldest].listed_time)
      oldest = i;
  if (st->series[oldest].listed)
    return false;
  free(st->series[oldest].ident);
  st->series[oldest] = st->series[--st->n_series];
  memset(st->index, 0xff, PFT_INDEX_SLOTS * sizeof *st->index);
  for (size_t i = 0; i < st->n_series; i++)
    st->index[pft_slot(st, st->series[i].ident)] = (uint32_t)i;
  return true;
}

static int pft_source_of(struct pft_store *st, const char *host,
                         const char *name, size_t name_len) {
  if (strlen(host) >= PFT_NAME_MAX || name_len >= PFT_NAME_MAX)
    return -1;
  for (size_t i = 0; i < st->n_sources; i++)
    if (strcmp(st->sources[i].host, host) == 0 &&
        strncmp(st->sources[i].name, name, name_len) == 0 &&
        st->sources[i].name[name_len] == '\0')
      return (int)i;
  if (st->n_sources == PFT_MAX_SOURCES)
    return -1;
  struct pft_source *s = &st->sources[st->n_sources];
  memset(s, 0, sizeof *s);
  strcpy(s->host, host);
  memcpy(s->name, name, name_len);
  return (int)st->n_sources++;
}

/* The quantile a class handshake series' plugin_instance ends in: its
 * index, and the length of the source's name before "-<q>"; -1 if none. */
static int pft_quantile_of(const char *instance, size_t *name_len) {
  size_t len = strlen(instance);
  for (int q = 0; q < PFT_N_QUANTILES; q++) {
    size_t ql = strlen(pft_quantiles[q]);
    if (len > ql + 1 && instance[len - ql - 1] == '-' &&
        strcmp(instance + len - ql, pft_quantiles[q]) == 0) {
      *name_len = len - ql - 1;
      return q;
    }
  }
  return -1;
}

/* Family, quantile and source name of a parsed identifier; false if the
 * series is not pcapflow's. */
static bool pft_classify(const struct pft_ident *id, struct pft_series *s,
                         size_t *name_len) {
  *name_len = strlen(id->plugin_instance);
  s->quantile = -1;
  if (strcmp(id->plugin, pft_plugin) == 0) {
    s->family = PFT_OWN;
  } else if (strcmp(id->plugin, pft_class_plugin) != 0) {
    return false;
  } else if (strcmp(id->type, pft_class_handshake) == 0) {
    s->family = PFT_CLASS_QUANTILE;
    s->quantile = (int8_t)pft_quantile_of(id->plugin_instance, name_len);
    if (s->quantile < 0)
      return false;
  } else {
    s->family = PFT_CLASS;
  }
  return *name_len > 0;
}

static bool pft_filtered(const char *filter, const char *v, size_t len) {
  return filter != NULL && (strlen(filter) != len || strncmp(filter, v, len));
}

/* A new series for ident in the next free place (after any eviction). */
static struct pft_series *pft_store_add(struct pft_store *st, const char *ident,
                                        const struct pft_series *proto,
                                        const struct pft_ident *id) {
  if (st->n_series == PFT_MAX_SERIES && !pft_store_evict(st)) {
    st->refused++;
    return NULL;
  }
  struct pft_series *s = &st->series[st->n_series];
  *s = *proto;
  s->ident = strdup(ident);
  if (s->ident == NULL)
    return NULL;
  s->key = strrchr(s->ident, '/') + 1;
  s->type_len = strlen(id->type);
  s->type_instance = s->key + s->type_len + (id->type_instance[0] ? 1 : 0);
  s->counter = pft_type_is_counter(id->type);
  st->index[pft_slot(st, ident)] = (uint32_t)st->n_series++;
  return s;
}

struct pft_series *pft_store_listed(struct pft_store *st, const char *ident,
                                    const char *host_filter,
                                    const char *source_filter) {
  struct pft_series *known = pft_store_get(st, ident);
  if (known != NULL)
    return known;
  struct pft_ident id;
  struct pft_series proto = {0};
  size_t name_len;
  if (!pft_parse_ident(ident, &id) || !pft_classify(&id, &proto, &name_len))
    return NULL;
  if (pft_filtered(host_filter, id.host, strlen(id.host)) ||
      pft_filtered(source_filter, id.plugin_instance, name_len))
    return NULL;
  int src = pft_source_of(st, id.host, id.plugin_instance, name_len);
  if (src < 0)
    return NULL;
  proto.source = (uint16_t)src;
  return pft_store_add(st, ident, &proto, &id);
}

const struct pft_series *pft_store_find(const struct pft_store *st, size_t src,
                                        enum pft_family family, int quantile,
                                        const char *key) {
  const struct pft_source *s = &st->sources[src];
  char ident[PFT_IDENT_MAX];
  int n;
  if (family == PFT_OWN)
    n = snprintf(ident, sizeof ident, "%s/%s-%s/%s", s->host, pft_plugin,
                 s->name, key);
  else if (family == PFT_CLASS)
    n = snprintf(ident, sizeof ident, "%s/%s-%s/%s", s->host, pft_class_plugin,
                 s->name, key);
  else
    n = snprintf(ident, sizeof ident, "%s/%s-%s-%s/%s", s->host,
                 pft_class_plugin, s->name, pft_quantiles[quantile], key);
  if (n < 0 || (size_t)n >= sizeof ident)
    return NULL;
  return pft_store_get(st, ident);
}

bool pft_series_is(const struct pft_series *s, size_t src,
                   enum pft_family family, const char *type) {
  return s->source == src && s->family == family &&
         strlen(type) == s->type_len && strncmp(s->key, type, s->type_len) == 0;
}
