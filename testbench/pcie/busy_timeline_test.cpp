// BusyTimeline: in-order bookings behave like a next-free time; out-of-order bookings fill
// earlier gaps instead of queueing behind later ones; old intervals are dropped.
#include <gtest/gtest.h>

#include "platform/busy_timeline.h"

using vtd::platform::BusyTimeline;

TEST(BusyTimeline, InOrderBookingsQueueLikeANextFreeTime) {
  BusyTimeline t;
  EXPECT_EQ(t.reserve(100, 10, 0), 100u);
  EXPECT_EQ(t.reserve(100, 10, 0), 110u);  // waits for the first
  EXPECT_EQ(t.reserve(105, 10, 0), 120u);
  EXPECT_EQ(t.reserve(200, 10, 0), 200u);  // free again
  EXPECT_EQ(t.bookedPs(), 40u);
}

TEST(BusyTimeline, AnEarlierRequestFillsTheGapBeforeALaterBooking) {
  BusyTimeline t;
  EXPECT_EQ(t.reserve(1000, 10, 0), 1000u);
  EXPECT_EQ(t.reserve(100, 10, 0), 100u);   // not behind 1000..1010
  EXPECT_EQ(t.reserve(995, 10, 0), 1010u);  // the gap 995..1000 is too short
  EXPECT_EQ(t.reserve(985, 10, 0), 985u);   // 985..995 fits before 1000
}

TEST(BusyTimeline, GapsAreUsedWhenLongEnough) {
  BusyTimeline t;
  t.reserve(0, 10, 0);
  t.reserve(30, 10, 0);
  EXPECT_EQ(t.reserve(5, 20, 0), 10u);  // 10..30 fits exactly
  EXPECT_EQ(t.reserve(0, 5, 0), 40u);   // everything before 40 is booked now
  EXPECT_EQ(t.intervals(), 1u);         // merged into one
}

TEST(BusyTimeline, IntervalsBeforeTheHorizonAreDropped) {
  BusyTimeline t;
  for (uint64_t i = 0; i < 100; ++i) t.reserve(i * 100, 10, 0);
  EXPECT_EQ(t.intervals(), 100u);
  t.reserve(10000, 10, 5000);
  EXPECT_EQ(t.intervals(), 51u);
}

TEST(BusyTimeline, ZeroDurationBooksNothing) {
  BusyTimeline t;
  t.reserve(0, 100, 0);
  EXPECT_EQ(t.reserve(50, 0, 0), 50u);
  EXPECT_EQ(t.intervals(), 1u);
}
