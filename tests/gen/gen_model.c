/* gen_model.c - what the flow table, the top-N lists and the distinct counts
 * must hold, modelled from the rules of docs/METRICS.md and docs/CONFIG.md for
 * the packets the generator builds (never from their bytes). */
#include "gen_model.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_util.h"

#define NONE UINT32_MAX

struct mrec {
  struct mkey key;
  uint64_t first_us, last_us;
  uint32_t hnext, prev, next; /* bucket chain; LRU list (prev: more recent) */
  uint8_t kind;               /* enum mkind */
  uint8_t fin; /* bit 0: endpoint 0 sent a FIN, bit 1: endpoint 1 */
  bool rst, in_use;
  int8_t
      initiator; /* endpoint that started the flow, -1: seen mid-connection */
};

/* ---- hashing: FNV-1a and a final mix; only speed depends on it ---- */

static uint64_t hash_bytes(const void *p, size_t n) {
  const uint8_t *b = p;
  uint64_t h = 0xcbf29ce484222325ULL;

  for (size_t i = 0; i < n; i++)
    h = (h ^ b[i]) * 0x100000001b3ULL;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

/* ---- maps of byte keys ---- */

/* with_vals: a byte total and a tag per key; else a plain set. */
static void map_init(struct gen_map *mp, size_t key_len, bool with_vals) {
  memset(mp, 0, sizeof *mp);
  mp->key_len = key_len;
  mp->with_vals = with_vals;
}

static void map_free(struct gen_map *mp) {
  free(mp->keys);
  free(mp->used);
  free(mp->vals);
  free(mp->tags);
  memset(mp, 0, sizeof *mp);
}

static size_t map_slot(const struct gen_map *mp, const void *key) {
  size_t s = (size_t)hash_bytes(key, mp->key_len) & (mp->cap - 1);

  while (mp->used[s] &&
         memcmp(mp->keys + s * mp->key_len, key, mp->key_len) != 0)
    s = (s + 1) & (mp->cap - 1);
  return s;
}

static void map_grow(struct gen_map *mp) {
  struct gen_map old = *mp;
  size_t cap = old.cap ? old.cap * 2 : 64;

  mp->cap = cap;
  mp->n = 0;
  mp->keys = malloc(cap * mp->key_len);
  mp->used = calloc(cap, 1);
  if (mp->with_vals) {
    mp->vals = calloc(cap, sizeof *mp->vals);
    mp->tags = malloc(cap * sizeof *mp->tags);
  }
  if (mp->keys == NULL || mp->used == NULL ||
      (mp->with_vals && (mp->vals == NULL || mp->tags == NULL)))
    gen_die("out of memory");
  for (size_t i = 0; i < old.cap; i++) {
    if (!old.used[i])
      continue;
    size_t s = map_slot(mp, old.keys + i * old.key_len);

    memcpy(mp->keys + s * mp->key_len, old.keys + i * old.key_len, mp->key_len);
    mp->used[s] = 1;
    if (mp->with_vals) {
      mp->vals[s] = old.vals[i];
      mp->tags[s] = old.tags[i];
    }
    mp->n++;
  }
  free(old.keys);
  free(old.used);
  free(old.vals);
  free(old.tags);
}

/* Adds `bytes` to key's total (a new key starts at 0); remembers the
 * latest tag that is not -1. */
static void map_add(struct gen_map *mp, const void *key, uint64_t bytes,
                    int32_t tag) {
  size_t s;

  if (2 * (mp->n + 1) > mp->cap)
    map_grow(mp);
  s = map_slot(mp, key);
  if (!mp->used[s]) {
    memcpy(mp->keys + s * mp->key_len, key, mp->key_len);
    mp->used[s] = 1;
    mp->n++;
    if (mp->with_vals) {
      mp->vals[s] = 0;
      mp->tags[s] = -1;
    }
  }
  if (mp->with_vals) {
    mp->vals[s] += bytes;
    if (tag >= 0)
      mp->tags[s] = tag;
  }
}

/* ---- keys ---- */

static size_t addr_len(int family) { return family == 4 ? 4 : 16; }

static bool has_ports(uint8_t proto) {
  return proto == 6 || proto == 17 || proto == 132;
}

void gen_model_key(const struct mpkt *p, struct mkey *k, int *side) {
  size_t alen = addr_len(p->family);
  uint16_t sport = 0, dport = 0;
  int order;

  memset(k, 0, sizeof *k);
  if (p->ports) {
    sport = p->sport;
    dport = p->dport;
  } else if (p->echo) {
    sport = dport = p->echo_id;
  }
  /* lower address first; equal addresses: lower port first */
  order = memcmp(p->src, p->dst, alen);
  if (order == 0)
    order = (int)sport - (int)dport;
  *side = order <= 0 ? 0 : 1;
  memcpy(k->addr[*side], p->src, alen);
  memcpy(k->addr[1 - *side], p->dst, alen);
  k->port[*side] = sport;
  k->port[1 - *side] = dport;
  if (p->ntags > 0) {
    k->vlan_outer = p->vlan_outer;
    k->vlan_inner = p->vlan_inner;
  }
  k->family = (uint8_t)p->family;
  k->proto = p->proto;
  k->echo = p->echo;
}

/* The packet as the model sees it: what was asked of the builder. */
void gen_model_mpkt(const struct ipspec *s, const struct encap *e, uint64_t ts,
                    uint32_t len, int32_t tag, struct mpkt *m) {
  bool later = s->frag == FR_MIDDLE || s->frag == FR_LAST;

  memset(m, 0, sizeof *m);
  m->ts_us = ts;
  m->len = len;
  m->family = s->ver;
  m->proto = s->proto;
  m->src = s->src;
  m->dst = s->dst;
  m->later_frag = later;
  m->ports = !later && has_ports(s->proto);
  m->sport = s->sport;
  m->dport = s->dport;
  m->echo = !later && s->icmp_set &&
            (s->proto == 1 ? s->icmp_type == 8 || s->icmp_type == 0
                           : s->icmp_type == 128 || s->icmp_type == 129);
  m->echo_id = s->icmp_id;
  m->tcp_hdr = !later && s->proto == 6;
  m->tcp_flags = s->tcp_flags;
  m->ntags = e->ntags;
  if (e->ntags > 0) {
    m->vlan_outer = e->vid[0];
    m->vlan_inner = e->vid[e->ntags - 1];
  }
  m->tag = tag;
}

static enum mkind kind_of(uint8_t proto) {
  switch (proto) {
  case 6:
    return MK_TCP;
  case 17:
    return MK_UDP;
  case 1:
  case 58:
    return MK_ICMP;
  default:
    return MK_OTHER;
  }
}

/* ---- the flow table ---- */

void gen_model_init(struct model *m, bool track_top) {
  memset(m, 0, sizeof *m);
  m->max_flows = MODEL_MAX_FLOWS;
  m->timeout_us[MK_TCP] = 300 * 1000000ULL;
  m->timeout_us[MK_TCP_CLOSED] = 10 * 1000000ULL;
  m->timeout_us[MK_UDP] = 60 * 1000000ULL;
  m->timeout_us[MK_ICMP] = 30 * 1000000ULL;
  m->timeout_us[MK_OTHER] = 60 * 1000000ULL;
  m->active_us = 1800 * 1000000ULL;
  m->free_head = m->lru_head = m->lru_tail = NONE;
  m->bucket_mask = 1023;
  m->buckets = malloc((m->bucket_mask + 1) * sizeof *m->buckets);
  if (m->buckets == NULL)
    gen_die("out of memory");
  memset(m->buckets, 0xff, (m->bucket_mask + 1) * sizeof *m->buckets);
  m->track_top = track_top;
  map_init(&m->hosts, 17, true);
  map_init(&m->services, 3, true);
  map_init(&m->flows, sizeof(struct mkey), true);
  map_init(&m->src, 17, false);
  map_init(&m->dst, 17, false);
  map_init(&m->ports, 3, false);
}

void gen_model_free(struct model *m) {
  free(m->recs);
  free(m->buckets);
  map_free(&m->hosts);
  map_free(&m->services);
  map_free(&m->flows);
  map_free(&m->src);
  map_free(&m->dst);
  map_free(&m->ports);
  memset(m, 0, sizeof *m);
}

static uint32_t bucket_of(const struct model *m, const struct mkey *k) {
  return (uint32_t)hash_bytes(k, sizeof *k) & m->bucket_mask;
}

/* Keeps chains short: at most one record a bucket on average. */
static void rehash(struct model *m) {
  uint32_t n = (m->bucket_mask + 1) * 2;
  uint32_t *b = malloc(n * sizeof *b);

  if (b == NULL)
    gen_die("out of memory");
  free(m->buckets);
  m->buckets = b;
  m->bucket_mask = n - 1;
  memset(b, 0xff, n * sizeof *b);
  for (uint32_t i = 0; i < m->n_recs; i++) {
    struct mrec *r = &m->recs[i];

    if (!r->in_use)
      continue;
    uint32_t h = bucket_of(m, &r->key);

    r->hnext = b[h];
    b[h] = i;
  }
}

static uint32_t lookup(const struct model *m, const struct mkey *k) {
  for (uint32_t i = m->buckets[bucket_of(m, k)]; i != NONE;
       i = m->recs[i].hnext)
    if (memcmp(&m->recs[i].key, k, sizeof *k) == 0)
      return i;
  return NONE;
}

static void lru_unlink(struct model *m, uint32_t i) {
  struct mrec *r = &m->recs[i];

  if (r->prev != NONE)
    m->recs[r->prev].next = r->next;
  else
    m->lru_head = r->next;
  if (r->next != NONE)
    m->recs[r->next].prev = r->prev;
  else
    m->lru_tail = r->prev;
}

static void lru_push(struct model *m, uint32_t i) {
  struct mrec *r = &m->recs[i];

  r->prev = NONE;
  r->next = m->lru_head;
  if (r->next != NONE)
    m->recs[r->next].prev = i;
  else
    m->lru_tail = i;
  m->lru_head = i;
}

static void rec_remove(struct model *m, uint32_t i) {
  struct mrec *r = &m->recs[i];
  uint32_t *link = &m->buckets[bucket_of(m, &r->key)];

  while (*link != i) {
    GEN_ASSERT(*link != NONE);
    link = &m->recs[*link].hnext;
  }
  *link = r->hnext;
  lru_unlink(m, i);
  m->active[r->kind]--;
  m->in_table--;
  r->in_use = false;
  r->hnext = m->free_head;
  m->free_head = i;
}

/* Who started the flow, as far as its first packet tells. */
static int initiator_of(const struct mpkt *p, int side) {
  uint8_t sa;

  if (p->proto != 6 || !p->tcp_hdr)
    return side;
  sa = p->tcp_flags & (TCP_SYN | TCP_ACK);
  if (sa == TCP_SYN)
    return side;
  if (sa == (TCP_SYN | TCP_ACK))
    return 1 - side; /* the answer: the other end started */
  return -1;         /* mid-connection */
}

static uint32_t rec_create(struct model *m, const struct mkey *k,
                           const struct mpkt *p, int side) {
  uint32_t i;
  struct mrec *r;

  if (m->in_table == m->max_flows) {
    /* full: the least recently seen flow makes room */
    rec_remove(m, m->lru_tail);
    m->evicted++;
  }
  if (m->free_head != NONE) {
    i = m->free_head;
    m->free_head = m->recs[i].hnext;
  } else {
    if (m->n_recs == m->cap_recs) {
      uint32_t cap = m->cap_recs ? 2 * m->cap_recs : 1024;
      struct mrec *recs = realloc(m->recs, (size_t)cap * sizeof *recs);

      if (recs == NULL)
        gen_die("out of memory");
      m->recs = recs;
      m->cap_recs = cap;
    }
    i = m->n_recs++;
  }
  r = &m->recs[i];
  memset(r, 0, sizeof *r);
  r->key = *k;
  r->first_us = r->last_us = m->now_us;
  r->kind = (uint8_t)kind_of(k->proto);
  r->initiator = (int8_t)initiator_of(p, side);
  r->in_use = true;
  if (m->in_table + 1 > m->bucket_mask + 1) {
    rehash(m); /* chains every record in use, this one included */
  } else {
    uint32_t h = bucket_of(m, k);

    r->hnext = m->buckets[h];
    m->buckets[h] = i;
  }
  m->in_table++;
  m->active[r->kind]++;
  m->created++;
  lru_push(m, i);
  return i;
}

/* The record must end before this packet counts: idle past its kind's
 * timeout, older than the active timeout, or a closed TCP connection that
 * a new SYN reopens. */
static bool must_restart(const struct model *m, const struct mrec *r,
                         const struct mpkt *p) {
  if (m->now_us - r->last_us >= m->timeout_us[r->kind])
    return true;
  if (m->active_us && m->now_us - r->first_us >= m->active_us)
    return true;
  return r->kind == MK_TCP_CLOSED && p->tcp_hdr &&
         (p->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN;
}

void gen_model_tick(struct model *m, uint64_t ts_us) {
  if (ts_us > m->now_us)
    m->now_us = ts_us;
}

/* The service of a flow record: the port of the end that did not start it,
 * the lower port when it was first seen mid-connection; none for protocols
 * without ports. Stored as proto, port (big-endian). */
static void service_key(const struct mrec *r, uint8_t out[3]) {
  uint16_t port = 0;

  if (has_ports(r->key.proto)) {
    if (r->initiator >= 0)
      port = r->key.port[1 - r->initiator];
    else
      port = r->key.port[0] < r->key.port[1] ? r->key.port[0] : r->key.port[1];
  }
  out[0] = r->key.proto;
  out[1] = (uint8_t)(port >> 8);
  out[2] = (uint8_t)port;
}

static void host_key(int family, const uint8_t *addr, uint8_t out[17]) {
  memset(out, 0, 17);
  out[0] = (uint8_t)family;
  memcpy(out + 1, addr, addr_len(family));
}

void gen_model_packet(struct model *m, const struct mpkt *p) {
  struct mkey k;
  int side;
  uint32_t i;
  struct mrec *r;

  GEN_ASSERT(p->family == 4 || p->family == 6);
  gen_model_tick(m, p->ts_us);
  gen_model_key(p, &k, &side);
  i = lookup(m, &k);
  if (i != NONE && must_restart(m, &m->recs[i], p)) {
    rec_remove(m, i);
    m->expired++;
    i = NONE;
  }
  if (i == NONE)
    i = rec_create(m, &k, p, side);
  r = &m->recs[i];
  r->last_us = m->now_us;
  if (m->lru_head != i) {
    lru_unlink(m, i);
    lru_push(m, i);
  }
  if (p->proto == 6 && p->tcp_hdr) {
    if (p->tcp_flags & TCP_FIN)
      r->fin |= (uint8_t)(1u << side);
    if (p->tcp_flags & TCP_RST)
      r->rst = true;
    if (r->kind == MK_TCP && (r->rst || r->fin == 3)) {
      m->active[MK_TCP]--;
      r->kind = MK_TCP_CLOSED;
      m->active[MK_TCP_CLOSED]++;
    }
  }

  uint8_t hk[17], sk[3];

  m->ip_bytes += p->len;
  if (m->track_top) {
    host_key(p->family, p->src, hk);
    map_add(&m->hosts, hk, p->len, p->tag);
    service_key(r, sk);
    map_add(&m->services, sk, p->len, p->tag);
    map_add(&m->flows, &k, p->len, p->tag);
  }
  host_key(p->family, p->src, hk);
  map_add(&m->src, hk, 0, -1);
  host_key(p->family, p->dst, hk);
  map_add(&m->dst, hk, 0, -1);
  if (p->ports) {
    sk[0] = p->proto;
    sk[1] = (uint8_t)(p->dport >> 8);
    sk[2] = (uint8_t)p->dport;
    map_add(&m->ports, sk, 0, -1);
  }
}

void gen_model_finish(struct model *m) {
  for (uint32_t i = 0; i < m->n_recs; i++) {
    struct mrec *r = &m->recs[i];

    if (r->in_use && m->now_us - r->last_us >= m->timeout_us[r->kind]) {
      rec_remove(m, i);
      m->expired++;
    }
  }
  GEN_ASSERT(m->created - m->expired - m->evicted == m->in_table);
}

/* ---- names ---- */

/* RFC 5952 text: lower-case hex, no leading zeros, the longest run of two
 * or more zero groups (the first of equal runs) as "::". */
static void addr_text(int family, const uint8_t *a, char *buf, size_t size) {
  int best = -1, best_len = 0;
  size_t n = 0;

  if (family == 4) {
    snprintf(buf, size, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    return;
  }
  /* the generator uses 2001:db8::/32 only: no IPv4-mapped forms */
  GEN_ASSERT(a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8);
  for (int i = 0; i < 8;) {
    int j = i;

    while (j < 8 && a[2 * j] == 0 && a[2 * j + 1] == 0)
      j++;
    if (j - i >= 2 && j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j > i ? j : i + 1;
  }
  buf[0] = '\0';
  for (int i = 0; i < 8; i++) {
    if (i == best) {
      n += (size_t)snprintf(buf + n, size - n, "::");
      i += best_len - 1;
      continue;
    }
    n += (size_t)snprintf(buf + n, size - n, "%s%x",
                          n > 0 && buf[n - 1] != ':' ? ":" : "",
                          (unsigned)(a[2 * i] << 8 | a[2 * i + 1]));
    GEN_ASSERT(n < size);
  }
}

/* The address as a name: '.' and ':' become '_'. */
static void addr_name(int family, const uint8_t *a, char *buf, size_t size) {
  addr_text(family, a, buf, size);
  for (char *c = buf; *c; c++)
    if (*c == '.' || *c == ':')
      *c = '_';
}

static const char *proto_name(uint8_t proto, char *buf, size_t size) {
  switch (proto) {
  case 6:
    return "tcp";
  case 17:
    return "udp";
  case 132:
    return "sctp";
  case 1:
    return "icmp";
  case 58:
    return "icmpv6";
  case 47:
    return "gre";
  default:
    snprintf(buf, size, "ip%u", proto);
    return buf;
  }
}

void gen_model_flow_name(const struct mkey *k, char *buf, size_t size) {
  char a[48], b[48], pb[8], vlan[24] = "";
  const char *proto = proto_name(k->proto, pb, sizeof pb);
  int n;

  addr_name(k->family, k->addr[0], a, sizeof a);
  addr_name(k->family, k->addr[1], b, sizeof b);
  if (k->vlan_outer || k->vlan_inner)
    snprintf(vlan, sizeof vlan, "_vlan%u_%u", k->vlan_outer, k->vlan_inner);
  if (has_ports(k->proto))
    n = snprintf(buf, size, "top_flow_%s_%s_%u_%s_%u%s", proto, a, k->port[0],
                 b, k->port[1], vlan);
  else if (k->echo)
    n = snprintf(buf, size, "top_flow_%s_%s_%s_id%u%s", proto, a, b, k->port[0],
                 vlan);
  else
    n = snprintf(buf, size, "top_flow_%s_%s_%s%s", proto, a, b, vlan);
  /* METRICS.md: at most 121 characters; ours are shorter, so never cut */
  GEN_ASSERT(n > 0 && (size_t)n < size && n - 4 <= 121);
}

static void host_name(const uint8_t *hk, char *buf, size_t size) {
  char a[48];

  addr_name(hk[0], hk + 1, a, sizeof a);
  snprintf(buf, size, "top_host_%s", a);
}

static void service_name(const uint8_t *sk, char *buf, size_t size) {
  char pb[8];
  const char *proto = proto_name(sk[0], pb, sizeof pb);

  if (has_ports(sk[0]))
    snprintf(buf, size, "top_port_%s_%u", proto,
             (unsigned)(sk[1] << 8 | sk[2]));
  else
    snprintf(buf, size, "top_port_%s", proto);
}

/* ---- top-N ---- */

struct ranked {
  uint64_t bytes;
  int32_t tag;
  size_t slot;
};

static int ranked_cmp(const void *a, const void *b) {
  const struct ranked *x = a, *y = b;

  if (x->bytes != y->bytes)
    return x->bytes > y->bytes ? -1 : 1;
  return x->slot < y->slot ? -1 : x->slot > y->slot; /* only for qsort's sake */
}

/* The keys of a map, heaviest first. */
static struct ranked *rank(const struct gen_map *mp) {
  GEN_ASSERT(mp->with_vals);
  struct ranked *r = malloc((mp->n + 1) * sizeof *r);
  size_t n = 0;

  if (r == NULL)
    gen_die("out of memory");
  for (size_t s = 0; s < mp->cap; s++)
    if (mp->used[s])
      r[n++] = (struct ranked){mp->vals[s], mp->tags[s], s};
  GEN_ASSERT(n == mp->n);
  qsort(r, n, sizeof *r, ranked_cmp);
  return r;
}

/* METRICS.md: Space-Saving keeps 8 × N keys (at least 64); with no more
 * keys than that every value is exact, and only then is our truth exact. */
#define TOP_EXACT_KEYS 64

int32_t gen_model_tie(const struct model *m) {
  const struct gen_map *lists[3] = {&m->hosts, &m->services, &m->flows};

  GEN_ASSERT(m->track_top);
  for (int l = 0; l < 3; l++) {
    struct ranked *r = rank(lists[l]);
    size_t n = lists[l]->n < MODEL_TOP_N + 1 ? lists[l]->n : MODEL_TOP_N + 1;

    for (size_t i = 0; i + 1 < n; i++) {
      if (r[i].bytes != r[i + 1].bytes)
        continue;
      int32_t tag = r[i + 1].tag >= 0 ? r[i + 1].tag : r[i].tag;

      free(r);
      GEN_ASSERT(tag >= 0); /* a tie the generator cannot break */
      return tag;
    }
    free(r);
  }
  return -1;
}

static void top_lines(const struct gen_map *mp, uint64_t total, struct truth *t,
                      const char *other,
                      void (*name)(const struct gen_map *, size_t, char *,
                                   size_t)) {
  struct ranked *r = rank(mp);
  size_t n = mp->n < MODEL_TOP_N ? mp->n : MODEL_TOP_N;
  uint64_t named = 0;
  char buf[TRUTH_LINE_MAX];

  GEN_ASSERT(mp->n <= TOP_EXACT_KEYS);
  for (size_t i = 0; i + 1 < mp->n && i < MODEL_TOP_N; i++)
    GEN_ASSERT(r[i].bytes != r[i + 1].bytes); /* gen_model_tie() was asked */
  for (size_t i = 0; i < n; i++) {
    name(mp, r[i].slot, buf, sizeof buf);
    gen_truth_line(t, "bytes-%s %" PRIu64, buf, r[i].bytes);
    named += r[i].bytes;
  }
  GEN_ASSERT(named <= total);
  gen_truth_line(t, "bytes-%s %" PRIu64, other, total - named);
  free(r);
}

static void host_slot_name(const struct gen_map *mp, size_t s, char *buf,
                           size_t size) {
  host_name(mp->keys + s * mp->key_len, buf, size);
}

static void service_slot_name(const struct gen_map *mp, size_t s, char *buf,
                              size_t size) {
  service_name(mp->keys + s * mp->key_len, buf, size);
}

static void flow_slot_name(const struct gen_map *mp, size_t s, char *buf,
                           size_t size) {
  struct mkey k;

  memcpy(&k, mp->keys + s * mp->key_len, sizeof k);
  gen_model_flow_name(&k, buf, size);
}

void gen_model_lines(const struct model *m, struct truth *t, bool top,
                     bool counts) {
  uint64_t tcp = m->active[MK_TCP] + m->active[MK_TCP_CLOSED];
  uint64_t ip_bytes = 0;

  gen_truth_line(t, "connections-flows_new %" PRIu64, m->created);
  gen_truth_line(t, "connections-flows_expired %" PRIu64, m->expired);
  gen_truth_line(t, "connections-flows_evicted %" PRIu64, m->evicted);
  gen_truth_line(t, "current_connections-flows_tcp %" PRIu64, tcp);
  gen_truth_line(t, "current_connections-flows_udp %" PRIu64,
                 m->active[MK_UDP]);
  gen_truth_line(t, "current_connections-flows_icmp %" PRIu64,
                 m->active[MK_ICMP]);
  gen_truth_line(t, "current_connections-flows_other %" PRIu64,
                 m->active[MK_OTHER]);
  GEN_ASSERT(tcp + m->active[MK_UDP] + m->active[MK_ICMP] +
                 m->active[MK_OTHER] ==
             m->in_table);
  /* the lists add up to the IP bytes of the truth's own counters */
  for (int s = S_IPV4; s <= S_IPV6; s++)
    ip_bytes += t->octets[s][DIR_RX] + t->octets[s][DIR_TX];
  GEN_ASSERT(ip_bytes == m->ip_bytes);
  if (top) {
    GEN_ASSERT(m->track_top);
    top_lines(&m->hosts, m->ip_bytes, t, "top_host_other", host_slot_name);
    top_lines(&m->services, m->ip_bytes, t, "top_port_other",
              service_slot_name);
    top_lines(&m->flows, m->ip_bytes, t, "top_flow_other", flow_slot_name);
  }
  if (counts) {
    gen_truth_line(t, "count-distinct_src_hosts %zu", m->src.n);
    gen_truth_line(t, "count-distinct_dst_hosts %zu", m->dst.n);
    gen_truth_line(t, "count-distinct_dst_ports %zu", m->ports.n);
  }
}
