//! Accesses over time by organisation: a stacked bar chart per day, drawn as
//! SVG, with a legend and a table for screen readers.

use dioxus::prelude::*;
use std::collections::BTreeMap;

/// One bar segment: a day (POSIX day number), an organisation, a count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayCount {
    /// Days since 1970-01-01.
    pub day: u64,
    /// The organisation's name.
    pub org: String,
    /// Accesses that day.
    pub count: u64,
}

/// Counts `(time, organisation)` pairs per day and organisation.
pub fn per_day(accesses: impl IntoIterator<Item = (u64, String)>) -> Vec<DayCount> {
    let mut counts: BTreeMap<(u64, String), u64> = BTreeMap::new();
    for (t, org) in accesses {
        *counts.entry((t / 86_400, org)).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|((day, org), count)| DayCount { day, org, count })
        .collect()
}

const PALETTE: [&str; 6] = [
    "#1f6feb", "#d97706", "#059669", "#9333ea", "#dc2626", "#0891b2",
];

fn day_label(day: u64) -> String {
    let iso = assent_core::fhir::export_iso(day * 86_400);
    iso[5..10].to_string()
}

/// The chart. Each organisation keeps its colour in the legend and the bars.
#[component]
pub fn AccessChart(data: Vec<DayCount>) -> Element {
    if data.is_empty() {
        return rsx! { p { "No accesses recorded yet." } };
    }
    let orgs: Vec<String> = {
        let mut o: Vec<String> = data.iter().map(|d| d.org.clone()).collect();
        o.sort();
        o.dedup();
        o
    };
    let colour =
        |org: &str| PALETTE[orgs.iter().position(|o| o == org).unwrap_or(0) % PALETTE.len()];
    let first = data.iter().map(|d| d.day).min().unwrap_or(0);
    let last = data.iter().map(|d| d.day).max().unwrap_or(0);
    let days = (last - first + 1).min(60);
    let start = last + 1 - days;
    let mut totals: BTreeMap<u64, u64> = BTreeMap::new();
    for d in &data {
        *totals.entry(d.day).or_default() += d.count;
    }
    let max = totals.values().copied().max().unwrap_or(1).max(1);
    let (width, height, bar) = (40 + days * 24, 160u64, 18u64);
    let mut rects = Vec::new();
    for day in start..=last {
        let mut y = height - 20;
        for d in data.iter().filter(|d| d.day == day) {
            let h = (d.count * (height - 40)) / max;
            y -= h;
            rects.push((
                30 + (day - start) * 24,
                y,
                h.max(1),
                colour(&d.org),
                format!("{}: {} on {}", d.org, d.count, day_label(day)),
            ));
        }
    }
    let labels: Vec<(u64, String)> = (start..=last)
        .step_by(((days / 8).max(1)) as usize)
        .map(|day| (30 + (day - start) * 24, day_label(day)))
        .collect();
    rsx! {
        figure { class: "chart",
            svg {
                view_box: "0 0 {width} {height}",
                role: "img",
                "aria-label": "Accesses per day by organisation; the same figures are in the table below",
                "data-testid": "access-chart",
                line { x1: "28", y1: "{height - 20}", x2: "{width}", y2: "{height - 20}", stroke: "currentColor" }
                text { x: "0", y: "20", font_size: "11", "{max}" }
                for (x, y, h, c, title) in rects {
                    rect { x: "{x}", y: "{y}", width: "{bar}", height: "{h}", fill: "{c}",
                        title { "{title}" }
                    }
                }
                for (x, label) in labels {
                    text { x: "{x}", y: "{height - 4}", font_size: "10", "{label}" }
                }
            }
            figcaption {
                ul { class: "legend",
                    for org in orgs.iter() {
                        li { span { class: "swatch", style: "background: {colour(org)}" } "{org}" }
                    }
                }
            }
            table { class: "sr-only",
                caption { "Accesses per day" }
                thead { tr { th { "Day" } th { "Organisation" } th { "Accesses" } } }
                tbody {
                    for d in data.iter() {
                        tr { td { "{day_label(d.day)}" } td { "{d.org}" } td { "{d.count}" } }
                    }
                }
            }
        }
    }
}
