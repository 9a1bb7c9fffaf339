/* values.c - the scalars of a rules file: the match fields and the
 * values they accept, class names, and quoting values for messages. */
#include "rules/values.h"

#include <stdio.h>
#include <string.h>

#include "packet/proto.h"

/* ---- the match fields ---- */

static const struct pf_value_name pf_protocol_names[] = {
    {"icmp", PF_IPPROTO_ICMP},
    {"tcp", PF_IPPROTO_TCP},
    {"udp", PF_IPPROTO_UDP},
    {"gre", PF_IPPROTO_GRE},
    {"icmpv6", PF_IPPROTO_ICMPV6},
    {"sctp", PF_IPPROTO_SCTP},
    {NULL, 0},
};

/* RFC 2474 class selectors, RFC 2597 assured forwarding (AFxy = 8x + 2y),
 * RFC 3246 expedited forwarding, RFC 5865 voice admit, RFC 8622 lower
 * effort. */
static const struct pf_value_name pf_dscp_names[] = {
    {"cs0", 0},   {"cs1", 8},   {"cs2", 16},  {"cs3", 24},  {"cs4", 32},
    {"cs5", 40},  {"cs6", 48},  {"cs7", 56},  {"af11", 10}, {"af12", 12},
    {"af13", 14}, {"af21", 18}, {"af22", 20}, {"af23", 22}, {"af31", 26},
    {"af32", 28}, {"af33", 30}, {"af41", 34}, {"af42", 36}, {"af43", 38},
    {"ef", 46},   {"va", 44},   {"le", 1},    {NULL, 0},
};

#define PF_PORT_HINT "a number 0 to 65535 or a range \"LOW-HIGH\""
#define PF_VLAN_HINT "a number 0 to 4095 or a range \"LOW-HIGH\""

const struct pf_field_info pf_fields[PF_FIELD_COUNT] = {
    [PF_FIELD_PROTOCOL] = {"protocol", false, 255, PF_DIM_PROTOCOL,
                           PF_ROLE_ONLY, true, "a protocol",
                           "tcp, udp, icmp, icmpv6, sctp, gre, a number 0 "
                           "to 255 or a range \"LOW-HIGH\"",
                           pf_protocol_names},
    [PF_FIELD_DSCP] = {"dscp", false, 63, PF_DIM_DSCP, PF_ROLE_ONLY, true,
                       "a DSCP value",
                       "a number 0 to 63, a range \"LOW-HIGH\", cs0 to cs7, "
                       "af11 to af43, ef, va or le",
                       pf_dscp_names},
    [PF_FIELD_VLAN] = {"vlan", false, 4095, PF_DIM_VLAN, PF_ROLE_OUTER, false,
                       "a VLAN id", PF_VLAN_HINT, NULL},
    [PF_FIELD_INNER_VLAN] = {"inner_vlan", false, 4095, PF_DIM_VLAN,
                             PF_ROLE_INNER, false, "a VLAN id", PF_VLAN_HINT,
                             NULL},
    [PF_FIELD_PORT] = {"port", false, 65535, PF_DIM_PORT, PF_ROLE_EITHER, true,
                       "a port", PF_PORT_HINT, NULL},
    [PF_FIELD_SRC_PORT] = {"src_port", false, 65535, PF_DIM_PORT, PF_ROLE_SRC,
                           true, "a port", PF_PORT_HINT, NULL},
    [PF_FIELD_DST_PORT] = {"dst_port", false, 65535, PF_DIM_PORT, PF_ROLE_DST,
                           true, "a port", PF_PORT_HINT, NULL},
    [PF_FIELD_CIDR] = {"cidr", true, 0, PF_DIM_ADDR, PF_ROLE_EITHER, true,
                       "a network", NULL, NULL},
    [PF_FIELD_SRC_CIDR] = {"src_cidr", true, 0, PF_DIM_ADDR, PF_ROLE_SRC, true,
                           "a network", NULL, NULL},
    [PF_FIELD_DST_CIDR] = {"dst_cidr", true, 0, PF_DIM_ADDR, PF_ROLE_DST, true,
                           "a network", NULL, NULL},
};

bool pf_text_is(const char *text, size_t len, const char *word) {
  return strlen(word) == len && memcmp(text, word, len) == 0;
}

const struct pf_field_info *pf_field_find(const char *key, size_t len) {
  for (size_t i = 0; i < PF_FIELD_COUNT; i++)
    if (pf_text_is(key, len, pf_fields[i].key))
      return &pf_fields[i];
  return NULL;
}

/* ---- numbers and ranges ---- */

/* A decimal number without sign, spaces or leading zeros ("010" is octal
 * to some YAML readers and 10 to others, so neither is guessed). */
static int pf_number(const char *text, size_t len, uint32_t max, uint32_t *out,
                     char *why, size_t wlen) {
  for (size_t i = 0; i < len; i++)
    if (text[i] < '0' || text[i] > '9') {
      snprintf(why, wlen, "is not a number");
      return -1;
    }
  if (len == 0) {
    snprintf(why, wlen, "is not a number");
    return -1;
  }
  if (len > 1 && text[0] == '0') {
    snprintf(why, wlen, "has a leading zero; write it without");
    return -1;
  }
  uint64_t v = 0;
  for (size_t i = 0; i < len; i++) {
    v = v * 10 + (uint64_t)(text[i] - '0');
    if (v > max) {
      snprintf(why, wlen, "is out of range 0 to %u", (unsigned)max);
      return -1;
    }
  }
  *out = (uint32_t)v;
  return 0;
}

int pf_value_parse(const struct pf_field_info *f, const char *text, size_t len,
                   struct pf_range *out, char *why, size_t wlen) {
  for (const struct pf_value_name *n = f->names; n && n->name; n++)
    if (pf_text_is(text, len, n->name)) {
      out->lo = out->hi = n->value;
      return 0;
    }
  bool only_digits_and_dash = len > 0;
  for (size_t i = 0; i < len; i++)
    if ((text[i] < '0' || text[i] > '9') && text[i] != '-')
      only_digits_and_dash = false;
  if (!only_digits_and_dash) {
    snprintf(why, wlen, "is not %s; expected %s", f->what, f->hint);
    return -1;
  }
  const char *dash = memchr(text, '-', len);
  if (!dash) {
    if (pf_number(text, len, f->max, &out->lo, why, wlen) != 0)
      return -1;
    out->hi = out->lo;
    return 0;
  }
  size_t lo_len = (size_t)(dash - text), hi_len = len - lo_len - 1;
  if (lo_len == 0 || hi_len == 0 || memchr(dash + 1, '-', hi_len)) {
    snprintf(why, wlen, "is not %s; expected %s", f->what, f->hint);
    return -1;
  }
  if (pf_number(text, lo_len, f->max, &out->lo, why, wlen) != 0 ||
      pf_number(dash + 1, hi_len, f->max, &out->hi, why, wlen) != 0)
    return -1;
  if (out->lo > out->hi) {
    snprintf(why, wlen, "is a reversed range (%u > %u)", (unsigned)out->lo,
             (unsigned)out->hi);
    return -1;
  }
  return 0;
}

/* ---- class names ---- */

static bool pf_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

int pf_name_check(const char *text, size_t len, char *why, size_t wlen) {
  if (len == 0) {
    snprintf(why, wlen, "is empty");
    return -1;
  }
  if (len >= PF_RULES_NAME_MAX) {
    snprintf(why, wlen, "is longer than %d characters", PF_RULES_NAME_MAX - 1);
    return -1;
  }
  for (size_t i = 0; i < len; i++)
    if (!pf_name_char(text[i])) {
      snprintf(why, wlen,
               "may use only lowercase letters a-z, digits and _ (writers "
               "rewrite other characters)");
      return -1;
    }
  if (!(text[0] >= 'a' && text[0] <= 'z')) {
    snprintf(why, wlen, "must start with a letter a-z");
    return -1;
  }
  return 0;
}

void pf_name_fold(const char *text, size_t len, char *out, size_t outlen) {
  size_t n = 0;
  for (size_t i = 0; i < len && n + 1 < outlen; i++) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z')
      c = (char)(c - 'A' + 'a');
    out[n++] = pf_name_char(c) ? c : '_';
  }
  if (outlen)
    out[n] = '\0';
}

/* ---- quoting for messages ---- */

#define PF_QUOTE_MAX 80

void pf_quote(const char *text, size_t len, char *out, size_t outlen) {
  size_t n = 0;
  bool cut = len > PF_QUOTE_MAX;
  if (cut)
    len = PF_QUOTE_MAX;
  if (outlen < 8) {
    if (outlen)
      out[0] = '\0';
    return;
  }
  out[n++] = '"';
  for (size_t i = 0; i < len && n + 8 < outlen; i++) {
    unsigned char c = (unsigned char)text[i];
    if (c == '"' || c == '\\') {
      out[n++] = '\\';
      out[n++] = (char)c;
    } else if (c < 0x20 || c == 0x7f) {
      n += (size_t)snprintf(out + n, outlen - n, "\\x%02x", c);
    } else {
      out[n++] = (char)c;
    }
  }
  if (cut && n + 5 < outlen) {
    memcpy(out + n, "...", 3);
    n += 3;
  }
  out[n++] = '"';
  out[n] = '\0';
}
