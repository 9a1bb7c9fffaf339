/* sig.h - the signals pcapflow-top answers: SIGHUP, SIGINT and SIGTERM end
 * it (the terminal given back first, then the signal raised again, so that
 * whoever started it sees how it ended), SIGWINCH redraws the view. A
 * handler only notes the signal and writes a byte into a pipe that every
 * wait polls, so a signal ends any wait at once: on collectd, on the
 * terminal's keys, on room to write to a terminal nobody reads, between
 * batch screens. Signals ignored when the program started (nohup, a
 * script's background job) stay ignored. */
#ifndef PCAPFLOW_TOP_SIG_H
#define PCAPFLOW_TOP_SIG_H

#include <stdbool.h>

/* Installs the handlers (SIGWINCH's too if resize) and makes the pipe;
 * -1 if it cannot. */
int pft_sig_init(bool resize);
/* The pipe's read end: readable once a signal arrived; -1 before init. */
int pft_sig_fd(void);
/* Empties the pipe (the notes stay). */
void pft_sig_drain(void);
/* The signal that ends the program, 0 while none arrived. */
int pft_sig_quit(void);
/* True once after each resize. */
bool pft_sig_resized(void);
/* Waits `seconds`, or until a signal arrives. */
void pft_sig_sleep(double seconds);
/* Ends the program by the signal that arrived, as if it had not been
 * caught; returns if none did. */
void pft_sig_reraise(void);

#endif
