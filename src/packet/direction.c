/* direction.c - rx or tx: addresses first, the kernel's word second. */
#include "packet/direction.h"

#include "packet/localnet_in.h"

#include <string.h>

/* Loopback reports an all-zero MAC, and every frame on it carries that
 * address: it tells nothing. libpcap hands over each loopback packet once,
 * as the kernel received it (it drops the outgoing copy), so rx is the
 * kernel's word there (docs/DECODING.md, "Direction"). */
static bool pf_mac_is_zero(const uint8_t *mac) {
  return (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) == 0;
}

static enum pf_dir pf_kernel_direction(const uint8_t *if_mac,
                                       const struct pf_packet *pkt) {
  if (pkt->kdir == PF_KDIR_OUT)
    return PF_DIR_TX;
  /* Live Ethernet carries no direction; a frame sent from the interface's
   * own MAC was sent by this host. */
  if (pkt->kdir == PF_KDIR_UNKNOWN && if_mac && pkt->eth_src &&
      memcmp(pkt->eth_src, if_mac, 6) == 0 && !pf_mac_is_zero(if_mac))
    return PF_DIR_TX;
  return PF_DIR_RX;
}

/* always_inline: inlined (link-time optimisation) into both of the
 * capture's per-packet paths (capture.c, pf_capture_frame); with two
 * callers it would be kept out of line. */
__attribute__((always_inline)) inline enum pf_dir
pf_direction(const struct pf_localnet *local, const uint8_t *if_mac,
             const struct pf_packet *pkt, enum pf_locality *locality) {
  bool src_local, dst_local;

  switch (pkt->l3) {
  case PF_L3_IPV4:
    src_local = pf_localnet_in4(local, pkt->src_ip);
    dst_local = pf_localnet_in4(local, pkt->dst_ip);
    break;
  case PF_L3_IPV6:
    src_local = pf_localnet_in6(local, pkt->src_ip);
    dst_local = pf_localnet_in6(local, pkt->dst_ip);
    break;
  default:
    *locality = PF_LOCALITY_UNKNOWN;
    return pf_kernel_direction(if_mac, pkt);
  }

  if (src_local && !dst_local) {
    *locality = PF_LOCALITY_SRC;
    return PF_DIR_TX;
  }
  if (dst_local && !src_local) {
    *locality = PF_LOCALITY_DST;
    return PF_DIR_RX;
  }
  *locality = src_local ? PF_LOCALITY_BOTH : PF_LOCALITY_NEITHER;
  return pf_kernel_direction(if_mac, pkt);
}
