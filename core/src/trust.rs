//! The trust policy and quorum checkpoint verification (in progress).
