//! Framing of newline-delimited JSON files (backfills and `roomsight validate`).
//!
//! One event per line. Blank lines are skipped, CRLF line ends and a leading byte-order mark
//! are accepted. A line over [`MAX_MESSAGE_BYTES`] is reported as too large without holding
//! more than that limit in memory: its first bytes are kept (for the dead letter) and the rest
//! is skipped.

use std::io::{self, BufRead, Read};

use crate::event::MAX_MESSAGE_BYTES;

/// One framed line of an NDJSON stream.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A line to judge: its 1-based physical line number and its bytes (no line end).
    Line {
        /// Physical line number, 1-based.
        line: u64,
        /// The line's bytes without `\n`/`\r\n`.
        bytes: &'a [u8],
    },
    /// A line longer than the message limit.
    TooLarge {
        /// Physical line number, 1-based.
        line: u64,
        /// The line's length in bytes (without its line end).
        len: u64,
        /// Its first [`MAX_MESSAGE_BYTES`] bytes.
        prefix: &'a [u8],
    },
}

/// Reads NDJSON frames from a buffered reader.
pub struct NdjsonReader<R> {
    reader: R,
    buf: Vec<u8>,
    line: u64,
    bytes_read: u64,
}

impl<R: BufRead> NdjsonReader<R> {
    /// Frames the lines of `reader`.
    pub fn new(reader: R) -> Self {
        NdjsonReader {
            reader,
            buf: Vec::with_capacity(4096),
            line: 0,
            bytes_read: 0,
        }
    }

    /// Bytes consumed from the reader so far (for progress reporting).
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// The next non-blank line, or `None` at the end of the stream.
    pub fn next_frame(&mut self) -> io::Result<Option<Frame<'_>>> {
        // Locate the frame first, then borrow the buffer once to return it.
        let (start, end, too_large) = loop {
            self.buf.clear();
            self.line += 1;
            // Read at most the limit plus room for "\r\n"; anything longer is too large.
            let cap = (MAX_MESSAGE_BYTES + 2) as u64;
            let n = Read::take(&mut self.reader, cap).read_until(b'\n', &mut self.buf)?;
            if n == 0 {
                return Ok(None);
            }
            self.bytes_read += n as u64;
            let complete = self.buf.last() == Some(&b'\n');
            if !complete && n as u64 == cap {
                // Over the limit: skip the rest of the line, counting its length.
                let last = self.buf.last().copied().unwrap_or(0);
                let rest = skip_line(&mut self.reader, last)?;
                self.bytes_read += rest.consumed;
                let len = n as u64 + rest.consumed - u64::from(rest.newline) - u64::from(rest.cr);
                break (0, MAX_MESSAGE_BYTES, Some(len));
            }
            let mut end = self.buf.len();
            if complete {
                end -= 1;
                if end > 0 && self.buf[end - 1] == b'\r' {
                    end -= 1;
                }
            }
            let start = if self.line == 1 && self.buf.starts_with(b"\xEF\xBB\xBF") {
                3
            } else {
                0
            };
            let end = end.max(start);
            if self.buf[start..end]
                .iter()
                .all(|b| matches!(b, b' ' | b'\t' | b'\r'))
            {
                continue;
            }
            if end - start > MAX_MESSAGE_BYTES {
                break (start, start + MAX_MESSAGE_BYTES, Some((end - start) as u64));
            }
            break (start, end, None);
        };
        let line = self.line;
        let bytes = &self.buf[start..end];
        Ok(Some(match too_large {
            Some(len) => Frame::TooLarge {
                line,
                len,
                prefix: bytes,
            },
            None => Frame::Line { line, bytes },
        }))
    }
}

struct Skipped {
    consumed: u64,
    newline: bool,
    cr: bool,
}

/// Consumes the rest of a line without buffering it.
fn skip_line(reader: &mut impl BufRead, mut last: u8) -> io::Result<Skipped> {
    let mut consumed = 0u64;
    loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            return Ok(Skipped {
                consumed,
                newline: false,
                cr: false,
            });
        }
        if let Some(i) = chunk.iter().position(|&b| b == b'\n') {
            let cr = if i > 0 {
                chunk[i - 1] == b'\r'
            } else {
                last == b'\r'
            };
            reader.consume(i + 1);
            return Ok(Skipped {
                consumed: consumed + i as u64 + 1,
                newline: true,
                cr,
            });
        }
        let n = chunk.len();
        last = chunk[n - 1];
        reader.consume(n);
        consumed += n as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> Vec<(u64, Vec<u8>, bool)> {
        let mut r = NdjsonReader::new(input);
        let mut out = vec![];
        while let Some(f) = r.next_frame().unwrap() {
            out.push(match f {
                Frame::Line { line, bytes } => (line, bytes.to_vec(), false),
                Frame::TooLarge { line, len, prefix } => {
                    assert_eq!(prefix.len(), MAX_MESSAGE_BYTES);
                    (line, len.to_string().into_bytes(), true)
                }
            });
        }
        out
    }

    #[test]
    fn skips_blank_lines_and_strips_line_ends_and_bom() {
        let got = frames(b"\xEF\xBB\xBF{\"a\":1}\r\n\r\n  \n{\"b\":2}\n{\"c\":3}");
        assert_eq!(
            got,
            vec![
                (1, b"{\"a\":1}".to_vec(), false),
                (4, b"{\"b\":2}".to_vec(), false),
                (5, b"{\"c\":3}".to_vec(), false),
            ]
        );
    }

    #[test]
    fn a_bom_only_counts_on_the_first_line() {
        let got = frames(b"{}\n\xEF\xBB\xBF{}\n");
        assert_eq!(got[1].1, b"\xEF\xBB\xBF{}".to_vec());
    }

    #[test]
    fn oversized_lines_are_framed_as_too_large_and_the_next_line_survives() {
        let mut input = vec![b'x'; MAX_MESSAGE_BYTES + 10];
        input.extend_from_slice(b"\r\n{}\n");
        input.extend(vec![b'y'; MAX_MESSAGE_BYTES]);
        input.extend_from_slice(b"\n");
        input.extend(vec![b'z'; MAX_MESSAGE_BYTES + 1]);
        input.extend_from_slice(b"\r\n");
        let got = frames(&input);
        assert_eq!(got.len(), 4);
        assert_eq!(
            got[0],
            (1, (MAX_MESSAGE_BYTES + 10).to_string().into_bytes(), true)
        );
        assert_eq!(got[1], (2, b"{}".to_vec(), false));
        assert_eq!(
            (got[2].0, got[2].1.len(), got[2].2),
            (3, MAX_MESSAGE_BYTES, false)
        );
        assert_eq!(
            got[3],
            (4, (MAX_MESSAGE_BYTES + 1).to_string().into_bytes(), true)
        );
    }
}
