#include "zbar_qr.h"

#include <string.h>
#include <zbar.h>

enum sscard_zbar_result sscard_zbar_find_qr(const unsigned char *grey, unsigned width, unsigned height,
                                            char *text, size_t capacity, size_t *length) {
  *length = 0;
  zbar_image_scanner_t *scanner = zbar_image_scanner_create();
  zbar_image_t *image = zbar_image_create();
  if (scanner == NULL || image == NULL) {
    if (image != NULL) zbar_image_destroy(image);
    if (scanner != NULL) zbar_image_scanner_destroy(scanner);
    return SSCARD_ZBAR_FAILED;
  }
  /* QR codes only: a barcode on a holder's paper is not a code for the kiosk. */
  zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
  zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);

  zbar_image_set_format(image, zbar_fourcc('Y', '8', '0', '0'));
  zbar_image_set_size(image, width, height);
  /* zbar reads the caller's pixels and never frees them (no cleanup handler). */
  zbar_image_set_data(image, grey, (unsigned long)width * height, NULL);

  enum sscard_zbar_result result = SSCARD_ZBAR_NONE;
  if (zbar_scan_image(scanner, image) < 0) {
    result = SSCARD_ZBAR_FAILED;
  } else {
    const zbar_symbol_t *symbol = zbar_image_first_symbol(image);
    for (; symbol != NULL && result != SSCARD_ZBAR_TOO_LONG && result != SSCARD_ZBAR_AMBIGUOUS;
         symbol = zbar_symbol_next(symbol)) {
      if (zbar_symbol_get_type(symbol) != ZBAR_QRCODE) continue;
      const char *data = zbar_symbol_get_data(symbol);
      const size_t size = zbar_symbol_get_data_length(symbol);
      if (size > capacity) {
        result = SSCARD_ZBAR_TOO_LONG;
      } else if (result == SSCARD_ZBAR_NONE) {
        if (size > 0) memcpy(text, data, size);
        *length = size;
        result = SSCARD_ZBAR_FOUND;
      } else if (size != *length || (size > 0 && memcmp(text, data, size) != 0)) {
        result = SSCARD_ZBAR_AMBIGUOUS;
      }
    }
  }
  if (result != SSCARD_ZBAR_FOUND) *length = 0;
  zbar_image_destroy(image);
  zbar_image_scanner_destroy(scanner);
  return result;
}
