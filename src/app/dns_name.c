/* dns_name.c - DNS names on the wire (RFC 1035 3.1, 4.1.4): labels and
 * compression pointers, read into dotted text or skipped, bounded.
 *
 * The pointer rule is what makes the walk finite: a pointer must point
 * before the start of the run of labels that holds it. Legitimate
 * compression always does (it names a suffix of an earlier name); a loop,
 * a pointer to itself or forward, and one into its own name cannot. So the
 * targets fall strictly, and PF_DNS_POINTER_HOPS caps chains of pointers
 * that hold no labels. */
#include "app/dns.h"

#include "app/dns_wire.h"
#include "base/check.h"

/* A label's byte as text (lower case, printable, no dot: '?' for the
 * rest), and whether it may be in a host name, as two tables the compiler
 * fills: a lookup a byte instead of a chain of comparisons (the copy was
 * half of a query's parse). */
#define PF_UPPER(c) ((c) >= 'A' && (c) <= 'Z')
#define PF_TEXT(c)                                                             \
  ((char)(PF_UPPER(c)                              ? (c) + 32                  \
          : (c) > 0x20 && (c) < 0x7f && (c) != '.' ? (c)                       \
                                                   : '?'))
#define PF_HOST(c)                                                             \
  (PF_UPPER(c) || ((c) >= 'a' && (c) <= 'z') || ((c) >= '0' && (c) <= '9') ||  \
   (c) == '-' || (c) == '_')
#define PF_4(F, b) F(b), F(b + 1), F(b + 2), F(b + 3)
#define PF_16(F, b) PF_4(F, b), PF_4(F, b + 4), PF_4(F, b + 8), PF_4(F, b + 12)
#define PF_64(F, b)                                                            \
  PF_16(F, b), PF_16(F, b + 16), PF_16(F, b + 32), PF_16(F, b + 48)
#define PF_256(F) PF_64(F, 0), PF_64(F, 64), PF_64(F, 128), PF_64(F, 192)
static const char pf_dns_text_of[256] = {PF_256(PF_TEXT)};
static const bool pf_dns_host_byte[256] = {PF_256(PF_HOST)};

static void pf_dns_append_label(struct pf_dns_name *name, const uint8_t *p,
                                uint8_t n) {
  uint32_t at = name->len;
  if (name->labels > 0)
    name->text[at++] = '.';
  bool host = true;
  for (uint8_t i = 0; i < n; i++) {
    name->text[at++] = pf_dns_text_of[p[i]];
    host &= pf_dns_host_byte[p[i]];
  }
  name->hostname &= host;
  PF_ASSERT(at <= PF_DNS_NAME_TEXT_MAX);
  name->text[at] = '\0';
  name->len = (uint8_t)at;
  name->labels++;
}

/* Follows the pointer at off (its two bytes are inside msg). */
static enum pf_dns_err pf_dns_follow(const struct pf_bytes *msg, uint32_t off,
                                     uint32_t *run_start, uint32_t *hops) {
  uint16_t v;
  if (!pf_get_u16(msg, off, &v))
    return PF_DNS_E_TRUNCATED;
  uint32_t target = v & PF_DNS_WIRE_OFFSET_MASK;
  if (target < PF_DNS_HEADER_LEN || target >= *run_start)
    return PF_DNS_E_POINTER;
  if (++*hops > PF_DNS_POINTER_HOPS)
    return PF_DNS_E_POINTER_HOPS;
  *run_start = target;
  return PF_DNS_OK;
}

/* The label of c bytes (1..63) whose length byte is at *pos, appended;
 * *pos moves past it. */
static enum pf_dns_err pf_dns_take_label(const struct pf_bytes *msg,
                                         uint32_t *pos, uint8_t c,
                                         uint32_t *wire,
                                         struct pf_dns_name *name) {
  const uint8_t *label;
  if (c > PF_DNS_WIRE_LABEL_MAX)
    return PF_DNS_E_LABEL;
  *wire += 1u + c;
  if (*wire > PF_DNS_NAME_WIRE_MAX)
    return PF_DNS_E_NAME_LONG;
  if (!pf_get_span(msg, *pos + 1, c, &label))
    return PF_DNS_E_TRUNCATED;
  pf_dns_append_label(name, label, c);
  *pos += 1u + c;
  return PF_DNS_OK;
}

enum pf_dns_err pf_dns_read_name(const struct pf_bytes *msg, uint32_t off,
                                 struct pf_dns_name *name, uint32_t *next) {
  uint32_t pos = off, run_start = off, hops = 0, wire = 1, end = 0;
  enum pf_dns_err err = PF_DNS_OK;
  uint8_t c;
  name->len = name->labels = 0;
  name->hostname = true;
  name->text[0] = '\0';
  /* Each turn takes a label (wire grows) or a hop (hops grows). */
  while (err == PF_DNS_OK) {
    if (!pf_get_u8(msg, pos, &c))
      return PF_DNS_E_TRUNCATED;
    if (c == 0)
      break;
    if (c < PF_DNS_WIRE_POINTER) {
      err = pf_dns_take_label(msg, &pos, c, &wire, name);
      continue;
    }
    end = end ? end : pos + 2;
    err = pf_dns_follow(msg, pos, &run_start, &hops);
    pos = run_start;
  }
  *next = end ? end : pos + 1;
  return err;
}

enum pf_dns_err pf_dns_skip_name(const struct pf_bytes *msg, uint32_t off,
                                 uint32_t *next) {
  uint32_t pos = off, wire = 1;
  for (;;) { /* each turn a label: wire grows */
    uint8_t c;
    if (!pf_get_u8(msg, pos, &c))
      return PF_DNS_E_TRUNCATED;
    if (c == 0) {
      *next = pos + 1;
      return PF_DNS_OK;
    }
    if (c >= PF_DNS_WIRE_POINTER) {
      if (!pf_bytes_has(msg, pos, 2))
        return PF_DNS_E_TRUNCATED;
      *next = pos + 2;
      return PF_DNS_OK;
    }
    if (c > PF_DNS_WIRE_LABEL_MAX)
      return PF_DNS_E_LABEL;
    wire += 1u + c;
    if (wire > PF_DNS_NAME_WIRE_MAX)
      return PF_DNS_E_NAME_LONG;
    pos += 1u + c;
  }
}
