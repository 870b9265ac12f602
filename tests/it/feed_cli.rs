//! `roomsight feed` on the command line (joins `main.rs` when the feed is wired in, issue 5).

use predicates::prelude::*;

use crate::roomsight;

#[test]
fn feed_without_a_sink_is_a_configuration_error() {
    let dir = tempfile::tempdir().unwrap();
    roomsight()
        .args(["feed", "--once", "--lake", dir.path().to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no sink is configured"));
}
