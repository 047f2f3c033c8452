#!/usr/bin/env python3
"""The payment test PKI of docs/PAYMENT.md (sections 6.1, 6.9 and 7), made with the `openssl` command line.

Writes, under cards/keys/:
  test-payment-keys.json   sscard-payment-keys/1  issuer master keys, issuer RSA and SM2 key pairs and certificates
  test-ca-public.json      sscard-ca-keys/1       the kiosk's CA public keys (RSA E0, SM2 E1)
  test-ca-private.json     sscard-ca-private/1    the CA private keys (for this tool only)
  test-payment-cards.json  sscard-payment-cards/1 per PAN: ICC keys, ICC certificates, SSAD, static data
  test-pin-keys.json       sscard-pin-keys/1      the online PIN master key

Keys are made once and kept; certificates are recomputed from the card profiles (cards/*.json) every run.
RSA signatures are deterministic; an SM2 signature is kept as long as it still verifies over the current
data, so a rerun without changes rewrites nothing. Everything written is verified again from the files.
All of it is test data that protects nothing.
"""
import argparse
import hashlib
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CARDS_DIR = ROOT / "cards"
KEYS_DIR = CARDS_DIR / "keys"

RID = "A000000333"
CA_RSA_INDEX, CA_SM2_INDEX = "E0", "E1"
CA_EXPIRY = "20351231"
ISSUER_EXPIRY = "1235"  # MMYY, section 7.1
SM2_ID = "1234567812345678"
SM2_CURVE = "11"
DAC = "DAC1"
RSA_BITS = {"ca": 1408, "issuer": 1152, "icc": 1024}
PROVINCES = {  # province: (PAN digits 5-6, RSA issuer serial, SM2 issuer serial), section 7.1
    "500000": ("50", "000001", "000003"),
    "510000": ("51", "000002", "000004"),
}
# Profiles of section 2's table: they carry the application even before their `payment` block is written.
PAYMENT_PROFILES = ("cq-tongnan-gen3.json", "cq-yuzhong-gen2.json", "sc-chengdu-gen2.json",
                    "sc-liangshan-longname-gen2.json", "sc-suining-gen3.json")

FILES = {
    "keys": KEYS_DIR / "test-payment-keys.json",
    "ca_public": KEYS_DIR / "test-ca-public.json",
    "ca_private": KEYS_DIR / "test-ca-private.json",
    "cards": KEYS_DIR / "test-payment-cards.json",
    "pin": KEYS_DIR / "test-pin-keys.json",
}
FORMATS = {
    "keys": "sscard-payment-keys/1",
    "ca_public": "sscard-ca-keys/1",
    "ca_private": "sscard-ca-private/1",
    "cards": "sscard-payment-cards/1",
    "pin": "sscard-pin-keys/1",
}
DESCRIPTIONS = {
    "keys": "TEST ONLY. Issuer master keys (3DES and SM4, AC/MAC/ENC) and issuer RSA and SM2 key pairs with "
            "their certificates for the simulated provinces 500000 and 510000 (docs/PAYMENT.md 6.1, 7). These are "
            "test keys that protect nothing: the master keys are SHA-256 of public strings and the private keys "
            "are published here. Written by tools/payment-pki.py.",
    "ca_public": "TEST ONLY. Public keys of the test certification authority (docs/PAYMENT.md 7.1), RID "
                 "A000000333, RSA index E0 and SM2 index E1, as a kiosk loads them (configuration payment.ca_keys). "
                 "These are test keys that protect nothing. Written by tools/payment-pki.py.",
    "ca_private": "TEST ONLY. Private keys of the test certification authority (docs/PAYMENT.md 7.1), read by "
                  "tools/payment-pki.py alone. These are test keys that protect nothing: they are published here.",
    "cards": "TEST ONLY. ICC key pairs, ICC public key certificates (9F46, 9F48), signed static application data "
             "(93) and the static data they cover, per payment card PAN (docs/PAYMENT.md 7.2, 7.3). These are test "
             "keys that protect nothing. Rerun tools/payment-pki.py after any profile edit that reaches the static "
             "data.",
    "pin": "TEST ONLY. The online PIN master key of the simulated issuer world (docs/PAYMENT.md 6.9): the first 16 "
           "bytes of SHA-256(\"sscard test pin master key\"); a kiosk's PIN encipherment key is SM4-diversified from "
           "it. These are test keys that protect nothing.",
}

# docs/PAYMENT.md 4.2 worked example (sc-chengdu-gen2.json): the records below must reproduce it.
CHENGDU_PAN = "6200515101008092011"
CHENGDU_RECORDS = {
    (2, 1): "70485A0A6200515101008092011F5F3401015F24032809205F25031809209F0702AB005F280201569F080200309F42020156"
            "9F0D05FCF8FCF8009F0E0500108000009F0F05FCF8FCF800",
    (2, 2): "703A8C159F02069F03069F1A0295055F2A029A039C019F37048D178A029F02069F03069F1A0295055F2A029A039C019F3704"
            "9F49039F37049F4A0182",
    (3, 1): "70128E1000000000000000004403010302031F00",
    (4, 1): "70108E0E0000000000000000010302031F00",
}
SM2_SPKI_PREFIX = bytes.fromhex("3059301306072A8648CE3D020106082A811CCF5501822D03420004")


class Stale(Exception):
    """One item that is missing, wrong or out of date; the message names it."""


# ---------------------------------------------------------------- openssl and encodings

def openssl(*args, data=None):
    out = subprocess.run(["openssl", *args], input=data, capture_output=True)
    if out.returncode != 0:
        raise RuntimeError("openssl " + " ".join(args) + ": " + out.stderr.decode(errors="replace").strip())
    return out.stdout


class Scratch:
    """Key and message files for openssl, in one temporary folder."""

    def __init__(self):
        self._dir = tempfile.TemporaryDirectory(prefix="payment-pki-")
        self._n = 0

    def file(self, content):
        self._n += 1
        path = Path(self._dir.name) / f"f{self._n}"
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return str(path)

    def close(self):
        self._dir.cleanup()


def hx(b):
    return b.hex().upper()


def tlv(tag, value):
    n = len(value)
    length = bytes([n]) if n < 0x80 else bytes([0x81, n])
    return bytes.fromhex(tag) + length + value


def der_len(n):
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def der(tag, body):
    return bytes([tag]) + der_len(len(body)) + body


def der_int(value):
    body = value.to_bytes(value.bit_length() // 8 + 1, "big")  # one spare byte keeps it positive
    while len(body) > 1 and body[0] == 0 and body[1] < 0x80:
        body = body[1:]
    return der(0x02, body)


def pem(label, body):
    import base64
    text = base64.b64encode(body).decode()
    lines = [text[i:i + 64] for i in range(0, len(text), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


def rsa_public_pem(n_hex, e_hex):
    """SubjectPublicKeyInfo built from the public numbers alone (what a terminal holds)."""
    algorithm = der(0x30, bytes.fromhex("06092A864886F70D010101") + bytes.fromhex("0500"))
    key = der(0x30, der_int(int(n_hex, 16)) + der_int(int(e_hex, 16)))
    return pem("PUBLIC KEY", der(0x30, algorithm + der(0x03, b"\x00" + key)))


def sm2_public_pem(xy_hex):
    return pem("PUBLIC KEY", SM2_SPKI_PREFIX + bytes.fromhex(xy_hex))


def sha1(data):
    return openssl("dgst", "-sha1", "-binary", data=data)


# ---------------------------------------------------------------- keys

def key_text_fields(pem_text, scratch):
    """Components of `openssl pkey -text -noout`, as {label: hex}."""
    text = openssl("pkey", "-in", scratch.file(pem_text), "-text", "-noout").decode()
    fields, current = {}, None
    for line in text.splitlines():
        if re.match(r"^\S[^:]*:\s*$", line):
            current = line.split(":")[0].strip()
            fields[current] = ""
        elif current and re.match(r"^\s+[0-9a-f:]+$", line):
            fields[current] += line.strip().replace(":", "")
        else:
            current = None
            m = re.match(r"^publicExponent: (\d+)", line)
            if m:
                fields["publicExponent"] = format(int(m.group(1)), "x")
    return fields


def fixed(hex_text, size):
    value = int(hex_text, 16)
    return format(value, "0%dX" % (2 * size))


def rsa_components(pem_text, scratch):
    f = key_text_fields(pem_text, scratch)
    size = (int(f["modulus"], 16).bit_length() + 7) // 8
    half = size // 2
    # n and d at the modulus length, the CRT parts at half of it, e as one byte (section 7.4).
    return {"n": fixed(f["modulus"], size), "e": fixed(f["publicExponent"], 1),
            "d": fixed(f["privateExponent"], size), "p": fixed(f["prime1"], half),
            "q": fixed(f["prime2"], half), "dp": fixed(f["exponent1"], half),
            "dq": fixed(f["exponent2"], half), "qinv": fixed(f["coefficient"], half), "pem": pem_text}


def sm2_components(pem_text, scratch):
    f = key_text_fields(pem_text, scratch)
    pub = f["pub"].upper()
    if not pub.startswith("04") or len(pub) != 130:
        raise RuntimeError("SM2 key without an uncompressed public point")
    return {"d": fixed(f["priv"], 32), "public": pub[2:], "pem": pem_text}


def new_rsa(bits, scratch):
    text = openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", f"rsa_keygen_bits:{bits}",
                   "-pkeyopt", "rsa_keygen_pubexp:3").decode()
    return rsa_components(text, scratch)


def new_sm2(scratch):
    return sm2_components(openssl("genpkey", "-algorithm", "SM2").decode(), scratch)


def check_rsa_key(key, bits, scratch, where):
    try:
        n, e, d = (int(key[k], 16) for k in ("n", "e", "d"))
        p, q, dp, dq, qinv = (int(key[k], 16) for k in ("p", "q", "dp", "dq", "qinv"))
    except (KeyError, TypeError, ValueError):
        raise Stale(f"{where}: RSA key components missing or not hex")
    if n.bit_length() != bits or len(key["n"]) != bits // 4 or key["e"] != "03":
        raise Stale(f"{where}: RSA key is not {bits} bits with e = 3")
    from math import lcm
    if p * q != n or (d * e) % lcm(p - 1, q - 1) != 1 or dp != d % (p - 1) or dq != d % (q - 1) \
            or (qinv * q) % p != 1:
        raise Stale(f"{where}: RSA key components inconsistent")
    try:
        same = rsa_components(key.get("pem", ""), scratch) == key
    except (RuntimeError, KeyError, ValueError):
        same = False
    if not same:
        raise Stale(f"{where}: RSA key pem differs from its components")


def check_sm2_key(key, scratch, where):
    if not isinstance(key, dict) or not isinstance(key.get("pem"), str):
        raise Stale(f"{where}: SM2 key missing")
    try:
        same = sm2_components(key["pem"], scratch) == key
    except (RuntimeError, KeyError, ValueError):
        same = False
    if not same:
        raise Stale(f"{where}: SM2 key pem differs from d and public")


# ---------------------------------------------------------------- signatures

def rsa_block(msg, size):
    return b"\x6A" + msg[:size - 22] + sha1(msg) + b"\xBC"


def rsa_sign(msg, key, scratch):
    """Section 7.2: Sign(6A || MSG1 || SHA-1(MSG) || BC) by the raw private operation."""
    size = len(key["n"]) // 2
    return openssl("pkeyutl", "-decrypt", "-inkey", scratch.file(key["pem"]),
                   "-pkeyopt", "rsa_padding_mode:none", data=rsa_block(msg, size))


def rsa_recover(signature, n_hex, e_hex, scratch):
    return openssl("pkeyutl", "-encrypt", "-pubin", "-inkey", scratch.file(rsa_public_pem(n_hex, e_hex)),
                   "-pkeyopt", "rsa_padding_mode:none", data=signature)


def verify_rsa(signature, msg, n_hex, e_hex, scratch, where):
    size = len(n_hex) // 2
    if len(signature) != size:
        raise Stale(f"{where}: {len(signature)} bytes, expected {size}")
    recovered = rsa_recover(signature, n_hex, e_hex, scratch)
    expected = b"\x6A" + msg[:size - 22] + hashlib.sha1(msg).digest() + b"\xBC"
    if recovered != expected:
        raise Stale(f"{where}: recovered block differs from the current data")


def sm2_sign(msg, key, scratch):
    """Section 7.3: r || s over SM3(Z || M) with the fixed ID."""
    sig = openssl("dgst", "-sm3", "-sign", scratch.file(key["pem"]), "-sigopt", f"distid:{SM2_ID}",
                  data=msg)
    ints = re.findall(r"INTEGER\s+:([0-9A-F]+)", openssl("asn1parse", "-inform", "DER",
                                                        "-in", scratch.file(sig)).decode())
    if len(ints) != 2:
        raise RuntimeError("unexpected SM2 signature encoding")
    return b"".join(bytes.fromhex(v.rjust(64, "0")) for v in ints)


def sm2_verifies(signature, msg, public_hex, scratch):
    if len(signature) != 64:
        return False
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    sig_der = der(0x30, der_int(r) + der_int(s))
    out = subprocess.run(["openssl", "dgst", "-sm3", "-verify", scratch.file(sm2_public_pem(public_hex)),
                          "-sigopt", f"distid:{SM2_ID}", "-signature", scratch.file(sig_der),
                          scratch.file(msg)], capture_output=True)
    return out.returncode == 0 and b"Verified OK" in out.stdout


def sm2_object(prefix, signed, key, stored_hex, scratch):
    """prefix || signature; the stored object is kept while it still verifies over `signed`."""
    if isinstance(stored_hex, str):
        try:
            stored = bytes.fromhex(stored_hex)
        except ValueError:
            stored = b""
        if stored[:len(prefix)] == prefix and len(stored) == len(prefix) + 64 and \
                sm2_verifies(stored[len(prefix):], signed, key["public"], scratch):
            return stored
    return prefix + sm2_sign(signed, key, scratch)


def verify_sm2(obj, prefix, signed, public_hex, scratch, where):
    if obj[:len(prefix)] != prefix or len(obj) != len(prefix) + 64:
        raise Stale(f"{where}: fields differ from the current data")
    if not sm2_verifies(obj[len(prefix):], signed, public_hex, scratch):
        raise Stale(f"{where}: signature does not verify over the current data")


# ---------------------------------------------------------------- cards and their records

def luhn_digit(digits):
    total = 0
    for i, ch in enumerate(reversed(digits)):
        v = int(ch) * (2 if i % 2 == 0 else 1)
        total += v - 9 if v > 9 else v
    return str((10 - total % 10) % 10)


class Card:
    """What the certificates need of one profile (docs/PAYMENT.md 2, 3, 4.2)."""

    def __init__(self, file, generation, pan, expiry, effective, serial):
        self.file, self.generation, self.pan = file, generation, pan
        self.province = pan[4:6] + "0000"
        self.expiry, self.effective = expiry, effective  # 5F24, 5F25 as YYMMDD
        self.serial = serial  # ICC certificate serial: last 3 bytes of card_serial

    @classmethod
    def from_profile(cls, path, profile):
        issuer = profile["issuer"]
        region, tail = issuer["region"], issuer["card_number"][-6:]
        if not re.fullmatch(r"\d{6}", tail) or not re.fullmatch(r"\d{6}", region):
            raise SystemExit(f"{path.name}: issuer.card_number must end in 6 digits (PAN rule)")
        body = "6200" + region[:2] + region + tail
        card = cls(path.name, profile["generation"], body + luhn_digit(body), issuer["expiry_date"][2:],
                   issuer["issue_date"][2:], issuer["card_serial"][-6:].upper())
        if card.province not in PROVINCES:
            raise SystemExit(f"{path.name}: no test issuer for province {card.province}")
        return card

    @property
    def pan_field(self):
        return bytes.fromhex(self.pan + "F")

    @property
    def cert_expiry(self):  # MMYY of 5F24
        return bytes.fromhex(self.expiry[2:4] + self.expiry[0:2])

    def record_values(self):
        """Values (inside the 70 template) of the ODA records of section 4.2."""
        r21 = b"".join([
            tlv("5A", self.pan_field), tlv("5F34", b"\x01"), tlv("5F24", bytes.fromhex(self.expiry)),
            tlv("5F25", bytes.fromhex(self.effective)), tlv("9F07", bytes.fromhex("AB00")),
            tlv("5F28", bytes.fromhex("0156")), tlv("9F08", bytes.fromhex("0030")),
            tlv("9F42", bytes.fromhex("0156")), tlv("9F0D", bytes.fromhex("FCF8FCF800")),
            tlv("9F0E", bytes.fromhex("0010800000")), tlv("9F0F", bytes.fromhex("FCF8FCF800"))])
        cdol1 = bytes.fromhex("9F02069F03069F1A0295055F2A029A039C019F3704")
        r22 = tlv("8C", cdol1) + tlv("8D", bytes.fromhex("8A02") + cdol1) + \
            tlv("9F49", bytes.fromhex("9F3704")) + tlv("9F4A", bytes.fromhex("82"))
        r31 = tlv("8E", bytes.fromhex("00000000000000004403010302031F00"))
        r41 = tlv("8E", bytes.fromhex("0000000000000000010302031F00"))
        return {(2, 1): r21, (2, 2): r22, (3, 1): r31, (4, 1): r41}

    def static_data(self, family):
        """Section 4.4: SFI 2 records 1, 2 and SFI 3 (RSA) or 4 (SM) record 1, then that set's AIP."""
        r = self.record_values()
        if family == "rsa":
            return r[(2, 1)] + r[(2, 2)] + r[(3, 1)] + bytes.fromhex("7D00")
        return r[(2, 1)] + r[(2, 2)] + r[(4, 1)] + bytes.fromhex("7C00")


def load_cards():
    # The contract's worked example (docs/PAYMENT.md 4.2) pins the record layout.
    example = Card("example", 2, CHENGDU_PAN, "280920", "180920", "000000")
    for key, value in example.record_values().items():
        if hx(tlv("70", value)) != CHENGDU_RECORDS[key]:
            raise SystemExit("record layout differs from the worked example of docs/PAYMENT.md 4.2")
    cards = []
    for path in sorted(CARDS_DIR.glob("*.json")):
        profile = json.loads(path.read_text(encoding="utf-8"))
        if profile.get("generation") not in (2, 3):
            continue
        if "payment" not in profile and path.name not in PAYMENT_PROFILES:
            continue
        cards.append(Card.from_profile(path, profile))
    return sorted(cards, key=lambda c: c.pan)


# ---------------------------------------------------------------- messages of sections 7.2 and 7.3

def issuer_id(province):
    return bytes.fromhex("6200" + PROVINCES[province][0] + "FF")


def issuer_rsa_msg(province, key):
    n = bytes.fromhex(key["n"])
    return (b"\x02" + issuer_id(province) + bytes.fromhex(ISSUER_EXPIRY) + bytes.fromhex(PROVINCES[province][1])
            + bytes.fromhex("01019001") + n[:140] + n[140:] + b"\x03")


def issuer_sm2_prefix(province, key):
    return (b"\x12" + issuer_id(province) + bytes.fromhex(ISSUER_EXPIRY) + bytes.fromhex(PROVINCES[province][2])
            + bytes.fromhex("04001140") + bytes.fromhex(key["public"]))


def icc_rsa_msg(card, key):
    n = bytes.fromhex(key["n"])
    return (b"\x04" + card.pan_field + card.cert_expiry + bytes.fromhex(card.serial) + bytes.fromhex("01018001")
            + n[:102] + n[102:] + b"\x03" + card.static_data("rsa"))


def ssad_rsa_msg(card):
    return b"\x03\x01" + bytes.fromhex(DAC) + b"\xBB" * 118 + card.static_data("rsa")


def icc_sm2_prefix(card, key):
    return (b"\x14" + card.pan_field + card.cert_expiry + bytes.fromhex(card.serial) + bytes.fromhex("04001140")
            + bytes.fromhex(key["public"]))


def ssad_sm2_prefix():
    return b"\x13" + bytes.fromhex(DAC)


def master_key(province, family, use):
    return hx(hashlib.sha256(f"sscard test payment key {province} {family} {use}".encode()).digest()[:16])


def pin_master():
    return hx(hashlib.sha256(b"sscard test pin master key").digest()[:16])


def rsa_check_value(modulus_hex, exponent_hex):
    return hx(hashlib.sha1(bytes.fromhex(RID + CA_RSA_INDEX + modulus_hex + exponent_hex)).digest())


# ---------------------------------------------------------------- generation

def read_json(path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def dig(doc, *keys):
    for k in keys:
        if not isinstance(doc, dict) or k not in doc:
            return None
        doc = doc[k]
    return doc


def usable_rsa(key, bits, scratch):
    try:
        check_rsa_key(key, bits, scratch, "")
        return True
    except (Stale, RuntimeError, AttributeError):
        return False


def usable_sm2(key, scratch):
    try:
        check_sm2_key(key, scratch, "")
        return True
    except (Stale, RuntimeError):
        return False


def header(name):
    return {"format": FORMATS[name], "test_only": True, "description": DESCRIPTIONS[name]}


def ca_private_keys(doc):
    keys = {k.get("algorithm"): k.get("key") for k in (doc.get("keys") or []) if isinstance(k, dict)}
    return keys.get("rsa"), keys.get("sm2")


def generate(args, cards, scratch):
    old = {name: read_json(path) for name, path in FILES.items()}

    ca_rsa, ca_sm2 = ca_private_keys(old["ca_private"])
    if args.new_ca or not usable_rsa(ca_rsa, RSA_BITS["ca"], scratch):
        ca_rsa = new_rsa(RSA_BITS["ca"], scratch)
    if args.new_ca or not usable_sm2(ca_sm2, scratch):
        ca_sm2 = new_sm2(scratch)

    issuers = {}
    for province in PROVINCES:
        before = dig(old["keys"], "issuers", province) or {}
        rsa_key, sm2_key = dig(before, "rsa", "key"), dig(before, "sm2", "key")
        if args.new_issuers or not usable_rsa(rsa_key, RSA_BITS["issuer"], scratch):
            rsa_key = new_rsa(RSA_BITS["issuer"], scratch)
        if args.new_issuers or not usable_sm2(sm2_key, scratch):
            sm2_key = new_sm2(scratch)
        prefix = issuer_sm2_prefix(province, sm2_key)
        issuers[province] = {
            "dki": "01",
            "3des": {use: master_key(province, "3des", use) for use in ("ac", "mac", "enc")},
            "sm4": {use: master_key(province, "sm4", use) for use in ("ac", "mac", "enc")},
            "rsa": {"key": rsa_key,
                    "certificate": hx(rsa_sign(issuer_rsa_msg(province, rsa_key), ca_rsa, scratch)),
                    "remainder": rsa_key["n"][280:], "exponent": "03",
                    "serial": PROVINCES[province][1], "expiry": ISSUER_EXPIRY},
            "sm2": {"key": sm2_key,
                    "certificate": hx(sm2_object(prefix, prefix, ca_sm2, dig(before, "sm2", "certificate"),
                                                 scratch)),
                    "serial": PROVINCES[province][2], "expiry": ISSUER_EXPIRY},
        }

    pans = {c.pan for c in cards}
    for pan in args.new_card:
        if pan not in pans:
            raise SystemExit(f"--new-card: no payment card with that PAN among cards/*.json")
    entries = {}
    for card in cards:
        before = dig(old["cards"], "cards", card.pan) or {}
        issuer = issuers[card.province]
        renew = card.pan in args.new_card
        key = dig(before, "rsa", "key")
        if renew or not usable_rsa(key, RSA_BITS["icc"], scratch):
            key = new_rsa(RSA_BITS["icc"], scratch)
        entry = {"rsa": {"key": key,
                         "icc_certificate": hx(rsa_sign(icc_rsa_msg(card, key), issuer["rsa"]["key"], scratch)),
                         "icc_remainder": key["n"][204:],
                         "ssad": hx(rsa_sign(ssad_rsa_msg(card), issuer["rsa"]["key"], scratch)),
                         "static_data": hx(card.static_data("rsa"))}}
        if card.generation == 3:
            key = dig(before, "sm2", "key")
            if renew or not usable_sm2(key, scratch):
                key = new_sm2(scratch)
            static = card.static_data("sm")
            prefix = icc_sm2_prefix(card, key)
            signer = issuer["sm2"]["key"]
            entry["sm2"] = {
                "key": key,
                "icc_certificate": hx(sm2_object(prefix, prefix + static, signer,
                                                 dig(before, "sm2", "icc_certificate"), scratch)),
                "ssad": hx(sm2_object(ssad_sm2_prefix(), ssad_sm2_prefix() + static, signer,
                                      dig(before, "sm2", "ssad"), scratch)),
                "static_data": hx(static)}
        entries[card.pan] = entry

    docs = {
        "keys": {**header("keys"), "issuers": issuers},
        "ca_public": {**header("ca_public"), "keys": [
            {"rid": RID, "index": CA_RSA_INDEX, "algorithm": "rsa", "modulus": ca_rsa["n"],
             "exponent": ca_rsa["e"], "expiry": CA_EXPIRY, "check": rsa_check_value(ca_rsa["n"], ca_rsa["e"])},
            {"rid": RID, "index": CA_SM2_INDEX, "algorithm": "sm2", "curve": SM2_CURVE,
             "public_key": ca_sm2["public"], "expiry": CA_EXPIRY}]},
        "ca_private": {**header("ca_private"), "keys": [
            {"rid": RID, "index": CA_RSA_INDEX, "algorithm": "rsa", "key": ca_rsa},
            {"rid": RID, "index": CA_SM2_INDEX, "algorithm": "sm2", "key": ca_sm2}]},
        "cards": {**header("cards"), "cards": entries},
        "pin": {**header("pin"), "master": pin_master()},
    }
    for name, doc in docs.items():
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
        path = FILES[name]
        rel = path.relative_to(ROOT)
        if path.exists() and path.read_text(encoding="utf-8") == text:
            print(f"unchanged {rel}")
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {rel}")


# ---------------------------------------------------------------- verification

def masked(pan):  # as the terminal shows a PAN (docs/PAYMENT.md 12)
    return pan[:6] + "*" * (len(pan) - 10) + pan[-4:]


def expect(cond, message):
    if not cond:
        raise Stale(message)


def hexfield(doc, where, *keys):
    value = dig(doc, *keys)
    if not isinstance(value, str) or not re.fullmatch(r"([0-9A-F]{2})*", value):
        raise Stale(f"{where}: {'.'.join(keys)} missing or not upper-case hex")
    return value


def load_checked(name):
    path = FILES[name]
    rel = path.relative_to(ROOT)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        raise Stale(f"{rel}: missing")
    except ValueError:
        raise Stale(f"{rel}: not JSON")
    expect(isinstance(doc, dict) and doc.get("format") == FORMATS[name], f"{rel}: format is not {FORMATS[name]}")
    expect(doc.get("test_only") is True and doc.get("description") == DESCRIPTIONS[name],
           f"{rel}: test_only or description")
    return doc, str(rel)


def check(cards, scratch):
    """Verifies every file as a terminal and the card would, from the files alone; raises Stale."""
    pin, where = load_checked("pin")
    expect(pin.get("master") == pin_master(), f"{where}: master")

    private, where_priv = load_checked("ca_private")
    ca_rsa, ca_sm2 = ca_private_keys(private)
    check_rsa_key(ca_rsa, RSA_BITS["ca"], scratch, f"{where_priv}: rsa key")
    check_sm2_key(ca_sm2, scratch, f"{where_priv}: sm2 key")

    public, where_pub = load_checked("ca_public")
    expected_public = [
        {"rid": RID, "index": CA_RSA_INDEX, "algorithm": "rsa", "modulus": ca_rsa["n"], "exponent": "03",
         "expiry": CA_EXPIRY, "check": rsa_check_value(ca_rsa["n"], "03")},
        {"rid": RID, "index": CA_SM2_INDEX, "algorithm": "sm2", "curve": SM2_CURVE,
         "public_key": ca_sm2["public"], "expiry": CA_EXPIRY}]
    expect(public.get("keys") == expected_public, f"{where_pub}: keys differ from the CA private keys")
    ca_n, ca_xy = public["keys"][0]["modulus"], public["keys"][1]["public_key"]

    keys, where_keys = load_checked("keys")
    expect(sorted(dig(keys, "issuers") or {}) == sorted(PROVINCES), f"{where_keys}: issuers")
    for province, (_, rsa_serial, sm2_serial) in PROVINCES.items():
        w = f"{where_keys}: {province}"
        issuer = keys["issuers"][province]
        expect(issuer.get("dki") == "01", f"{w} dki")
        for family in ("3des", "sm4"):
            for use in ("ac", "mac", "enc"):
                expect(dig(issuer, family, use) == master_key(province, family, use), f"{w} {family} {use}")
        rsa = issuer.get("rsa") or {}
        check_rsa_key(rsa.get("key"), RSA_BITS["issuer"], scratch, f"{w} rsa key")
        expect(rsa.get("remainder") == rsa["key"]["n"][280:] and rsa.get("exponent") == "03"
               and rsa.get("serial") == rsa_serial and rsa.get("expiry") == ISSUER_EXPIRY,
               f"{w} rsa remainder/exponent/serial/expiry")
        # Recovered with the CA key of the kiosk file: header, issuer id, date, serial, key and hash.
        verify_rsa(bytes.fromhex(hexfield(issuer, w, "rsa", "certificate")), issuer_rsa_msg(province, rsa["key"]),
                   ca_n, "03", scratch, f"{w} rsa certificate (90)")
        sm2 = issuer.get("sm2") or {}
        check_sm2_key(sm2.get("key"), scratch, f"{w} sm2 key")
        expect(sm2.get("serial") == sm2_serial and sm2.get("expiry") == ISSUER_EXPIRY, f"{w} sm2 serial/expiry")
        prefix = issuer_sm2_prefix(province, sm2["key"])
        cert = bytes.fromhex(hexfield(issuer, w, "sm2", "certificate"))
        expect(len(cert) == 142, f"{w} sm2 certificate (90): length")
        verify_sm2(cert, prefix, prefix, ca_xy, scratch, f"{w} sm2 certificate (90)")

    doc, where_cards = load_checked("cards")
    entries = doc.get("cards")
    expect(isinstance(entries, dict), f"{where_cards}: cards")
    for pan in entries:
        expect(pan in {c.pan for c in cards}, f"{where_cards}: {masked(pan)} has no profile")
    for card in cards:
        w = f"{where_cards}: {masked(card.pan)} ({card.file})"
        entry = entries.get(card.pan)
        expect(isinstance(entry, dict), f"{w}: missing")
        expect(sorted(entry) == (["rsa", "sm2"] if card.generation == 3 else ["rsa"]), f"{w}: data sets")
        issuer = keys["issuers"][card.province]
        rsa = entry["rsa"]
        expect(rsa.get("static_data") == hx(card.static_data("rsa")), f"{w}: rsa static_data is stale")
        check_rsa_key(rsa.get("key"), RSA_BITS["icc"], scratch, f"{w}: rsa key")
        expect(rsa.get("icc_remainder") == rsa["key"]["n"][204:], f"{w}: rsa icc_remainder (9F48)")
        issuer_n = issuer["rsa"]["key"]["n"]
        verify_rsa(bytes.fromhex(hexfield(rsa, w, "icc_certificate")), icc_rsa_msg(card, rsa["key"]), issuer_n,
                   "03", scratch, f"{w}: rsa icc_certificate (9F46)")
        verify_rsa(bytes.fromhex(hexfield(rsa, w, "ssad")), ssad_rsa_msg(card), issuer_n, "03", scratch,
                   f"{w}: rsa ssad (93)")
        if card.generation == 3:
            sm2 = entry["sm2"]
            static = card.static_data("sm")
            expect(sm2.get("static_data") == hx(static), f"{w}: sm2 static_data is stale")
            check_sm2_key(sm2.get("key"), scratch, f"{w}: sm2 key")
            issuer_xy = issuer["sm2"]["key"]["public"]
            prefix = icc_sm2_prefix(card, sm2["key"])
            cert = bytes.fromhex(hexfield(sm2, w, "icc_certificate"))
            expect(len(cert) == 148, f"{w}: sm2 icc_certificate (9F46): length")
            verify_sm2(cert, prefix, prefix + static, issuer_xy, scratch, f"{w}: sm2 icc_certificate (9F46)")
            ssad = bytes.fromhex(hexfield(sm2, w, "ssad"))
            expect(len(ssad) == 67, f"{w}: sm2 ssad (93): length")
            verify_sm2(ssad, ssad_sm2_prefix(), ssad_sm2_prefix() + static, issuer_xy, scratch,
                       f"{w}: sm2 ssad (93)")
        expect(set(entry["rsa"]) == {"key", "icc_certificate", "icc_remainder", "ssad", "static_data"}
               and (card.generation == 2 or set(entry["sm2"]) == {"key", "icc_certificate", "ssad", "static_data"}),
               f"{w}: unexpected fields")


def main():
    parser = argparse.ArgumentParser(
        description="Make and verify the payment test PKI (docs/PAYMENT.md 6.1, 6.9, 7): CA, issuer and ICC "
                    "keys, certificates and the static data they cover, in cards/keys/. Existing keys are kept.")
    parser.add_argument("--check", action="store_true",
                        help="verify only; exit 1 with one line naming the first stale or wrong item")
    parser.add_argument("--new-ca", action="store_true", help="replace the CA key pairs (RSA E0, SM2 E1)")
    parser.add_argument("--new-issuers", action="store_true", help="replace both provinces' issuer key pairs")
    parser.add_argument("--new-card", action="append", default=[], metavar="PAN",
                        help="replace the ICC key pairs of the card with this PAN (repeatable)")
    args = parser.parse_args()
    if args.check and (args.new_ca or args.new_issuers or args.new_card):
        parser.error("--check makes no keys")

    cards = load_cards()
    scratch = Scratch()
    try:
        if not args.check:
            generate(args, cards, scratch)
        try:
            check(cards, scratch)
        except Stale as stale:
            print(f"stale: {stale} (run tools/payment-pki.py)", file=sys.stderr)
            return 1
        except (KeyError, TypeError, AttributeError, IndexError) as error:
            print(f"stale: cards/keys: a file lacks an expected field ({error!r}) (run tools/payment-pki.py)",
                  file=sys.stderr)
            return 1
        if args.check:
            print(f"payment PKI up to date: {len(cards)} cards, 2 issuers, CA {CA_RSA_INDEX}/{CA_SM2_INDEX}")
        return 0
    finally:
        scratch.close()


if __name__ == "__main__":
    sys.exit(main())
