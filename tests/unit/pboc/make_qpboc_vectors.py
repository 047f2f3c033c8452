#!/usr/bin/env python3
"""Writes data/qpboc-fdda.txt: the contactless records of the generation 3 card 6200515109004011018 packed as
docs/CONTACTLESS.md §2.2 says (its certificates from cards/keys), and fDDA signatures (9F4B) for one fixed tap,
built from the byte layouts of docs/PAYMENT.md 7.2 / 7.3 and CONTACTLESS.md 2.3 with Python's hashlib, pow and
the openssl command line only (not the project's code). SM2 signatures are randomised: rerunning changes them.

    python3 tests/unit/pboc/make_qpboc_vectors.py
"""
import hashlib
import json
import os
import re
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
PAN = "6200515109004011018"
ATC = bytes.fromhex("0010")
UN = bytes.fromhex("1A2B3C4D")          # terminal 9F37
AMOUNT = bytes.fromhex("000000001234")  # 9F02
CURRENCY = bytes.fromhex("0156")
CARD_AUTH = bytes.fromhex("01" "5E6F7A8B" "0000" "00")  # 9F69: 01 | card UN | CTQ | 00


def keys(name):
    with open(os.path.join(ROOT, "cards", "keys", name)) as f:
        return json.load(f)


def tlv(tag, value):
    n = len(value)
    length = bytes([n]) if n < 0x80 else (bytes([0x81, n]) if n < 0x100 else bytes([0x82, n >> 8, n & 0xFF]))
    return bytes.fromhex(tag) + length + value


def rsa_sign(msg, n_hex, d_hex):
    n = int(n_hex, 16)
    size = len(n_hex) // 2
    block = b"\x6A" + msg[:size - 22] + hashlib.sha1(msg).digest() + b"\xBC"
    return pow(int.from_bytes(block, "big"), int(d_hex, 16), n).to_bytes(size, "big")


def sm2_sign(msg, pem):
    with tempfile.TemporaryDirectory() as tmp:
        key = os.path.join(tmp, "k.pem")
        data = os.path.join(tmp, "m.bin")
        with open(key, "w") as f:
            f.write(pem)
        with open(data, "wb") as f:
            f.write(msg)
        der = subprocess.run(["openssl", "dgst", "-sm3", "-sign", key, "-sigopt", "distid:1234567812345678", data],
                             check=True, capture_output=True).stdout
        with open(data, "wb") as f:
            f.write(der)
        text = subprocess.run(["openssl", "asn1parse", "-inform", "DER", "-in", data], check=True,
                              capture_output=True).stdout.decode()
    ints = re.findall(r"INTEGER\s+:([0-9A-F]+)", text)
    return b"".join(bytes.fromhex(v.rjust(64, "0")) for v in ints)


def main():
    card = keys("test-payment-cards.json")["cards"][PAN]
    issuer = keys("test-payment-keys.json")["issuers"]["510000"]
    ca = {k["algorithm"]: k for k in keys("test-ca-public.json")["keys"]}
    terminal_data = UN + AMOUNT + CURRENCY + CARD_AUTH
    out = ["# Written by make_qpboc_vectors.py from cards/keys (hashlib, pow, openssl); layouts of",
           "# docs/PAYMENT.md 7.2-7.3 and docs/CONTACTLESS.md 2.2-2.3. Tap: ATC 0010, 9F37 1A2B3C4D, 12.34 yuan,",
           "# 9F69 " + CARD_AUTH.hex().upper() + "."]
    rows = {"ca_rsa_modulus": ca["rsa"]["modulus"], "ca_sm2_point": ca["sm2"]["public_key"],
            "card_auth_data": CARD_AUTH.hex()}
    for family in ("rsa", "sm2"):
        static = bytes.fromhex(card[family]["static_data"])
        rows[family + "_aip"] = static[-2:].hex()
        rows[family + "_record1"] = tlv("70", static[:-2]).hex()
        if family == "rsa":
            rec2 = (tlv("8F", b"\xE0") + tlv("9F32", bytes.fromhex(issuer["rsa"]["exponent"])) +
                    tlv("92", bytes.fromhex(issuer["rsa"]["remainder"])) +
                    tlv("90", bytes.fromhex(issuer["rsa"]["certificate"])))
            rec3 = (tlv("9F46", bytes.fromhex(card["rsa"]["icc_certificate"])) + tlv("9F47", b"\x03") +
                    tlv("9F48", bytes.fromhex(card["rsa"]["icc_remainder"])) + tlv("9F69", CARD_AUTH))
            msg = b"\x05\x01\x03\x02" + ATC + b"\xBB" * 100 + terminal_data
            key = card["rsa"]["key"]
            rows["rsa_sdad"] = rsa_sign(msg, key["n"], key["d"]).hex()
        else:
            rec2 = tlv("8F", b"\xE1") + tlv("90", bytes.fromhex(issuer["sm2"]["certificate"]))
            rec3 = tlv("9F46", bytes.fromhex(card["sm2"]["icc_certificate"])) + tlv("9F69", CARD_AUTH)
            fields = b"\x15\x03\x02" + ATC
            rows["sm2_sdad"] = (fields + sm2_sign(fields + terminal_data, card["sm2"]["key"]["pem"])).hex()
        rows[family + "_record2"] = tlv("70", rec2).hex()
        rows[family + "_record3"] = tlv("70", rec3).hex()
    for k, v in rows.items():
        out.append(f"{k} | {v.upper()}")
    with open(os.path.join(HERE, "data", "qpboc-fdda.txt"), "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
