/* What is kept in storage and the rules around it: PIN, wrong-PIN counter, wipe,
 * wallet seed, binding code (simulator/device.py "Stored state"). */
#ifndef KB_SECRETS_H
#define KB_SECRETS_H

#include <stddef.h>
#include <stdint.h>

int kb_has_pin(void);
int kb_has_wallet(void);
int kb_pin_fails(void);

/* Stores the PIN hash (1 write) and unlocks. */
void kb_set_pin(const char *pin, size_t n);

/* One PIN attempt: programs fails + 1 before comparing. Right: programs 0 and
 * unlocks, or wipes when wipe_if_right. Wrong on the fifth: wipes.
 * Returns 1 if right; *left gets the attempts left (5 when right, 0 after a wipe). */
int kb_try_pin(const char *pin, size_t n, int wipe_if_right, int *left);

/* Forget everything (wipes + 1) and lock. */
void kb_wipe(void);

/* Stores the BIP39 seed of the mnemonic (1 write), then draws and stores a
 * binding code (1 write). */
void kb_commit_wallet(const char *mnemonic);

/* The 8-character binding code; 0 if there is none. */
int kb_binding_code(char code[8]);

/* The 64-byte wallet seed; 0 if there is none. */
int kb_wallet_seed(uint8_t seed[64]);

#endif
