/* gen_frame_ip.c - the network and transport layers of a frame, and the
 * patching of its lengths and checksums. */
#include "gen_frame.h"

#include <string.h>

void gen_put_addr(struct gen *g, struct frame *f, int ver, bool local,
                  const uint8_t *fixed) {
  if (fixed != NULL) {
    gen_put(f, fixed, ver == 4 ? 4 : 16);
    return;
  }
  if (ver == 4) {
    gen_put8(f, 198);
    gen_put8(f, local ? 18 : 19);
    gen_put8(f, (uint8_t)gen_rng_below(&g->rng, 256));
    gen_put8(f, (uint8_t)gen_rng_range(&g->rng, 1, 254));
    return;
  }
  gen_put32(f, 0x20010db8);
  gen_put16(f, local ? 1 : 2);
  gen_put16(f, (uint16_t)gen_rng_below(&g->rng, 16)); /* subnet */
  gen_put32(f, 0);
  gen_put32(f, gen_rng_range(&g->rng, 1, 0xffff));
}

static uint16_t inet_csum(const uint8_t *p, size_t n) {
  uint32_t sum = 0;

  for (size_t i = 0; i + 1 < n; i += 2)
    sum += (uint32_t)(p[i] << 8 | p[i + 1]);
  if (n & 1)
    sum += (uint32_t)(p[n - 1] << 8);
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

/* Recomputes the IPv4 header checksum over the header as built (ip_hlen), so
 * that mutated headers still look sane to other tools. */
void gen_fix_ipv4_csum(struct frame *f) {
  uint8_t *ip = f->b + f->ip_off;

  if (f->ip_ver != 4 || f->ip_off + f->ip_hlen > f->n)
    return;
  gen_wr_be16(ip + 10, 0);
  gen_wr_be16(ip + 10, inet_csum(ip, f->ip_hlen));
}

/* An IPv4 header inside a tunnel payload (GRE, IP-in-IP), so that other
 * dissectors see a plausible inner packet that is not TCP/UDP/ICMP. */
static void write_inner_ipv4(struct gen *g, struct frame *f, size_t off,
                             size_t end) {
  uint8_t *p = f->b + off;

  if (end < off + 20)
    return;
  memset(p, 0, 20);
  p[0] = 0x45;
  gen_wr_be16(p + 2, (uint16_t)(end - off));
  p[8] = 64;
  p[9] = 253; /* experimental: no dissector digs further */
  p[12] = 198;
  p[13] = 18;
  p[14] = (uint8_t)gen_rng_below(&g->rng, 256);
  p[15] = 1;
  p[16] = 198;
  p[17] = 19;
  p[18] = (uint8_t)gen_rng_below(&g->rng, 256);
  p[19] = 2;
  gen_wr_be16(p + 10, inet_csum(p, 20));
}

/* Patches every length field to what was built, then pads Ethernet frames to
 * the 60-byte minimum as a NIC would (padding is legal after IP). */
void gen_frame_finish(struct gen *g) {
  struct frame *f = &g->f;
  size_t end = f->n;

  if (f->inner_off)
    write_inner_ipv4(g, f, f->inner_off, end);
  if (f->sctp_chunk && end >= f->l4_off + 12 + 16)
    gen_wr_be16(f->b + f->l4_off + 12 + 2, (uint16_t)(end - f->l4_off - 12));
  if (f->udp_full)
    gen_wr_be16(f->b + f->l4_off + 4, (uint16_t)(end - f->l4_off));
  if (f->ip_ver == 4) {
    gen_wr_be16(f->b + f->ip_off + 2, (uint16_t)(end - f->ip_off));
    gen_fix_ipv4_csum(f);
  } else if (f->ip_ver == 6) {
    gen_wr_be16(f->b + f->ip_off + 4, (uint16_t)(end - f->ip_off - 40));
  }
  if (f->has_pppoe)
    gen_wr_be16(f->b + f->pppoe_off + 4, (uint16_t)(end - f->pppoe_off - 6));
  if (g->link == LK_ETHERNET && f->n < 60 && !f->no_pad)
    gen_put_zero(f, 60 - f->n);
}

/* The same mapping for IPv4 and IPv6 (DECODING.md "protocol"). */
static enum l4_class l4_of(uint8_t proto) {
  switch (proto) {
  case 6:
    return L4_TCP;
  case 17:
    return L4_UDP;
  case 1:
    return L4_ICMP;
  case 58:
    return L4_ICMPV6;
  case 132:
    return L4_SCTP;
  case 47:
    return L4_GRE;
  default:
    return L4_OTHER;
  }
}

static void put_ipv4_header(struct gen *g, const struct ipspec *s) {
  struct frame *f = &g->f;
  int ihl = 5 + s->v4_opts / 4;
  uint16_t frag = 0;

  GEN_ASSERT(s->v4_opts % 4 == 0 && s->v4_opts <= 40);
  switch (s->frag) {
  case FR_NONE:
    frag = gen_rng_below(&g->rng, 4) ? 0x4000
                                     : 0; /* DF or not: neither is a fragment */
    break;
  case FR_FIRST:
    frag = 0x2000;
    break;
  case FR_MIDDLE:
    frag = (uint16_t)(0x2000 | gen_rng_range(&g->rng, 1, 1000));
    break;
  case FR_LAST:
    frag = (uint16_t)gen_rng_range(&g->rng, 1, 1000);
    break;
  default:
    GEN_ASSERT(0);
  }
  gen_put8(f, (uint8_t)(0x40 | ihl));
  gen_put8(f, 0);
  gen_put16(f, 0); /* total length, patched by gen_frame_finish */
  gen_put16(f, (uint16_t)gen_rng_below(&g->rng, 65536));
  gen_put16(f, frag);
  gen_put8(f, 64);
  gen_put8(f, s->proto);
  gen_put16(f, 0);
  gen_put_addr(g, f, 4, gen_addr_src_local(s->addr), s->src);
  gen_put_addr(g, f, 4, gen_addr_dst_local(s->addr), s->dst);
  if (s->v4_opts == 4) {
    gen_put32(f, 0x94040000); /* router alert */
  } else if (s->v4_opts > 0) {
    /* record route with empty slots, then end of options */
    gen_put8(f, 7);
    gen_put8(f, (uint8_t)(s->v4_opts - 1));
    gen_put8(f, 4);
    gen_put_zero(f, (size_t)s->v4_opts - 4);
    gen_put8(f, 0);
  }
  f->ip_hlen = (size_t)ihl * 4;
  f->need_end = f->n;
}

/* Hop-by-hop or destination options: 8 or 16 bytes of PadN. */
static void put_opts_ext(struct gen *g, uint8_t nh) {
  struct frame *f = &g->f;
  uint8_t units = (uint8_t)gen_rng_below(&g->rng, 2);

  gen_put8(f, nh);
  gen_put8(f, units);
  gen_put8(f, 1); /* PadN */
  gen_put8(f, (uint8_t)(8 * (units + 1) - 4));
  gen_put_zero(f, 8u * (units + 1) - 4);
}

/* Returns the next-header value that classifies the packet. */
static uint8_t put_ipv6_header(struct gen *g, const struct ipspec *s) {
  struct frame *f = &g->f;
  int frags = 0;

  GEN_ASSERT(s->n_ext <= MAX_EXT);
  for (int i = 0; i < s->n_ext; i++)
    frags += s->ext[i] == 44;
  GEN_ASSERT(frags ==
             (s->frag != FR_NONE)); /* one fragment header iff a fragment */
  gen_put32(f, 0x60000000 | gen_rng_below(&g->rng, 1u << 20));
  gen_put16(f, 0); /* payload length, patched by gen_frame_finish */
  gen_put8(f, s->n_ext ? s->ext[0] : s->proto);
  gen_put8(f, 64);
  gen_put_addr(g, f, 6, gen_addr_src_local(s->addr), s->src);
  gen_put_addr(g, f, 6, gen_addr_dst_local(s->addr), s->dst);
  f->ip_hlen = 40;
  f->need_end = f->n;
  for (int i = 0; i < s->n_ext; i++) {
    uint8_t nh = i + 1 < s->n_ext ? s->ext[i + 1] : s->proto;
    uint16_t off = (uint16_t)(gen_rng_range(&g->rng, 1, 1000) << 3);

    switch (s->ext[i]) {
    case 0:
    case 60:
      put_opts_ext(g, nh);
      break;
    case 43:
      /* segment routing header, segments left 0: the destination in the
       * IPv6 header is final, whatever a decoder makes of routing */
      gen_put8(f, nh);
      gen_put8(f, 2);
      gen_put8(f, 4);
      gen_put8(f, 0);
      gen_put8(f, 0);
      gen_put8(f, 0);
      gen_put16(f, 0);
      gen_put(f, f->b + f->ip_off + 24, 16);
      break;
    case 44:
      gen_put8(f, nh);
      gen_put8(f, 0);
      gen_put16(f, s->frag == FR_FIRST    ? 1
                   : s->frag == FR_MIDDLE ? (uint16_t)(off | 1)
                   : s->frag == FR_LAST   ? off
                                          : 0);
      gen_put32(f, gen_rng_next(&g->rng) & 0xffffffff);
      if (s->frag == FR_MIDDLE || s->frag == FR_LAST) {
        f->need_end = f->n;
        return nh; /* nothing after a non-first fragment header is read */
      }
      break;
    case 51:
      gen_put8(f, nh);
      gen_put8(f, 4); /* (4 + 2) * 4 = 24 bytes */
      gen_put16(f, 0);
      gen_put32(f, gen_rng_range(&g->rng, 256, 0xffffff));
      gen_put32(f, gen_rng_range(&g->rng, 1, 100000));
      gen_put_random(g, f, 12); /* ICV */
      break;
    default:
      GEN_ASSERT(0);
    }
    f->need_end = f->n;
  }
  return s->proto;
}

static void put_tcp_options(struct frame *f, int n) {
  int done = 0;

  GEN_ASSERT(n % 4 == 0 && n <= 40);
  if (n >= 20) {
    /* clang-format off */
    static const uint8_t syn_opts[20] = {
      2, 4, 0x05, 0xb4,          /* MSS 1460 */
      4, 2,                      /* SACK permitted */
      8, 10, 0, 0, 1, 0, 0, 0, 0, 0, /* timestamps */
      1,                         /* NOP */
      3, 3, 7,                   /* window scale */
    };
    gen_put(f, syn_opts, 20);
    done = 20;
  } else if (n >= 12) {
    static const uint8_t ts_opts[12] = {1, 1, 8, 10, 0, 0, 2, 0, 0, 0, 1, 0};
    gen_put(f, ts_opts, 12);
    done = 12;
  } else if (n >= 8) {
    static const uint8_t mss_sack[8] = {2, 4, 0x05, 0xb4, 1, 1, 4, 2};
    gen_put(f, mss_sack, 8);
    done = 8;
  }
  for (; done < n; done++)
    gen_put8(f, 1);
}

static uint16_t pick_port(struct gen *g, uint16_t fixed)
{
  return fixed ? fixed : (uint16_t)gen_rng_range(&g->rng, 49152, 65535);
}

/* The transport header (or what stands in its place for "other"). */
static void put_transport(struct gen *g, const struct ipspec *s)
{
  struct frame *f = &g->f;
  size_t need = 0, hdr = 0;
  bool reply = gen_rng_below(&g->rng, 2);

  f->l4_off = f->n;
  switch (s->proto) {
  case 6: {
    int doff = s->tcp_doff ? s->tcp_doff : 5 + s->tcp_opts / 4;

    gen_put16(f, pick_port(g, s->sport));
    gen_put16(f, s->dport ? s->dport : 443);
    gen_put32(f, s->seq ? s->seq : (uint32_t)gen_rng_next(&g->rng));
    gen_put32(f, (s->tcp_flags & TCP_ACK) ? (s->ack ? s->ack : (uint32_t)gen_rng_next(&g->rng)) : 0);
    gen_put8(f, (uint8_t)(doff << 4));
    gen_put8(f, s->tcp_flags);
    gen_put16(f, s->zero_window ? 0 : (uint16_t)gen_rng_range(&g->rng, 512, 65535));
    gen_put16(f, 0);
    gen_put16(f, 0);
    put_tcp_options(f, s->tcp_opts);
    need = 20;
    hdr = 20 + (size_t)s->tcp_opts;
    if (s->tcp_doff && (size_t)s->tcp_doff * 4 > hdr)
      hdr = (size_t)s->tcp_doff * 4;
    f->tcp_hdr = true;
    f->tcp_flags = s->tcp_flags;
    break;
  }
  case 17:
    gen_put16(f, pick_port(g, s->sport));
    gen_put16(f, s->dport ? s->dport : 9); /* discard: no dissector digs in */
    gen_put16(f, 0);
    gen_put16(f, 0);
    f->udp_full = true;
    need = hdr = 8;
    break;
  case 1:
  case 58:
    if (s->icmp_set) {
      gen_put8(f, s->icmp_type);
      gen_put8(f, s->icmp_code);
      gen_put16(f, 0);
      gen_put16(f, s->icmp_id);
      gen_put16(f, s->icmp_seq);
      need = hdr = 4;
      break;
    }
    /* echo request or reply */
    gen_put8(f, s->proto == 1 ? (reply ? 0 : 8) : (reply ? 129 : 128));
    gen_put8(f, 0);
    gen_put16(f, 0);
    gen_put16(f, (uint16_t)gen_rng_below(&g->rng, 65536));
    gen_put16(f, (uint16_t)gen_rng_below(&g->rng, 65536));
    need = hdr = 4;
    break;
  case 132:
    gen_put16(f, pick_port(g, s->sport));
    gen_put16(f, s->dport ? s->dport : 5060);
    gen_put32(f, (uint32_t)gen_rng_next(&g->rng));
    gen_put32(f, 0);
    need = hdr = 12;
    break;
  case 47:
    gen_put16(f, 0);      /* no checksum, key or sequence */
    gen_put16(f, 0x0800); /* an IPv4 packet follows */
    f->inner_off = f->n;
    need = hdr = 4;
    break;
  case 4:
    f->inner_off = f->n;
    break;
  case 0:
  case 44:
  case 51:
  case 60:
    /* IPv4 follows no extension headers: these look like IPv6 ones leading
     * to UDP, a trap for a decoder that would follow them anyway */
    GEN_ASSERT(s->ver == 4);
    if (s->proto == 44) {
      gen_put8(f, 17);
      gen_put8(f, 0);
      gen_put16(f, 0);
      gen_put32(f, (uint32_t)gen_rng_next(&g->rng));
    } else if (s->proto == 51) {
      gen_put8(f, 17);
      gen_put8(f, 4);
      gen_put16(f, 0);
      gen_put32(f, gen_rng_range(&g->rng, 256, 0xffffff));
      gen_put32(f, gen_rng_range(&g->rng, 1, 100000));
      gen_put_random(g, f, 12);
    } else {
      put_opts_ext(g, 17);
    }
    gen_put16(f, pick_port(g, s->sport));
    gen_put16(f, 9);
    gen_put16(f, 8);
    gen_put16(f, 0);
    break;
  case 50:
    gen_put32(f, gen_rng_range(&g->rng, 256, 0xffffff)); /* SPI */
    gen_put32(f, gen_rng_range(&g->rng, 1, 100000));    /* sequence */
    break;
  case 135:
    /* mobility header, binding refresh request: 8 bytes */
    gen_put8(f, 59);
    gen_put8(f, 0);
    gen_put8(f, 0);
    gen_put8(f, 0);
    gen_put32(f, 0);
    break;
  default:
    break; /* no header at all */
  }
  if (s->short_l4) {
    GEN_ASSERT((size_t)s->l4_keep < f->n - f->l4_off);
    f->n = f->l4_off + (size_t)s->l4_keep;
    f->udp_full = f->tcp_hdr = false;
    f->inner_off = 0;
  }
  f->need_end = f->l4_off + need;
  f->hdr_end = f->l4_off + hdr;
}

/* Builds a whole IP frame; returns false if target_len cannot be met. */
bool gen_build_ip(struct gen *g, const struct encap *e, const struct ipspec *s, const char *what)
{
  struct frame *f = &g->f;
  bool later = s->frag == FR_MIDDLE || s->frag == FR_LAST;
  uint16_t announce = s->announce ? s->announce : s->ver == 4 ? ETH_IPV4 : ETH_IPV6;
  uint8_t class_nh = s->proto;
  int payload = s->payload;

  GEN_ASSERT(s->ver == 4 || s->ver == 6);
  GEN_ASSERT(s->addr >= ADDR_RX && s->addr <= ADDR_NEITHER);
  /* a cut transport header must end the IP payload, or it would fit */
  GEN_ASSERT(!s->short_l4 || (s->payload == 0 && s->payload_max == 0 && s->target_len == 0));
  gen_frame_reset(g, e, what);
  gen_frame_link(g, e, announce, s->addr, s->fixed_pkttype ? s->pkttype : PT_AUTO, NULL);
  f->ip_off = f->n;
  f->ip_ver = s->ver;
  f->addr = s->addr;
  f->cls = s->ver == 4 ? CLS_IPV4 : CLS_IPV6;
  f->fragment = s->frag != FR_NONE;
  if (s->ver == 4) {
    GEN_ASSERT(s->frag != FR_ATOMIC && s->n_ext == 0);
    put_ipv4_header(g, s);
  } else {
    class_nh = put_ipv6_header(g, s);
  }
  f->l4 = l4_of(class_nh);
  f->hdr_end = f->need_end;
  if (!later)
    put_transport(g, s);
  if (s->payload_max > s->payload)
    payload = (int)gen_rng_range(&g->rng, (uint32_t)s->payload, (uint32_t)s->payload_max);
  if (s->target_len > 0) {
    if ((size_t)s->target_len < f->n)
      return false;
    payload = s->target_len - (int)f->n;
  }
  if (s->proto == 132 && !later && !s->short_l4 && payload >= 16) {
    /* an SCTP DATA chunk, length patched by gen_frame_finish */
    payload -= 16;
    gen_put8(f, 0);
    gen_put8(f, 3);
    gen_put16(f, 0);
    gen_put32(f, gen_rng_range(&g->rng, 1, 100000));
    gen_put16(f, 0);
    gen_put16(f, 0);
    gen_put32(f, 0);
    f->sctp_chunk = true;
  }
  if (s->data != NULL)
    gen_put(f, s->data, (size_t)payload);
  else
    gen_put_random(g, f, (size_t)payload);
  /* with payload length 0 the IP packet ends where the frame ends: no padding */
  f->no_pad = s->plen_zero;
  gen_frame_finish(g);
  if (s->plen_zero) {
    GEN_ASSERT(s->ver == 6);
    gen_wr_be16(f->b + f->ip_off + 4, 0);
  }
  GEN_ASSERT(s->target_len <= 0 || f->n == (size_t)s->target_len);
  return true;
}

void gen_set_ihl(struct frame *f, int ihl)
{
  f->b[f->ip_off] = (uint8_t)(0x40 | ihl);
  gen_fix_ipv4_csum(f);
}

void gen_set_v4_total(struct frame *f, size_t total)
{
  GEN_ASSERT(total <= 65535);
  gen_wr_be16(f->b + f->ip_off + 2, (uint16_t)total);
  gen_fix_ipv4_csum(f);
}

void gen_emit_malformed(struct gen *g, unsigned which, int addr, const char *prefix)
{
  static const char *const names[4] = {"ip_length", "tcp_doff_4", "ihl_3", "hbh_too_long"};
  struct frame *f = &g->f;
  struct ipspec s = {.ver = 4, .addr = addr, .proto = 6, .tcp_flags = TCP_ACK, .payload_max = 200};
  char what[48];

  snprintf(what, sizeof what, "%s%s", prefix, names[which]);
  switch (which) {
  case 0:
    gen_build_ip(g, &gen_enc_plain, &s, what);
    gen_set_v4_total(f, f->n - f->ip_off + 1);
    gen_emit(g, CAP_ALL, R_IP_LENGTH);
    break;
  case 1:
    s.tcp_doff = 4;
    gen_build_ip(g, &gen_enc_plain, &s, what);
    gen_emit(g, CAP_ALL, R_L4_HEADER);
    break;
  case 2:
    gen_build_ip(g, &gen_enc_plain, &s, what);
    gen_set_ihl(f, 3);
    gen_emit(g, CAP_ALL, R_IPV4_HEADER);
    break;
  default:
    s.ver = 6;
    s.n_ext = 1;
    s.ext[0] = 0;
    s.payload_max = 20;
    gen_build_ip(g, &gen_enc_plain, &s, what);
    f->b[f->ip_off + 41] = 30;
    gen_emit(g, CAP_ALL, R_IPV6_EXT);
    break;
  }
}

/* clang-format on */