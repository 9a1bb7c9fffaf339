/* file_reader.h - a classic pcap file read by the source itself: records
 * read with read(2) into one large buffer and handed to the capture
 * callback where they lie, with the headers, bytes, batch counts, end and
 * error text libpcap 1.10's own file reader (sf-pcap.c, savefile.c) gives.
 *
 * libpcap reads a record with two freads (its header, then its data copied
 * out of stdio's buffer into libpcap's): 490 of a mixed frame's 1,197
 * instructions (docs/PERFORMANCE.md, "Reading a file"). Here a record
 * costs a header decoded in place and a pointer.
 *
 * libpcap still judges the file header: the reader gives it the first 24
 * bytes through a FILE of their own (fmemopen), and keeps that handle for
 * pcap_datalink, pcap_snapshot, pcap_compile and the header's errors; it
 * never reads a record from it. pcapng, the patched (Kuznetzov) format,
 * link types whose pseudo-header libpcap byte-swaps, anything that is not
 * a regular file: libpcap reads those as before (pf_file_reader_open
 * says "not mine"). The file is read, never mapped: a capture file cut
 * while mapped (log rotation, `: > file`) would kill the process with
 * SIGBUS. */
#ifndef PCAPFLOW_SOURCE_FILE_READER_H
#define PCAPFLOW_SOURCE_FILE_READER_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stddef.h>

/* How much a refill reads at most. The buffer is this plus room for the
 * largest record (its header and PF_FILE_RECORD_MAX bytes), so a record
 * never has to be cut across two refills. */
#ifndef PF_FILE_READ_BYTES
#define PF_FILE_READ_BYTES (1024u * 1024)
#endif
/* libpcap's largest captured length for the link types read here
 * (MAXIMUM_SNAPLEN, max_snaplen_for_dlt); a record claiming more is
 * refused, as libpcap refuses it. */
#define PF_FILE_RECORD_MAX 262144u
#define PF_FILE_RECORD_HEADER 16u

struct pf_file_reader;

/* Opens a classic pcap file on fd (the reader owns fd once it is
 * accepted), reading refills of `chunk` bytes (0: PF_FILE_READ_BYTES).
 * Returns
 *   1: the reader's (*out, and *handle: libpcap's handle of the header);
 *   0: not one the reader reads: fd is back at its start (or was never
 *      read), for libpcap to read;
 *  -1: libpcap refused the header: errbuf holds its message (the one
 *      pcap_open_offline gives for the file); fd stays the caller's. */
int pf_file_reader_open(int fd, size_t chunk, struct pf_file_reader **out,
                        pcap_t **handle, char *errbuf);

/* Applies prog to every record from now on, as pcap_setfilter does to an
 * offline handle; the reader owns prog (pcap_freecode at close). */
void pf_file_reader_set_filter(struct pf_file_reader *r,
                               struct bpf_program *prog);

/* pcap_dispatch on the file: up to cnt records (cnt <= 0: no bound) that
 * pass the filter, each handed to cb. Returns as libpcap 1.10 does: the
 * number handed over when cnt was reached, the break flag ended the batch
 * or the file ended (so 0 once a call finds nothing left);
 * PCAP_ERROR_BREAK when the flag was set before any record (the flag is
 * cleared); PCAP_ERROR (whatever this call handed over) with
 * pf_file_reader_error's text. Past the first error it differs from
 * libpcap, on purpose: libpcap has consumed part of the bad record and a
 * further call reads on from inside it; here every further call returns
 * the same error (no caller reads past one: the source closes the file). The bytes handed
 * to cb stay valid until the next call; they need not be aligned. */
int pf_file_reader_dispatch(struct pf_file_reader *r, int cnt, pcap_handler cb,
                            u_char *user);

/* pcap_breakloop for the reader: the current batch ends after the record
 * being handed over (or turned away by the filter). Like pcap_breakloop,
 * it may be called from another thread while a batch runs (a stop). */
void pf_file_reader_breakloop(struct pf_file_reader *r);

/* Why the last dispatch returned PCAP_ERROR (pcap_geterr's counterpart). */
const char *pf_file_reader_error(const struct pf_file_reader *r);

/* Closes the file and frees the reader (not the handle: pcap_close it). */
void pf_file_reader_close(struct pf_file_reader *r);

#endif
