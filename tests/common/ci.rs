//! The rule for a test that needs what a machine may not have (a configured PostgreSQL,
//! root to run a private one): a test that did not run must not report success where it
//! counts. Under CI (`CI=true`, which `.ci/run` exports and most CI services set) such a
//! test fails, naming what is missing. Elsewhere it passes but says `SKIPPED` on the
//! terminal, even though `cargo test` hides what passing tests print.

use std::io::Write;

/// Whether this run is CI: `CI` is `true` or `1`.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// `test` cannot run here because of `why`; `how` says what would make it run. Under CI
/// this panics; otherwise it writes a `SKIPPED` line and the caller returns.
pub fn cannot_run(test: &str, why: &str, how: &str) {
    if under_ci() {
        panic!("{test} did not run: {why}. Under CI=true a test that did not run fails; {how}");
    }
    // Straight to the process's stderr: the test harness captures `eprintln!` of a passing
    // test, and this line must be seen.
    let _ = writeln!(
        std::io::stderr(),
        "\nSKIPPED: {test}: {why}; it passes without testing anything. {how}\n"
    );
}
