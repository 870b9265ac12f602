//! docs/telemetry-contract.md and the validator agree: every ` ```json ` example of the page is
//! judged as the page says (valid, or rejected with the reason and field its fence names), every
//! event type has a valid example, and the `rooms.csv` example loads without a rejected row.

use std::collections::BTreeSet;
use std::path::Path;

use roomsight_ingest::rooms::read_rooms;
use roomsight_ingest::vocab::EventType;
use roomsight_ingest::{Reason, validate};

use super::now;

/// One fenced block of the page: its info string (`json`, `json rejected out_of_range end`),
/// its text and the line its fence opens on.
struct Block {
    info: String,
    text: String,
    line: usize,
}

fn blocks(page: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    for (i, line) in page.lines().enumerate() {
        let trimmed = line.trim_start();
        match open.take() {
            None => {
                if let Some(info) = trimmed.strip_prefix("```") {
                    open = Some(Block {
                        info: info.trim().to_string(),
                        text: String::new(),
                        line: i + 1,
                    });
                }
            }
            Some(mut block) => {
                if trimmed.starts_with("```") {
                    out.push(block);
                } else {
                    block.text.push_str(line);
                    block.text.push('\n');
                    open = Some(block);
                }
            }
        }
    }
    out
}

fn page() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/telemetry-contract.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

#[test]
fn the_contract_page_examples_are_judged_as_it_says() {
    let page = page();
    let mut valid_types = BTreeSet::new();
    let mut rejected = 0;
    let mut failures = Vec::new();
    for block in blocks(&page) {
        let mut words = block.info.split_whitespace();
        if words.next() != Some("json") {
            continue;
        }
        let verdict = validate(block.text.as_bytes(), now());
        match (words.next(), words.next(), words.next()) {
            (None, _, _) => match verdict {
                Ok(event) => {
                    valid_types.insert(event.event_type());
                }
                Err(r) => failures.push(format!(
                    "line {}: the page shows a valid event, the validator says {r}",
                    block.line
                )),
            },
            (Some("rejected"), Some(reason), field) => {
                rejected += 1;
                let want = Reason::parse(reason).unwrap_or_else(|| {
                    panic!(
                        "line {}: `{reason}` is no reason of the contract",
                        block.line
                    )
                });
                match verdict {
                    Ok(_) => failures.push(format!(
                        "line {}: the page says {reason}, the validator accepts it",
                        block.line
                    )),
                    Err(r) if r.reason != want || r.field.as_deref() != field => {
                        failures.push(format!(
                            "line {}: the page says {reason} at {field:?}, the validator says {r}",
                            block.line
                        ))
                    }
                    Err(_) => {}
                }
            }
            other => panic!(
                "line {}: a json fence says `json` or `json rejected REASON [FIELD]`, not {other:?}",
                block.line
            ),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let missing: Vec<&str> = EventType::ALL
        .iter()
        .filter(|t| !valid_types.contains(t))
        .map(|t| t.as_str())
        .collect();
    assert!(missing.is_empty(), "no valid example of {missing:?}");
    assert!(rejected >= 8, "only {rejected} rejected examples");
}

#[test]
fn the_contract_page_rooms_csv_example_loads_whole() {
    let page = page();
    let csv = blocks(&page)
        .into_iter()
        .find(|b| b.info == "csv")
        .expect("the page has a ```csv example of rooms.csv");
    let directory = read_rooms(csv.text.as_bytes()).unwrap();
    assert_eq!(directory.rejected, vec![]);
    assert!(!directory.rooms.is_empty());
}
