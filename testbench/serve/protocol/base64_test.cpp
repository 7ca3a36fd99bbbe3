// Base64 codec used by b64read/b64write (RFC 4648 test vectors).
#include <gtest/gtest.h>

#include "platform/serve/protocol/base64.h"

namespace vtd::serve {
namespace {

std::string enc(const std::string& s) { return base64Encode(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

TEST(Base64, EncodesRfc4648Vectors) {
  EXPECT_EQ(enc(""), "");
  EXPECT_EQ(enc("f"), "Zg==");
  EXPECT_EQ(enc("fo"), "Zm8=");
  EXPECT_EQ(enc("foo"), "Zm9v");
  EXPECT_EQ(enc("foobar"), "Zm9vYmFy");
}

TEST(Base64, DecodesWhatItEncodes) {
  std::vector<uint8_t> all(256);
  for (int i = 0; i < 256; ++i) all[i] = uint8_t(i);
  for (size_t n = 0; n < all.size(); n += 37) {
    auto back = base64Decode(base64Encode(all.data(), n));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, std::vector<uint8_t>(all.begin(), all.begin() + n));
  }
}

TEST(Base64, RefusesMalformedText) {
  EXPECT_FALSE(base64Decode("Zg=").has_value());      // length not a multiple of 4
  EXPECT_FALSE(base64Decode("Z===").has_value());     // padding too early
  EXPECT_FALSE(base64Decode("Zg==Zm8=").has_value()); // padding before the end
  EXPECT_FALSE(base64Decode("Zm9*").has_value());     // character outside the alphabet
}

}  // namespace
}  // namespace vtd::serve
