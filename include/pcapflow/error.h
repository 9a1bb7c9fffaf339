/* error.h - the size of the error buffers the API writes its messages to.
 *
 * Every function of the API that can fail takes `char *err, size_t errlen`
 * and writes one line naming what failed and why (the option and value, the
 * file position, the failing call). A buffer of PF_ERR_MAX bytes holds any
 * such message whole; a smaller one gets it cut, never overrun. */
#ifndef PCAPFLOW_ERROR_H
#define PCAPFLOW_ERROR_H

#define PF_ERR_MAX 1024

#endif
