/* The one call into libzbar, made from C: zbar.h, included from C++, brings in zbar's C++ wrapper classes,
 * which throw exceptions, and the HAL is compiled without them. */
#ifndef SSCARD_HAL_SCANNER_ZBAR_QR_H
#define SSCARD_HAL_SCANNER_ZBAR_QR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum sscard_zbar_result {
  SSCARD_ZBAR_FOUND = 0,     /* one QR code (or several with the same text): `text` holds it */
  SSCARD_ZBAR_NONE = 1,      /* no QR code */
  SSCARD_ZBAR_TOO_LONG = 2,  /* a QR code whose text does not fit `capacity` bytes */
  SSCARD_ZBAR_AMBIGUOUS = 3, /* QR codes with different texts */
  SSCARD_ZBAR_FAILED = 4     /* zbar could not run (out of memory) */
};

/* Looks for QR codes in an 8-bit grey picture (`width` x `height` bytes, rows top down, no padding). On
 * SSCARD_ZBAR_FOUND, text[0..*length) holds the code's bytes as zbar gives them (not NUL-terminated). */
enum sscard_zbar_result sscard_zbar_find_qr(const unsigned char *grey, unsigned width, unsigned height,
                                            char *text, size_t capacity, size_t *length);

#ifdef __cplusplus
}
#endif

#endif
