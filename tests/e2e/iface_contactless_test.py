#!/usr/bin/env python3
"""libsscard_iface from another language (ctypes): iReadCardBas with iType 2 (contactless) and 1 (contact) on
the bundled 3rd-generation cards, simulated, with a simulated kiosk PSAM (docs/CONTACTLESS.md §1, §8).

Expected values come from the profiles themselves (cards/*.json): region, SSN, name, and the historical bytes
of the contact ATR, which this script takes out of the ATR by ISO/IEC 7816-3's rules on its own.

Usage: iface_contactless_test.py LIBSSCARD_IFACE CARDS_DIR
"""
import ctypes
import json
import os
import sys
import tempfile

OUT_SIZE = 1024


def historical_bytes(atr_hex):
    """The historical bytes of an ATR (ISO/IEC 7816-3 8.2): T0's K, after the interface bytes TDi announce."""
    atr = bytes.fromhex(atr_hex)
    k = atr[1] & 0x0F
    y = atr[1] >> 4
    at = 2
    while True:
        present = [bit for bit in (1, 2, 4) if y & bit]
        at += len(present)
        if y & 8:
            td = atr[at]
            at += 1
            y = td >> 4
        else:
            break
    return atr[at:at + k].hex().upper()


def read(lib, itype):
    buf = ctypes.create_string_buffer(OUT_SIZE)
    code = lib.iReadCardBas(itype, buf)
    return code, buf.value.decode("utf-8")


def main():
    lib_path, cards_dir = sys.argv[1], sys.argv[2]
    failures = []

    def check(what, actual, expected):
        if actual != expected:
            failures.append(f"{what}: got {actual!r}, expected {expected!r}")

    with tempfile.TemporaryDirectory(prefix="sscard-iface-py-") as state:
        os.environ["XDG_STATE_HOME"] = state  # simulated cards' memory: fresh for this run
        os.environ["SSCARD_CARDS_DIR"] = cards_dir
        os.environ["SSCARD_IFACE_ENCODING"] = "UTF-8"
        for name in ("SSCARD_PINPAD", "SSCARD_TRACE", "SSCARD_DEVICE_NUMBER", "SSCARD_CONTACTLESS_READER"):
            os.environ.pop(name, None)

        lib = ctypes.CDLL(lib_path)
        lib.iReadCardBas.argtypes = [ctypes.c_int, ctypes.c_char_p]
        lib.iReadCardBas.restype = ctypes.c_long

        for profile, psam in (("cq-tongnan-gen3", "cq-kiosk"), ("sc-suining-gen3", "sc-kiosk")):
            with open(os.path.join(cards_dir, profile + ".json"), encoding="utf-8") as f:
                p = json.load(f)
            os.environ["SSCARD_CARD"] = "sim:" + profile
            os.environ["SSCARD_PSAM"] = "sim:" + psam
            lines = {}
            for itype in (2, 1):
                code, line = read(lib, itype)
                check(f"{profile} iType {itype} code ({line})", code, 0)
                fields = line.split("|")
                check(f"{profile} iType {itype} field count", len(fields), 12)  # 11 fields, each ended by '|'
                if len(fields) < 12:
                    continue
                check(f"{profile} iType {itype} region", fields[0], p["issuer"]["region"])
                check(f"{profile} iType {itype} SSN", fields[1], p["holder"]["ssn"])
                check(f"{profile} iType {itype} name", fields[4], p["holder"]["name"])
                check(f"{profile} iType {itype} historical bytes", fields[5], historical_bytes(p["atr"]))
                lines[itype] = fields
            if 1 in lines and 2 in lines:
                check(f"{profile} field 6 on both interfaces", lines[2][5], lines[1][5])
                check(f"{profile} whole line on both interfaces", lines[2], lines[1])

        # A 2nd-generation card is not in the field: -2, no card.
        os.environ["SSCARD_CARD"] = "sim:cq-yuzhong-gen2"
        os.environ["SSCARD_PSAM"] = "sim:cq-kiosk"
        code, line = read(lib, 2)
        check(f"cq-yuzhong-gen2 iType 2 code ({line})", code, -2)

    for f in failures:
        print("FAIL:", f)
    print(f"{'FAILED' if failures else 'passed'}: iReadCardBas through ctypes")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
