//! Personal-data scrubbing of `log` messages: e-mail addresses and user principal names become
//! `<redacted>` before anything lands (dead letters included), and the redactions are counted.
//!
//! An address is `local@domain` where the local part is `[A-Za-z0-9._%+-]+` (or non-ASCII) and the domain is
//! dot-separated labels of `[A-Za-z0-9-]` ending in an alphabetic top-level label of two or more
//! letters. That leaves Teams ids such as `19:meeting_NjE2@thread.v2` alone (`v2` is not a
//! top-level domain) and needs no regex engine: the scan jumps from `@` to `@`.

use std::borrow::Cow;

/// What replaces each address.
pub const REDACTED: &str = "<redacted>";

/// Replaces every e-mail address and UPN in `message` with [`REDACTED`]; returns the scrubbed
/// text (borrowed when nothing matched) and the number of replacements.
pub fn scrub(message: &str) -> (Cow<'_, str>, u32) {
    let bytes = message.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0; // bytes of `message` already handled
    let mut count = 0;
    let mut search = 0;
    while let Some(rel) = message[search..].find('@') {
        let at = search + rel;
        search = at + 1;
        let Some((start, end)) = address_around(bytes, at, copied) else {
            continue;
        };
        let buf = out.get_or_insert_with(|| String::with_capacity(message.len()));
        buf.push_str(&message[copied..start]);
        buf.push_str(REDACTED);
        copied = end;
        search = end;
        count += 1;
    }
    match out {
        None => (Cow::Borrowed(message), 0),
        Some(mut buf) => {
            buf.push_str(&message[copied..]);
            (Cow::Owned(buf), count)
        }
    }
}

/// Local-part bytes; non-ASCII bytes count too (internationalized addresses, RFC 6531), and
/// since the scan stops only at ASCII bytes, slicing stays on character boundaries.
fn is_local(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80 || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

fn is_domain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-')
}

/// The byte range of the address whose `@` is at `at`, if it is one; its local part starts
/// no earlier than `floor` (the end of the previous replacement).
fn address_around(b: &[u8], at: usize, floor: usize) -> Option<(usize, usize)> {
    let mut start = at;
    while start > floor && is_local(b[start - 1]) {
        start -= 1;
    }
    // A local part neither starts nor ends with a dot.
    while start < at && b[start] == b'.' {
        start += 1;
    }
    if start == at || b[at - 1] == b'.' {
        return None;
    }
    let mut end = at + 1;
    while end < b.len() && is_domain(b[end]) {
        end += 1;
    }
    // Sentence punctuation after the address is not part of it.
    while end > at + 1 && matches!(b[end - 1], b'.' | b'-') {
        end -= 1;
    }
    let domain = &b[at + 1..end];
    let mut labels = domain.split(|&c| c == b'.');
    let mut count = 0;
    let mut last: &[u8] = &[];
    for label in labels.by_ref() {
        if label.is_empty() || label[0] == b'-' || label[label.len() - 1] == b'-' {
            return None;
        }
        count += 1;
        last = label;
    }
    let tld_ok = last.len() >= 2 && last.iter().all(u8::is_ascii_alphabetic);
    (count >= 2 && tld_ok).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(m: &str) -> (String, u32) {
        let (t, n) = scrub(m);
        (t.into_owned(), n)
    }

    #[test]
    fn redacts_addresses_and_upns_in_real_log_lines() {
        let cases = [
            (
                "Meeting started by jane.doe@contoso.com",
                "Meeting started by <redacted>",
                1,
            ),
            (
                "Sign-in failed for room-ldn-3@contoso.onmicrosoft.com.",
                "Sign-in failed for <redacted>.",
                1,
            ),
            ("JDoe@Contoso.COM joined", "<redacted> joined", 1),
            (
                "owner <a.b+tag%x@mail.eu.contoso.de>, cc",
                "owner <<redacted>>, cc",
                1,
            ),
            (
                "\"x_y-z@corp.example.org\" and (p@q.io)",
                "\"<redacted>\" and (<redacted>)",
                2,
            ),
            (
                "café user: jürgen.x@firma.de – ok",
                "café user: <redacted> – ok",
                1,
            ),
        ];
        for (input, want, n) in cases {
            assert_eq!(s(input), (want.to_string(), n), "{input}");
        }
    }

    #[test]
    fn leaves_teams_ids_and_non_addresses_alone() {
        for input in [
            "Joined 19:meeting_NjE2ZjYxYTMt@thread.v2 ok",
            "chat 19:abc123@thread.tacv2",
            "@ alone",
            "user@localhost",
            "trailing@",
            "@contoso.com",
            "a@b.c",
            "x@-bad.com",
            "no address here",
            ".@x.com",
        ] {
            let (out, n) = scrub(input);
            assert!(matches!(out, Cow::Borrowed(_)), "{input}");
            assert_eq!(n, 0, "{input}");
        }
    }

    #[test]
    fn adjacent_addresses_sharing_characters_are_all_redacted() {
        assert_eq!(
            s("0@a.aa+@a.aa_@a.aa"),
            ("<redacted><redacted><redacted>".to_string(), 3)
        );
    }

    #[test]
    fn a_clean_message_is_not_copied() {
        assert!(matches!(
            scrub("Camera reconnected after 3 s").0,
            Cow::Borrowed(_)
        ));
    }
}
