//! The README's promises about setting up: exactly two set-up commands (run,
//! test), and CI runs exactly the README's test command.

use assent_tests::read_repo_file;

/// The commands in the README's "Quick start" code block.
fn quick_start_commands() -> Vec<String> {
    let readme = read_repo_file("README.md");
    let start = readme
        .find("## Quick start")
        .expect("a Quick start section");
    let section = &readme[start..];
    let block = section
        .split("```")
        .nth(1)
        .expect("a code block in Quick start");
    block
        .lines()
        .skip(1) // the fence's language tag
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

#[test]
fn readme_has_exactly_two_setup_commands() {
    let commands = quick_start_commands();
    assert_eq!(commands.len(), 2, "{commands:?}");
    for command in &commands {
        let script = command.split_whitespace().nth(1).expect("bash SCRIPT");
        assert!(
            assent_tests::workspace_root().join(script).is_file(),
            "{script} is missing"
        );
    }
}

#[test]
fn ci_runs_the_readme_test_command() {
    let test_command = quick_start_commands().pop().expect("the test command");
    let ci = read_repo_file(".ci/run");
    assert!(
        ci.lines().any(|l| l.trim() == test_command),
        ".ci/run must run the README's test command `{test_command}` as it stands"
    );
}
