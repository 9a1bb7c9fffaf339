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
 * range. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/dns.h"
#include "app/dns_collectd.h"
#include "app/dns_tcp.h"
#include "app/domain.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 65535 + 2)
    return 0;
  uint8_t *copy = malloc(size ? size : 1);
  FZ_CHECK(copy != NULL);
  memcpy(copy, data, size);
  fz_parse(copy, size);
  free(copy);
  fz_stream(data, size);
  return 0;
}
