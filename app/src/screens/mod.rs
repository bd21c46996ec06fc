//! One file per screen (DESIGN §6).

pub mod caregiving;
pub mod clinic;
pub mod grant_detail;
pub mod history;
pub mod home;
pub mod key_rotation;
pub mod onboarding;
pub mod settings;
pub mod wizard;
