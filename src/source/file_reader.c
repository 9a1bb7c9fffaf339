/* file_reader.c - a classic pcap file read into one buffer and handed over
 * in place (file_reader.h). The per-record rules are libpcap 1.10's
 * (sf-pcap.c pcap_next_packet, savefile.c pcap_offline_read), in its
 * order, with its messages; tests/unit/test_file_reader.c and
 * tests/fuzz/fuzz_file_reader.c hold the two readers to the same output. */
#include "source/file_reader_loop.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The four classic magics (micro- and nanosecond, either byte order);
 * the patched format's is left to libpcap. */
static bool pf_classic_magic(const uint8_t *h) {
  uint32_t m = pf_load32(h, false), s = __builtin_bswap32(m);
  return m == 0xa1b2c3d4u || m == 0xa1b23c4du || s == 0xa1b2c3d4u ||
         s == 0xa1b23c4du;
}

static bool pf_nano_magic(const uint8_t *h) {
  uint32_t m = pf_load32(h, false);
  return m == 0xa1b23c4du || __builtin_bswap32(m) == 0xa1b23c4du;
}

/* Link types whose records libpcap hands over as they lie in the file.
 * For a file of the other byte order it rewrites the pseudo-header of a
 * few (swap_pseudo_headers: LINUX_SLL's CAN frames among them), which
 * this reader does not do; every other link type has a larger maximum
 * than PF_FILE_RECORD_MAX (max_snaplen_for_dlt) or is not the source's. */
static bool pf_link_type_read_here(int dlt, bool swapped) {
  switch (dlt) {
  case DLT_EN10MB:
  case DLT_RAW:
  case DLT_IPV4:
  case DLT_IPV6:
  case DLT_NULL:
  case DLT_LOOP:
    return true;
  case DLT_LINUX_SLL:
  case DLT_LINUX_SLL2:
    return !swapped;
  default:
    return false;
  }
}

/* Reads until n bytes or the end; returns how many, or -1 (errno). */
static ssize_t pf_read_full(int fd, void *to, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, (char *)to + got, n - got);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return -1;
    if (r == 0)
      break;
    got += (size_t)r;
  }
  return (ssize_t)got;
}

/* Gives the file back to libpcap, at its start. */
static int pf_not_mine(int fd, char *errbuf) {
  if (lseek(fd, 0, SEEK_SET) == 0)
    return 0;
  snprintf(errbuf, PCAP_ERRBUF_SIZE, "cannot rewind the file: %s",
           strerror(errno)); /* cannot happen on a regular file */
  return -1;
}

int pf_file_reader_open(int fd, size_t chunk, struct pf_file_reader **out,
                        pcap_t **handle, char *errbuf) {
  *out = NULL;
  *handle = NULL;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
    return 0; /* a pipe cannot be given back to libpcap once read */
  uint8_t header[PF_FILE_HEADER];
  ssize_t got = pf_read_full(fd, header, sizeof(header));
  /* Short, unreadable or of another format: libpcap reads it and says
   * what is wrong in its own words. */
  if (got != (ssize_t)sizeof(header) || !pf_classic_magic(header))
    return pf_not_mine(fd, errbuf);

  struct pf_file_reader *r = calloc(1, sizeof(*r));
  if (!r)
    return pf_not_mine(fd, errbuf);
  memcpy(r->header, header, sizeof(header));
  FILE *f = fmemopen(r->header, sizeof(r->header), "rb");
  if (!f) {
    free(r);
    return pf_not_mine(fd, errbuf);
  }
  pcap_t *p = pcap_fopen_offline(f, errbuf);
  if (!p) {
    fclose(f);
    free(r);
    return -1;
  }
  r->swapped = pcap_is_swapped(p) == 1;
  if (!pf_link_type_read_here(pcap_datalink(p), r->swapped)) {
    pcap_close(p); /* and f */
    free(r);
    return pf_not_mine(fd, errbuf);
  }
  int major = pcap_major_version(p), minor = pcap_minor_version(p);
  if ((major == 2 && minor < 3) || major == 543)
    r->lengths = PF_LENGTHS_SWAPPED;
  else if (major == 2 && minor == 3)
    r->lengths = PF_LENGTHS_MAYBE_SWAPPED;
  r->nanoseconds = pf_nano_magic(header);
  r->plain = !r->swapped && !r->nanoseconds && r->lengths == PF_LENGTHS_AS_IS;
  r->snapshot = (uint32_t)pcap_snapshot(p);
  r->plain_below = r->plain ? (uint64_t)r->snapshot + 1 : 0;
  r->chunk = chunk ? chunk : PF_FILE_READ_BYTES;
  r->cap = r->chunk + PF_FILE_RECORD_HEADER + PF_FILE_RECORD_MAX;
  r->buf = malloc(r->cap);
  if (!r->buf) {
    pcap_close(p);
    free(r);
    return pf_not_mine(fd, errbuf);
  }
  r->fd = fd;
  *out = r;
  *handle = p;
  return 1;
}

/* Makes [pos, pos + need) hold read bytes, moving what is left to the
 * front and reading on; false when the file ends or fails first. need is
 * at most a record's header and PF_FILE_RECORD_MAX bytes, so it fits. */
static bool pf_fill(struct pf_file_reader *r, size_t need) {
  if (r->pos != 0) {
    memmove(r->buf, r->buf + r->pos, r->end - r->pos);
    r->end -= r->pos;
    r->pos = 0;
  }
  while (r->end < need) {
    if (r->eof || r->read_errno)
      return false;
    size_t room = r->cap - r->end;
    ssize_t n = read(r->fd, r->buf + r->end, room < r->chunk ? room : r->chunk);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      r->read_errno = errno;
    else if (n == 0)
      r->eof = true;
    else
      r->end += (size_t)n;
  }
  return true;
}

static int pf_fail(struct pf_file_reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int pf_fail(struct pf_file_reader *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->err, sizeof(r->err), fmt, ap);
  va_end(ap);
  return -1;
}

static int pf_read_failed(struct pf_file_reader *r) {
  return pf_fail(r, "error reading dump file: %s", strerror(r->read_errno));
}

/* The next record: 0 with *h and *data, 1 at the end of the file, -1 with
 * r->err. */
__attribute__((noinline)) int pf_file_next_record(struct pf_file_reader *r,
                                                  struct pcap_pkthdr *h,
                                                  const u_char **data) {
  if (r->end - r->pos < PF_FILE_RECORD_HEADER &&
      !pf_fill(r, PF_FILE_RECORD_HEADER)) {
    size_t got = r->end - r->pos;
    if (r->read_errno)
      return pf_read_failed(r);
    if (got == 0)
      return 1;
    return pf_fail(r,
                   "truncated dump file; tried to read %u header bytes, only "
                   "got %zu",
                   PF_FILE_RECORD_HEADER, got);
  }
  const u_char *rec = r->buf + r->pos;
  bool sw = r->swapped;
  /* libpcap reads a stamp as a signed 32-bit number in a file of our byte
   * order, and swaps one of the other order as an unsigned one: 0xFFFFFFFF
   * seconds is -1 in the first, 4294967295 in the second. */
  uint32_t sec = pf_load32(rec, sw), usec = pf_load32(rec + 4, sw);
  h->ts.tv_sec = sw ? (time_t)sec : (time_t)(int32_t)sec;
  h->ts.tv_usec = sw ? (suseconds_t)usec : (suseconds_t)(int32_t)usec;
  uint32_t caplen = pf_load32(rec + 8, sw), len = pf_load32(rec + 12, sw);
  if (r->nanoseconds)
    h->ts.tv_usec = h->ts.tv_usec / 1000;
  if (r->lengths == PF_LENGTHS_SWAPPED ||
      (r->lengths == PF_LENGTHS_MAYBE_SWAPPED && caplen > len)) {
    uint32_t t = caplen;
    caplen = len;
    len = t;
  }
  if (caplen > PF_FILE_RECORD_MAX) {
    if (caplen > r->snapshot)
      return pf_fail(r,
                     "invalid packet capture length %u, bigger than snaplen "
                     "of %d",
                     caplen, (int)r->snapshot);
    return pf_fail(r,
                   "invalid packet capture length %u, bigger than maximum of "
                   "%u",
                   caplen, PF_FILE_RECORD_MAX);
  }
  size_t need = PF_FILE_RECORD_HEADER + (size_t)caplen;
  if (r->end - r->pos < need && !pf_fill(r, need)) {
    size_t got = r->end - r->pos - PF_FILE_RECORD_HEADER;
    if (r->read_errno)
      return pf_read_failed(r);
    /* A record longer than the snapshot: libpcap reads the snapshot's
     * bytes first, then the rest, and names what it was reading. */
    uint32_t tried =
        caplen > r->snapshot && got < r->snapshot ? r->snapshot : caplen;
    return pf_fail(r,
                   "truncated dump file; tried to read %u captured bytes, "
                   "only got %zu",
                   tried, got);
  }
  *data = r->buf + r->pos + PF_FILE_RECORD_HEADER;
  h->caplen = caplen > r->snapshot ? r->snapshot : caplen;
  h->len = len;
  r->pos += need;
  return 0;
}

int pf_file_reader_dispatch(struct pf_file_reader *r, int cnt, pcap_handler cb,
                            u_char *user) {
  return pf_file_reader_loop(r, cnt, cb, user);
}

void pf_file_reader_set_filter(struct pf_file_reader *r,
                               struct bpf_program *prog) {
  if (r->filtered)
    pcap_freecode(&r->prog);
  r->prog = *prog;
  r->filtered = true;
}

void pf_file_reader_breakloop(struct pf_file_reader *r) {
  atomic_store_explicit(&r->break_loop, true, memory_order_relaxed);
}

const char *pf_file_reader_error(const struct pf_file_reader *r) {
  return r->err;
}

void pf_file_reader_close(struct pf_file_reader *r) {
  if (!r)
    return;
  if (r->filtered)
    pcap_freecode(&r->prog);
  close(r->fd);
  free(r->buf);
  free(r);
}
