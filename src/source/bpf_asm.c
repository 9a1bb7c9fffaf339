/* bpf_asm.c - a small assembler for classic BPF (bpf_asm.h). */
#include "source/bpf_asm.h"

unsigned pf_asm_label(struct pf_asm *a) {
  if (a->n_labels == PF_ASM_LABELS) {
    a->full = true;
    return 0;
  }
  a->label_at[a->n_labels] = UINT32_MAX;
  return a->n_labels++;
}

void pf_asm_bind(struct pf_asm *a, unsigned label) {
  a->label_at[label] = a->n;
}

static void pf_asm_put(struct pf_asm *a, uint16_t code, uint32_t k, unsigned jt,
                       unsigned jf, bool jump) {
  if (a->n == PF_ASM_MAX) {
    a->full = true;
    return;
  }
  a->ins[a->n] = (struct sock_filter){.code = code, .k = k};
  a->jt[a->n] = (uint16_t)jt;
  a->jf[a->n] = (uint16_t)jf;
  a->is_jump[a->n] = jump;
  a->n++;
}

void pf_asm_op(struct pf_asm *a, uint16_t code, uint32_t k) {
  pf_asm_put(a, code, k, 0, 0, false);
}

void pf_asm_if(struct pf_asm *a, uint16_t cond, uint32_t k, unsigned jt,
               unsigned jf) {
  pf_asm_put(a, BPF_JMP | cond | BPF_K, k, jt, jf, true);
}

void pf_asm_goto(struct pf_asm *a, unsigned label) {
  pf_asm_put(a, BPF_JMP | BPF_JA, 0, label, PF_ASM_NEXT, true);
}

/* A jump's offset to label from the instruction at `at`, or -1. */
static long pf_asm_offset(const struct pf_asm *a, unsigned at, unsigned label) {
  if (label == PF_ASM_NEXT)
    return 0;
  unsigned to = a->label_at[label];
  return to == UINT32_MAX || to <= at ? -1 : (long)(to - at - 1);
}

unsigned pf_asm_finish(struct pf_asm *a) {
  if (a->full)
    return 0;
  for (unsigned i = 0; i < a->n; i++) {
    if (!a->is_jump[i])
      continue;
    long t = pf_asm_offset(a, i, a->jt[i]);
    if (BPF_OP(a->ins[i].code) == BPF_JA) {
      if (t < 0)
        return 0;
      a->ins[i].k = (uint32_t)t;
      continue;
    }
    long f = pf_asm_offset(a, i, a->jf[i]);
    if (t < 0 || f < 0 || t > 255 || f > 255)
      return 0;
    a->ins[i].jt = (uint8_t)t;
    a->ins[i].jf = (uint8_t)f;
  }
  return a->n;
}
