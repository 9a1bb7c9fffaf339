/* label.c - top-N keys back into addresses, services and flows (label.h).
 * An address is found by trying it as IPv4 ('_' for '.') and as IPv6 ('_'
 * for ':') with inet_pton, so no guess is shown as an address. */
#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "label.h"

#define PFT_ADDR_MAX 64

/* s[0..len) as an address: its text, or false. */
static bool pft_addr(const char *s, size_t len, char out[PFT_ADDR_MAX],
                     bool *v6) {
  unsigned char bin[16];
  if (len == 0 || len >= PFT_ADDR_MAX)
    return false;
  for (int family = 0; family < 2; family++) {
    for (size_t i = 0; i < len; i++)
      out[i] = s[i] == '_' ? (family ? ':' : '.') : s[i];
    out[len] = '\0';
    if (inet_pton(family ? AF_INET6 : AF_INET, out, bin) == 1) {
      *v6 = family;
      return true;
    }
  }
  return false;
}

static bool pft_digits(const char *s, size_t len) {
  if (len == 0 || len > 5)
    return false;
  for (size_t i = 0; i < len; i++)
    if (!isdigit((unsigned char)s[i]))
      return false;
  return true;
}

/* "198_18_0_1" or "198_18_0_0_24" (an aggregate: address and prefix). */
static bool pft_label_host(char *out, size_t room, const char *key) {
  char a[PFT_ADDR_MAX];
  bool v6;
  size_t len = strlen(key);
  if (pft_addr(key, len, a, &v6))
    return snprintf(out, room, "%s", a) >= 0;
  const char *us = strrchr(key, '_');
  if (us == NULL || !pft_digits(us + 1, strlen(us + 1)) ||
      !pft_addr(key, (size_t)(us - key), a, &v6))
    return false;
  snprintf(out, room, "%s/%s", a, us + 1);
  return true;
}

/* "tcp_443" as "tcp/443 https" (the name from the services database). */
static bool pft_label_service(char *out, size_t room, const char *key) {
  const char *us = strchr(key, '_');
  if (us == NULL || !pft_digits(us + 1, strlen(us + 1)))
    return false;
  char proto[16];
  snprintf(proto, sizeof proto, "%.*s", (int)(us - key), key);
  int port = 0;
  sscanf(us + 1, "%d", &port);
  struct servent *se = getservbyport(htons((uint16_t)port), proto);
  snprintf(out, room, "%s/%d%s%s", proto, port, se ? " " : "",
           se ? se->s_name : "");
  return true;
}

/* One end of a flow, s[0..len): "<address>_<port>" with ports, else
 * "<address>"; as "198.18.0.1:51234" or "[2001:db8::1]:51234". */
static bool pft_flow_end(const char *s, size_t len, bool ports, char *out,
                         size_t room) {
  char a[PFT_ADDR_MAX];
  bool v6;
  size_t alen = len;
  if (ports) {
    const char *us = memrchr(s, '_', len);
    if (us == NULL || !pft_digits(us + 1, len - (size_t)(us + 1 - s)))
      return false;
    alen = (size_t)(us - s);
  }
  if (!pft_addr(s, alen, a, &v6))
    return false;
  if (!ports)
    snprintf(out, room, "%s", a);
  else
    snprintf(out, room, v6 ? "[%s]:%.*s" : "%s:%.*s", a, (int)(len - alen - 1),
             s + alen + 1);
  return true;
}

/* The two ends of "<a>[_<port>]_<b>[_<port>]": tries each '_' between. */
static bool pft_flow_ends(const char *s, size_t len, bool ports, char *out,
                          size_t room) {
  char a[96], b[96];
  for (const char *us = s; (us = memchr(us, '_', len - (size_t)(us - s)));
       us++) {
    size_t left = (size_t)(us - s);
    if (pft_flow_end(s, left, ports, a, sizeof a) &&
        pft_flow_end(us + 1, len - left - 1, ports, b, sizeof b)) {
      snprintf(out, room, "%s <> %s", a, b);
      return true;
    }
  }
  return false;
}

/* "tcp_<a>_<p>_<b>_<p>[_vlan<o>_<i>]", "icmp_<a>_<b>_id<n>". */
static bool pft_label_flow(char *out, size_t room, const char *key) {
  const char *us = strchr(key, '_');
  if (us == NULL)
    return false;
  size_t plen = (size_t)(us - key), len = strlen(us + 1);
  bool ports =
      (plen == 3 && (!strncmp(key, "tcp", 3) || !strncmp(key, "udp", 3))) ||
      (plen == 4 && !strncmp(key, "sctp", 4));
  const char *tail = strstr(us + 1, "_vlan");
  const char *id = strstr(us + 1, "_id");
  if (tail == NULL || (id != NULL && id < tail && !ports))
    tail = !ports && id != NULL ? id : us + 1 + len;
  char ends[200];
  if (!pft_flow_ends(us + 1, (size_t)(tail - us - 1), ports, ends, sizeof ends))
    return false;
  snprintf(out, room, "%.*s %s%s%s", (int)plen, key, ends, *tail ? " " : "",
           *tail ? tail + 1 : "");
  return true;
}

void pft_label(char *out, size_t room, enum pft_key_kind kind,
               const char *key) {
  bool ok = kind == PFT_KEY_HOST      ? pft_label_host(out, room, key)
            : kind == PFT_KEY_SERVICE ? pft_label_service(out, room, key)
                                      : pft_label_flow(out, room, key);
  if (!ok)
    snprintf(out, room, "%s", key);
}
