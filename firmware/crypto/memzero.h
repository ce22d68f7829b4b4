/* Secret wiping that the optimiser may not remove. */
#ifndef KB_MEMZERO_H
#define KB_MEMZERO_H

#include <stddef.h>

/* Zero n bytes at p. A plain memset on a buffer that is dead afterwards can be
 * dropped by the compiler; writing through a volatile pointer cannot. */
void kb_memzero(void *p, size_t n);

#endif
