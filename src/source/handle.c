/* handle.c - opening a libpcap handle the way a source is configured:
 * create, set options, activate, check the link type, install the filter. */
#include "source/worker.h"

#include "base/err.h"
#include "source/fanout_join.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "packet/decode.h"

/* Whether this thread may open packet sockets. libpcap says only that
 * permission was denied (socket: Operation not permitted); this tells the
 * operator which capability is missing. Promiscuous mode needs nothing
 * more: libpcap sets it through the packet socket. */
static bool pf_has_cap_net_raw(void) {
  struct __user_cap_header_struct head = {
      .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
  if (syscall(SYS_capget, &head, data) != 0)
    return true; /* unknown: claim nothing */
  return data[CAP_TO_INDEX(CAP_NET_RAW)].effective & CAP_TO_MASK(CAP_NET_RAW);
}

/* Checks the link type and installs the filter, on the handle and on the
 * file's own reader when there is one (which then owns the program). */
static int pf_handle_finish(pcap_t *p, const struct pf_source_config *cfg,
                            struct pf_file_reader *reader, char *err,
                            size_t errlen) {
  int dlt = pcap_datalink(p);
  if (!pf_dlt_supported(dlt)) {
    const char *name = pcap_datalink_val_to_name(dlt);
    return pf_err(err, errlen,
                  "%s: link type %s (%d) is not supported (supported: EN10MB, "
                  "LINUX_SLL, LINUX_SLL2, RAW, IPV4, IPV6, NULL, LOOP)",
                  cfg->device, name ? name : "unknown", dlt);
  }
  /* A live source without a Filter installs the empty one, which accepts
   * every packet: libpcap compiles it to `ret #SnapLen` and hands it to
   * the kernel, which then copies at most SnapLen bytes of a frame into
   * the ring rather than the whole frame (libpcap clips the rest in user
   * space, after the ring). A block then holds 2.6 times the frames of
   * the mixed capture, and the capture thread's CPU a frame fell to 0.81x
   * (docs/PERFORMANCE.md, "The kernel's snap"). The frames handed over
   * are the same: libpcap clips caplen to SnapLen either way, after
   * putting back a VLAN tag the kernel took out. A file gets none: there
   * it would be a filter run a packet for nothing. */
  const char *filter = cfg->filter;
  if (!filter && cfg->kind == PF_SOURCE_INTERFACE)
    filter = "";
  if (!filter)
    return 0;

  struct bpf_program prog;
  if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
    return pf_err(err, errlen, "%s: filter \"%s\" does not compile: %s",
                  cfg->device, filter, pcap_geterr(p));
  }
  int rc = pcap_setfilter(p, &prog);
  if (rc == 0 && reader)
    pf_file_reader_set_filter(reader, &prog);
  else
    pcap_freecode(&prog);
  if (rc != 0) {
    return cfg->filter
               ? pf_err(err, errlen, "%s: cannot install filter \"%s\": %s",
                        cfg->device, filter, pcap_geterr(p))
               : pf_err(err, errlen,
                        "%s: cannot install the kernel's snap (ret "
                        "#SnapLen; no Filter is set): %s",
                        cfg->device, pcap_geterr(p));
  }
  return 0;
}

/* A capture file's stdio buffer, when libpcap reads it (pcapng, a pipe).
 * libpcap reads a file with two freads a frame (its header, then its
 * data), through the FILE's buffer; with stdio's default (the file's
 * block size, 4 KiB) a mixed capture's frames of ~700 bytes empty it
 * every few frames, and each refill is a read(2) and a partial copy: 30
 * instructions a mixed frame in libc and a system call every six frames.
 * A larger buffer makes the refills rare (docs/PERFORMANCE.md, "Reading a
 * file"). */
#ifndef PF_FILE_BUFFER_BYTES
#define PF_FILE_BUFFER_BYTES (256u * 1024)
#endif

/* libpcap reading the file on fd (at its start) through a large stdio
 * buffer, kept in io->stdio_buf. */
static pcap_t *pf_open_stdio(int fd, const char *path, struct pf_file_io *io,
                             char *pcap_err) {
  FILE *f = fdopen(fd, "rb");
  if (!f) {
    close(fd);
    return pcap_open_offline(path, pcap_err);
  }
  /* Only the capture thread reads the handle, and it closes it too:
   * stdio need not lock the FILE around each of libpcap's freads (39
   * instructions a frame even in a process of one thread). */
  __fsetlocking(f, FSETLOCKING_BYCALLER);
  void *mem = malloc(PF_FILE_BUFFER_BYTES);
  if (mem && setvbuf(f, mem, _IOFBF, PF_FILE_BUFFER_BYTES) != 0) {
    free(mem);
    mem = NULL; /* stdio's own buffer, as pcap_open_offline would have */
  }
  pcap_t *p = pcap_fopen_offline(f, pcap_err);
  if (!p) {
    fclose(f);
    free(mem);
    return NULL;
  }
  io->stdio_buf = mem;
  return p;
}

/* Opens a capture file: a classic pcap file for the source's own reader
 * (io->reader), anything else for libpcap (pf_open_stdio). Without io,
 * standard input ("-") and any file open(2) cannot open go to
 * pcap_open_offline as before, so that its errors (and whatever stands in
 * for it, tests/fuzz/collectd_stubs.c) are unchanged. */
static pcap_t *pf_open_offline(const char *path, struct pf_file_io *io,
                               char *pcap_err) {
  int fd = io && strcmp(path, "-") != 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
  if (fd < 0)
    return pcap_open_offline(path, pcap_err);
  pcap_t *p = NULL;
  int rc = pf_file_reader_open(fd, 0, &io->reader, &p, pcap_err);
  if (rc == 1)
    return p;
  if (rc < 0) {
    close(fd);
    return NULL;
  }
  return pf_open_stdio(fd, path, io, pcap_err);
}

static pcap_t *pf_handle_open_file(const struct pf_source_config *cfg,
                                   struct pf_file_io *io, char *err,
                                   size_t errlen) {
  char pcap_err[PCAP_ERRBUF_SIZE] = "";
  struct pf_file_io mine = {0};
  pcap_t *p = pf_open_offline(cfg->device, io ? &mine : NULL, pcap_err);
  if (!p) {
    pf_err(err, errlen, "cannot read capture file: %s", pcap_err);
    return NULL;
  }
  if (pf_handle_finish(p, cfg, mine.reader, err, errlen) != 0) {
    pf_handle_close(p, &mine);
    return NULL;
  }
  if (io)
    *io = mine;
  return p;
}

/* Sets one option on a handle not yet activated; these fail only for
 * invalid values, which the configuration check has ruled out. */
#define PF_SET(call, what)                                                     \
  do {                                                                         \
    if ((call) != 0) {                                                         \
      pf_err(err, errlen, "%s: cannot set %s", cfg->device, what);             \
      pcap_close(p);                                                           \
      return NULL;                                                             \
    }                                                                          \
  } while (0)

static pcap_t *pf_handle_open_live(const struct pf_source_config *cfg,
                                   int fanout_group, uint32_t fanout_key,
                                   char *err, size_t errlen) {
  char pcap_err[PCAP_ERRBUF_SIZE] = "";
  pcap_t *p = pcap_create(cfg->device, pcap_err);
  if (!p) {
    pf_err(err, errlen, "%s: pcap_create: %s", cfg->device, pcap_err);
    return NULL;
  }
  PF_SET(pcap_set_snaplen(p, cfg->snaplen), "SnapLen");
  PF_SET(pcap_set_promisc(p, cfg->promiscuous), "Promiscuous");
  PF_SET(pcap_set_timeout(p, cfg->timeout_ms), "the read timeout");
  PF_SET(pcap_set_buffer_size(p, cfg->buffer_mib * 1024 * 1024), "BufferSize");
  /* A fanout worker's socket takes in nothing until it joins the group
   * (fanout_join.c): every frame it would see before is one the group
   * also hands to another worker. */
  if (fanout_group >= 0)
    PF_SET(pcap_set_protocol_linux(p, PF_FANOUT_IDLE_PROTOCOL),
           "the idle protocol for the fanout join");

  int rc = pcap_activate(p);
  if (rc < 0) {
    const char *status = pcap_statustostr(rc);
    const char *detail = pcap_geterr(p);
    bool perm_denied = rc == PCAP_ERROR_PERM_DENIED;
    /* libpcap's detail often repeats the status; say it once. */
    if (!detail || !*detail || strcmp(detail, status) == 0)
      pf_err(err, errlen, "%s: %s", cfg->device, status);
    else
      pf_err(err, errlen, "%s: %s (%s)", cfg->device, status, detail);
    if (perm_denied)
      snprintf(err + strlen(err), errlen - strlen(err), "; %s",
               pf_has_cap_net_raw()
                   ? "capturing needs CAP_NET_RAW, which this process has, "
                     "so something else refused it"
                   : "capturing needs CAP_NET_RAW, which this process does "
                     "not have");
    pcap_close(p);
    return NULL;
  }
  /* With TPACKET_V3 a blocking read returns only once a block holds a
   * packet: on an idle link, never. The capture loop waits in its own
   * poll() with a timeout instead (capture.c), as does the fanout join while it
   * empties the ring (fanout_join.c). */
  if (pcap_setnonblock(p, 1, pcap_err) != 0) {
    pf_err(err, errlen, "%s: cannot make the capture non-blocking: %s",
           cfg->device, pcap_err);
    pcap_close(p);
    return NULL;
  }
  /* The filter before the fanout join: libpcap installs a program by
   * attaching a reject-all one, draining the socket and then attaching
   * the real one, and a frame the reject-all turns away is counted
   * nowhere (no drop). Before the join the socket takes in nothing;
   * pf_fanout_join keeps the program and puts it back in one step. */
  if (pf_handle_finish(p, cfg, NULL, err, errlen) != 0 ||
      (fanout_group >= 0 &&
       pf_fanout_join(p, cfg, fanout_group, fanout_key, err, errlen) != 0)) {
    pcap_close(p);
    return NULL;
  }
  return p;
}

pcap_t *pf_handle_open(const struct pf_source_config *cfg, int fanout_group,
                       uint32_t fanout_key, struct pf_file_io *io, char *err,
                       size_t errlen) {
  if (io)
    *io = (struct pf_file_io){0};
  if (cfg->kind == PF_SOURCE_FILE)
    return pf_handle_open_file(cfg, io, err, errlen);
  return pf_handle_open_live(cfg, fanout_group, fanout_key, err, errlen);
}

void pf_handle_close(pcap_t *p, struct pf_file_io *io) {
  pcap_close(p); /* closes the FILE, which uses stdio_buf until then */
  if (!io)
    return;
  pf_file_reader_close(io->reader);
  free(io->stdio_buf);
  *io = (struct pf_file_io){0};
}

bool pf_interface_mac(const char *ifname, uint8_t mac[6]) {
  struct ifreq ifr;
  if (strlen(ifname) >= sizeof(ifr.ifr_name))
    return false;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return false;
  memset(&ifr, 0, sizeof(ifr));
  memcpy(ifr.ifr_name, ifname, strlen(ifname));
  bool ok = ioctl(fd, SIOCGIFHWADDR, &ifr) == 0;
  close(fd);
  if (!ok)
    return false;
  memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
  return true;
}
