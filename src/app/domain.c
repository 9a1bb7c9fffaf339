/* domain.c - the registered domain of a name by the default rule and a
 * compact exception list (domain.h says why and where it errs). */
#include "app/domain.h"

#include <stdbool.h>
#include <string.h>

/* Second-level labels that are part of the public suffix under a
 * two-letter country code (co.uk, com.au, or.jp, gouv.fr, gob.mx). */
static const char *const pf_generic_sld[] = {
    "ac",  "co",  "com", "edu", "go",  "gob", "gouv", "gov", "gv",  "int",
    "ltd", "mil", "ne",  "net", "nic", "nom", "or",   "org", "plc", "sch",
};

/* Two-label public suffixes the country-code rule does not cover. */
static const char *const pf_two_label_suffix[] = {
    "in-addr.arpa",
    "ip6.arpa",
    "e164.arpa",
};

static bool pf_is_one_of(const char *s, uint32_t n, const char *const *list,
                         size_t count) {
  for (size_t i = 0; i < count; i++)
    if (strlen(list[i]) == n && memcmp(list[i], s, n) == 0)
      return true;
  return false;
}

static bool pf_country_code(const char *tld, uint32_t n) {
  return n == 2 && tld[0] >= 'a' && tld[0] <= 'z' && tld[1] >= 'a' &&
         tld[1] <= 'z';
}

/* Whether the last two labels, from `from` to `len`, are a public suffix;
 * sld_len is the length of the first of them. */
static bool pf_two_label_public(const char *name, uint32_t from, uint32_t len,
                                uint32_t sld_len) {
  const char *tld = name + from + sld_len + 1;
  uint32_t tld_len = len - from - sld_len - 1;
  if (pf_country_code(tld, tld_len) &&
      pf_is_one_of(name + from, sld_len, pf_generic_sld,
                   sizeof(pf_generic_sld) / sizeof(pf_generic_sld[0])))
    return true;
  return pf_is_one_of(name + from, len - from, pf_two_label_suffix,
                      sizeof(pf_two_label_suffix) /
                          sizeof(pf_two_label_suffix[0]));
}

/* The offset just past the dot before `end`, or 0 when there is none. */
static uint32_t pf_label_start(const char *name, uint32_t end) {
  while (end > 0 && name[end - 1] != '.')
    end--;
  return end;
}

uint32_t pf_domain_registered(const char *name, uint32_t len) {
  uint32_t tld = pf_label_start(name, len);
  if (tld == 0)
    return 0;
  uint32_t sld = pf_label_start(name, tld - 1);
  if (sld == 0 || !pf_two_label_public(name, sld, len, tld - 1 - sld))
    return sld;
  return pf_label_start(name, sld - 1);
}
