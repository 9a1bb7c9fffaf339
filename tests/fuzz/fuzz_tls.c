/* fuzz_tls.c - libFuzzer harness: any bytes as the start of a TLS
 * connection's direction (src/app/tls.c), in a buffer of exactly their
 * size so that ASan sees any read past it, and then a few of their
 * prefixes, as a hello cut by a segment or the capture would be.
 *
 * Besides the sanitizers, the harness aborts when a promise is broken: a
 * result out of its enum; a server name whose text is not what tls.h says
 * (its length, printable lower-case bytes, at most 255, the hostname
 * flag); a version bit outside PF_TLS_V_*; and, for an input that parses
 * whole, a prefix that is malformed rather than partial, or that reports a
 * server name or a version other than the whole hello's.
 *
 * Then, for a hello that parses whole and fits what a shard holds across
 * segments (src/shard/tls_resume.c), the shard's packet part is fed the
 * hello in two TCP segments split at every offset from the first byte
 * (each in a buffer of its size; the part after the split itself halved
 * and its halves sent in reverse order), and then the same hello
 * fragmented over records of 1 to 64 bytes (the input's last byte
 * chooses) in one segment and split so: it aborts unless each is counted as the one-segment
 * hello is (the same version slot, nothing partial or malformed), names
 * the flow with the same server name, and leaves nothing held. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/tls.h"
#include "shard/tls.h"

#define FZ_CHECK(cond)                                                         \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "fuzz_tls: broken promise: %s (%s:%d)\n", #cond,         \
              __FILE__, __LINE__);                                             \
      abort();                                                                 \
    }                                                                          \
  } while (0)

static void fz_check_hello(const struct pf_tls_hello *h, enum pf_tls_result r) {
  FZ_CHECK((unsigned)r < PF_TLS_RESULT_COUNT);
  FZ_CHECK(h->type <= 2);
  FZ_CHECK((h->offered & 0x60) == 0);
  FZ_CHECK(h->has_sni || h->sni_len == 0);
  FZ_CHECK(strlen(h->sni) == h->sni_len && h->sni_len <= PF_TLS_SNI_MAX);
  int hostname = 1;
  for (uint32_t i = 0; i < h->sni_len; i++) {
    char c = h->sni[i];
    FZ_CHECK(c > 0x20 && c < 0x7f && !(c >= 'A' && c <= 'Z'));
    hostname &= (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                c == '_' || c == '.';
  }
  FZ_CHECK(!h->has_sni || hostname == h->sni_hostname);
  FZ_CHECK(r != PF_TLS_OK || h->type != 0);
}

static enum pf_tls_result fz_parse(const uint8_t *data, size_t size,
                                   struct pf_tls_hello *h) {
  uint8_t *copy = malloc(size ? size : 1);
  FZ_CHECK(copy != NULL);
  memcpy(copy, data, size);
  struct pf_bytes b = pf_bytes_of(copy, (uint32_t)size);
  enum pf_tls_result r = pf_tls_parse_hello(&b, h);
  fz_check_hello(h, r);
  free(copy);
  return r;
}

/* A prefix of a hello that parses whole is partial (or whole, when the
 * record holds more than the hello) and agrees with it. */
static void fz_check_prefix(const uint8_t *data, size_t k,
                            const struct pf_tls_hello *whole) {
  static struct pf_tls_hello h;
  enum pf_tls_result r = fz_parse(data, k, &h);
  FZ_CHECK(r == PF_TLS_PARTIAL || r == PF_TLS_OK);
  if (h.has_sni)
    FZ_CHECK(strcmp(h.sni, whole->sni) == 0);
  if (h.has_versions)
    FZ_CHECK(h.version == whole->version);
  FZ_CHECK(h.extensions <= whole->extensions);
}

/* One segment of the split, in a buffer of exactly its size. */
static bool fz_segment(struct pf_tls_shard *t, const uint8_t *data,
                       uint32_t off, uint32_t n, uint64_t hash,
                       uint32_t *name) {
  uint8_t *copy = malloc(n ? n : 1);
  FZ_CHECK(copy != NULL);
  memcpy(copy, data + off, n);
  struct pf_tls_segment seg = {
      .cap = pf_bytes_of(copy, n), .wire_len = n, .seq = 7000 + off};
  struct pf_tls_where w = {.flow_hash = hash, .now_us = 1000000, .side = 0};
  bool named = pf_tls_segment(t, &seg, &w, name);
  free(copy);
  return named;
}

static uint64_t fz_counted(const struct pf_tls_stats *st) {
  uint64_t n = 0;
  for (int i = 0; i < PF_TLS_VERSION_SLOTS; i++)
    n += st->offered[i] + st->selected[i];
  return n;
}

static uint64_t fz_malformed(const struct pf_tls_stats *st) {
  uint64_t n = 0;
  for (int i = 0; i < PF_TLS_RESULT_COUNT; i++)
    n += st->malformed[i];
  return n;
}

static struct pf_tls_shard *fz_shard(void) {
  static struct pf_tls_shard t;
  static bool ready;
  char err[256];
  if (!ready) {
    struct pf_tls_config cfg = {.analysis = true, .names = 4096};
    FZ_CHECK(pf_tls_shard_init(&t, &cfg, true, err, sizeof(err)) == 0);
    ready = true;
  }
  return &t;
}

/* The stream `data` (the hello, in one record or several) in one segment
 * (k == size) or two split at k: named as the whole hello is. */
static void fz_check_split(struct pf_tls_shard *t, const uint8_t *data,
                           uint32_t size, uint32_t k,
                           const struct pf_tls_hello *whole) {
  uint64_t hash = 0x9e3779b97f4a7c15ull * (k + 1) + size;
  uint32_t name = PF_TLS_NAME_OTHER, n2 = PF_TLS_NAME_OTHER;
  bool named = fz_segment(t, data, 0, k, hash, &name);
  /* Three segments, the last before the middle one (reordered), when the
   * rest splits and the stream fits what is held; else two. */
  uint32_t mid = k + (size - k) / 2;
  if (mid == k || size > PF_TLS_REASM_BYTES)
    mid = size;
  if (mid < size && fz_segment(t, data, mid, size - mid, hash, &n2)) {
    FZ_CHECK(!named); /* given once */
    named = true, name = n2;
  }
  if (k < size && fz_segment(t, data, k, mid - k, hash, &n2)) {
    FZ_CHECK(!named); /* given once */
    named = true, name = n2;
  }
  FZ_CHECK(named == (whole->type == 1 && whole->has_sni));
  if (named && name != PF_TLS_NAME_OTHER) {
    const struct pf_tls_name_key *key = pf_tls_names_key(&t->names, name);
    uint32_t len = whole->sni_len < sizeof(key->text) ? whole->sni_len
                                                       : sizeof(key->text);
    FZ_CHECK(key->len == len && memcmp(key->text, whole->sni, len) == 0);
  }
  FZ_CHECK(t->reasm.held == 0 && t->reasm.filter == 0);
}

/* The stream split at every offset from the first (`all`), or at a
 * stride, and whole: each counted once, as the hello is (a
 * HelloRetryRequest: not). */
static void fz_check_splits(const uint8_t *data, uint32_t size, bool all,
                            const struct pf_tls_hello *whole) {
  struct pf_tls_shard *t = fz_shard();
  uint64_t counted = fz_counted(&t->stats), partial = t->stats.partial;
  uint64_t malformed = fz_malformed(&t->stats), n = 0;
  for (uint32_t k = 1; k <= size; k += all ? 1 : 1 + k / 16, n++)
    fz_check_split(t, data, size, k, whole);
  bool counts = whole->type == 1 || !whole->hello_retry;
  FZ_CHECK(fz_counted(&t->stats) - counted == (counts ? n : 0));
  FZ_CHECK(t->stats.partial == partial);
  FZ_CHECK(fz_malformed(&t->stats) == malformed);
}

/* The hello data[0..end) fragmented over records of `body` bytes into
 * out; returns the stream's length, 0 when it would not fit. */
static uint32_t fz_fragment(const uint8_t *data, uint32_t end, uint32_t body,
                            uint8_t *out, uint32_t room) {
  uint32_t n = 0;
  for (uint32_t at = 5; at < end; at += body) {
    uint32_t k = end - at < body ? end - at : body;
    if (n + 5 + k > room)
      return 0;
    memcpy(out + n, data, 3); /* type and version of the first */
    out[n + 3] = (uint8_t)(k >> 8), out[n + 4] = (uint8_t)k;
    memcpy(out + n + 5, data + at, k);
    n += 5 + k;
  }
  return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static struct pf_tls_hello whole;
  if (size > 65536)
    return 0;
  if (fz_parse(data, size, &whole) != PF_TLS_OK)
    return 0;
  for (size_t k = size; k > 0; k = k * 5 / 8) /* about 15 prefixes */
    fz_check_prefix(data, k - 1, &whole);
  /* The hello alone: bytes after it (the rest of its record, another
   * record) may start another hello. */
  struct pf_bytes b = pf_bytes_of(data, (uint32_t)size);
  uint16_t rec_len, hs_len;
  uint8_t hs_hi;
  if (pf_tls_starts_hello(&b, 0) && pf_get_u16(&b, 3, &rec_len) &&
      pf_get_u8(&b, 6, &hs_hi) && pf_get_u16(&b, 7, &hs_len)) {
    uint32_t end = 9u + ((uint32_t)hs_hi << 16 | hs_len);
    if (end > 5u + rec_len)
      end = 5u + rec_len; /* fragmented over records: the first one */
    if (end > size || end > PF_TLS_REASM_BYTES || end <= 9)
      return 0;
    fz_check_splits(data, end, true, &whole);
    /* Fragmented: whole again, as long as the hello is in its first
     * record (the records then are the hello's alone). */
    static uint8_t stream[8 * PF_TLS_REASM_BYTES];
    uint32_t body = (uint32_t)(data[size - 1] % 64) + 1;
    uint32_t n = end <= 5u + rec_len
                     ? fz_fragment(data, end, body, stream, sizeof(stream))
                     : 0;
    if (n)
      fz_check_splits(stream, n, n <= 512, &whole);
  }
  return 0;
}
