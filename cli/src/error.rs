//! Errors a person can act on: what went wrong, and what to do next.

/// An error with a suggestion for the next step.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Hinted {
    /// What went wrong.
    pub message: String,
    /// What to do next.
    pub hint: String,
}

/// Builds an [`anyhow::Error`] that carries a hint.
pub fn hinted(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    Hinted {
        message: message.into(),
        hint: hint.into(),
    }
    .into()
}

/// Prints an error chain and its hint, if any, to standard error.
pub fn report(err: &anyhow::Error) {
    eprintln!("error: {err:#}");
    if let Some(h) = err.chain().find_map(|e| e.downcast_ref::<Hinted>()) {
        eprintln!("hint: {}", h.hint);
    }
}

/// A verdict that refuses (e.g. a scanned grant that is not valid): already
/// shown to the user; the command exits with status 2.
#[derive(Debug, thiserror::Error)]
#[error("not accepted: {0}")]
pub struct Refusal(pub String);

/// The process exit status for an error: 3 when a ledger was caught lying,
/// 2 for a refusing verdict, 1 otherwise.
pub fn exit_status(err: &anyhow::Error) -> u8 {
    if err
        .downcast_ref::<crate::ledger_cmd::CaughtLying>()
        .is_some()
    {
        crate::ledger_cmd::CAUGHT_LYING
    } else if err.downcast_ref::<Refusal>().is_some() {
        2
    } else {
        1
    }
}
