# Make fragment for the crypto library. Include it from any Makefile:
#   include path/to/firmware/crypto/crypto.mk
#   SRCS += $(CRYPTO_SRCS)
#   CFLAGS += $(CRYPTO_CFLAGS)
# CRYPTO_DIR is this file's directory exactly as the include named it (relative
# to the including make's working directory, or absolute), so it works from
# any Makefile. Include it before any other include changes MAKEFILE_LIST's tail.

CRYPTO_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))

CRYPTO_SRCS := $(addprefix $(CRYPTO_DIR)/, \
    memzero.c \
    sha1.c \
    sha256.c \
    sha512.c \
    hmac.c \
    pbkdf2.c \
    aes128.c \
    secp256k1.c \
    secp256k1_field.c \
    bip32.c \
    bip39.c \
    bip39_english.c)

CRYPTO_HDRS := $(wildcard $(CRYPTO_DIR)/*.h)

CRYPTO_CFLAGS := -I$(CRYPTO_DIR) -std=c99
