#!/usr/bin/env python3
"""Writes data/oda-rsa.txt: a CA, issuer and ICC RSA key (e = 3) and the Chengdu card's certificates, SSAD
and a DDA signature for ATC 0005 and UN 1A2B3C4D, built from the byte layouts of docs/PAYMENT.md 7.2 with
Python's standard library only (hashlib SHA-1, pow). Deterministic: rerunning writes the same file.

    python3 tests/unit/pboc/make_oda_vectors.py
"""
import hashlib
import os
import random

rng = random.Random(20260115)


def is_probable_prime(n, rounds=40):
    if n < 2:
        return False
    for p in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if n % p == 0:
            return n == p
    d, r = n - 1, 0
    while d % 2 == 0:
        d //= 2
        r += 1
    for _ in range(rounds):
        a = rng.randrange(2, n - 2)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def prime(bits):
    while True:
        p = rng.getrandbits(bits) | (1 << (bits - 1)) | (1 << (bits - 2)) | 1
        if (p - 1) % 3 != 0 and is_probable_prime(p):
            return p


def rsa_key(size_bytes):
    bits = size_bytes * 8
    while True:
        p, q = prime(bits // 2), prime(bits // 2)
        n = p * q
        if n.bit_length() == bits and p != q:
            d = pow(3, -1, (p - 1) * (q - 1))
            return n, d


def sign(n, d, size, msg):
    """X = 6A || MSG1 || SHA-1(MSG) || BC, then X^d mod n (PAYMENT.md 7.2)."""
    x = b"\x6A" + msg[: size - 22] + hashlib.sha1(msg).digest() + b"\xBC"
    assert len(x) == size
    return pow(int.from_bytes(x, "big"), d, n).to_bytes(size, "big")


def h(b):
    return b.hex().upper()


ca_n, ca_d = rsa_key(176)
iss_n, iss_d = rsa_key(144)
icc_n, icc_d = rsa_key(128)
iss_mod = iss_n.to_bytes(144, "big")
icc_mod = icc_n.to_bytes(128, "big")

# Static data to authenticate: values of SFI 2 records 1, 2 and SFI 3 record 1, then the AIP (PAYMENT.md 4.2).
sfi2r1 = bytes.fromhex(
    "5A0A6200515101008092011F5F3401015F24032809205F25031809209F0702AB005F280201569F080200309F420201569F0D05"
    "FCF8FCF8009F0E0500108000009F0F05FCF8FCF800")
sfi2r2 = bytes.fromhex(
    "8C159F02069F03069F1A0295055F2A029A039C019F37048D178A029F02069F03069F1A0295055F2A029A039C019F37049F4903"
    "9F37049F4A0182")
sfi3r1 = bytes.fromhex("8E1000000000000000004403010302031F00")
static = sfi2r1 + sfi2r2 + sfi3r1 + bytes.fromhex("7D00")

# Format 02 | issuer id | expiry | serial | hash alg | key alg | key length | exponent length | key...
iss_cert_msg = (bytes.fromhex("02620051FF123500000201019001") + iss_mod + b"\x03")
issuer_cert = sign(ca_n, ca_d, 176, iss_cert_msg)
issuer_remainder = iss_mod[176 - 36:]

ssad = sign(iss_n, iss_d, 144, bytes.fromhex("0301DAC1") + b"\xBB" * 118 + static)

icc_cert_msg = bytes.fromhex("046200515101008092011F092800000101018001") + icc_mod + b"\x03" + static
# 04 | PAN (10) | MMYY 0928 | serial 000001 | 01 | 01 | 80 | 01 | modulus | exponent 03 || static data
icc_cert = sign(iss_n, iss_d, 144, icc_cert_msg)
icc_remainder = icc_mod[144 - 42:]

un = bytes.fromhex("1A2B3C4D")
# 05 | hash 01 | ICC dynamic data length 03 | 02 ATC (0005) | BB pad || UN
dda = sign(icc_n, icc_d, 128, bytes.fromhex("050103020005") + b"\xBB" * 100 + un)

lines = [
    "# Written by make_oda_vectors.py (hashlib SHA-1 and pow only); layouts of docs/PAYMENT.md 7.2.",
    "ca_modulus | " + h(ca_n.to_bytes(176, "big")),
    "issuer_certificate | " + h(issuer_cert),
    "issuer_remainder | " + h(issuer_remainder),
    "ssad | " + h(ssad),
    "icc_certificate | " + h(icc_cert),
    "icc_remainder | " + h(icc_remainder),
    "dda_signature | " + h(dda),
]
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "oda-rsa.txt")
with open(out, "w") as f:
    f.write("\n".join(lines) + "\n")
