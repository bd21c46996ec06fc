//! Counters for `GET /metrics`, in the Prometheus text format.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// A monotonic counter.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    /// Adds one.
    pub fn inc(&self) {
        self.add(1);
    }

    /// Adds `n`.
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    /// The count.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The node's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Transactions received over HTTP.
    pub submitted: Counter,
    /// Transactions appended.
    pub accepted: Counter,
    /// Batches made durable.
    pub batches: Counter,
    /// Cosignatures taken.
    pub cosignatures: Counter,
    /// Requests answered with a rate-limit error.
    pub rate_limited: Counter,
    /// Requests refused as malformed, by error code.
    refusals: Mutex<BTreeMap<&'static str, u64>>,
}

impl Metrics {
    /// Counts a refusal by its stable code.
    pub fn refused(&self, code: &'static str) {
        *self
            .refusals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(code)
            .or_insert(0) += 1;
    }

    /// The text exposition, with the gauges passed in.
    pub fn render(&self, gauges: &[(&str, &str, u64)]) -> String {
        let mut out = String::new();
        let counters = [
            (
                "assent_submitted_total",
                "Transactions received",
                &self.submitted,
            ),
            (
                "assent_accepted_total",
                "Transactions appended",
                &self.accepted,
            ),
            (
                "assent_batches_total",
                "Batches made durable",
                &self.batches,
            ),
            (
                "assent_cosignatures_total",
                "Cosignatures taken",
                &self.cosignatures,
            ),
            (
                "assent_rate_limited_total",
                "Requests refused by rate limits",
                &self.rate_limited,
            ),
        ];
        for (name, help, counter) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                counter.get()
            );
        }
        let _ = writeln!(
            out,
            "# HELP assent_refused_total Transactions refused, by code\n# TYPE assent_refused_total counter"
        );
        for (code, n) in self
            .refusals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(out, "assent_refused_total{{code=\"{code}\"}} {n}");
        }
        for (name, help, value) in gauges {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
            );
        }
        out
    }
}
