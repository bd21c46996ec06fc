//! Pieces the screens share.

pub mod camera;
pub mod chart;
pub mod damage;
pub mod grant_card;
pub mod progress;
pub mod qr;
pub mod shell;
