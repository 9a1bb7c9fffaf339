/* fuzz_dns.c - libFuzzer harness: any bytes as a DNS message (src/app/dns.c)
 * and as one direction of a DNS-over-TCP stream (src/app/dns_tcp.c), cut
 * into segments and captured lengths the input's last byte chooses, each
 * segment in a buffer of exactly its captured size so that ASan sees any
 * read past it.
 *
 * Besides the sanitizers, the harness aborts when a promise is broken: a
 * result out of its enum; a name whose text is not what dns.h says (its
 * length, printable bytes, dots only between labels of at most 63, at most
 * 253 characters, the hostname flag); an extended rcode whose low bits are
 * not the header's; a registered domain that does not start a label; a
 * collectd name that does not fit; a framed message longer than its
 * length, more messages than two bytes each allow, or a state out of
 * range.
 *
 * Then, for input that parses as a message, the shard's packet part
 * (src/shard/dns.c) is fed it over TCP, its length prefix first, in two
 * segments split at every offset (at a stride past 512 bytes): it aborts
 * unless each split is read as one message of the same kind and question
 * type, none unframed or malformed, and nothing is left held. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/dns.h"
#include "app/dns_collectd.h"
#include "app/dns_tcp.h"
#include "app/domain.h"
#include "shard/dns.h"

#define FZ_CHECK(cond)                                                         \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "fuzz_dns: broken promise: %s (%s:%d)\n", #cond,         \
              __FILE__, __LINE__);                                             \
      abort();                                                                 \
    }                                                                          \
  } while (0)

static int fz_hostname_byte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

static void fz_check_name(const struct pf_dns_name *n) {
  FZ_CHECK(n->len <= PF_DNS_NAME_TEXT_MAX);
  FZ_CHECK(strlen(n->text) == n->len);
  FZ_CHECK((n->labels == 0) == (n->len == 0));
  uint32_t labels = n->len ? 1 : 0, label_len = 0;
  int hostname = 1;
  for (uint32_t i = 0; i < n->len; i++) {
    char c = n->text[i];
    FZ_CHECK(c > 0x20 && c < 0x7f && !(c >= 'A' && c <= 'Z'));
    if (c == '.') {
      FZ_CHECK(label_len > 0);
      labels++, label_len = 0;
      continue;
    }
    FZ_CHECK(++label_len <= 63);
    hostname &= fz_hostname_byte(c);
  }
  FZ_CHECK(n->len == 0 || label_len > 0);
  FZ_CHECK(labels == n->labels);
  FZ_CHECK(hostname == n->hostname);
  uint32_t reg = pf_domain_registered(n->text, n->len);
  FZ_CHECK(reg <= n->len && (reg == 0 || n->text[reg - 1] == '.'));
}

static void fz_check_msg(const struct pf_dns_msg *m, enum pf_dns_err err,
                         size_t size) {
  char buf[PF_COLLECTD_DNS_NAME_MAX];
  FZ_CHECK((unsigned)err < PF_DNS_ERR_COUNT);
  FZ_CHECK(m->len == size);
  if (err == PF_DNS_E_SHORT)
    return;
  FZ_CHECK(m->opcode < 16 && m->rcode < 16);
  FZ_CHECK(m->ext_rcode < 4096 && (m->ext_rcode & 15) == m->rcode);
  FZ_CHECK(m->edns == PF_DNS_EDNS_OPT || m->ext_rcode == m->rcode);
  FZ_CHECK(strlen(pf_collectd_dns_opcode(m->opcode, buf)) < sizeof(buf));
  FZ_CHECK(strlen(pf_collectd_dns_rcode(m->ext_rcode, buf)) < sizeof(buf));
  FZ_CHECK(strlen(pf_collectd_dns_qtype(m->qtype, buf)) < sizeof(buf));
  if (err != PF_DNS_OK)
    return;
  FZ_CHECK(m->edns <= PF_DNS_EDNS_UNREAD);
  FZ_CHECK(m->records_err < PF_DNS_ERR_COUNT);
  /* UNREAD and NONE follow from the walk; OPT may precede a fault. */
  FZ_CHECK((m->edns == PF_DNS_EDNS_UNREAD) <= (m->records_err != PF_DNS_OK));
  FZ_CHECK((m->edns == PF_DNS_EDNS_NONE) <= (m->records_err == PF_DNS_OK));
  FZ_CHECK(m->has_question == (m->qdcount > 0));
  if (m->has_question)
    fz_check_name(&m->qname);
  else
    FZ_CHECK(m->qname.len == 0 && m->qtype == 0);
}

static void fz_parse(const uint8_t *data, size_t size) {
  struct pf_dns_msg m;
  struct pf_bytes b = pf_bytes_of(data, (uint32_t)size);
  fz_check_msg(&m, pf_dns_parse(&b, &m), size);
}

/* One segment, its captured bytes copied into a buffer of their size. */
static int fz_segment(struct pf_dns_tcp *st, const uint8_t *data, uint32_t wire,
                      uint32_t cap) {
  uint8_t *copy = malloc(cap ? cap : 1);
  FZ_CHECK(copy != NULL);
  memcpy(copy, data, cap);
  struct pf_dns_tcp_segment seg = {.cap = pf_bytes_of(copy, cap),
                                   .wire_len = wire};
  struct pf_dns_tcp_msg msg;
  bool lost;
  int n = 0;
  while (pf_dns_tcp_next(st, &seg, &msg, &lost)) {
    FZ_CHECK(msg.bytes.len <= msg.len && ++n <= (int)(wire + 1) / 2);
    FZ_CHECK(msg.bytes.len == 0 ||
             (msg.bytes.data >= copy &&
              msg.bytes.data + msg.bytes.len <= copy + cap));
    fz_parse(msg.bytes.data, msg.bytes.len);
  }
  FZ_CHECK(st->phase <= PF_DNS_TCP_BODY_START && seg.off <= wire);
  free(copy);
  return n;
}

/* The stream in segments of `step` bytes, every third one captured only
 * in part when `cut` is set. */
static void fz_stream(const uint8_t *data, size_t size) {
  uint8_t last = size ? data[size - 1] : 0;
  uint32_t step = (uint32_t)(last % 61) + 1, i = 0;
  int cut = last & 0x80;
  struct pf_dns_tcp st;
  pf_dns_tcp_reset(&st);
  for (size_t off = 0; off < size; off += step, i++) {
    uint32_t wire = (uint32_t)(size - off < step ? size - off : step);
    uint32_t cap = cut && i % 3 == 2 ? wire / 2 : wire;
    fz_segment(&st, data + off, wire, cap);
  }
}

static struct pf_dns_shard *fz_shard(void) {
  static struct pf_dns_shard d;
  static bool ready;
  char err[256];
  if (!ready) {
    struct pf_dns_config cfg = {
        .analysis = true, .timeout_s = 5, .ports = {53}, .n_ports = 1};
    FZ_CHECK(pf_dns_shard_init(&d, &cfg, err, sizeof(err)) == 0);
    ready = true;
  }
  return &d;
}

/* Bytes [off, off + n) of the stream as a segment of the flow `hash`, in a
 * buffer of exactly their size. */
static void fz_tcp_segment(struct pf_dns_shard *d, const uint8_t *stream,
                           uint32_t off, uint32_t n, uint64_t hash) {
  uint8_t *copy = malloc(n ? n : 1);
  FZ_CHECK(copy != NULL);
  memcpy(copy, stream + off, n);
  struct pf_bytes b = pf_bytes_of(copy, n);
  struct pf_dns_where w = {
      .flow_hash = hash, .now_us = 1000000, .seq = 5000 + off, .side = 0};
  struct pf_dns_queued out = {.kind = PF_DNS_QUEUED_NONE};
  pf_dns_tcp_segment(d, &b, n, &w, &out);
  free(copy);
}

static uint64_t fz_errors(const struct pf_dns_stats *st) {
  uint64_t n = st->tcp_unframed;
  for (int e = 0; e < PF_DNS_ERR_COUNT; e++)
    n += st->malformed[e];
  return n;
}

/* The message, prefixed by its length, split in two at every offset. */
static void fz_check_tcp_splits(const uint8_t *data, uint32_t size,
                                const struct pf_dns_msg *m) {
  static uint8_t stream[2 + 65535];
  struct pf_dns_shard *d = fz_shard();
  stream[0] = (uint8_t)(size >> 8), stream[1] = (uint8_t)size;
  memcpy(stream + 2, data, size);
  uint32_t len = size + 2, n = 0;
  bool response = (m->flags & PF_DNS_F_QR) != 0;
  uint64_t before = d->stats.messages[response], errors = fz_errors(&d->stats);
  uint64_t typed = d->stats.qtype[m->qtype < 259 ? m->qtype : 0];
  for (uint32_t k = 1; k < len; k += len <= 512 ? 1 : 1 + k / 16, n++) {
    uint64_t hash = 0x9e3779b97f4a7c15ull * (k + 1);
    fz_tcp_segment(d, stream, 0, k, hash);
    fz_tcp_segment(d, stream, k, len - k, hash);
    FZ_CHECK(d->held.held == 0);
  }
  FZ_CHECK(d->stats.messages[response] - before == n);
  FZ_CHECK(fz_errors(&d->stats) == errors);
  if (!response && m->has_question && m->qtype < 259)
    FZ_CHECK(d->stats.qtype[m->qtype] - typed == n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 65535 + 2)
    return 0;
  uint8_t *copy = malloc(size ? size : 1);
  FZ_CHECK(copy != NULL);
  memcpy(copy, data, size);
  fz_parse(copy, size);
  struct pf_dns_msg m;
  struct pf_bytes b = pf_bytes_of(copy, (uint32_t)size);
  if (size >= PF_DNS_HEADER_LEN && size <= 65535 &&
      pf_dns_parse(&b, &m) == PF_DNS_OK)
    fz_check_tcp_splits(copy, (uint32_t)size, &m);
  free(copy);
  fz_stream(data, size);
  return 0;
}
