// The resource timelines on their own (no SystemC): walker choice, queue admission with
// arrivals out of order, the in-flight walk table. Times in ps.
#include <gtest/gtest.h>

#include "tlm/resource_timelines.h"

namespace vtd::tlm {
namespace {

TEST(WalkerPool, TakesTheMostRecentlyFreedIdleWalker) {
  WalkerPool pool(3);
  pool.hold(0, 100);
  pool.hold(1, 300);
  pool.hold(2, 200);
  const WalkerPool::Grant g = pool.acquire(250);
  EXPECT_EQ(g.walker, 2u) << "free at 200: the latest of those free at 250";
  EXPECT_EQ(g.start_ps, 250u);
}

TEST(WalkerPool, KeepsTrackOfTheLatestWhenTimesMoveBack) {
  WalkerPool pool(3);
  pool.hold(1, 900);
  pool.hold(1, 100);  // not something walks do, but the pool stays consistent
  pool.hold(2, 300);
  EXPECT_EQ(pool.acquire(400).walker, 2u);
  EXPECT_EQ(pool.acquire(250).walker, 1u) << "free at 100, the latest of those free at 250";
}

TEST(WalkerPool, WaitsForTheFirstToFreeWhenAllAreBusy) {
  WalkerPool pool(2);
  pool.hold(0, 500);
  pool.hold(1, 400);
  const WalkerPool::Grant g = pool.acquire(100);
  EXPECT_EQ(g.walker, 1u);
  EXPECT_EQ(g.start_ps, 400u);
}

TEST(RequestQueue, AdmitsBelowTheBound) {
  RequestQueue q(2);
  q.add(0, 100);
  EXPECT_EQ(q.admit(10, 0), 10u);
  q.add(10, 150);
  EXPECT_EQ(q.admit(20, 0), 100u) << "two in flight at 20: admitted when the first completes";
  EXPECT_EQ(q.admit(120, 0), 120u) << "at 120 only one is in flight";
}

TEST(RequestQueue, RequestsArrivingLaterAreNotInFlightYet) {
  RequestQueue q(1);
  q.add(1000, 1100);
  EXPECT_EQ(q.admit(0, 0), 0u);
  EXPECT_EQ(q.admit(1050, 0), 1100u);
}

TEST(RequestQueue, CompletionsBeforeNowAreForgottenWhenTheBoundIsReached) {
  RequestQueue q(100);
  for (uint64_t i = 0; i < 200; ++i) q.add(i * 10, i * 10 + 5);  // grows past one ring
  EXPECT_EQ(q.tracked(), 200u);
  EXPECT_EQ(q.admit(2000, 1500), 2000u);
  EXPECT_EQ(q.tracked(), 50u) << "those completed by 1500 are gone";
}

TEST(RequestQueue, KeepsCompletionsSortedWhenAddedOutOfOrder) {
  RequestQueue q(2);
  q.add(0, 500);
  q.add(0, 100);
  q.add(0, 300);
  EXPECT_EQ(q.admit(0, 0), 300u) << "three in flight; at 100 still two; at 300 one";
}

TEST(InFlightWalks, FindsTheWalkOfTheSameDomainAndPage) {
  InFlightWalks w;
  EXPECT_FALSE(w.mayMerge(0));
  w.add(1, 0x20'0123, PageSize::Size2M, 0, 400, 0);
  EXPECT_TRUE(w.mayMerge(100));
  EXPECT_NE(w.find(1, 0x3F'F000, 100), nullptr) << "same 2 MiB page";
  EXPECT_EQ(w.find(2, 0x20'0000, 100), nullptr) << "other domain";
  EXPECT_EQ(w.find(1, 0x40'0000, 100), nullptr) << "next page";
  EXPECT_EQ(w.find(1, 0x20'0000, 400), nullptr) << "done by then";
  EXPECT_FALSE(w.mayMerge(400));
}

TEST(InFlightWalks, ReusesSlotsOfWalksDoneByNowAndGrowsOtherwise) {
  InFlightWalks w;
  for (uint64_t i = 0; i < 16; ++i) w.add(1, i << 12, PageSize::Size4K, 0, 100 + i, 0);
  EXPECT_EQ(w.capacity(), 16u);
  w.add(1, 0x10'0000, PageSize::Size4K, 200, 500, 200);  // the oldest is done by 200
  EXPECT_EQ(w.capacity(), 16u);
  w.add(1, 0x11'0000, PageSize::Size4K, 0, 500, 50);  // the next oldest is not done by 50
  EXPECT_EQ(w.capacity(), 32u);
  for (uint64_t i = 1; i < 16; ++i)
    EXPECT_NE(w.find(1, i << 12, 50), nullptr) << "walk " << i << " kept";
  EXPECT_NE(w.find(1, 0x10'0000, 250), nullptr);
  EXPECT_NE(w.find(1, 0x11'0000, 50), nullptr);
}

}  // namespace
}  // namespace vtd::tlm
