/* Short APDUs and the command table (docs/protocol.md section 2;
 * simulator/host_commands.py is the reference). */
#ifndef KB_APDU_H
#define KB_APDU_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t cla, ins, p1, p2;
    const uint8_t *data;
    size_t lc;      /* data length (0: no data) */
    int le;         /* -1: no Le byte */
} kb_apdu;

/* Cases 1-4; -1 for any other length (the device answers 6700). */
int kb_apdu_parse(const uint8_t *raw, size_t len, kb_apdu *out);

/* A command handler: writes its answer data into out (capacity cap), sets *n,
 * returns the status word. */
typedef uint16_t (*kb_cmd_fn)(const kb_apdu *a, uint8_t *out, size_t cap, size_t *n);

/* cmd_info.c */
uint16_t kb_cmd_select(const kb_apdu *a, uint8_t *out, size_t cap, size_t *n);
uint16_t kb_cmd_se_data(const kb_apdu *a, uint8_t *out, size_t cap, size_t *n);
uint16_t kb_cmd_serial(const kb_apdu *a, uint8_t *out, size_t cap, size_t *n);
uint16_t kb_cmd_battery(const kb_apdu *a, uint8_t *out, size_t cap, size_t *n);
uint16_t kb_cmd_lifecycle(const kb_apdu *a, uint8_t *out, size_t cap, size_t *n);
uint16_t kb_cmd_get_ble_name(const kb_apdu *a, uint8_t *out, size_t cap, size_t *n);
uint16_t kb_cmd_set_ble_name(const kb_apdu *a, uint8_t *out, size_t cap, size_t *n);
/* cmd_bind.c */
uint16_t kb_cmd_bind_check(const kb_apdu *a, uint8_t *out, size_t cap, size_t *n);
uint16_t kb_cmd_display_bind_code(const kb_apdu *a, uint8_t *out, size_t cap, size_t *n);
uint16_t kb_cmd_identity_verify(const kb_apdu *a, uint8_t *out, size_t cap, size_t *n);
/* cmd_pubkey.c */
int kb_path_valid(const uint8_t *path, size_t len);
uint16_t kb_cmd_public_key(const kb_apdu *a, uint8_t *out, size_t cap, size_t *n);

#endif
