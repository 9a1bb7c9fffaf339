/* pcap_loop.c - the floor for any analyser: read a capture with a bare
 * libpcap loop (pcap_next_ex, a packet count, nothing else) and print the
 * CPU time it took, in the same format as pcapflow-replay -t.
 *
 * By default the file is read the way a File source reads it
 * (src/source/handle.c): through a 256 KiB stdio buffer that stdio does
 * not lock around each fread, so that a ratio to this floor does not
 * credit the engine with the reader's savings. With --plain it is opened
 * by pcap_open_offline, stdio's defaults: the bare libpcap loop as any
 * program writes it (issue 15's floor). */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define FILE_BUFFER_BYTES (256u * 1024)

int main(int argc, char **argv) {
  char err[PCAP_ERRBUF_SIZE];
  bool plain = argc == 3 && strcmp(argv[1], "--plain") == 0;
  if (argc != 2 + plain) {
    fprintf(stderr, "usage: pcap-loop [--plain] FILE\n");
    return 2;
  }
  const char *file = argv[1 + plain];
  /* "-" is standard input, read as pcap_open_offline reads it. */
  pcap_t *p;
  if (plain || strcmp(file, "-") == 0) {
    p = pcap_open_offline(file, err);
  } else {
    FILE *f = fopen(file, "rb");
    if (f == NULL) {
      fprintf(stderr, "pcap-loop: %s: %s\n", file, strerror(errno));
      return 1;
    }
    __fsetlocking(f, FSETLOCKING_BYCALLER);
    static char buffer[FILE_BUFFER_BYTES];
    if (setvbuf(f, buffer, _IOFBF, sizeof(buffer)) != 0) {
      fprintf(stderr, "pcap-loop: %s: cannot set its buffer\n", file);
      return 1;
    }
    p = pcap_fopen_offline(f, err);
    if (p == NULL)
      fclose(f);
  }
  if (p == NULL) {
    fprintf(stderr, "pcap-loop: %s\n", err);
    return 1;
  }
  struct pcap_pkthdr *h;
  const u_char *data;
  unsigned long long packets = 0, bytes = 0;
  int rc;
  while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
    packets++;
    bytes += h->caplen; /* touch the header so the loop is not empty */
  }
  if (rc == PCAP_ERROR) {
    fprintf(stderr, "pcap-loop: %s\n", pcap_geterr(p));
    return 1;
  }
  pcap_close(p);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
               (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  fprintf(stderr,
          "packets %llu cpu_seconds %.3f packets_per_cpu_second %.0f "
          "ns_per_packet %.1f max_rss_kib %ld bytes %llu\n",
          packets, cpu, cpu > 0 ? packets / cpu : 0.0,
          packets > 0 ? cpu * 1e9 / packets : 0.0, ru.ru_maxrss, bytes);
  return 0;
}
