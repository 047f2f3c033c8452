#!/usr/bin/env python3
"""Known-answer vectors of docs/PAYMENT.md (sections 6 and 7), computed with the `openssl` command line and
Python's standard library only, never with the project's code, so that the card, the terminal kernel and the
issuer hosts are each checked against a third party rather than against one another.

Writes, under tests/data/pboc/:
  derivation.txt         issuer master keys, Y, UDKs and session keys of every payment card (section 6.1, 6.2)
  cryptogram.txt         ARQC / TC / AAC and ARPC (6.3, 6.4), with the worked example of 6.3
  secure-messaging.txt   script MACs, enciphered data and PIN change blocks (6.5, 6.6), with the examples of 6.6
  medical.txt            the medical settlement shares of section 11, with its two worked examples
  signature.txt          RSA signature blocks X = 6A || MSG1 || SHA-1(MSG) || BC, their raw private and
                         public operations, and SM2 signed objects of 7.3 (7.2, 7.3)
Test-only keys for signature.txt are kept in tests/data/pboc/keys/ (made once with `openssl genpkey`;
--new-keys replaces them, which changes every signature vector).

Usage: tools/payment-vectors.py [--new-keys]
Each vector line: name | algorithm | inputs (key=value, hex unless said) | expected (hex).
"""
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "pboc"
KEYS = OUT / "keys"


# ---------------------------------------------------------------------------------------------- openssl calls

def run(args, data=b""):
    return subprocess.run(args, input=data, capture_output=True, check=True).stdout


def ecb(cipher, key, data):
    return run(["openssl", "enc", "-" + cipher, "-K", key.hex(), "-nopad"], data)


def cbc(cipher, key, iv, data):
    return run(["openssl", "enc", "-" + cipher, "-K", key.hex(), "-iv", iv.hex(), "-nopad"], data)


def tdes(key, data):  # 2-key triple DES, K1 K2 K1
    return ecb("des-ede-ecb", key, data)


def sm4(key, data):
    return ecb("sm4-ecb", key, data)


def sha(name, data):
    return run(["openssl", "dgst", "-" + name, "-binary"], data)


def xor(a, b):
    return bytes(x ^ y for x, y in zip(a, b))


def hx(b):
    return b.hex().upper()


# ------------------------------------------------------------------------------------------ section 6 (keys)

def master_key(province, family, kind):
    # 6.1: the first 16 bytes of SHA-256("sscard test payment key <province> <3des|sm4> <ac|mac|enc>").
    return sha("sha256", f"sscard test payment key {province} {family} {kind}".encode())[:16]


def luhn_digit(digits):
    # ISO/IEC 7812-1 annex B: from the right, every second digit (starting with the rightmost) doubled.
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def pan_of(profile):
    # Section 3: 6200 || province's two digits || card region || last 6 of card_number || Luhn check digit.
    issuer = profile["issuer"]
    body = "6200" + issuer["region"][:2] + issuer["region"] + issuer["card_number"][-6:]
    return body + luhn_digit(body)


def y_of(pan, psn="01"):
    return bytes.fromhex((pan + psn)[-16:])


def udk(family, imk, y):
    inv = xor(y, b"\xff" * 8)
    if family == "3des":
        return tdes(imk, y) + tdes(imk, inv)
    return sm4(imk, y + inv)


def session(family, key, atc):
    left = b"\x00" * 6 + atc.to_bytes(2, "big")
    right = b"\x00" * 6 + (atc ^ 0xFFFF).to_bytes(2, "big")
    if family == "3des":
        return tdes(key, left) + tdes(key, right)
    return sm4(key, left + right)


def pad2(msg, block):
    m = msg + b"\x80"
    return m + b"\x00" * (-len(m) % block)


def retail_mac(key, msg):
    # ISO/IEC 9797-1 MAC algorithm 3: single-DES CBC under K1 (3DES with K1 = K2), then 3DES(K1 K2 K1) of the
    # last block chained in.
    m = pad2(msg, 8)
    k1 = key[:8]
    h = b"\x00" * 8
    if len(m) > 8:
        h = cbc("des-ede-cbc", k1 + k1, h, m[:-8])[-8:]
    return tdes(key, xor(h, m[-8:]))


def sm4_cbc_mac(key, msg):
    return cbc("sm4-cbc", key, b"\x00" * 16, pad2(msg, 16))[-16:]


def cryptogram(family, key, data):
    return retail_mac(key, data) if family == "3des" else sm4_cbc_mac(key, data)[:8]


def arpc(family, key, arqc, arc):
    y = xor(arqc, arc + b"\x00" * 6)
    return tdes(key, y) if family == "3des" else sm4(key, y + b"\x00" * 8)[:8]


def script_mac(family, key, msg):
    return cryptogram(family, key, msg)[:4]


def sm_encipher(family, key, data):
    # 6.5: Ld || data, padded with 80 00.. only when not a block multiple, ECB.
    block = 8 if family == "3des" else 16
    plain = bytes([len(data)]) + data
    if len(plain) % block:
        plain = pad2(plain, block)
    return plain, (tdes(key, plain) if family == "3des" else sm4(key, plain))


def pin_change_block(enc_udk, new_pin, current_pin=""):
    # [5] B.10.3: D1 = 00000000 || rightmost 4 bytes of ENC UDK-A; D2 = 0N || PIN || F fill;
    # with the current PIN also D4 = its digits left-justified, 0-filled.
    d1 = b"\x00" * 4 + enc_udk[4:8]
    d2 = bytes.fromhex(("0" + "%X" % len(new_pin) + new_pin).ljust(16, "F"))
    d = xor(d1, d2)
    if current_pin:
        d = xor(d, bytes.fromhex(current_pin.ljust(16, "0")))
    return d


# -------------------------------------------------------------------------------------------------- cards

def payment_cards():
    # Section 2: every bundled generation 2 or 3 profile carries the application.
    cards = []
    for path in sorted((ROOT / "cards").glob("*.json")):
        p = json.loads(path.read_text())
        if p.get("kind") != "ssc" or "payment" not in p or p.get("generation") not in (2, 3):
            continue
        province = p["issuer"]["region"][:2] + "0000"
        families = ["3des"] + (["sm4"] if p["generation"] == 3 else [])
        cards.append({"name": path.stem, "province": province, "pan": pan_of(p), "families": families,
                      "aip": {"3des": "7D00", "sm4": "7C00"}})
    return cards


CDOL1 = "000000001234" "000000000000" "0156" "0000008000" "0156" "261204" "00" "1A2B3C4D"
CVR_ARQC = "03A00000"
CVR_TC = "03640000"   # GAC2 TC after an approved online ARQC ([5] A.1: 2.8-7 01, 2.6-5 10, 3.3 clear)
CVR_AAC = "03200000"  # GAC1 AAC: 2.8-7 10, 2.6-5 00 with byte 3 clear (an offline decline)
ATCS = [0x0001, 0x0002, 0xFFFE]


def write(name, header, lines):
    (OUT / name).write_text("\n".join(header + lines) + "\n")


def derivation(cards):
    lines = []
    for province in ("500000", "510000"):
        for family in ("3des", "sm4"):
            for kind in ("ac", "mac", "enc"):
                lines.append(f"imk.{province}.{family}.{kind} | sha256 | province={province} family={family} "
                             f"kind={kind} | {hx(master_key(province, family, kind))}")
    for c in cards:
        y = y_of(c["pan"])
        lines.append(f"{c['name']}.y | udk_factor | pan={c['pan']} psn=01 | {hx(y)}")
        for family in c["families"]:
            for kind in ("ac", "mac", "enc"):
                imk = master_key(c["province"], family, kind)
                u = udk(family, imk, y)
                lines.append(f"{c['name']}.udk.{family}.{kind} | {family} | imk={hx(imk)} y={hx(y)} | {hx(u)}")
                for atc in ATCS:
                    lines.append(f"{c['name']}.sk.{family}.{kind}.{atc:04X} | {family} | udk={hx(u)} atc={atc:04X} | "
                                 f"{hx(session(family, u, atc))}")
    header = ["# docs/PAYMENT.md 6.1, 6.2: issuer master keys, Y, UDKs, session keys. Generated by",
              "# tools/payment-vectors.py: SHA-256 by `openssl dgst -sha256 -binary`; 3DES by `openssl enc -des-ede-ecb",
              "# -K .. -nopad` (2-key, K1 K2 K1), SM4 by `openssl enc -sm4-ecb -K .. -nopad`.",
              "# name | algorithm | inputs | expected",
              "#   sha256:     the master key of (province, family, kind) = SHA-256(\"sscard test payment key <province> <family> <kind>\")[0..16]",
              "#   udk_factor: Y = rightmost 16 digits of PAN || PSN, packed BCD",
              "#   3des/sm4:   imk y -> the UDK; udk atc -> the session key"]
    write("derivation.txt", header, lines)


def keys_of(c, family, atc):
    y = y_of(c["pan"])
    out = {}
    for kind in ("ac", "mac", "enc"):
        u = udk(family, master_key(c["province"], family, kind), y)
        out[kind] = (u, session(family, u, atc))
    return out


def cryptograms(cards):
    lines = []
    for c in cards:
        for family in c["families"]:
            aip = c["aip"][family]
            for atc in (0x0001, 0x0002):
                sk = keys_of(c, family, atc)["ac"][1]
                for label, cvr, cdol in (("arqc", CVR_ARQC, CDOL1),
                                         ("tc", CVR_TC, CDOL1.replace("0000008000", "0000000000")),
                                         ("aac", CVR_AAC, CDOL1)):
                    data = bytes.fromhex(cdol + aip + f"{atc:04X}" + cvr)
                    ac = cryptogram(family, sk, data)
                    lines.append(f"{c['name']}.{family}.{label}.{atc:04X} | {family} | key={hx(sk)} data={hx(data)} | {hx(ac)}")
                    if label == "arqc":
                        for arc in ("3030", "3531", "3035"):
                            lines.append(f"{c['name']}.{family}.arpc.{atc:04X}.{arc} | {family} | key={hx(sk)} "
                                         f"arqc={hx(ac)} arc={arc} | {hx(arpc(family, sk, ac, bytes.fromhex(arc)))}")
    header = ["# docs/PAYMENT.md 6.3, 6.4: application cryptograms (CVN 01) and ARPC method 1. Generated by",
              "# tools/payment-vectors.py: 3DES retail MAC composed of `openssl enc -des-ede-cbc` with K1 K1 (single DES",
              "# CBC) and `openssl enc -des-ede-ecb` with K1 K2 for the last block; SM4 CBC-MAC = last block of",
              "# `openssl enc -sm4-cbc -iv 00..00 -nopad` over the data padded 80 00..; ARPC by `-des-ede-ecb` / `-sm4-ecb`.",
              "# data = CDOL1 data (29 bytes) || AIP || ATC || CVR; the ARQC lines at ATC 0001 are the worked example of 6.3.",
              "# name | algorithm | inputs | expected"]
    write("cryptogram.txt", header, lines)


SCRIPTS = [  # (label, header without Lc, data); Lc = len(data) + 4
    ("pin_unblock", "84240000", ""),
    ("app_block", "841E0000", ""),
    ("app_unblock", "84180000", ""),
    ("terminal_velocity", "04DC012C", "70089F1401039F230105"),
    ("card_velocity_9F58", "04DA9F58", "03"),
    ("card_velocity_9F59", "04DA9F59", "05"),
]


def secure_messaging(cards):
    lines = []
    for c in cards:
        for family in c["families"]:
            aip = c["aip"][family]
            for atc in (0x0001, 0x0002):
                k = keys_of(c, family, atc)
                arqc_data = bytes.fromhex(CDOL1 + aip + f"{atc:04X}" + CVR_ARQC)
                arqc = cryptogram(family, k["ac"][1], arqc_data)
                mac_sk = k["mac"][1]
                enc_udk, enc_sk = k["enc"]
                for label, head, data in SCRIPTS:
                    d = bytes.fromhex(data)
                    header = bytes.fromhex(head) + bytes([len(d) + 4])
                    msg = header + atc.to_bytes(2, "big") + arqc + d
                    lines.append(f"{c['name']}.{family}.{label}.{atc:04X} | {family} | key={hx(mac_sk)} "
                                 f"header={hx(header)} atc={atc:04X} ac={hx(arqc)} data={hx(d) or '-'} "
                                 f"input={hx(msg)} | {hx(script_mac(family, mac_sk, msg))}")
                for new, current in (("135246", ""), ("123456789012", ""), ("8024", "802416")):
                    block = pin_change_block(enc_udk, new, current)
                    if atc == 0x0001:  # D depends on the UDK only
                            lines.append(f"{c['name']}.{family}.pin_block.{new}.{current or 'none'} | pin_change | "
                                     f"udk={hx(enc_udk)} new={new} current={current or '-'} | {hx(block)}")
                    plain, enc = sm_encipher(family, enc_sk, block)
                    lines.append(f"{c['name']}.{family}.encipher.{new}.{atc:04X} | {family} | key={hx(enc_sk)} "
                                 f"data={hx(block)} plain={hx(plain)} | {hx(enc)}")
                    p2 = "01" if current else "02"
                    header = bytes.fromhex("842400" + p2) + bytes([len(enc) + 4])
                    msg = header + atc.to_bytes(2, "big") + arqc + enc
                    lines.append(f"{c['name']}.{family}.pin_change.{new}.{atc:04X} | {family} | key={hx(mac_sk)} "
                                 f"header={hx(header)} atc={atc:04X} ac={hx(arqc)} data={hx(enc)} "
                                 f"input={hx(msg)} | {hx(script_mac(family, mac_sk, msg))}")
                # Lengths around the block size: Ld || data a block multiple (no padding) and one byte more.
                for n in ((7, 15) if family == "3des" else (15, 31)) + ((8, 16) if family == "3des" else (16, 32)):
                    data = bytes(range(0x11, 0x11 + n))
                    plain, enc = sm_encipher(family, enc_sk, data)
                    lines.append(f"{c['name']}.{family}.encipher.len{n}.{atc:04X} | {family} | key={hx(enc_sk)} "
                                 f"data={hx(data)} plain={hx(plain)} | {hx(enc)}")
    header = ["# docs/PAYMENT.md 6.5, 6.6: issuer script MACs, secure-messaging encipherment, PIN change blocks.",
              "# Generated by tools/payment-vectors.py with `openssl enc` (MACs composed as in cryptogram.txt; encipherment",
              "# by `-des-ede-ecb` / `-sm4-ecb -nopad` over Ld || data, padded 80 00.. only when not a block multiple).",
              "# MAC lines: key = MAC session key; input = header (Lc counts the MAC) || ATC || GAC1 cryptogram || data;",
              "#   expected = the leftmost 4 bytes of the retail MAC (3des) or of the SM4 CBC-MAC (sm4).",
              "# pin_change lines: udk = ENC UDK, expected = D of [5] B.10.3 (current '-' = P2 02, without the current PIN).",
              "# encipher lines: key = ENC session key, plain = Ld || data (|| padding), expected = ciphertext.",
              "# The Chengdu app_block and Suining pin_change 135246 lines at ATC 0001 are the worked examples of 6.6.",
              "# name | algorithm | inputs | expected"]
    write("secure-messaging.txt", header, lines)


# --------------------------------------------------------------------------------------- section 7 (RSA, SM2)

def genkey(name, args):
    path = KEYS / name
    if not path.exists() or "--new-keys" in sys.argv:
        KEYS.mkdir(parents=True, exist_ok=True)
        run(["openssl", "genpkey"] + args + ["-out", str(path)])
    return path


def rsa_key(bits):
    path = genkey(f"rsa{bits}.pem", ["-algorithm", "RSA", "-pkeyopt", f"rsa_keygen_bits:{bits}",
                                      "-pkeyopt", "rsa_keygen_pubexp:3"])
    text = run(["openssl", "pkey", "-in", str(path), "-text", "-noout"]).decode()
    parts = {}
    for label in ("modulus", "privateExponent"):
        m = re.search(label + r":\s*\n((?:\s+[0-9a-f:]+\n)+)", text)
        parts[label] = int(re.sub(r"[\s:]", "", m.group(1)), 16)
    n = parts["modulus"]
    size = (n.bit_length() + 7) // 8
    return {"path": path, "n": n.to_bytes(size, "big"), "d": parts["privateExponent"].to_bytes(size, "big"),
            "size": size}


def rsa_private(key, x):
    return run(["openssl", "pkeyutl", "-decrypt", "-inkey", str(key["path"]), "-pkeyopt", "rsa_padding_mode:none"], x)


def rsa_public(key, s):
    pub = run(["openssl", "pkey", "-in", str(key["path"]), "-pubout"])
    pub_path = KEYS / (key["path"].stem + ".pub")
    pub_path.write_bytes(pub)
    try:
        return run(["openssl", "pkeyutl", "-encrypt", "-pubin", "-inkey", str(pub_path),
                    "-pkeyopt", "rsa_padding_mode:none"], s)
    finally:
        pub_path.unlink()


def emv_block(msg, size):
    # [7] 11.2.1 / docs/PAYMENT.md 7.2: X = 6A || MSG1 || SHA-1(MSG) || BC, MSG1 the first N - 22 bytes of MSG.
    return b"\x6A" + msg[:size - 22] + sha("sha1", msg) + b"\xBC"


def signature(cards):
    ca, issuer, icc = rsa_key(1408), rsa_key(1152), rsa_key(1024)
    chengdu = next(c for c in cards if c["name"] == "sc-chengdu-gen2")
    lines = []

    def emit(name, key, msg, extra=""):
        x = emv_block(msg, key["size"])
        s = rsa_private(key, x)
        assert rsa_public(key, s) == x
        lines.append(f"{name} | rsa | n={hx(key['n'])} e=03 d={hx(key['d'])} msg={hx(msg)}{extra} "
                     f"x={hx(x)} | {hx(s)}")
        return s

    # Issuer certificate (7.2 row 90): by the CA (N = 176) over the issuer key (N_I = 144, remainder 4 bytes).
    issuer_msg = (bytes.fromhex("02" "620051FF" "1235" "000002" "01" "01" "90" "01") + issuer["n"][:140]
                  + issuer["n"][140:] + b"\x03")
    emit("issuer_certificate.510000", ca, issuer_msg, f" remainder={hx(issuer['n'][140:])} exponent=03")
    # Static data to authenticate: the fixed record values of a Chengdu-like card, enough for the hash.
    static = bytes.fromhex("5A0A6200515101008092011F5F3401015F24032809205F25031809209F0702AB00") + bytes.fromhex("7D00")
    pan_field = bytes.fromhex(chengdu["pan"].ljust(20, "F"))
    icc_msg = (b"\x04" + pan_field + bytes.fromhex("0928" "34EF56" "01" "01" "80" "01") + icc["n"][:102]
               + icc["n"][102:] + b"\x03" + static)
    emit("icc_certificate.sc-chengdu-gen2", issuer, icc_msg,
         f" remainder={hx(icc['n'][102:])} exponent=03 static={hx(static)}")
    ssad_msg = bytes.fromhex("03" "01" "DAC1") + b"\xBB" * 118 + static
    emit("ssad.sc-chengdu-gen2", issuer, ssad_msg, f" static={hx(static)}")
    un = bytes.fromhex("1A2B3C4D")
    dda_msg = bytes.fromhex("05" "01" "03" "02" "0001") + b"\xBB" * 100 + un
    emit("dda.sc-chengdu-gen2", icc, dda_msg, f" un={hx(un)}")
    tdh = sha("sha1", b"cda transaction data")
    cda_msg = bytes.fromhex("05" "01" "20" "02" "0001" "80") + bytes.fromhex("C60B7C86D99D9E16") + tdh + b"\xBB" * 71 + un
    emit("cda.sc-chengdu-gen2", icc, cda_msg, f" un={hx(un)}")
    header = ["# docs/PAYMENT.md 7.2: RSA signature blocks X = 6A || MSG1 || SHA-1(MSG) || BC and their signatures,",
              "# generated by tools/payment-vectors.py with test-only keys kept in tests/data/pboc/keys/ (made by",
              "# `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:<1408|1152|1024> -pkeyopt rsa_keygen_pubexp:3`;",
              "# n and d from `openssl pkey -text -noout`). SHA-1 by `openssl dgst -sha1 -binary`; expected = the signature",
              "# `openssl pkeyutl -decrypt -pkeyopt rsa_padding_mode:none` of x, checked back with `pkeyutl -encrypt -pubin`.",
              "# Signers: issuer_certificate by the 1408-bit CA key; icc_certificate, ssad by the 1152-bit issuer key (whose",
              "# modulus is the one certified); dda, cda by the 1024-bit ICC key (the one certified).",
              "# name | rsa | n e d msg [remainder exponent static un] x | expected signature"]
    header += ["# SM2 (7.3): test-only keys `openssl genpkey -algorithm SM2` (public x || y from `openssl pkey -text`);",
               "# signatures `openssl dgst -sm3 -sign KEY -sigopt distid:1234567812345678` (r, s by `openssl asn1parse`),",
               "# each checked with `openssl dgst -sm3 -verify`. name | sm2 | signer (public key) m (the signed message)",
               "# [key static un] | expected = the object as stored on the card (its fields || r || s). SM2 signatures are",
               "# randomised: each run of the tool writes new ones, every one valid."]
    write("signature.txt", header, lines + sm2_signatures(cards))


def sm2_key(name):
    path = genkey(name, ["-algorithm", "SM2"])
    text = run(["openssl", "pkey", "-in", str(path), "-text", "-noout"]).decode()
    found = {}
    for label in ("priv", "pub"):
        m = re.search(label + r":\s*\n((?:\s+[0-9a-f:]+\n)+)", text)
        found[label] = bytes.fromhex(re.sub(r"[\s:]", "", m.group(1)))
    pub = found["pub"]
    assert pub[0] == 4 and len(pub) == 65
    return {"path": path, "d": found["priv"].rjust(32, b"\x00"), "public": pub[1:]}


def sm2_sign(key, msg):
    # `openssl dgst -sm3 -sign` with the ID of [17] 8.2.2; r and s from `openssl asn1parse`, 32 bytes each.
    der = run(["openssl", "dgst", "-sm3", "-sign", str(key["path"]), "-sigopt", "distid:1234567812345678"], msg)
    sig_path = KEYS / "sig.der"
    sig_path.write_bytes(der)
    try:
        parsed = run(["openssl", "asn1parse", "-inform", "DER", "-in", str(sig_path)]).decode()
        ints = re.findall(r"INTEGER\s*:([0-9A-F]+)", parsed)
        sig = b"".join(bytes.fromhex(v.rjust(64, "0"))[-32:] for v in ints)
        assert len(sig) == 64
        pub_path = KEYS / "pub.pem"
        pub_path.write_bytes(run(["openssl", "pkey", "-in", str(key["path"]), "-pubout"]))
        result = run(["openssl", "dgst", "-sm3", "-verify", str(pub_path), "-sigopt", "distid:1234567812345678",
                      "-signature", str(sig_path)], msg)
        assert b"Verified OK" in result
        pub_path.unlink()
    finally:
        sig_path.unlink()
    return sig


def sm2_signatures(cards):
    ca, issuer, icc = sm2_key("sm2-ca.pem"), sm2_key("sm2-issuer.pem"), sm2_key("sm2-icc.pem")
    suining = next(c for c in cards if c["name"] == "sc-suining-gen3")
    static = bytes.fromhex("5A0A6200515109004011018F5F3401015F24033401105F25032401109F0702AB00") + bytes.fromhex("7C00")
    lines = []

    def emit(name, signer, signed, obj, extra):
        sig = sm2_sign(signer, signed)
        lines.append(f"{name} | sm2 | signer={hx(signer['public'])} m={hx(signed)}{extra} | {hx(obj + sig)}")

    cert = bytes.fromhex("12" "620051FF" "1235" "000004" "04" "00" "11" "40") + issuer["public"]
    emit("sm2.issuer_certificate.510000", ca, cert, cert, f" key={hx(issuer['public'])}")
    ssad = bytes.fromhex("13" "DAC1")
    emit("sm2.ssad.sc-suining-gen3", issuer, ssad + static, ssad, f" static={hx(static)}")
    pan_field = bytes.fromhex(suining["pan"].ljust(20, "F"))
    icc_cert = b"\x14" + pan_field + bytes.fromhex("0134" "6E7F80" "04" "00" "11" "40") + icc["public"]
    emit("sm2.icc_certificate.sc-suining-gen3", issuer, icc_cert + static, icc_cert,
         f" key={hx(icc['public'])} static={hx(static)}")
    un = bytes.fromhex("1A2B3C4D")
    dda = bytes.fromhex("15" "03" "02" "0001")
    emit("sm2.dda.sc-suining-gen3", icc, dda + un, dda, f" un={hx(un)}")
    return lines


def luhn(cards):
    # The PANs of docs/PAYMENT.md section 2, which the profiles must reproduce.
    documented = {"cq-tongnan-gen3": "6200505001521523017", "cq-yuzhong-gen2": "6200505001035060118",
                  "sc-chengdu-gen2": "6200515101008092011", "sc-liangshan-longname-gen2": "6200515134019050512",
                  "sc-suining-gen3": "6200515109004011018"}
    for c in cards:
        assert documented[c["name"]] == c["pan"], (c["name"], c["pan"])
    lines = [f"{c['name']}.pan | luhn | body={c['pan'][:-1]} | {c['pan'][-1]}" for c in cards]
    # ISO/IEC 7812-1 annex B worked example and short or all-zero bodies.
    for body in ("7992739871", "0", "1", "9", "00000000000000000", "4111111111111111"[:-1], "123456789012345678"):
        lines.append(f"body.{body} | luhn | body={body} | {luhn_digit(body)}")
    header = ["# Luhn check digits (ISO/IEC 7812-1 annex B) of docs/PAYMENT.md section 3, computed by tools/payment-vectors.py",
              "# (the doubling rule written out in Python). name | luhn | body (the PAN without its check digit) | digit"]
    write("luhn.txt", header, lines)


# The worked examples of docs/PAYMENT.md 6.3 and 6.6: (file, vector name, expected). The tool stops if its own
# computation disagrees with the document.
DOCUMENTED = [
    ("derivation.txt", "sc-chengdu-gen2.y", "1510100809201101"),
    ("derivation.txt", "sc-chengdu-gen2.udk.3des.ac", "60A1A5B6C76817C88ADB646B46E21758"),
    ("derivation.txt", "sc-chengdu-gen2.sk.3des.ac.0001", "CB8C7424B5CC4A836F8354CA602A72A3"),
    ("cryptogram.txt", "sc-chengdu-gen2.3des.arqc.0001", "C60B7C86D99D9E16"),
    ("cryptogram.txt", "sc-chengdu-gen2.3des.arpc.0001.3030", "8590738A25DD0226"),
    ("derivation.txt", "sc-suining-gen3.y", "1510900401101801"),
    ("derivation.txt", "sc-suining-gen3.udk.sm4.ac", "7C579F07CC8A69F3A2AC32C7ECE9941D"),
    ("derivation.txt", "sc-suining-gen3.sk.sm4.ac.0001", "A96D01A10AC5C243C578A8A7691DD941"),
    ("cryptogram.txt", "sc-suining-gen3.sm4.arqc.0001", "4583FB4E37715311"),
    ("cryptogram.txt", "sc-suining-gen3.sm4.arpc.0001.3030", "7EC430FEE62E7798"),
    ("derivation.txt", "sc-chengdu-gen2.udk.3des.mac", "EDC666D0BC814D3F3900246961FAF97B"),
    ("derivation.txt", "sc-chengdu-gen2.sk.3des.mac.0001", "D69A44FB1D696AC10223AD222DC16A8F"),
    ("secure-messaging.txt", "sc-chengdu-gen2.3des.app_block.0001", "62804732"),
    ("derivation.txt", "sc-suining-gen3.sk.sm4.enc.0001", "7C18CF682F7D07DA299BB3482529A91E"),
    ("secure-messaging.txt", "sc-suining-gen3.sm4.encipher.135246.0001", "87D4A0EDAD61AC9DAF09A1FD990892BA"),
    ("derivation.txt", "sc-suining-gen3.sk.sm4.mac.0001", "D48B5D8406BEE5592EEB6422F6B54CE8"),
    ("secure-messaging.txt", "sc-suining-gen3.sm4.pin_change.135246.0001", "D98257F9"),
]


def check_documented():
    for name, vector, expected in DOCUMENTED:
        found = [l.split("|")[-1].strip() for l in (OUT / name).read_text().splitlines()
                 if l.split("|")[0].strip() == vector]
        assert found == [expected], (name, vector, found, expected)
    plain = [l for l in (OUT / "secure-messaging.txt").read_text().splitlines()
             if l.startswith("sc-suining-gen3.sm4.encipher.135246.0001 ")]
    assert "plain=0806135246606353C480000000000000" in plain[0]
    mac_input = [l for l in (OUT / "secure-messaging.txt").read_text().splitlines()
                 if l.startswith("sc-chengdu-gen2.3des.app_block.0001 ")]
    assert "input=841E0000040001C60B7C86D99D9E16" in mac_input[0]


# Section 11: the home province's rule per category, (deductible fen, percent), as the table of PAYMENT.md.
MEDICAL_RULES = {
    "500000": {"outpatient": (10000, 50), "pharmacy": (0, 0), "inpatient": (80000, 85)},
    "510000": {"outpatient": (15000, 60), "pharmacy": (0, 0), "inpatient": (100000, 80)},
}


def medical_shares(province, category, total, balance):
    deductible, percent = MEDICAL_RULES[province][category]
    insured = 0 if total <= deductible else ((total - deductible) * percent) // 100  # Python integers: exact
    personal = total - insured
    medical = min(personal, balance)
    return insured, medical, personal - medical


def medical():
    cases = [
        ("500000", "outpatient", 35678, 1284050),    # the Chongqing example of section 11
        ("510000", "inpatient", 250000, 96830),      # the Sichuan example of section 11
        ("500000", "outpatient", 10000, 1284050),    # at the deductible: nothing insured
        ("500000", "outpatient", 10003, 1284050),    # 1.5 fen insured: down to 1
        ("500000", "pharmacy", 50000, 1000),         # never insured; the card pays past the balance
        ("500000", "inpatient", 180001, 0),          # no balance: the card pays the whole personal share
        ("510000", "outpatient", 15001, 352418),
        ("510000", "outpatient", 25000, 352418),
        ("510000", "pharmacy", 12345, 352418),
        ("510000", "inpatient", 1400000, 352418),    # the balance runs out: a card part of 7582
        ("510000", "inpatient", 999999999999, 352418),  # the largest 9F02
    ]
    lines = []
    for province, category, total, balance in cases:
        insured, med, card = medical_shares(province, category, total, balance)
        name = "%s.%s.%d.%d" % (province, category, total, balance)
        lines.append("%s | medical | province=%s category=%s total=%d balance=%d | insured=%d medical=%d card=%d"
                     % (name, province, category, total, balance, insured, med, card))
    header = ["# Medical settlement shares of docs/PAYMENT.md section 11, computed by tools/payment-vectors.py with",
              "# Python integers (the rule table written out again, floor division). The first two lines are the",
              "# worked examples of section 11. name | medical | inputs | expected shares (fen)"]
    write("medical.txt", header, lines)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    medical()
    cards = payment_cards()
    luhn(cards)
    derivation(cards)
    cryptograms(cards)
    secure_messaging(cards)
    signature(cards)
    check_documented()
    return 0


if __name__ == "__main__":
    sys.exit(main())
