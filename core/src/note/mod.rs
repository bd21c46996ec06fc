//! C2SP signed notes, checkpoints, cosignatures and receipts (in progress).
