/* bpf_asm.h - a small assembler for classic BPF: instructions appended in
 * order, jumps to labels bound later (classic BPF jumps only forward),
 * offsets resolved at the end. */
#ifndef PCAPFLOW_SOURCE_BPF_ASM_H
#define PCAPFLOW_SOURCE_BPF_ASM_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stdint.h>

#define PF_ASM_MAX 1024 /* instructions */
#define PF_ASM_LABELS 160
#define PF_ASM_NEXT 0xffffu /* a jump's "the next instruction" */

struct pf_asm {
  struct sock_filter *ins; /* PF_ASM_MAX of them, the caller's */
  unsigned n;
  unsigned label_at[PF_ASM_LABELS];
  unsigned n_labels;
  uint16_t jt[PF_ASM_MAX], jf[PF_ASM_MAX]; /* label ids */
  bool is_jump[PF_ASM_MAX];
  bool full;
};

/* A new label, bound to nothing yet. */
unsigned pf_asm_label(struct pf_asm *a);
/* Binds label to the next instruction appended. */
void pf_asm_bind(struct pf_asm *a, unsigned label);
/* Appends an instruction that does not jump. */
void pf_asm_op(struct pf_asm *a, uint16_t code, uint32_t k);
/* if (A <cond> k) goto jt else goto jf; cond is BPF_JEQ, BPF_JSET, ... */
void pf_asm_if(struct pf_asm *a, uint16_t cond, uint32_t k, unsigned jt,
               unsigned jf);
/* goto label (BPF_JA: any distance). */
void pf_asm_goto(struct pf_asm *a, unsigned label);
/* Resolves every jump and returns the program's length: 0 when it ran out
 * of room or labels, or a jump has no label, goes back, or is a
 * conditional one past its 255 reach. */
unsigned pf_asm_finish(struct pf_asm *a);

#endif
