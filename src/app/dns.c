/* dns.c - one DNS message: its header, its first question and the EDNS
 * OPT record (dns.h says what is read and what each failure means). */
#include "app/dns.h"

#include <stddef.h>
#include <string.h>

#include "app/dns_wire.h"
#include "base/check.h"

PF_STATIC_ASSERT(sizeof(struct pf_dns_msg) -
                         offsetof(struct pf_dns_msg, qname) -
                         sizeof(struct pf_dns_name) <
                     _Alignof(struct pf_dns_msg),
                 "the name's text ends the message");
PF_STATIC_ASSERT(offsetof(struct pf_dns_name, text) + PF_DNS_NAME_TEXT_MAX +
                         1 ==
                     sizeof(struct pf_dns_name),
                 "the text ends the name");

/* Everything but the name's text, which only needs its terminator: the
 * text is most of the struct, and a whole query parses in about 500
 * instructions. */
static void pf_dns_clear(struct pf_dns_msg *out) {
  memset(out, 0,
         offsetof(struct pf_dns_msg, qname) +
             offsetof(struct pf_dns_name, text));
  out->qname.text[0] = '\0';
}

static void pf_dns_read_header(const struct pf_dns_wire_header *h,
                               struct pf_dns_msg *out) {
  uint16_t flags = pf_be16(h->flags);
  out->id = pf_be16(h->id);
  out->flags = flags & (PF_DNS_F_QR | PF_DNS_F_AA | PF_DNS_F_TC | PF_DNS_F_RD |
                        PF_DNS_F_RA | PF_DNS_F_AD | PF_DNS_F_CD);
  out->opcode = (uint8_t)((flags >> PF_DNS_WIRE_OPCODE_SHIFT) & 0xf);
  out->rcode = (uint8_t)(flags & PF_DNS_WIRE_RCODE_MASK);
  out->ext_rcode = out->rcode;
  out->qdcount = pf_be16(h->qdcount);
  out->ancount = pf_be16(h->ancount);
  out->nscount = pf_be16(h->nscount);
  out->arcount = pf_be16(h->arcount);
}

/* The first question at *off; *off moves past it. */
static enum pf_dns_err pf_dns_read_question(const struct pf_bytes *msg,
                                            uint32_t *off,
                                            struct pf_dns_msg *out) {
  const struct pf_dns_wire_question *q;
  enum pf_dns_err err = pf_dns_read_name(msg, *off, &out->qname, off);
  if (err != PF_DNS_OK)
    return err;
  if (!pf_get_hdr(msg, *off, &q))
    return PF_DNS_E_TRUNCATED;
  out->qtype = pf_be16(q->qtype);
  out->qclass = pf_be16(q->qclass);
  out->has_question = true;
  *off += (uint32_t)sizeof(*q);
  return PF_DNS_OK;
}

/* An OPT record: the upper 8 bits of the rcode, the version, the size. */
static void pf_dns_read_opt(const struct pf_dns_wire_rr *rr,
                            struct pf_dns_msg *out) {
  uint32_t ttl = pf_be32(rr->ttl);
  out->edns = PF_DNS_EDNS_OPT;
  out->ext_rcode = (uint16_t)((ttl >> 24) << 4 | out->rcode);
  out->edns_version = (uint8_t)(ttl >> 16);
  out->edns_udp_size = pf_be16(rr->rclass);
}

/* One more question at *off. */
static enum pf_dns_err pf_dns_skip_question(const struct pf_bytes *msg,
                                            uint32_t *off) {
  enum pf_dns_err err = pf_dns_skip_name(msg, *off, off);
  if (err != PF_DNS_OK)
    return err;
  if (!pf_bytes_has(msg, *off, (uint32_t)sizeof(struct pf_dns_wire_question)))
    return PF_DNS_E_TRUNCATED;
  *off += (uint32_t)sizeof(struct pf_dns_wire_question);
  return PF_DNS_OK;
}

/* One record at *off; the first OPT record of the additional section (its
 * owner is the root: one byte) is read. */
static enum pf_dns_err pf_dns_skip_record(const struct pf_bytes *msg,
                                          uint32_t *off, bool additional,
                                          struct pf_dns_msg *out) {
  uint32_t name_at = *off;
  const struct pf_dns_wire_rr *rr;
  enum pf_dns_err err = pf_dns_skip_name(msg, name_at, off);
  if (err != PF_DNS_OK)
    return err;
  if (!pf_get_hdr(msg, *off, &rr))
    return PF_DNS_E_TRUNCATED;
  bool opt = additional && *off == name_at + 1 &&
             pf_be16(rr->type) == PF_DNS_WIRE_TYPE_OPT;
  *off += (uint32_t)sizeof(*rr);
  if (!pf_bytes_has(msg, *off, pf_be16(rr->rdlength)))
    return PF_DNS_E_TRUNCATED;
  *off += pf_be16(rr->rdlength);
  if (opt && out->edns == PF_DNS_EDNS_NONE)
    pf_dns_read_opt(rr, out);
  return PF_DNS_OK;
}

/* The records after the first question, to find the OPT record. Each
 * takes at least 5 bytes (a question) or 11 (a record), so the walk is
 * bounded by the message's length whatever the counts say. */
static enum pf_dns_err pf_dns_walk(const struct pf_bytes *msg, uint32_t off,
                                   struct pf_dns_msg *out) {
  uint32_t questions = out->qdcount > 0 ? out->qdcount - 1u : 0;
  uint32_t before_additional = questions + out->ancount + out->nscount;
  uint32_t total = before_additional + out->arcount;
  enum pf_dns_err err = PF_DNS_OK;
  for (uint32_t i = 0; i < total && err == PF_DNS_OK; i++)
    err = i < questions
              ? pf_dns_skip_question(msg, &off)
              : pf_dns_skip_record(msg, &off, i >= before_additional, out);
  return err;
}

enum pf_dns_err pf_dns_parse(const struct pf_bytes *msg,
                             struct pf_dns_msg *out) {
  const struct pf_dns_wire_header *h;
  pf_dns_clear(out);
  out->len = msg->len;
  out->edns = PF_DNS_EDNS_UNREAD;
  if (!pf_get_hdr(msg, 0, &h))
    return PF_DNS_E_SHORT;
  pf_dns_read_header(h, out);
  uint32_t off = PF_DNS_HEADER_LEN;
  if (out->qdcount > 0) {
    enum pf_dns_err err = pf_dns_read_question(msg, &off, out);
    if (err != PF_DNS_OK)
      return err;
  }
  out->edns = PF_DNS_EDNS_NONE;
  out->records_err = (uint8_t)pf_dns_walk(msg, off, out);
  if (out->records_err != PF_DNS_OK && out->edns == PF_DNS_EDNS_NONE)
    out->edns = PF_DNS_EDNS_UNREAD;
  return PF_DNS_OK;
}

const char *pf_dns_err_name(enum pf_dns_err err) {
  static const char *const names[PF_DNS_ERR_COUNT] = {
      [PF_DNS_OK] = "ok",
      [PF_DNS_E_SHORT] = "short",
      [PF_DNS_E_TRUNCATED] = "truncated",
      [PF_DNS_E_LABEL] = "label",
      [PF_DNS_E_NAME_LONG] = "name_long",
      [PF_DNS_E_POINTER] = "pointer",
      [PF_DNS_E_POINTER_HOPS] = "pointer_hops",
  };
  return (unsigned)err < PF_DNS_ERR_COUNT ? names[err] : NULL;
}
