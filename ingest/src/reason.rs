//! Why a message was rejected: the contract's reason names and the field at fault.

use std::borrow::Cow;
use std::fmt;

/// The reason a message is invalid, with the exact names of docs/telemetry-contract.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    /// The message value (or file line) is over 1 MiB.
    TooLarge,
    /// Not UTF-8, not JSON, or not a JSON object.
    Malformed,
    /// `schema` is missing or not `roomsight.telemetry/v1`.
    UnknownSchema,
    /// `type` is missing or not an event type of the contract.
    UnknownType,
    /// A required field is absent or `null`.
    MissingField,
    /// A field has the wrong JSON type.
    WrongType,
    /// A field breaks a rule: length, character set, enum value, timestamp form, range, or a
    /// cross-field rule (named at its later field).
    OutOfRange,
    /// `ts` is more than 10 minutes ahead of ingest time.
    FutureTs,
}

impl Reason {
    /// Every reason, in the order the checks run.
    pub const ALL: &'static [Reason] = &[
        Reason::TooLarge,
        Reason::Malformed,
        Reason::UnknownSchema,
        Reason::UnknownType,
        Reason::MissingField,
        Reason::WrongType,
        Reason::OutOfRange,
        Reason::FutureTs,
    ];

    /// The contract's name for this reason (`too_large`, `malformed`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            Reason::TooLarge => "too_large",
            Reason::Malformed => "malformed",
            Reason::UnknownSchema => "unknown_schema",
            Reason::UnknownType => "unknown_type",
            Reason::MissingField => "missing_field",
            Reason::WrongType => "wrong_type",
            Reason::OutOfRange => "out_of_range",
            Reason::FutureTs => "future_ts",
        }
    }

    /// The reason with this contract name, if any.
    pub fn parse(s: &str) -> Option<Self> {
        Reason::ALL.iter().copied().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rejected message: the reason, the field at fault where there is one, and a sentence for
/// people (`must be within 0–100, got 150`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The contract's reason.
    pub reason: Reason,
    /// The field at fault (`cpu_pct`, `metrics.fps`), or `None` for whole-message reasons.
    pub field: Option<Cow<'static, str>>,
    /// What exactly is wrong, for the dead-letter record and the `validate` report.
    pub detail: String,
}

impl Rejection {
    /// A rejection of the whole message (no field at fault).
    pub fn message(reason: Reason, detail: impl Into<String>) -> Self {
        Rejection {
            reason,
            field: None,
            detail: detail.into(),
        }
    }

    /// A rejection naming the field at fault.
    pub fn field(
        reason: Reason,
        field: impl Into<Cow<'static, str>>,
        detail: impl Into<String>,
    ) -> Self {
        Rejection {
            reason,
            field: Some(field.into()),
            detail: detail.into(),
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{} at `{}`: {}", self.reason, field, self.detail),
            None => write!(f, "{}: {}", self.reason, self.detail),
        }
    }
}

impl std::error::Error for Rejection {}
