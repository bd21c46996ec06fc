//! Reading a QR code with the device's camera: a live preview the person
//! aims, a still frame taken a few times a second, and core's image decoder
//! (`assent_core::qr::decode_image`) on each until one reads. The camera is
//! the page's (`getUserMedia`), reached through the one piece of JavaScript
//! below; where there is none (or permission is refused) the person is told
//! and the image and text inputs remain.

use crate::platform::pause;
use assent_core::qr::decode_image;
use data_encoding::BASE64;
use dioxus::prelude::*;
use std::time::Duration;

/// The camera edge. Opens the rear camera into `#camera-view`; answers each
/// `"frame"` with the current frame as base64 PNG; stops on anything else.
const CAMERA_JS: &str = r#"
const host = document.getElementById('camera-view');
let stream;
try {
  stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
} catch (e) {
  await dioxus.recv();
  dioxus.send({ error: String((e && e.message) || e) });
  return;
}
const video = document.createElement('video');
video.muted = true;
video.setAttribute('playsinline', '');
video.setAttribute('aria-label', 'Camera preview');
video.srcObject = stream;
host.replaceChildren(video);
await video.play();
const canvas = document.createElement('canvas');
// The app asks for a frame four times a second; two seconds of silence, or
// the preview gone from the page, mean it stopped asking: the camera is
// switched off either way.
const quiet = () => new Promise((r) => setTimeout(() => r('quiet'), 2000));
while ((await Promise.race([dioxus.recv(), quiet()])) === 'frame' && host.isConnected) {
  // At most 800 pixels wide: enough for a QR code, light to encode.
  const scale = Math.min(1, 800 / (video.videoWidth || 800));
  canvas.width = Math.round(video.videoWidth * scale);
  canvas.height = Math.round(video.videoHeight * scale);
  canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
  const url = canvas.toDataURL('image/png');
  dioxus.send({ frame: url.slice(url.indexOf(',') + 1) });
}
stream.getTracks().forEach((t) => t.stop());
if (host.isConnected) host.replaceChildren();
"#;

/// How often a frame is taken while scanning.
const FRAME_EVERY: Duration = Duration::from_millis(250);

/// How long the camera stays open without finding a code.
const GIVE_UP_AFTER: Duration = Duration::from_secs(60);

/// What one frame showed.
enum Frame {
    /// A code's text.
    Code(String),
    /// Nothing readable yet.
    Nothing,
    /// The camera cannot be used, with why.
    Failed(String),
}

/// Reads one answer of [`CAMERA_JS`].
fn read_frame(answer: &serde_json::Value) -> Frame {
    if let Some(why) = answer.get("error").and_then(|e| e.as_str()) {
        return Frame::Failed(why.to_owned());
    }
    let png = answer
        .get("frame")
        .and_then(|f| f.as_str())
        .and_then(|b| BASE64.decode(b.as_bytes()).ok());
    match png.map(|bytes| decode_image(&bytes)) {
        Some(Ok(text)) => Frame::Code(text),
        _ => Frame::Nothing,
    }
}

/// A "scan with the camera" control; `on_code` gets the first code read.
#[component]
pub fn CameraScan(on_code: EventHandler<String>) -> Element {
    let mut scanning = use_signal(|| false);
    let mut status = use_signal(|| None::<String>);
    // Each start is a new generation; a loop from an earlier one stops.
    let mut generation = use_signal(|| 0u64);
    let start = move |_| {
        scanning.set(true);
        let mine = *generation.peek() + 1;
        generation.set(mine);
        status.set(Some(
            "Hold the patient's code in front of the camera…".into(),
        ));
        spawn(async move {
            let mut eval = document::eval(CAMERA_JS);
            let started = crate::platform::now();
            let outcome = loop {
                if !*scanning.peek() || *generation.peek() != mine {
                    break None;
                }
                if crate::platform::now().saturating_sub(started) >= GIVE_UP_AFTER.as_secs() {
                    break Some(Err(
                        "no code was found; try again, closer and in better light".to_owned(),
                    ));
                }
                if eval.send("frame").is_err() {
                    break Some(Err("the camera stopped".to_owned()));
                }
                match eval.recv::<serde_json::Value>().await {
                    Ok(answer) => match read_frame(&answer) {
                        Frame::Code(text) => break Some(Ok(text)),
                        Frame::Failed(why) => break Some(Err(format!("the camera cannot be used here ({why}); choose an image or paste the code's text instead"))),
                        Frame::Nothing => {}
                    },
                    Err(e) => break Some(Err(format!("the camera stopped ({e})"))),
                }
                pause(FRAME_EVERY).await;
            };
            let _ = eval.send("stop");
            if *generation.peek() != mine {
                return; // a newer scan owns the screen
            }
            scanning.set(false);
            match outcome {
                Some(Ok(text)) => {
                    status.set(Some("Code read from the camera.".into()));
                    on_code.call(text);
                }
                Some(Err(why)) => status.set(Some(format!("Nothing read: {why}."))),
                None => status.set(None),
            }
        });
    };
    rsx! {
        div { class: "camera",
            if *scanning.read() {
                button { onclick: move |_| scanning.set(false), "Stop the camera" }
            } else {
                button { onclick: start, "Scan with the camera" }
            }
            div { id: "camera-view", class: "camera-view" }
            if let Some(s) = status.read().as_ref() { p { role: "status", "data-testid": "camera-status", "{s}" } }
        }
    }
}
