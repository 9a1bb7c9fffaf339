/* file_reader_diff.h - one capture file read by libpcap
 * (pcap_open_offline, pcap_setfilter, pcap_dispatch) and by the source's
 * own reader (src/source/file_reader.c), each read written down as it
 * happens: every record's header and bytes, every batch's result, the
 * final error text. The two accounts must be the same. The unit tests
 * (test_file_reader.c) and the fuzz harness (fuzz_file_reader.c) share
 * it; it uses no test framework. */
#ifndef PCAPFLOW_TESTS_FILE_READER_DIFF_H
#define PCAPFLOW_TESTS_FILE_READER_DIFF_H

#include <stddef.h>

struct pf_diff_opts {
  const char *filter; /* NULL: none */
  int batch;          /* pcap_dispatch's count (<= 0: no bound) */
  unsigned break_at;  /* 0, or break the loop after every break_at-th record */
  size_t chunk;       /* the reader's refill size (0: its default) */
};

enum pf_diff_result {
  PF_DIFF_SAME = 0,     /* the reader read it, exactly as libpcap */
  PF_DIFF_DIFFERENT,    /* why says where */
  PF_DIFF_NOT_READER,   /* the reader left it to libpcap */
  PF_DIFF_HEADER_SAME,  /* both refused the header with the same text */
  PF_DIFF_SETUP_FAILED, /* the file could not be opened at all (why) */
};

/* Reads path both ways and compares. Records, batches and errors
 * compared: `records` (if not NULL) is set to how many records libpcap
 * handed over. */
enum pf_diff_result pf_diff_file(const char *path,
                                 const struct pf_diff_opts *opts,
                                 unsigned long *records, char *why,
                                 size_t whylen);

#endif
