//! The Assent app's entry point: the desktop window (feature `desktop`) or
//! the web page (feature `web`). Without either it says how to build one.

#[cfg(all(feature = "desktop", not(target_arch = "wasm32")))]
mod local_ledger;

#[cfg(all(feature = "desktop", not(target_arch = "wasm32")))]
fn main() {
    use dioxus::desktop::{Config, LogicalSize, WindowBuilder};
    assent_app::launch::mark_start(std::time::Instant::now());
    match local_ledger::settings() {
        Ok(settings) => assent_app::launch::set_defaults(settings),
        Err(e) => eprintln!("assent-app: no local ledger ({e:#}); set one in Settings"),
    }
    let window = WindowBuilder::new()
        .with_title("Assent")
        .with_inner_size(LogicalSize::new(1000.0, 760.0));
    dioxus::LaunchBuilder::desktop()
        .with_cfg(Config::new().with_window(window).with_menu(None))
        .launch(assent_app::launch::Root);
}

#[cfg(all(feature = "web", target_arch = "wasm32"))]
fn main() {
    dioxus::LaunchBuilder::web().launch(assent_app::launch::WebRoot);
}

#[cfg(not(any(
    all(feature = "desktop", not(target_arch = "wasm32")),
    all(feature = "web", target_arch = "wasm32")
)))]
fn main() {
    eprintln!(
        "assent-app was built without a renderer: build it with --features desktop \
         (or --features web for wasm32); `bash scripts/run.sh` does this"
    );
    std::process::exit(2);
}
