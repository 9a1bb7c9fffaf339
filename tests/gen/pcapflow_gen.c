/* pcapflow_gen.c - command line of pcapflow-gen: writes test captures with
 * known ground truth and their truth files. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_classes.h"
#include "gen_collide.h"
#include "gen_coverage.h"
#include "gen_flows.h"
#include "gen_frame.h"
#include "gen_mixed.h"
#include "gen_services.h"
#include "gen_tcp.h"
#include "gen_truth.h"
#include "gen_util.h"

/* 2026-01-01T00:00:00Z: every capture starts here, so files are reproducible.
 */
#define START_EPOCH_S 1767225600ULL

static const char usage_text[] =
    "usage: pcapflow-gen --scenario "
    "coverage|mixed|services|live|flows|flood|collide|tcp|attack|"
    "classes\n"
    "                    --out FILE [--truth FILE] [--no-top] [--packets N] "
    "[--keys K]\n"
    "                    [--seed S]\n"
    "                    [--linktype NAME] [--format pcap|pcapng] [--labels "
    "FILE]\n"
    "                    [--rules FILE --class-truth FILE]\n"
    "  --scenario  coverage (default): every decoding rule, each several "
    "times;\n"
    "              mixed: realistic traffic over ~7000 flows (--packets, "
    "default 100000);\n"
    "              services: DNS over UDP and TCP and TLS connections over "
    "~7000 flows\n"
    "              (--packets, default 100000);\n"
    "              live: like coverage, only frames that survive tcpreplay "
    "onto a veth;\n"
    "              flows: scripted conversations over 2 hours of packet time, "
    "with the\n"
    "              flow table, top-N and distinct counts they must give;\n"
    "              flood: spoofed TCP SYNs from random sources (--packets, "
    "default 1000000)\n"
    "              collide: UDP datagrams over --keys flow keys (default 4096) "
    "that share\n"
    "              one flow-table bucket under the known test seed (--packets, "
    "default\n"
    "              2000000)\n"
    "              tcp: 110 scripted TCP connections with the TCP health they "
    "must give\n"
    "              attack: a SYN flood and a port scan, for the anomaly "
    "notifications\n"
    "              classes: conversations of known traffic classes (needs "
    "--rules and\n"
    "              --class-truth; Ethernet only)\n"
    "  --packets   mixed/flood/collide: packet count; coverage/live: number of "
    "rounds\n"
    "              (default 1)\n"
    "  --keys      collide: how many colliding keys to search for (1 to "
    "65536)\n"
    "  --seed      PRNG seed (default 1); the same arguments give the same "
    "bytes\n"
    "  --linktype  ethernet (default), sll, sll2, raw, null, loop (live: "
    "ethernet only)\n"
    "  --format    pcap (default) or pcapng\n"
    "  --truth     write the counters the plugin must report\n"
    "  --rules     classes: write the rules file (RulesFile) the classes come "
    "from\n"
    "  --class-truth classes: write the per-class series the plugin must "
    "report\n"
    "              under plugin pcapflow_class\n"
    "  --no-top    flows/flood/collide: leave the per-interval lines "
    "(bytes-top_*,\n"
    "              count-distinct_*) out of the truth, for runs over several "
    "intervals\n"
    "  --labels    write one line per frame: case, class, transport, "
    "fragment,\n"
    "              direction basis, direction, reason, len, caplen (for "
    "debugging)\n";

enum scenario {
  SC_COVERAGE,
  SC_MIXED,
  SC_LIVE,
  SC_FLOWS,
  SC_FLOOD,
  SC_COLLIDE,
  SC_TCP,
  SC_ATTACK,
  SC_CLASSES,
  SC_SERVICES
};

struct options {
  enum scenario scenario;
  const char *out, *truth, *labels, *rules, *class_truth;
  uint64_t packets, seed;
  uint32_t keys;
  bool packets_given, keys_given, no_top;
  enum link_kind link;
  enum out_format format;
};

static uint64_t parse_u64(const char *opt, const char *val, uint64_t min,
                          uint64_t max) {
  char *end;
  unsigned long long v;

  errno = 0;
  /* strtoull accepts a sign and wraps "-1": refuse it before it gets there */
  if (*val == '-' || *val == '+' || *val == '\0')
    gen_die("%s: invalid value '%s' (expected a number from %" PRIu64
            " to %" PRIu64 ")",
            opt, val, min, max);
  v = strtoull(val, &end, 0);
  if (errno != 0 || *end != '\0' || v < min || v > max)
    gen_die("%s: invalid value '%s' (expected a number from %" PRIu64
            " to %" PRIu64 ")",
            opt, val, min, max);
  return v;
}

static void parse_args(int argc, char **argv, struct options *o) {
  memset(o, 0, sizeof *o);
  o->scenario = SC_COVERAGE;
  o->seed = 1;
  o->link = LK_ETHERNET;
  o->format = FORMAT_PCAP;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    const char *eq = strchr(arg, '=');
    char name[32];
    const char *val;

    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      fputs(usage_text, stdout);
      exit(0);
    }
    if (strcmp(arg, "--no-top") == 0) {
      o->no_top = true;
      continue;
    }
    if (strncmp(arg, "--no-top=", 9) == 0)
      gen_die("--no-top takes no value");
    if (strncmp(arg, "--", 2) != 0)
      gen_die("unexpected argument '%s' (options start with --; see --help)",
              arg);
    /* both "--opt value" and "--opt=value" */
    if (eq != NULL) {
      if ((size_t)(eq - arg) >= sizeof name)
        gen_die("unknown option '%s' (see --help)", arg);
      memcpy(name, arg, (size_t)(eq - arg));
      name[eq - arg] = '\0';
      val = eq + 1;
    } else {
      if (strlen(arg) >= sizeof name)
        gen_die("unknown option '%s' (see --help)", arg);
      strcpy(name, arg);
      val = NULL;
    }
    if (strcmp(name, "--scenario") && strcmp(name, "--out") &&
        strcmp(name, "--truth") && strcmp(name, "--packets") &&
        strcmp(name, "--seed") && strcmp(name, "--linktype") &&
        strcmp(name, "--format") && strcmp(name, "--labels") &&
        strcmp(name, "--rules") && strcmp(name, "--class-truth") &&
        strcmp(name, "--keys"))
      gen_die("unknown option '%s' (see --help)", name);
    if (val == NULL) {
      if (i + 1 >= argc)
        gen_die("%s: missing value", name);
      val = argv[++i];
    }
    if (strcmp(name, "--scenario") == 0) {
      if (strcmp(val, "coverage") == 0)
        o->scenario = SC_COVERAGE;
      else if (strcmp(val, "mixed") == 0)
        o->scenario = SC_MIXED;
      else if (strcmp(val, "services") == 0)
        o->scenario = SC_SERVICES;
      else if (strcmp(val, "live") == 0)
        o->scenario = SC_LIVE;
      else if (strcmp(val, "flows") == 0)
        o->scenario = SC_FLOWS;
      else if (strcmp(val, "flood") == 0)
        o->scenario = SC_FLOOD;
      else if (strcmp(val, "collide") == 0)
        o->scenario = SC_COLLIDE;
      else if (strcmp(val, "tcp") == 0)
        o->scenario = SC_TCP;
      else if (strcmp(val, "attack") == 0)
        o->scenario = SC_ATTACK;
      else if (strcmp(val, "classes") == 0)
        o->scenario = SC_CLASSES;
      else
        gen_die(
            "--scenario: unknown value '%s' (expected coverage, mixed, "
            "services, live, flows, flood, collide, tcp, attack or classes)",
            val);
    } else if (strcmp(name, "--rules") == 0 ||
               strcmp(name, "--class-truth") == 0) {
      if (*val == '\0')
        gen_die("%s: empty file name", name);
      if (name[2] == 'r')
        o->rules = val;
      else
        o->class_truth = val;
    } else if (strcmp(name, "--out") == 0 || strcmp(name, "--truth") == 0 ||
               strcmp(name, "--labels") == 0) {
      if (*val == '\0')
        gen_die("%s: empty file name", name);
      if (name[2] == 'o')
        o->out = val;
      else if (name[2] == 't')
        o->truth = val;
      else
        o->labels = val;
    } else if (strcmp(name, "--packets") == 0) {
      o->packets = parse_u64(name, val, 1, 1000000000);
      o->packets_given = true;
    } else if (strcmp(name, "--keys") == 0) {
      o->keys = (uint32_t)parse_u64(name, val, 1, 65536);
      o->keys_given = true;
    } else if (strcmp(name, "--seed") == 0) {
      o->seed = parse_u64(name, val, 0, UINT64_MAX);
    } else if (strcmp(name, "--linktype") == 0) {
      int k;

      for (k = 0; k < LK_COUNT; k++)
        if (strcmp(val, gen_link_infos[k].name) == 0)
          break;
      if (k == LK_COUNT)
        gen_die("--linktype: unknown value '%s' (expected ethernet, sll, sll2, "
                "raw, null or loop)",
                val);
      o->link = (enum link_kind)k;
    } else {
      if (strcmp(val, "pcap") == 0)
        o->format = FORMAT_PCAP;
      else if (strcmp(val, "pcapng") == 0)
        o->format = FORMAT_PCAPNG;
      else
        gen_die("--format: unknown value '%s' (expected pcap or pcapng)", val);
    }
  }
  if (o->out == NULL)
    gen_die("--out is required (see --help)");
  if (o->scenario == SC_LIVE && o->link != LK_ETHERNET)
    gen_die(
        "--linktype: '%s' is not possible with --scenario live (ethernet only)",
        gen_link_infos[o->link].name);
  if ((o->scenario == SC_FLOWS || o->scenario == SC_TCP ||
       o->scenario == SC_ATTACK) &&
      o->packets_given)
    gen_die("--packets: not used by --scenario flows or tcp (their script is "
            "fixed)");
  if ((o->rules != NULL || o->class_truth != NULL) !=
          (o->scenario == SC_CLASSES) ||
      (o->scenario == SC_CLASSES &&
       (o->rules == NULL || o->class_truth == NULL)))
    gen_die("--rules and --class-truth: both for --scenario classes, and only "
            "for it");
  if (o->scenario == SC_CLASSES && (o->link != LK_ETHERNET || o->packets_given))
    gen_die("--scenario classes: Ethernet only, and its script is fixed (no "
            "--packets)");
  if (o->no_top && o->scenario != SC_FLOWS && o->scenario != SC_FLOOD &&
      o->scenario != SC_COLLIDE)
    gen_die("--no-top: only for --scenario flows, flood or collide");
  if (o->keys_given && o->scenario != SC_COLLIDE)
    gen_die("--keys: only for --scenario collide");
  if (!o->keys_given)
    o->keys = 4096;
  if (!o->packets_given)
    o->packets = o->scenario == SC_MIXED || o->scenario == SC_SERVICES ? 100000
                 : o->scenario == SC_FLOOD                             ? 1000000
                 : o->scenario == SC_COLLIDE                           ? 2000000
                                                                       : 1;
  if (o->scenario != SC_MIXED && o->scenario != SC_SERVICES &&
      o->scenario != SC_FLOOD && o->scenario != SC_COLLIDE && o->packets > 1000)
    gen_die("--packets: %" PRIu64
            " rounds is too many for this scenario (at most 1000)",
            o->packets);
}

static FILE *open_side_file(const char *opt, const char *path) {
  FILE *fp = fopen(path, "w");

  if (fp == NULL)
    gen_die("%s %s: cannot open for writing: %s", opt, path, strerror(errno));
  return fp;
}

int main(int argc, char **argv) {
  static struct gen gen; /* large (payload pool, frame): not on the stack */
  struct gen *g = &gen;
  struct options o;
  FILE *truth_fp = NULL, *rules_fp = NULL, *class_truth_fp = NULL;
  struct rng pool_rng;

  parse_args(argc, argv, &o);
  /* open every output first: a bad path must fail before minutes of work */
  if (o.truth != NULL)
    truth_fp = open_side_file("--truth", o.truth);
  if (o.rules != NULL)
    rules_fp = open_side_file("--rules", o.rules);
  if (o.class_truth != NULL)
    class_truth_fp = open_side_file("--class-truth", o.class_truth);
  if (o.labels != NULL) {
    g->labels = open_side_file("--labels", o.labels);
    g->labels_path = o.labels;
  }
  gen_writer_open(&g->out, o.out, o.format, gen_link_infos[o.link].linktype);

  g->link = o.link;
  g->live = o.scenario == SC_LIVE;
  g->rng.s = o.seed;
  /* payload bytes come from their own stream, so adding a case does not
   * shift the payloads of all the others */
  pool_rng.s = o.seed ^ 0x5eed5eed5eed5eedULL;
  for (size_t i = 0; i < POOL_SIZE; i += 8) {
    uint64_t v = gen_rng_next(&pool_rng);

    gen_wr_le32(g->pool + i,
                (uint32_t)v); /* not memcpy: same bytes on any endianness */
    gen_wr_le32(g->pool + i + 4, (uint32_t)(v >> 32));
  }
  g->ts_us = START_EPOCH_S * 1000000ULL;
  if (o.scenario == SC_MIXED) {
    g->ts_min_step = 1;
    g->ts_max_step = 20;
    gen_scenario_mixed(g, o.packets);
  } else if (o.scenario == SC_SERVICES) {
    g->ts_min_step = 1;
    g->ts_max_step = 20;
    gen_scenario_services(g, o.packets);
  } else if (o.scenario == SC_FLOWS) {
    gen_scenario_flows(g, !o.no_top); /* sets every timestamp itself */
  } else if (o.scenario == SC_FLOOD) {
    gen_scenario_flood(g, o.packets, !o.no_top);
  } else if (o.scenario == SC_COLLIDE) {
    gen_scenario_collide(g, o.packets, o.keys, !o.no_top);
  } else if (o.scenario == SC_TCP) {
    gen_scenario_tcp(g); /* sets every timestamp itself */
  } else if (o.scenario == SC_ATTACK) {
    gen_scenario_attack(g); /* sets every timestamp itself */
  } else if (o.scenario == SC_CLASSES) {
    gen_classes_write_rules(rules_fp, o.rules);
    gen_scenario_classes(g, class_truth_fp,
                         o.class_truth); /* sets every timestamp itself */
  } else {
    g->ts_min_step = 5;
    g->ts_max_step = 2000;
    gen_scenario_coverage(g, o.packets);
  }
  gen_writer_close(&g->out);
  if (g->labels != NULL &&
      (fflush(g->labels) != 0 || ferror(g->labels) || fclose(g->labels) != 0))
    gen_die("--labels %s: write failed: %s", g->labels_path, strerror(errno));
  gen_truth_check(&g->truth);
  if (truth_fp != NULL)
    gen_truth_write(&g->truth, truth_fp, o.truth);
  return 0;
}
