/* The append-only record log on two 16 KiB sectors (docs/protocol.md section 4;
 * simulator/storage.py is the reference): header "KBS1" || generation || wipes ||
 * CRC, then records 5A || key || len || value || CRC. */
#ifndef KB_STORAGE_H
#define KB_STORAGE_H

#include <stddef.h>
#include <stdint.h>

#define KB_KEY_PIN_HASH 0x01
#define KB_KEY_PIN_FAILS 0x02
#define KB_KEY_SEED 0x03
#define KB_KEY_BIND_CODE 0x04
#define KB_KEY_BOUND_APP 0x05
#define KB_KEY_BOUND_PC 0x06
#define KB_KEY_BLE_NAME 0x07

/* Finds the live sector (formatting when there is none) and indexes its records. */
void kb_storage_mount(void);

/* Copies the value of key into out (at most cap bytes) and returns its length,
 * or -1 when the key is absent. */
int kb_storage_get(uint8_t key, uint8_t *out, size_t cap);
int kb_storage_has(uint8_t key);

/* Appends one record (len 0 deletes), compacting first when the sector is dirty
 * or full. May end in a power cut. */
void kb_storage_put(uint8_t key, const uint8_t *value, size_t len);

/* Forgets every record; the wipe counter goes up by one (3 writes). */
void kb_storage_wipe(void);

uint32_t kb_storage_wipes(void);

#endif
