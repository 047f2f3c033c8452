#!/usr/bin/env python3
"""Regenerates tests/data/host/frames.txt: issuer-host protocol vectors (docs/HOST-PROTOCOL.md).

Payloads are built here by a separate small BER-TLV encoder; link keys and MACs are computed by the openssl
command line (SM4-ECB for diversification, SM4-CBC with a zero IV for the CBC-MAC), so the vectors do not
depend on the C++ code they check.

    python3 tools/host-vectors.py > tests/data/host/frames.txt
"""
import hashlib
import subprocess
import sys

MASTER_LABEL = b"sscard test link master key"  # cards/keys/test-link-keys.json


def openssl_sm4(mode: str, key: bytes, data: bytes) -> bytes:
    args = ["openssl", "enc", "-" + mode, "-K", key.hex(), "-nopad"]
    if mode == "sm4-cbc":
        args += ["-iv", "00" * 16]
    return subprocess.run(args, input=data, stdout=subprocess.PIPE, check=True).stdout


def openssl_master() -> bytes:
    out = subprocess.run(["openssl", "dgst", "-sha256", "-binary"], input=MASTER_LABEL,
                         stdout=subprocess.PIPE, check=True).stdout
    return out[:16]


def link_key(master: bytes, ident: str) -> bytes:
    # "Link keys": 12 digits as 6 BCD bytes, FF FF; SM4(master, F || ~F).
    factor = bytes.fromhex(ident) + b"\xff\xff"
    block = factor + bytes(b ^ 0xFF for b in factor)
    return openssl_sm4("sm4-ecb", master, block)


def sm4_mac(key: bytes, data: bytes) -> bytes:
    padded = data + b"\x80"
    padded += b"\x00" * (-len(padded) % 16)
    return openssl_sm4("sm4-cbc", key, padded)[-16:]


def tlv(tag: int, value: bytes) -> bytes:
    tag_bytes = tag.to_bytes(2 if tag > 0xFF else 1, "big")
    n = len(value)
    if n < 0x80:
        length = bytes([n])
    elif n <= 0xFF:
        length = bytes([0x81, n])
    else:
        length = bytes([0x82]) + n.to_bytes(2, "big")
    return tag_bytes + length + value


def spec_fields(spec: str):
    for item in spec.split(";"):
        name, _, value = item.strip().partition("=")
        yield name, value


def request_payload(spec: str) -> bytes:
    tags = {"op": (0xDF01, "hex"), "key": (0xDF02, "hex"), "terminal": (0xDF03, "text"),
            "serving": (0xDF04, "text"), "region": (0xDF05, "text"), "ssn": (0xDF06, "text"),
            "card": (0xDF07, "text"), "card_id": (0xDF08, "hex"), "date": (0xDF09, "text"),
            "residence": (0xDF0A, "text")}
    out = b""
    for name, value in spec_fields(spec):
        tag, form = tags[name]
        out += tlv(tag, bytes.fromhex(value) if form == "hex" else value.encode())
    return out


def response_payload(spec: str) -> bytes:
    u8 = lambda v: bytes([int(v, 16)])
    u64 = lambda v: int(v).to_bytes(8, "big")
    text = lambda v: v.encode("utf-8")
    tags = {"result": (0xDF21, u8), "home": (0xDF22, text), "served": (0xDF23, text), "name": (0xDF24, text),
            "state": (0xDF25, u8), "pension_status": (0xDF26, u8), "monthly": (0xDF27, u64),
            "medical": (0xDF28, u64), "certified": (0xDF2A, text), "duplicate": (0xDF2B, u8)}
    out = b""
    contributions = b""
    for name, value in spec_fields(spec):
        if name == "contrib":  # period/kind/amount; FF29 goes where the first one appears (tag order)
            period, kind, amount = value.split("/")
            contributions += tlv(0xE1, tlv(0xDF2C, period.encode()) + tlv(0xDF2D, u8(kind)) +
                                 tlv(0xDF2E, u64(amount)))
            continue
        if contributions and name in ("certified", "duplicate"):
            out += tlv(0xFF29, contributions)
            contributions = b""
        tag, conv = tags[name]
        out += tlv(tag, conv(value))
    if contributions:
        out += tlv(0xFF29, contributions)
    return out


def frame_header(spec: str, payload: bytes) -> bytes:
    f = dict(spec_fields(spec))
    return (b"SH" + bytes([1, int(f["kind"], 16)]) + f["sender"].encode() + bytes.fromhex(f["nonce"]) +
            int(f["ts"]).to_bytes(8, "big") + bytes.fromhex(f["rnonce"]) + len(payload).to_bytes(4, "big"))


def sealed(spec: str, payload: bytes, key: bytes) -> bytes:
    body = frame_header(spec, payload) + payload
    length = (len(body) + 16).to_bytes(4, "big")
    return length + body + sm4_mac(key, length + body)


def main() -> None:
    master = openssl_master()
    kiosk = "500152000101"
    k_kiosk = link_key(master, kiosk)
    k_host = link_key(master, "500000000000")
    k_hub = link_key(master, "999999000000")

    query = ("op=01; key=00112233445566778899AABBCCDDEEFF; terminal=500152000101; serving=500000; "
             "region=500152; ssn=50010319620315422X; card=CQ1506011; "
             "card_id=50015286000000010203040506070809; date=20241105")
    certify = ("op=05; key=F0E1D2C3B4A5968778695A4B3C2D1E0F; terminal=510900000201; serving=510000; "
               "region=500103; ssn=500223198807150019; card=CQ0152301; "
               "card_id=500103860000000A0B0C0D0E0F101112; date=20250101; residence=510107")
    answer = ("result=00; home=500000; served=500000; name=王秀英; state=01; pension_status=01; "
              "monthly=325000; medical=1234567; contrib=202410/01/85000; contrib=202410/02/21000; "
              "contrib=202409/01/85000; certified=20240301")
    duplicate = "result=00; home=510000; served=500000; state=02; duplicate=01"
    unknown_region = "result=02; served=500000"

    p_query = request_payload(query)
    p_answer = response_payload(answer)
    req_spec = "kind=01; sender=500152000101; nonce=0102030405060708; ts=1730800000000; rnonce=0000000000000000"
    rsp_spec = "kind=02; sender=500000000000; nonce=A1A2A3A4A5A6A7A8; ts=1730800000250; rnonce=0102030405060708"
    hub_spec = "kind=01; sender=500000000000; nonce=1112131415161718; ts=1730800000100; rnonce=0000000000000000"
    m_req = sealed(req_spec, p_query, k_kiosk)
    m_rsp = sealed(rsp_spec, p_answer, k_kiosk)
    m_hub = sealed(hub_spec, p_query, k_host)
    bad_mac = bytearray(m_req)
    bad_mac[-1] ^= 0x01
    v2 = bytearray(m_req)
    v2[6] = 2

    w = sys.stdout.write
    w("# Issuer-host protocol vectors (docs/HOST-PROTOCOL.md). Generated by tools/host-vectors.py: payloads by its\n"
      "# own TLV encoder, link keys and MACs by the openssl command line (sm4-ecb, sm4-cbc), not by this code.\n"
      "# description | type | a | b | expected\n"
      "#   link_key        a = master key, b = id                       -> ok <link key>\n"
      "#   request         a = fields (name=value; ...), b = -          -> ok <payload> (encode and decode)\n"
      "#   response        a = fields, contrib=YYYYMM/kind/fen, b = -   -> ok <payload> (encode and decode)\n"
      "#   seal            a = header fields; key=<link key>, b = payload -> ok <LEN || frame || MAC>\n"
      "#   open            a = link key, b = LEN || frame || MAC        -> ok <payload> or the error\n"
      "#   decode_request  a = -, b = payload                           -> the error\n"
      "#   decode_response a = -, b = payload                           -> the error\n"
      f"# Master link key: first 16 bytes of SHA-256(\"{MASTER_LABEL.decode()}\").\n\n")
    m = master.hex().upper()
    w(f"link key of kiosk {kiosk} | link_key | {m} | {kiosk} | ok {k_kiosk.hex().upper()}\n")
    w(f"link key of the Chongqing host | link_key | {m} | 500000000000 | ok {k_host.hex().upper()}\n")
    w(f"link key of the hub | link_key | {m} | 999999000000 | ok {k_hub.hex().upper()}\n\n")
    w(f"query request | request | {query} | - | ok {p_query.hex().upper()}\n")
    w(f"certify request | request | {certify} | - | ok {request_payload(certify).hex().upper()}\n")
    w(f"ok query answer with contributions | response | {answer} | - | ok {p_answer.hex().upper()}\n")
    w(f"duplicate state change answer | response | {duplicate} | - | ok {response_payload(duplicate).hex().upper()}\n")
    w(f"unknown region answer | response | {unknown_region} | - | ok {response_payload(unknown_region).hex().upper()}\n\n")
    w(f"kiosk query sealed under its link key | seal | {req_spec}; key={k_kiosk.hex().upper()} | "
      f"{p_query.hex().upper()} | ok {m_req.hex().upper()}\n")
    w(f"host answer sealed under the kiosk link key | seal | {rsp_spec}; key={k_kiosk.hex().upper()} | "
      f"{p_answer.hex().upper()} | ok {m_rsp.hex().upper()}\n")
    w(f"host forward sealed under its own link key | seal | {hub_spec}; key={k_host.hex().upper()} | "
      f"{p_query.hex().upper()} | ok {m_hub.hex().upper()}\n\n")
    w(f"open kiosk query | open | {k_kiosk.hex().upper()} | {m_req.hex().upper()} | ok {p_query.hex().upper()}\n")
    w(f"open kiosk query under the host key | open | {k_host.hex().upper()} | {m_req.hex().upper()} | security\n")
    w(f"open kiosk query with a flipped MAC bit | open | {k_kiosk.hex().upper()} | {bytes(bad_mac).hex().upper()} | security\n")
    w(f"open a version 2 frame | open | {k_kiosk.hex().upper()} | {bytes(v2).hex().upper()} | unsupported\n\n")

    no_date = request_payload(query.replace("; date=20241105", ""))
    w(f"request without DF09 | decode_request | - | {no_date.hex().upper()} | malformed\n")
    twice = p_query + tlv(0xDF05, b"500152")
    w(f"request with DF05 twice | decode_request | - | {twice.hex().upper()} | malformed\n")
    bad_ssn = request_payload(query.replace("50010319620315422X", "50010319620315422x"))
    w(f"request with a lower-case SSN check character | decode_request | - | {bad_ssn.hex().upper()} | malformed\n")
    short_key = request_payload(query.replace("00112233445566778899AABBCCDDEEFF", "00112233445566778899AABBCCDDEE"))
    w(f"request with a 15-byte idempotency key | decode_request | - | {short_key.hex().upper()} | malformed\n")
    cut = p_query[:-3]
    w(f"request cut inside DF09 | decode_request | - | {cut.hex().upper()} | truncated\n")
    short_amount = response_payload("result=00; served=500000") + tlv(0xDF27, bytes(7))
    w(f"response with a 7-byte pension | decode_response | - | {short_amount.hex().upper()} | malformed\n")
    no_served = response_payload("result=00; home=500000")
    w(f"response without DF23 | decode_response | - | {no_served.hex().upper()} | malformed\n")


if __name__ == "__main__":
    main()
