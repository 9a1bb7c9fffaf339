/* file_reader_diff.c - libpcap's account of a file against the reader's
 * (file_reader_diff.h). An account is a byte log of events: a record
 * ('P': stamp, lengths, bytes), a batch's result ('R'), a filter that
 * would not compile ('F'), the final error ('E': pcap_geterr's text). */
#include "file_reader_diff.h"

#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source/file_reader.h"

/* Batches before the log gives up: a reader that never ends. */
#define PF_DIFF_MAX_CALLS 1000000u

struct pf_log {
  unsigned char *b;
  size_t len, cap;
  unsigned long events, records;
  bool failed; /* out of memory */
};

static void pf_log_put(struct pf_log *l, const void *p, size_t n) {
  if (l->failed)
    return;
  if (l->len + n > l->cap) {
    size_t cap = l->cap ? l->cap : 4096;
    while (cap < l->len + n)
      cap *= 2;
    unsigned char *b = realloc(l->b, cap);
    if (!b) {
      l->failed = true;
      return;
    }
    l->b = b;
    l->cap = cap;
  }
  memcpy(l->b + l->len, p, n);
  l->len += n;
}

static void pf_log_event(struct pf_log *l, char kind) {
  pf_log_put(l, &kind, 1);
  l->events++;
}

/* The reader under test: libpcap's handle, or the source's reader. */
struct pf_side {
  pcap_t *p;
  struct pf_file_reader *r;
  struct pf_log log;
  unsigned break_at;
};

static void pf_side_record(u_char *user, const struct pcap_pkthdr *h,
                           const u_char *bytes) {
  struct pf_side *s = (struct pf_side *)user;
  int64_t sec = h->ts.tv_sec, usec = h->ts.tv_usec;
  pf_log_event(&s->log, 'P');
  pf_log_put(&s->log, &sec, sizeof(sec));
  pf_log_put(&s->log, &usec, sizeof(usec));
  pf_log_put(&s->log, &h->caplen, sizeof(h->caplen));
  pf_log_put(&s->log, &h->len, sizeof(h->len));
  pf_log_put(&s->log, bytes, h->caplen);
  s->log.records++;
  if (s->break_at && s->log.records % s->break_at == 0) {
    if (s->r)
      pf_file_reader_breakloop(s->r);
    else
      pcap_breakloop(s->p);
  }
}

static void pf_side_filter(struct pf_side *s, const char *filter) {
  if (!filter)
    return;
  struct bpf_program prog;
  if (pcap_compile(s->p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
    pf_log_event(&s->log, 'F');
    return;
  }
  if (s->r) {
    pf_file_reader_set_filter(s->r, &prog);
    return;
  }
  if (pcap_setfilter(s->p, &prog) != 0)
    pf_log_event(&s->log, 'F');
  pcap_freecode(&prog);
}

/* Reads the side to its end or its error, logging every batch. */
static void pf_side_run(struct pf_side *s, int batch) {
  for (unsigned calls = 0; calls < PF_DIFF_MAX_CALLS; calls++) {
    int rc =
        s->r ? pf_file_reader_dispatch(s->r, batch, pf_side_record, (u_char *)s)
             : pcap_dispatch(s->p, batch, pf_side_record, (u_char *)s);
    pf_log_event(&s->log, 'R');
    pf_log_put(&s->log, &rc, sizeof(rc));
    if (rc == PCAP_ERROR) {
      const char *e = s->r ? pf_file_reader_error(s->r) : pcap_geterr(s->p);
      pf_log_event(&s->log, 'E');
      pf_log_put(&s->log, e, strlen(e) + 1);
      return;
    }
    if (rc == 0)
      return;
  }
  pf_log_event(&s->log, 'X'); /* never ended */
}

/* The first event at which the logs part, for the message. */
static void pf_say_where(const struct pf_log *a, const struct pf_log *b,
                         char *why, size_t whylen) {
  size_t n = a->len < b->len ? a->len : b->len, i = 0;
  while (i < n && a->b[i] == b->b[i])
    i++;
  snprintf(why, whylen,
           "accounts part at byte %zu of %zu (libpcap) / %zu (reader); "
           "records %lu / %lu, events %lu / %lu",
           i, a->len, b->len, a->records, b->records, a->events, b->events);
}

enum pf_diff_result pf_diff_file(const char *path,
                                 const struct pf_diff_opts *opts,
                                 unsigned long *records, char *why,
                                 size_t whylen) {
  char lib_err[PCAP_ERRBUF_SIZE] = "", our_err[PCAP_ERRBUF_SIZE] = "";
  struct pf_side lib = {.break_at = opts->break_at};
  struct pf_side our = {.break_at = opts->break_at};
  enum pf_diff_result res;
  if (records)
    *records = 0;
  why[0] = '\0';

  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(why, whylen, "cannot open %s", path);
    return PF_DIFF_SETUP_FAILED;
  }
  int rc = pf_file_reader_open(fd, opts->chunk, &our.r, &our.p, our_err);
  if (rc != 1)
    close(fd);
  lib.p = pcap_open_offline(path, lib_err);

  if (rc == 0) {
    res = PF_DIFF_NOT_READER;
  } else if (rc < 0 || !lib.p) {
    if (rc < 0 && !lib.p && strcmp(lib_err, our_err) == 0) {
      res = PF_DIFF_HEADER_SAME;
    } else {
      snprintf(why, whylen, "header: libpcap %s \"%s\", reader %s \"%s\"",
               lib.p ? "opened" : "refused", lib_err,
               rc == 1 ? "opened" : "refused", our_err);
      res = PF_DIFF_DIFFERENT;
    }
  } else {
    pf_side_filter(&lib, opts->filter);
    pf_side_filter(&our, opts->filter);
    pf_side_run(&lib, opts->batch);
    pf_side_run(&our, opts->batch);
    if (records)
      *records = lib.log.records;
    if (lib.log.failed || our.log.failed) {
      snprintf(why, whylen, "out of memory for the accounts");
      res = PF_DIFF_SETUP_FAILED;
    } else if (lib.log.len == our.log.len &&
               memcmp(lib.log.b, our.log.b, lib.log.len) == 0) {
      res = PF_DIFF_SAME;
    } else {
      pf_say_where(&lib.log, &our.log, why, whylen);
      res = PF_DIFF_DIFFERENT;
    }
  }
  if (lib.p)
    pcap_close(lib.p);
  if (our.p)
    pcap_close(our.p);
  pf_file_reader_close(our.r);
  free(lib.log.b);
  free(our.log.b);
  return res;
}
