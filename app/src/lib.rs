//! # assent-app: the Assent wallet app
//!
//! The Dioxus app (desktop, web, mobile) that patients, caregivers and clinic
//! staff use (DESIGN §6). Business logic lives in `assent-core`; the app holds
//! view state only.
//!
//! The screens and their Dioxus components arrive with the app issue. What is
//! here now is view state that does not depend on a UI toolkit:
//! [`onboarding::WordQuiz`], the check that a new patient wrote their 24
//! words down before the wallet is used.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod onboarding;
