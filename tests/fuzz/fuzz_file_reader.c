/* fuzz_file_reader.c - libFuzzer harness: any bytes as a capture file,
 * read by libpcap and by the source's own classic pcap reader
 * (src/source/file_reader.c), which must give the same account: every
 * record's header and bytes, every batch's result, the final error text,
 * or the same refusal of the file header (tests/unit/file_reader_diff.c).
 *
 * The input's first byte chooses how it is read (the batch count, a break
 * after every k-th record, the refill size, a filter); the rest is the
 * file, written to a memory file whose /proc/self/fd path libpcap opens.
 * A difference is a broken promise (abort). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../unit/file_reader_diff.h"

#define FZ_CHECK(cond, why)                                                    \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "fuzz_file_reader: broken promise: %s: %s (%s:%d)\n",    \
              #cond, why, __FILE__, __LINE__);                                 \
      abort();                                                                 \
    }                                                                          \
  } while (0)

static int fz_fd = -1;
static char fz_path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  if (fz_fd < 0) {
    fz_fd = memfd_create("fuzz_file_reader", MFD_CLOEXEC);
    FZ_CHECK(fz_fd >= 0, "memfd_create");
    snprintf(fz_path, sizeof(fz_path), "/proc/self/fd/%d", fz_fd);
  }
  static const int batches[] = {1, 2, 7, 4096};
  static const unsigned breaks[] = {0, 1, 3, 0};
  static const size_t chunks[] = {0, 16, 40, 1000};
  static const char *filters[] = {NULL, NULL, "udp", "len > 100"};
  uint8_t how = data[0];
  struct pf_diff_opts o = {.batch = batches[how & 3],
                           .break_at = breaks[(how >> 2) & 3],
                           .chunk = chunks[(how >> 4) & 3],
                           .filter = filters[(how >> 6) & 3]};
  FZ_CHECK(ftruncate(fz_fd, 0) == 0, "ftruncate");
  FZ_CHECK(pwrite(fz_fd, data + 1, size - 1, 0) == (ssize_t)(size - 1),
           "pwrite");
  char why[256];
  enum pf_diff_result r = pf_diff_file(fz_path, &o, NULL, why, sizeof(why));
  FZ_CHECK(r != PF_DIFF_DIFFERENT && r != PF_DIFF_SETUP_FAILED, why);
  return 0;
}
