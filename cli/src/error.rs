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
