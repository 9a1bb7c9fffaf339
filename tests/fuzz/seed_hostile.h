/* seed_hostile.h - the hand-built seeds at the decoder's edges. */
#ifndef PCAPFLOW_FUZZ_SEED_HOSTILE_H
#define PCAPFLOW_FUZZ_SEED_HOSTILE_H

/* Writes every hostile seed into dir as hostile-NAME. */
void fz_write_hostile(const char *dir);

#endif
