//! The privacy officer's and the regulator's report (`assent-monitor
//! report`): one self-contained HTML page, no script, with each
//! organisation's daily accesses as a chart (the days of its reviewed cases
//! shaded) and the reviewed cases, ranked, each with its sentences.
//!
//! It names organisations (their registered names) and staff by pseudonym
//! only; patients appear as counts, never by key. Text from the ledger is
//! escaped.

use crate::entries::LedgerEntry;
use crate::eval::{review_budget, Case, ACCESSES_PER_CASE};
use assent_core::ids::{IdentityId, OrgId};
use assent_core::tx::{GovAction, Kind};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

const DAY: u64 = 86_400;

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The date of day `day` (days since the epoch), `YYYY-MM-DD`.
fn date(day: u64) -> String {
    time::OffsetDateTime::from_unix_timestamp((day * DAY) as i64)
        .map(|t| t.date().to_string())
        .unwrap_or_else(|_| format!("day {day}"))
}

/// A staff pseudonym as the report shows it: its first four bytes.
fn pseudonym(actor: Option<[u8; 16]>) -> String {
    actor.map_or_else(
        || "a system".into(),
        |tag| format!("staff {}", data_encoding::HEXLOWER.encode(&tag[..4])),
    )
}

/// The registered name of each organisation on the log.
fn org_names(entries: &[LedgerEntry]) -> BTreeMap<OrgId, String> {
    entries
        .iter()
        .filter_map(|e| match &e.tx.body().kind {
            Kind::Propose(p) => match &p.action {
                GovAction::RegisterOrg { name, .. } => Some((OrgId(e.tx.id().0), name.clone())),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// One organisation's daily accesses as an SVG bar chart over days
/// `first..=last`, with `flagged` days shaded.
fn chart(daily: &BTreeMap<u64, u32>, first: u64, last: u64, flagged: &BTreeSet<u64>) -> String {
    const W: f64 = 720.0;
    const H: f64 = 90.0;
    let days = (last - first + 1) as f64;
    let step = W / days;
    let top = f64::from(daily.values().copied().max().unwrap_or(1).max(1));
    let mut svg = format!(
        "<svg viewBox=\"0 0 {W} {}\" width=\"{W}\" height=\"{}\" role=\"img\">",
        H + 14.0,
        H + 14.0
    );
    for day in flagged {
        let x = (day - first) as f64 * step;
        let _ = write!(
            svg,
            "<rect class=\"flag\" x=\"{x:.1}\" y=\"0\" width=\"{step:.1}\" height=\"{H}\"><title>{}: reviewed case</title></rect>",
            date(*day)
        );
    }
    for (day, n) in daily {
        let h = f64::from(*n) / top * (H - 4.0);
        let x = (day - first) as f64 * step;
        let _ = write!(
            svg,
            "<rect class=\"bar\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\"><title>{}: {n} accesses</title></rect>",
            x + step * 0.1,
            H - h,
            step * 0.8,
            date(*day)
        );
    }
    let _ = write!(
        svg,
        "<text x=\"0\" y=\"{}\">{}</text><text x=\"{W}\" y=\"{}\" text-anchor=\"end\">{}</text></svg>",
        H + 12.0,
        date(first),
        H + 12.0,
        date(last)
    );
    svg
}

/// The report over `entries`, given their cases ranked best first.
pub fn render(entries: &[LedgerEntry], ranked: &[Case]) -> String {
    let names = org_names(entries);
    let mut daily: BTreeMap<OrgId, BTreeMap<u64, u32>> = BTreeMap::new();
    let mut patients_of: BTreeMap<usize, IdentityId> = BTreeMap::new();
    let mut accesses = 0usize;
    for (i, e) in entries.iter().enumerate() {
        if let Kind::RecordAccess(a) = &e.tx.body().kind {
            accesses += 1;
            *daily
                .entry(a.org)
                .or_default()
                .entry(a.accessed_at / DAY)
                .or_default() += 1;
            patients_of.insert(i, a.patient);
        }
    }
    let budget = review_budget(accesses);
    let reviewed = &ranked[..budget.min(ranked.len())];
    let days: BTreeSet<u64> = daily.values().flat_map(|d| d.keys().copied()).collect();
    let (first, last) = match (days.first(), days.last()) {
        (Some(f), Some(l)) => (*f, *l),
        _ => (0, 0),
    };
    let mut flagged: BTreeMap<OrgId, BTreeSet<u64>> = BTreeMap::new();
    for case in reviewed {
        let spans = flagged.entry(case.org).or_default();
        spans.extend(case.alerts.iter().map(|a| a.at / DAY));
    }
    let name = |org: &OrgId| {
        names
            .get(org)
            .map_or_else(|| format!("organisation {org}"), |n| escape(n))
    };

    let mut html = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Assent monitoring report</title><style>\
         body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem;color:#1d1d1f}\
         h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}\
         .bar{fill:#3b6ea8}.flag{fill:#d9534f;opacity:.25}svg text{font-size:10px;fill:#555}\
         table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;\
         padding:.4rem;text-align:left;vertical-align:top}th{background:#f4f4f6}\
         </style></head><body><h1>Assent monitoring report</h1>",
    );
    let _ = write!(
        html,
        "<p id=\"summary\">{} entries, {accesses} accesses from {} to {}. {} cases raised; \
         the {} best ranked are for review (one per {ACCESSES_PER_CASE} accesses). \
         Patients appear as counts only; staff by pseudonym.</p>",
        entries.len(),
        date(first),
        date(last),
        ranked.len(),
        reviewed.len()
    );
    html.push_str("<h2>Accesses per day, by organisation</h2><p>Shaded: days with an alert in a reviewed case.</p>");
    for (org, by_day) in &daily {
        let _ = write!(
            html,
            "<section class=\"org\"><h3>{}</h3>{}</section>",
            name(org),
            chart(
                by_day,
                first,
                last,
                flagged.get(org).unwrap_or(&BTreeSet::new())
            )
        );
    }
    html.push_str(
        "<h2>Cases for review</h2><table id=\"cases\"><thead><tr><th>#</th><th>who</th>\
         <th>week of</th><th>accesses flagged</th><th>patients</th><th>why</th></tr></thead><tbody>",
    );
    for (rank, case) in reviewed.iter().enumerate() {
        let flagged: BTreeSet<usize> = case.alerts.iter().map(|a| a.entry).collect();
        let patients: BTreeSet<&IdentityId> =
            flagged.iter().filter_map(|i| patients_of.get(i)).collect();
        let why: String = case
            .sentences()
            .iter()
            .map(|s| format!("<li>{}</li>", escape(s)))
            .collect();
        let _ = write!(
            html,
            "<tr class=\"case\"><td>{}</td><td>{}<br>{}</td><td>{}</td><td>{}</td><td>{}</td><td><ul>{why}</ul></td></tr>",
            rank + 1,
            name(&case.org),
            pseudonym(case.actor),
            date(case.week * 7),
            flagged.len(),
            patients.len()
        );
    }
    html.push_str("</tbody></table></body></html>\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detector::detect;
    use crate::entries::GenesisFile;
    use crate::eval::{access_count, cases};
    use crate::sim::{simulate, Difficulty, Profile};

    #[test]
    fn the_report_shows_charts_and_cases_and_no_patient() {
        let sim = simulate(&Profile::tiny(), 1, Difficulty::Easy);
        let entries = sim.ledger_entries();
        let (alerts, _) = detect(&GenesisFile::of(&sim.genesis()), &entries, 1).unwrap();
        let ranked = cases(&alerts);
        let html = render(&entries, &ranked);
        assert_eq!(html.matches("<svg").count(), sim.world.orgs.len());
        assert!(html.contains("class=\"flag\""));
        let budget = review_budget(access_count(&entries)).min(ranked.len());
        assert_eq!(html.matches("<tr class=\"case\">").count(), budget);
        assert!(html.contains(&escape(&ranked[0].sentences()[0])));
        for p in &sim.world.patients {
            assert!(!html.contains(&p.key.public_key().to_string()));
        }
        assert_eq!(escape("<a href='x'>&"), "&lt;a href=&#39;x&#39;&gt;&amp;");
    }
}
