// Throughput of the core parsers on realistic input: a nested EMV / PBOC record walked element by element,
// and command APDU parsing.
#include <benchmark/benchmark.h>

#include <cstdint>

#include "sscard/core/apdu.h"
#include "sscard/core/bytes.h"
#include "sscard/core/tlv.h"

namespace {

using sscard::ByteSpan;
using sscard::Bytes;

Bytes from_hex(std::string_view text) { return sscard::from_hex(text).value(); }

// About 260 bytes: a READ RECORD answer (template 70) with track 2, PAN, dates, names, CVM list, CDOL1/2,
// issuer action codes and a nested proprietary template holding an FCI-like BF0C.
Bytes emv_record() {
  Bytes buffer(512);
  sscard::tlv::Builder b(buffer);
  b.open(0x70)
      .add(0x57, from_hex("6214830000000001D30122011234567800000F"))
      .add(0x5A, from_hex("6214830000000001"))
      .add(0x5F24, from_hex("301231"))
      .add(0x5F25, from_hex("200101"))
      .add(0x5F28, from_hex("0156"))
      .add(0x5F34, from_hex("01"))
      .add(0x5F30, from_hex("0220"))
      .add(0x9F42, from_hex("0156"))
      .add(0x9F44, from_hex("02"))
      .add(0x9F1F, sscard::as_bytes("303132333435"))
      .add(0x5F20, sscard::as_bytes("ZHANG/SAN                 "))
      .add(0x8C, from_hex("9F02069F03069F1A0295055F2A029A039C019F37049F21039F4E14"))
      .add(0x8D, from_hex("8A029F02069F03069F1A0295055F2A029A039C019F3704"))
      .add(0x8E, from_hex("000000000000000042035E031F03"))
      .add(0x9F07, from_hex("FF00"))
      .add(0x9F08, from_hex("0030"))
      .add(0x9F0D, from_hex("D86004A800"))
      .add(0x9F0E, from_hex("0010980000"))
      .add(0x9F0F, from_hex("D86804F800"))
      .add(0x9F4A, from_hex("82"))
      .open(0xBF0C)
      .add(0x9F4D, from_hex("0B0A"))
      .add(0xDF61, from_hex("01"))
      .open(0xE1)
      .add(0x9F0C, from_hex("860101"))
      .add(0xDF8101, from_hex("0000000100000000"))
      .close()
      .close()
      .close();
  buffer.resize(b.size());
  return buffer;
}

// Walks every element at every depth; returns the number of elements and adds up their value sizes.
std::size_t walk(ByteSpan data, std::size_t& value_bytes) {
  std::size_t count = 0;
  for (const sscard::tlv::Element& e : sscard::tlv::Elements(data)) {
    ++count;
    value_bytes += e.value.size();
    if (e.constructed) count += walk(e.value, value_bytes);
  }
  return count;
}

void BM_TlvWalkEmvRecord(benchmark::State& state) {
  const Bytes record = emv_record();
  std::size_t elements = 0;
  for (auto _ : state) {
    std::size_t value_bytes = 0;
    elements = walk(record, value_bytes);
    benchmark::DoNotOptimize(value_bytes);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(record.size()));
  state.counters["record_bytes"] = static_cast<double>(record.size());
  state.counters["elements"] = static_cast<double>(elements);
}
BENCHMARK(BM_TlvWalkEmvRecord);

void BM_TlvFindRecursive(benchmark::State& state) {
  const Bytes record = emv_record();
  for (auto _ : state) {
    auto e = sscard::tlv::find_recursive(record, 0xDF8101);  // the deepest, last element
    benchmark::DoNotOptimize(e);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(record.size()));
}
BENCHMARK(BM_TlvFindRecursive);

// Re-encodes the decoded record with the fixed-capacity Builder (templates closed after their contents).
void rebuild(ByteSpan data, sscard::tlv::Builder& b) {
  for (const sscard::tlv::Element& e : sscard::tlv::Elements(data)) {
    if (e.constructed) {
      b.open(e.tag);
      rebuild(e.value, b);
      b.close();
    } else {
      b.add(e.tag, e.value);
    }
  }
}

void BM_TlvBuildEmvRecord(benchmark::State& state) {
  const Bytes record = emv_record();
  Bytes buffer(record.size());
  for (auto _ : state) {
    sscard::tlv::Builder b(buffer);
    rebuild(record, b);
    benchmark::DoNotOptimize(b.status());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(record.size()));
}
BENCHMARK(BM_TlvBuildEmvRecord);

void BM_ApduParseCommand(benchmark::State& state) {
  // SELECT sx1.sh.社会保障 (case 3 short) and an extended case 4 with 512 bytes of data.
  const Bytes select = from_hex("00A404000F7378312E73682EC9E7BBE1B1A3D5CF");
  Bytes extended = from_hex("80E20000000200");
  extended.resize(extended.size() + 512, 0x5A);
  extended.push_back(0x00);
  extended.push_back(0x00);
  for (auto _ : state) {
    auto a = sscard::apdu::parse_command(select);
    auto b = sscard::apdu::parse_command(extended);
    benchmark::DoNotOptimize(a);
    benchmark::DoNotOptimize(b);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(select.size() + extended.size()));
  state.SetItemsProcessed(state.iterations() * 2);
}
BENCHMARK(BM_ApduParseCommand);

void BM_ApduParseResponse(benchmark::State& state) {
  Bytes response = emv_record();
  response.push_back(0x90);
  response.push_back(0x00);
  for (auto _ : state) {
    auto r = sscard::apdu::parse_response(response);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ApduParseResponse);

}  // namespace
