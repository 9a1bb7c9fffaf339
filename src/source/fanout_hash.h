/* fanout_hash.h - the classic BPF program that tells a Workers N fanout
 * group which worker gets a frame: a hash that is the same for every frame
 * of one engine flow, both directions, fragments included. */
#ifndef PCAPFLOW_SOURCE_FANOUT_HASH_H
#define PCAPFLOW_SOURCE_FANOUT_HASH_H

#include <linux/filter.h>
#include <stdint.h>

/* Room for the program (the unit tests hold its length under it); the
 * kernel takes up to 4,096 instructions. */
#define PF_FANOUT_HASH_MAX 1024 /* PF_ASM_MAX */

/* Where the program finds the EtherType and the header it types. */
enum pf_fanout_base {
  /* As the kernel hands a frame to the group: received frames from the
   * network header (skb->data there), frames sent by an Ethernet device
   * from their link header (skb->data there), others from the network
   * header (fanout_hash.c's pf_emit_kernel_start says why). */
  PF_FANOUT_IN_KERNEL,
  /* An untagged or tagged Ethernet frame from its first byte, as libpcap's
   * bpf_filter() runs it in user space (it knows no ancillary load): the
   * kernel's program for frames an Ethernet device sends, and the one the
   * unit tests run. */
  PF_FANOUT_AT_ETHERNET,
};

/* Writes the program, keyed by `key`, into out (PF_FANOUT_HASH_MAX instructions) and
 * returns its length; 0 if it did not fit (a defect, never data). The
 * kernel takes its return value modulo the number of workers
 * (PACKET_FANOUT_CBPF). The key is a secret of the source's, drawn once
 * (struct pf_source): without it a sender who knows the program could
 * choose addresses or ports that all land on one worker. Every worker of a
 * group must set the same program, so one key serves the source's life,
 * reopens included. */
unsigned pf_fanout_hash_program(enum pf_fanout_base base, uint32_t key,
                                struct sock_filter *out);

#endif
