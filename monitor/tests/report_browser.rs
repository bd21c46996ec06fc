//! The privacy officer's report opens in the real browser the app's tests
//! use (Debian's chromium, headless): it parses, its charts and its case
//! table are in the page the browser built, and it renders to a screenshot.

use std::path::Path;
use std::process::Command;

const MONITOR: &str = env!("CARGO_BIN_EXE_assent-monitor");

fn chromium() -> String {
    let bin = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&bin).exists(),
        "no chromium at {bin}: `bash scripts/install-deps.sh` installs it (or set CHROMIUM)"
    );
    bin
}

fn run(args: &[&str]) {
    let out = Command::new(MONITOR).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "assent-monitor {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_report_opens_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("sim");
    let sim = sim.to_str().unwrap();
    let report = dir.path().join("report.html");
    run(&[
        "sim",
        "--profile",
        "tiny",
        "--seed",
        "1",
        "--difficulty",
        "easy",
        "--out",
        sim,
    ]);
    run(&["report", sim, "--out", report.to_str().unwrap()]);

    let url = format!("file://{}", report.display());
    let browser = |extra: &[&str]| {
        Command::new(chromium())
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
            ])
            .arg(format!(
                "--user-data-dir={}",
                dir.path().join("profile").display()
            ))
            .args(extra)
            .arg(&url)
            .output()
            .unwrap()
    };
    let dom = browser(&["--dump-dom"]);
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    // The page the browser built (not the file's text): five organisations'
    // charts, the case table with its reviewed cases (tiny's budget: one
    // per 2,000 accesses).
    assert_eq!(dom.matches("<svg").count(), 5, "{dom}");
    assert!(dom.contains("<table id=\"cases\">"), "{dom}");
    let cases = dom.matches("<tr class=\"case\">").count();
    assert!((1..=3).contains(&cases), "{cases} cases: {dom}");
    assert!(dom.contains("Assent monitoring report"));

    let shot = dir.path().join("report.png");
    let out = browser(&[
        "--window-size=1200,1600",
        &format!("--screenshot={}", shot.display()),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{} bytes",
        png.len()
    );
}
