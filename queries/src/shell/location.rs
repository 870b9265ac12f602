//! Where in the query text an error is: the line and column DataFusion and its SQL parser
//! report, turned into a caret under the query line (the shell) or a Postgres error position
//! (the server, which psql turns into its own `LINE 1: …` and caret).

use datafusion::error::DataFusionError;

/// A 1-based line and column in the query text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    /// Line, from 1.
    pub line: usize,
    /// Column (characters), from 1.
    pub column: usize,
}

/// Where `error` points in the query: DataFusion's diagnostic span when it has one (unknown
/// columns and tables, type mismatches), else the `Line: L, Column: C` of a parser error.
pub fn locate(error: &DataFusionError) -> Option<Location> {
    let spanned = error
        .diagnostic()
        .and_then(|diagnostic| diagnostic.span)
        .filter(|span| span.start.line > 0 && span.start.column > 0)
        .map(|span| Location {
            line: span.start.line as usize,
            column: span.start.column as usize,
        });
    spanned.or_else(|| locate_in_message(&error.to_string()))
}

/// The last `Line: L, Column: C` in a parser's message.
pub fn locate_in_message(message: &str) -> Option<Location> {
    let at = message.rfind("Line: ")?;
    let rest = &message[at + "Line: ".len()..];
    let (line, rest) = rest.split_once(", Column: ")?;
    let column: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let location = Location {
        line: line.trim().parse().ok()?,
        column: column.parse().ok()?,
    };
    (location.line > 0 && location.column > 0).then_some(location)
}

/// The 1-based character offset of `location` in `sql` (Postgres' error `position`).
pub fn char_offset(sql: &str, location: Location) -> Option<usize> {
    let mut offset = 0;
    for (index, line) in sql.split('\n').enumerate() {
        if index + 1 == location.line {
            let chars = line.chars().count();
            return (location.column <= chars + 1).then_some(offset + location.column);
        }
        offset += line.chars().count() + 1;
    }
    None
}

/// The query line `location` is on, with a caret under its column, e.g.
/// ```text
///   LINE 2: FROM heartbeatz
///                ^
/// ```
pub fn caret(sql: &str, location: Location) -> Option<String> {
    let line = sql.split('\n').nth(location.line.checked_sub(1)?)?;
    let line = line.trim_end_matches('\r');
    let prefix = format!("LINE {}: ", location.line);
    let pad = prefix.chars().count() + location.column.saturating_sub(1);
    Some(format!("{prefix}{line}\n{:pad$}^", ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parser_messages_give_their_line_and_column() {
        let message = "SQL error: ParserError(\"Expected: end of statement, found: heartbeatz at \
                       Line: 2, Column: 6\")";
        let location = locate_in_message(message).expect("a location");
        assert_eq!(location, Location { line: 2, column: 6 });
        let sql = "SELECT *\nFROMM heartbeatz";
        assert_eq!(char_offset(sql, location), Some(15));
        assert_eq!(
            caret(sql, location).as_deref(),
            Some("LINE 2: FROMM heartbeatz\n             ^")
        );
    }

    #[test]
    fn messages_without_a_location_give_none() {
        assert_eq!(locate_in_message("table 'x' not found"), None);
        assert_eq!(locate_in_message("Line: 0, Column: 0"), None);
        assert_eq!(
            char_offset("SELECT 1", Location { line: 3, column: 1 }),
            None
        );
    }
}
