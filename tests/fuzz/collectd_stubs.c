/* collectd_stubs.c - the few collectd functions plugin/pcapflow_config.c
 * calls, plus guards that keep the configuration fuzzer off the file
 * system and the network. Compiled into the configuration harness only. */
#include <dlfcn.h>
#include <netdb.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- collectd ---- */

/* Formats every message (so a bad argument is caught) and prints it only
 * when FUZZ_VERBOSE is set, to keep the fuzzer's output readable. */
void plugin_log(int level, const char *format, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, format);
  vsnprintf(msg, sizeof(msg), format, ap);
  va_end(ap);
  if (getenv("FUZZ_VERBOSE"))
    fprintf(stderr, "log %d: %s\n", level, msg);
}

/* As collectd's: always terminated, returns what vsnprintf returns. */
int ssnprintf(char *str, size_t size, const char *format, ...) {
  va_list ap;
  va_start(ap, format);
  int n = vsnprintf(str, size, format, ap);
  va_end(ap);
  if (size > 0)
    str[size - 1] = '\0';
  return n;
}

char *sstrncpy(char *dest, const char *src, size_t n) {
  strncpy(dest, src, n);
  dest[n - 1] = '\0';
  return dest;
}

/* ---- no files: a File source reads an in-memory capture ---- */

/* A pcap file header (version 2.4, snaplen 65535) and one 60-byte frame. */
static uint8_t fz_capture[24 + 16 + 60] = {
    0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0,  0, 0, 0, 0,  0, 0, 0,
    0xff, 0xff, 0,    0,    1, 0, 0, 0, /* link type at offset 20 */
    0,    0,    0,    0,    0, 0, 0, 0, 60, 0, 0, 0, 60, 0, 0, 0};

pcap_t *__real_pcap_open_offline(const char *path, char *errbuf);

/* Linked with --wrap=pcap_open_offline. Paths ending in ".pcap" open the
 * capture above, Ethernet unless the path mentions "user0" (a link type
 * the engine refuses); any other path does not exist. */
pcap_t *__wrap_pcap_open_offline(const char *path, char *errbuf) {
  size_t n = strlen(path);
  if (n < 5 || strcmp(path + n - 5, ".pcap") != 0) {
    snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s: No such file or directory", path);
    return NULL;
  }
  fz_capture[20] = strstr(path, "user0") ? DLT_USER0 : DLT_EN10MB;
  FILE *f = fmemopen(fz_capture, sizeof(fz_capture), "rb");
  if (!f) {
    snprintf(errbuf, PCAP_ERRBUF_SIZE, "fmemopen failed");
    return NULL;
  }
  pcap_t *p = pcap_fopen_offline(f, errbuf);
  if (!p)
    fclose(f);
  return p;
}

/* ---- no network: a Filter naming a host must not wait for DNS ---- */

/* Takes the place of libc's for libpcap's filter compiler, which resolves
 * host names: only numeric addresses are looked up. */
int getaddrinfo(const char *node, const char *service,
                const struct addrinfo *hints, struct addrinfo **res) {
  static int (*real)(const char *, const char *, const struct addrinfo *,
                     struct addrinfo **);
  if (!real)
    real = (int (*)(const char *, const char *, const struct addrinfo *,
                    struct addrinfo **))dlsym(RTLD_NEXT, "getaddrinfo");
  struct addrinfo numeric = {0};
  if (hints)
    numeric = *hints;
  if (node)
    numeric.ai_flags |= AI_NUMERICHOST;
  return real(node, service, &numeric, res);
}
