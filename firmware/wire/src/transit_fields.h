// Internal to the codec: the TLV forms of a transit batch's rides (FF4C), their answers (FF5A) and the deny list
// (DF5B) (CONTACTLESS.md §7), kept apart from messages.cpp so that the card-service and payment fields stay as
// they were.
#pragma once

#include <cstddef>
#include <vector>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/core/tlv.h"
#include "sscard/wire/messages.h"

namespace sscard::wire::detail {

inline constexpr tlv::Tag kTagRides = 0xFF4C;
inline constexpr tlv::Tag kTagRideAnswers = 0xFF5A;
inline constexpr tlv::Tag kTagDenyList = 0xDF5B;

// Room the elements need in a builder's buffer.
std::size_t rides_capacity(const std::vector<Ride>& rides);
std::size_t ride_answers_capacity(const std::vector<RideAnswer>& answers);

// 1..kMaxRides rides, numbers distinct, each FF40 a sequence of primitive elements.
bool valid_rides(const std::vector<Ride>& rides);
bool valid_ride_answers(const std::vector<RideAnswer>& answers);

void add_rides(tlv::Builder& b, const std::vector<Ride>& rides);
void add_ride_answers(tlv::Builder& b, const std::vector<RideAnswer>& answers);
void add_deny_list(tlv::Builder& b, const std::vector<DenyDigest>& digests);

// kMalformed / kTruncated for anything the encoders above would not write.
Status decode_rides(ByteSpan value, std::vector<Ride>& out);
Status decode_ride_answers(ByteSpan value, std::vector<RideAnswer>& out);
Status decode_deny_list(ByteSpan value, std::vector<DenyDigest>& out);

}  // namespace sscard::wire::detail
