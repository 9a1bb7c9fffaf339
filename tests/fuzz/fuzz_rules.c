/* fuzz_rules.c - libFuzzer harness: any bytes as a rules file, loaded from
 * memory (no file system), then classified against and freed.
 *
 * Besides ASan, UBSan and LeakSanitizer (every error path must free what
 * it built), the harness aborts when the loader breaks a promise: a
 * refusal that leaves a set behind or whose message does not start with
 * "fuzz.yaml:LINE:COLUMN: " inside the input, a loaded set with a class
 * name outside [a-z][a-z0-9_]* or twice, or a packet classified outside the
 * set's classes (a malformed one anywhere but `unclassified`). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcapflow/rules.h"
#include "rules/classify.h"

#define FZ_NAME "fuzz.yaml"
#define FZ_PACKET_BYTES 48

#define FZ_CHECK(cond)                                                         \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "fuzz_rules: broken promise: %s (%s:%d)\n", #cond,       \
              __FILE__, __LINE__);                                             \
      abort();                                                                 \
    }                                                                          \
  } while (0)

static void fz_check_names(const struct pf_rules *r) {
  size_t n = pf_rules_class_count(r);
  FZ_CHECK(n >= 1 && n <= PF_RULES_MAX_CLASSES + 1);
  FZ_CHECK(strcmp(pf_rules_class_name(r, n - 1), PF_RULES_UNCLASSIFIED) == 0);
  FZ_CHECK(pf_rules_class_name(r, n) == NULL);
  for (size_t i = 0; i + 1 < n; i++) {
    const char *name = pf_rules_class_name(r, i);
    size_t len = strlen(name);
    FZ_CHECK(len > 0 && len < PF_RULES_NAME_MAX);
    FZ_CHECK(name[0] >= 'a' && name[0] <= 'z');
    FZ_CHECK(strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") == len);
    FZ_CHECK(pf_rules_class_index(r, name) == (int)i);
  }
}

/* Packets made of the input's own bytes, so that they tend to carry the
 * numbers and addresses the rules name. */
static void fz_classify(const struct pf_rules *r, const uint8_t *data,
                        size_t size) {
  size_t n = pf_rules_class_count(r);
  for (size_t off = 0; off + FZ_PACKET_BYTES <= size; off += FZ_PACKET_BYTES) {
    const uint8_t *b = data + off;
    uint8_t src[16], dst[16];
    struct pf_packet pkt;
    memset(&pkt, 0, sizeof(pkt));
    pkt.l3 = (uint8_t)(b[0] % 4);
    pkt.malformed = pkt.l3 == PF_L3_MALFORMED ? PF_MAL_TRUNCATED : PF_MAL_NONE;
    pkt.ip_proto = b[1];
    pkt.dscp = (uint8_t)(b[2] & 63);
    pkt.vlan_count = (uint8_t)(b[3] % 3);
    pkt.vlan_outer = (uint16_t)((b[4] << 8 | b[5]) & 4095);
    pkt.vlan_inner = (uint16_t)((b[6] << 8 | b[7]) & 4095);
    pkt.has_ports = b[8] & 1;
    pkt.src_port = (uint16_t)(b[9] << 8 | b[10]);
    pkt.dst_port = (uint16_t)(b[11] << 8 | b[12]);
    memcpy(src, b + 13, 16);
    memcpy(dst, b + 29, 16);
    pkt.src_ip = src;
    pkt.dst_ip = dst;
    unsigned c = pf_rules_classify(r, &pkt);
    FZ_CHECK(c < n);
    FZ_CHECK(pkt.l3 != PF_L3_MALFORMED || c == n - 1);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[1024] = "";
  struct pf_rules *r = NULL;
  if (pf_rules_parse(FZ_NAME, (const char *)data, size, &r, err, sizeof(err)) ==
      0) {
    FZ_CHECK(r != NULL);
    fz_check_names(r);
    fz_classify(r, data, size);
    pf_rules_free(r);
    return 0;
  }
  FZ_CHECK(r == NULL);
  FZ_CHECK(strncmp(err, FZ_NAME ":", strlen(FZ_NAME) + 1) == 0);
  /* Every refusal of text in memory has a position, except running out of
   * memory; the position lies within the input (or just past its end). */
  if (strstr(err, "out of memory") == NULL) {
    unsigned long line = 0, column = 0;
    FZ_CHECK(sscanf(err + strlen(FZ_NAME), ":%lu:%lu: ", &line, &column) == 2);
    FZ_CHECK(line >= 1 && line <= size + 1);
    FZ_CHECK(column >= 1 && column <= size + 1);
  }
  return 0;
}
