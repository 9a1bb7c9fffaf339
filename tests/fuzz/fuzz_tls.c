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
 * server name or a version other than the whole hello's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/tls.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static struct pf_tls_hello whole;
  if (size > 65536)
    return 0;
  if (fz_parse(data, size, &whole) != PF_TLS_OK)
    return 0;
  for (size_t k = size; k > 0; k = k * 5 / 8) /* about 15 prefixes */
    fz_check_prefix(data, k - 1, &whole);
  return 0;
}
