//! What the rules and the features both learn of one staff pseudonym: the
//! hours they work and the emergency overrides they used in the last week.

use std::collections::VecDeque;

const WEEK: u64 = 7 * 86_400;

/// One person's working hours and recent overrides.
#[derive(Debug, Default)]
pub(crate) struct Habits {
    hours: [u32; 24],
    total: u32,
    overrides: VecDeque<u64>,
}

impl Habits {
    /// Their earlier accesses within an hour of `hour` (UTC, 0–23), and all
    /// their earlier accesses.
    pub(crate) fn near(&self, hour: usize) -> (u32, u32) {
        let near = self.hours[(hour + 23) % 24] + self.hours[hour] + self.hours[(hour + 1) % 24];
        (near, self.total)
    }

    /// Learns one more access at `hour`.
    pub(crate) fn learn_hour(&mut self, hour: usize) {
        self.hours[hour] += 1;
        self.total += 1;
    }

    /// Records an override at `at`; the overrides in the week up to it.
    pub(crate) fn override_at(&mut self, at: u64) -> u32 {
        self.overrides.push_back(at);
        self.overrides_within_week(at)
    }

    /// The overrides in the week up to `at`.
    pub(crate) fn overrides_within_week(&mut self, at: u64) -> u32 {
        while self
            .overrides
            .front()
            .is_some_and(|t| t.saturating_add(WEEK) < at)
        {
            self.overrides.pop_front();
        }
        self.overrides.len() as u32
    }
}
