/* dns_collectd.c - collectd's dns plugin's names for query types, opcodes
 * and response codes (dns_collectd.h), checked against the strings of
 * Debian 12's collectd-core 5.12 /usr/lib/collectd/dns.so. */
#include "app/dns_collectd.h"

#include <stddef.h>
#include <stdio.h>

struct pf_code_name {
  uint16_t code;
  const char *name;
};

/* Sorted by code: glibc 2.29's ns_t_* in upper case, as collectd has it. */
static const struct pf_code_name pf_qtypes[] = {
    {1, "A"},         {2, "NS"},       {3, "MD"},          {4, "MF"},
    {5, "CNAME"},     {6, "SOA"},      {7, "MB"},          {8, "MG"},
    {9, "MR"},        {10, "NULL"},    {11, "WKS"},        {12, "PTR"},
    {13, "HINFO"},    {14, "MINFO"},   {15, "MX"},         {16, "TXT"},
    {17, "RP"},       {18, "AFSDB"},   {19, "X25"},        {20, "ISDN"},
    {21, "RT"},       {22, "NSAP"},    {23, "NSAP-PTR"},   {24, "SIG"},
    {25, "KEY"},      {26, "PX"},      {27, "GPOS"},       {28, "AAAA"},
    {29, "LOC"},      {30, "NXT"},     {31, "EID"},        {32, "NIMLOC"},
    {33, "SRV"},      {34, "ATMA"},    {35, "NAPTR"},      {36, "KX"},
    {37, "CERT"},     {38, "A6"},      {39, "DNAME"},      {40, "SINK"},
    {41, "OPT"},      {42, "APL"},     {43, "DS"},         {44, "SSHFP"},
    {45, "IPSECKEY"}, {46, "RRSIG"},   {47, "NSEC"},       {48, "DNSKEY"},
    {49, "DHCID"},    {50, "NSEC3"},   {51, "NSEC3PARAM"}, {52, "TLSA"},
    {53, "SMIMEA"},   {55, "HIP"},     {56, "NINFO"},      {57, "RKEY"},
    {58, "TALINK"},   {59, "CDS"},     {60, "CDNSKEY"},    {61, "OPENPGPKEY"},
    {62, "CSYNC"},    {99, "SPF"},     {100, "UINFO"},     {101, "UID"},
    {102, "GID"},     {103, "UNSPEC"}, {104, "NID"},       {105, "L32"},
    {106, "L64"},     {107, "LP"},     {108, "EUI48"},     {109, "EUI64"},
    {249, "TKEY"},    {250, "TSIG"},   {251, "IXFR"},      {252, "AXFR"},
    {253, "MAILB"},   {254, "MAILA"},  {255, "ANY"},       {256, "URI"},
    {257, "CAA"},     {258, "AVC"},    {32768, "TA"},      {32769, "DLV"},
};

static const struct pf_code_name pf_opcodes[] = {
    {0, "Query"}, {1, "Iquery"}, {2, "Status"}, {4, "Notify"}, {5, "Update"},
};

/* RFC 2136's, and glibc's ns_r_max (11) as "MAX"; no name for 0. */
static const struct pf_code_name pf_rcodes[] = {
    {1, "FORMERR"}, {2, "SERVFAIL"}, {3, "NXDOMAIN"}, {4, "NOTIMPL"},
    {5, "REFUSED"}, {6, "YXDOMAIN"}, {7, "YXRRSET"},  {8, "NXRRSET"},
    {9, "NOTAUTH"}, {10, "NOTZONE"}, {11, "MAX"},     {16, "BADSIG"},
    {17, "BADKEY"}, {18, "BADTIME"},
};

#define PF_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Binary search of a table sorted by code; NULL when code is not in it. */
static const char *pf_code_lookup(const struct pf_code_name *t, size_t n,
                                  uint16_t code) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (t[mid].code == code)
      return t[mid].name;
    if (t[mid].code < code)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

/* The table's name for code, else fmt's numbered form in buf. */
static const char *pf_code_name(const struct pf_code_name *t, size_t n,
                                uint16_t code, const char *fmt,
                                char buf[PF_COLLECTD_DNS_NAME_MAX]) {
  const char *name = pf_code_lookup(t, n, code);
  if (name)
    return name;
  snprintf(buf, PF_COLLECTD_DNS_NAME_MAX, fmt, (unsigned)code);
  return buf;
}

const char *pf_collectd_dns_qtype(uint16_t qtype,
                                  char buf[PF_COLLECTD_DNS_NAME_MAX]) {
  return pf_code_name(pf_qtypes, PF_COUNT(pf_qtypes), qtype, "#%u", buf);
}

const char *pf_collectd_dns_opcode(uint8_t opcode,
                                   char buf[PF_COLLECTD_DNS_NAME_MAX]) {
  return pf_code_name(pf_opcodes, PF_COUNT(pf_opcodes), opcode, "Opcode%u",
                      buf);
}

const char *pf_collectd_dns_rcode(uint16_t rcode,
                                  char buf[PF_COLLECTD_DNS_NAME_MAX]) {
  return pf_code_name(pf_rcodes, PF_COUNT(pf_rcodes), rcode, "RCode%u", buf);
}
