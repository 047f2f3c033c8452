// Test vectors from the data files under tests/data/crypto (format: tests/support/vector_file.h), run
// against every crypto backend.
#pragma once

#include <tuple>

#include "backends.h"
#include "vector_file.h"

namespace sscard::crypto::test {

using sscard::test::HeapCopy;
using sscard::test::hex;
using sscard::test::line_name;
using sscard::test::optional_hex;
using sscard::test::outcome;
using sscard::test::Vector;
using sscard::test::vector_name;
using sscard::test::where;

inline std::vector<Vector> load_vectors(const std::string& name, std::size_t field_count) {
  return sscard::test::load_vector_file("crypto", name, field_count);
}

// A test over (backend, vector) pairs, with a fresh backend object per test.
class VectorTest : public testing::TestWithParam<std::tuple<Backend, Vector>> {
 protected:
  void SetUp() override {
    crypto_ = std::get<0>(GetParam()).make();
    ASSERT_NE(crypto_, nullptr);
  }
  Crypto& crypto() { return *crypto_; }
  const Vector& vec() const { return std::get<1>(GetParam()); }

 private:
  std::unique_ptr<Crypto> crypto_;
};

// With a backend: "openssl_L12_SM4_example".
inline std::string vector_test_name(const testing::TestParamInfo<std::tuple<Backend, Vector>>& info) {
  return std::get<0>(info.param).name + "_" + line_name(std::get<1>(info.param));
}

// Every backend combined with every vector of `vectors`.
inline auto over_backends(const std::vector<Vector>& vectors) {
  return testing::Combine(testing::ValuesIn(all_backends()), testing::ValuesIn(vectors));
}

}  // namespace sscard::crypto::test
