//! The repository stands on its own: no tracked file sends the reader to specifications kept
//! beside the checkout instead of in `docs/`.

use std::path::Path;
use std::process::Command;

/// `git ls-files` of the checkout, or `None` when this is not a git checkout (a source
/// tarball) or git is not installed.
fn tracked_files(root: &Path) -> Option<Vec<String>> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["ls-files", "-z"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let list = String::from_utf8(out.stdout).ok()?;
    Some(
        list.split('\0')
            .filter(|f| !f.is_empty())
            .map(str::to_string)
            .collect(),
    )
}

#[test]
fn no_tracked_file_refers_to_specifications_outside_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let Some(files) = tracked_files(root) else {
        eprintln!("not a git checkout (or no git): nothing to check");
        return;
    };
    assert!(
        !files.is_empty(),
        "git lists no files in {}",
        root.display()
    );
    // Built from parts so that this file does not name what it looks for.
    let needle = ["..", "/", "shared"].concat();
    let mut hits = Vec::new();
    for file in &files {
        // Deleted but not yet committed, or not text: nothing to read.
        let Ok(bytes) = std::fs::read(root.join(file)) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        for (i, line) in text.lines().enumerate() {
            if line.contains(&needle) {
                hits.push(format!("{file}:{}: {}", i + 1, line.trim()));
            }
        }
    }
    assert!(
        hits.is_empty(),
        "tracked files refer to specifications outside the repository ({needle}); point them \
         to docs/ instead:\n{}",
        hits.join("\n")
    );
}
