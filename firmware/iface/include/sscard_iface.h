/* The standard terminal interface of social-security card readers (docs/CARD.md "The standard terminal
 * interface"; signatures as LD/T 6001.5-2023 lists them), implemented by libsscard_iface on the sscard
 * firmware. Every function returns 0 on success or a negative error code, and writes a NUL-terminated text
 * into pOutInfo: the result on success, a one-line reason on failure. pOutInfo must hold at least
 * SSCARD_IFACE_OUT_SIZE bytes. Text is GBK unless SSCARD_IFACE_ENCODING=UTF-8 (see firmware/iface/README.md
 * for the environment variables that choose the reader, the PSAM and the PIN pad).
 *
 * Error codes (docs/CARD.md "Error codes"; firmware/ssc/include/sscard/ssc/interface_code.h): -1 wrong card
 * (type) / not a social-security card, -2 no card, -11 reader connection (also: PIN pad not connected),
 * -21 internal authentication failed, -25 HSM mismatch, -31 PIN entry cancelled, -32 PIN entry timed out,
 * -33 wrong PIN length (fewer than 4 or more than 12 digits), -34 the two new-PIN entries differ, -35 the
 * initial PIN may not transact, -36 the new PIN may not be the initial PIN, -51 wrong PIN, -52 PIN locked,
 * -2201 no PSAM, -2202 algorithm unsupported, -2203 the PSAM has no RKSSSE, -2204 HSM mode not needed; any
 * other status word of the card or the PSAM as minus its value in decimal (6A82 -> -27266). */
#ifndef SSCARD_IFACE_H
#define SSCARD_IFACE_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define SSCARD_IFACE_API __declspec(dllexport)
#else
#define SSCARD_IFACE_API __attribute__((visibility("default")))
#endif

/* The room pOutInfo must offer; longer texts are cut at a character boundary. */
#define SSCARD_IFACE_OUT_SIZE 1024

/* iType: 1 contact, 2 contactless, 3 contact first then contactless, 4 contactless first then contact. */

/* region|SSN|card number|卡识别码|name|ATR historical|spec version|issue date|expiry|terminal number|device number|
 * read in PSAM mode (internal authentication; external authentication on 3rd-generation cards). */
SSCARD_IFACE_API long iReadCardBas(int iType, char* pOutInfo);

/* Asks for the PIN on the PIN pad and verifies it. */
SSCARD_IFACE_API long iVerifyPIN(int iType, char* pOutInfo);

/* Asks for the current PIN and the new PIN twice, and changes it. */
SSCARD_IFACE_API long iChangePIN(int iType, char* pOutInfo);

/* Sets a new PIN (asked twice) with the PSAM's PIN-reload key. pCardInfo: NULL or "" for any card, otherwise
 * a '|'-separated text (e.g. an iReadCardBas line) whose 32-hex-digit field must be the card's 卡识别码. */
SSCARD_IFACE_API long iReloadPIN(int iType, char* pCardInfo, char* pOutInfo);

/* Resets the PIN try counter with the PSAM's PIN-unblock key; pCardInfo as for iReloadPIN. */
SSCARD_IFACE_API long iUnblockPIN(int iType, char* pCardInfo, char* pOutInfo);

/* HSM mode, step 1 (3rd-generation cards only):
 * region|ATR historical|algorithm|卡识别码|PF|D|card factor|challenge|device number| */
SSCARD_IFACE_API long iReadCardBas_HSM_Step1(int iType, char* pOutInfo);

/* HSM mode, step 2: pKey = "R'|A|" from the host's HSM; writes the iReadCardBas line. */
SSCARD_IFACE_API long iReadCardBas_HSM_Step2(char* pKey, char* pOutInfo);

#ifdef __cplusplus
}
#endif

#endif /* SSCARD_IFACE_H */
