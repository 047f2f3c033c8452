/* Proves that a C program links libsscard_iface through sscard_iface.h alone, and calls every function once
 * against a simulated 3rd-generation card and kiosk PSAM. Exit status 0 when every call returned what the
 * documentation says. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sscard_iface.h"

static int failures = 0;

static int remove_entry(const char* path, const struct stat* st, int flag, struct FTW* ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static void check(const char* what, long got, long expected, const char* out) {
  if (got != expected) {
    fprintf(stderr, "%s: got %ld, expected %ld (%s)\n", what, got, expected, out);
    ++failures;
  }
}

int main(void) {
  char out[SSCARD_IFACE_OUT_SIZE];
  /* Simulated cards keep their memory between runs: this run starts from the profiles in a folder of its own. */
  char state[] = "/tmp/sscard-iface-link-XXXXXX";
  if (mkdtemp(state) == NULL) {
    perror("mkdtemp");
    return 1;
  }
  setenv("XDG_STATE_HOME", state, 1);
  setenv("SSCARD_CARDS_DIR", SSCARD_CARDS_DIR, 1);
  setenv("SSCARD_CARD", "sim:sc-suining-gen3", 1);
  setenv("SSCARD_PSAM", "sim:sc-kiosk", 1);
  setenv("SSCARD_IFACE_ENCODING", "UTF-8", 1);

  check("iReadCardBas", iReadCardBas(1, out), 0, out);
  if (strncmp(out, "510900|510902195503020033|SN2401101|", 36) != 0) {
    fprintf(stderr, "iReadCardBas line: %s\n", out);
    ++failures;
  }
  /* initial PIN 123456: verifies, but may not transact */
  setenv("SSCARD_PINPAD", "sim:123456", 1);
  check("iVerifyPIN", iVerifyPIN(1, out), -35, out);
  setenv("SSCARD_PINPAD", "sim:123456,917364,917364", 1);
  check("iChangePIN", iChangePIN(1, out), 0, out);
  setenv("SSCARD_PINPAD", "sim:917364", 1);
  check("iVerifyPIN", iVerifyPIN(1, out), 0, out);
  check("iUnblockPIN", iUnblockPIN(1, NULL, out), 0, out);
  setenv("SSCARD_PINPAD", "sim:736491,736491", 1);
  check("iReloadPIN", iReloadPIN(1, "", out), 0, out);
  check("iReadCardBas_HSM_Step1", iReadCardBas_HSM_Step1(1, out), 0, out);
  check("iReadCardBas_HSM_Step2", iReadCardBas_HSM_Step2("0000000000000000|0000000000000000|", out), -25, out);
  check("iReadCardBas_HSM_Step2 without Step1", iReadCardBas_HSM_Step2("0|0|", out), -25, out);

  nftw(state, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
  if (failures == 0) printf("all interface functions linked and answered as documented\n");
  return failures == 0 ? 0 : 1;
}
