//! Personal-data scrubbing of `log` messages: e-mail addresses and user principal names become
//! `<redacted>` before anything lands (dead letters included), and the redactions are counted.
//!
//! An address is `local@domain` where the local part is `[A-Za-z0-9._%+-]+` (or non-ASCII) and the domain is
//! dot-separated labels of `[A-Za-z0-9-]` ending in an alphabetic top-level label of two or more
//! letters, and is not one of the domains of Teams identifiers ([`TEAMS_ID_DOMAINS`]:
//! `19:meeting_NjE2@thread.v2`, `19:abc@thread.skype`, `19:abc@thread.tacv2`,
//! `8:orgid:…@unq.gbl.spaces`), which are left alone. The scan needs no regex engine: it jumps
//! from `@` to `@`.
//!
//! [`scrub_json_text`] does the same over JSON text as it came off the wire (a rejected
//! message's raw bytes), where an address may be written with escapes (`jane\u0040contoso.com`):
//! `\uXXXX` escapes of printable characters are read as those characters first.

use std::borrow::Cow;

/// What replaces each address.
pub const REDACTED: &str = "<redacted>";

/// The domains of Teams thread and chat identifiers: `…@<domain>` with one of these (any case)
/// is an identifier, not an address.
pub const TEAMS_ID_DOMAINS: [&str; 4] = [
    "thread.skype",
    "unq.gbl.spaces",
    "thread.tacv2",
    "thread.v2",
];

/// [`scrub`] over JSON text: `\uXXXX` escapes of printable characters (not `"` or `\\`) are
/// read as the characters they stand for, then addresses are replaced. Returns the text
/// unchanged (borrowed) when nothing was redacted, else the unescaped, scrubbed text (the same
/// JSON value for every escape it unescaped) and the number of replacements.
pub fn scrub_json_text(text: &str) -> (Cow<'_, str>, u32) {
    let unescaped = unescape_printable(text);
    let (clean, n) = scrub(&unescaped);
    if n == 0 {
        return (Cow::Borrowed(text), 0);
    }
    (Cow::Owned(clean.into_owned()), n)
}

/// `text` with every `\uXXXX` escape of a printable character other than `"` and `\\`
/// replaced by that character; other escapes (`\\`, `\"`, `\n`, surrogates, controls) stay.
fn unescape_printable(text: &str) -> Cow<'_, str> {
    if !text.contains("\\u") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let decoded = tail
            .get(1..6)
            .filter(|e| e.starts_with('u') && e[1..].bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|e| u32::from_str_radix(&e[1..], 16).ok())
            .and_then(char::from_u32)
            .filter(|c| !c.is_control() && !matches!(c, '"' | '\\'));
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &tail[6..];
            }
            None => {
                // Copy the escape's backslash and the character it escapes (so `\\u0040`,
                // an escaped backslash before the text `u0040`, stays as it is).
                let next = tail[1..].chars().next().map_or(0, char::len_utf8);
                out.push_str(&tail[..1 + next]);
                rest = &tail[1 + next..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

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
    let teams_id = TEAMS_ID_DOMAINS
        .iter()
        .any(|d| domain.eq_ignore_ascii_case(d.as_bytes()));
    (count >= 2 && tld_ok && !teams_id).then_some((start, end))
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
            "chat 19:abc123@thread.skype",
            "channel 19:3A4b5c6d@thread.skype joined",
            "user 8:orgid:2a3b4c5d-1234@unq.gbl.spaces called",
            "Joined 19:meeting_x@THREAD.SKYPE.",
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
    fn teams_thread_ids_on_skype_and_spaces_domains_are_not_taken_for_addresses() {
        // `skype` and `spaces` are alphabetic, so they passed for top-level domains.
        for domain in TEAMS_ID_DOMAINS {
            let input = format!("meeting 19:meeting_NjE2ZjYx@{domain} started by a@contoso.com");
            assert_eq!(
                s(&input),
                (
                    format!("meeting 19:meeting_NjE2ZjYx@{domain} started by <redacted>"),
                    1
                ),
                "{input}"
            );
        }
        // A real domain that merely begins like one is an address.
        assert_eq!(s("x@thread.skype.com").1, 1);
    }

    #[test]
    fn a_json_escaped_at_sign_is_redacted_in_json_text() {
        let raw = r#"{"type":"log","message":"by jane\u0040contoso.com and JOE\u0040Contoso.COM"}"#;
        let (out, n) = scrub_json_text(raw);
        assert_eq!(n, 2, "{out}");
        assert!(
            !out.contains("contoso") && !out.contains("Contoso"),
            "{out}"
        );
        assert_eq!(
            out,
            r#"{"type":"log","message":"by <redacted> and <redacted>"}"#
        );
        // Escapes elsewhere stay JSON: quotes, backslashes and controls are not unescaped.
        let raw = r#"{"m":"a\u0022b \\u0040x.com \n p\u0040q.io"}"#;
        let (out, n) = scrub_json_text(raw);
        assert_eq!(n, 1, "{out}");
        assert_eq!(out, r#"{"m":"a\u0022b \\u0040x.com \n <redacted>"}"#);
        // Nothing to redact: the text is not copied, escapes and all.
        let raw = r#"{"m":"caf\u00e9 19:x\u0040thread.v2"}"#;
        assert!(matches!(scrub_json_text(raw), (Cow::Borrowed(_), 0)));
    }

    #[test]
    fn a_clean_message_is_not_copied() {
        assert!(matches!(
            scrub("Camera reconnected after 3 s").0,
            Cow::Borrowed(_)
        ));
    }
}
