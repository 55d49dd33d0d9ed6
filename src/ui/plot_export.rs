//! PNG export of plots. Under each plot a "Save PNG…" button asks for a file; once it is chosen,
//! the plot, wherever it is on screen in that frame, requests a screenshot of the window, crops it
//! to its own rectangle and writes the PNG (atomically). The request travels in egui's temporary
//! memory, so that plots drawn from borrowed state need no access to the app state.

use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;

use eframe::egui;

use super::worker::WorkerMsg;
use crate::data::project_io::write_atomically;

/// A plot whose "Save PNG…" button was clicked this frame.
fn wanted_id() -> egui::Id {
    egui::Id::unique("tierlab_png_wanted")
}

/// A plot to save: its id, the file, and where to report the outcome.
#[derive(Clone)]
struct Pending {
    plot: String,
    path: PathBuf,
    report: Sender<WorkerMsg>,
}

fn pending_id() -> egui::Id {
    egui::Id::unique("tierlab_png_pending")
}

/// The "Save PNG…" button of the plot `plot` drawn in `rect`; carries out a pending save of it.
pub fn png_button_ui(ui: &mut egui::Ui, plot: &str, rect: egui::Rect) {
    // In a row of its own, so that a justified layout does not stretch it.
    let clicked = ui
        .horizontal(|ui| {
            ui.small_button("Save PNG…")
                .on_hover_text("save this plot as a PNG image")
                .clicked()
        })
        .inner;
    if clicked {
        ui.data_mut(|d| d.insert_temp(wanted_id(), plot.to_string()));
    }
    let ctx = ui.ctx().clone();
    let mine = ctx.data(|d| {
        d.get_temp::<Pending>(pending_id())
            .filter(|p| p.plot == plot)
    });
    let Some(p) = mine else { return };
    ctx.data_mut(|d| d.remove::<Pending>(pending_id()));
    let ppp = ctx.pixels_per_point();
    let repaint = ctx.clone();
    ctx.request_screenshot(move |image| {
        let outcome = save_png(&crop(&image, rect, ppp), &p.path)
            .map(|()| p.path.clone())
            .map_err(|e| format!("cannot save the plot: {e}: {}", p.path.display()));
        let _ = p.report.send(WorkerMsg::PlotSaved(outcome));
        repaint.request_repaint();
    });
    ctx.request_repaint();
}

/// The plot whose "Save PNG…" button was clicked in this frame, if any (taken).
pub fn take_wanted(ctx: &egui::Context) -> Option<String> {
    ctx.data_mut(|d| d.remove_temp::<String>(wanted_id()))
}

/// Asks the plot `plot` to save itself to `path` when it is next drawn; `report` receives the
/// outcome.
pub fn request_save(ctx: &egui::Context, plot: String, path: PathBuf, report: Sender<WorkerMsg>) {
    ctx.data_mut(|d| d.insert_temp(pending_id(), Pending { plot, path, report }));
}

/// A save no plot took up in the frame just drawn (the plot is not on screen): its plot id,
/// taken.
pub fn take_unclaimed(ctx: &egui::Context) -> Option<String> {
    ctx.data_mut(|d| {
        let p = d.get_temp::<Pending>(pending_id());
        d.remove::<Pending>(pending_id());
        p.map(|p| p.plot)
    })
}

/// The part of `image` (a screenshot, in physical pixels) under `rect` (in points), clamped to
/// the image.
pub fn crop(image: &egui::ColorImage, rect: egui::Rect, pixels_per_point: f32) -> egui::ColorImage {
    let [w, h] = image.size;
    let px = |v: f32, max: usize| ((v * pixels_per_point).round().max(0.0) as usize).min(max);
    let (x0, x1) = (px(rect.min.x, w), px(rect.max.x, w));
    let (y0, y1) = (px(rect.min.y, h), px(rect.max.y, h));
    if x1 <= x0 || y1 <= y0 {
        return egui::ColorImage::new([0, 0], Vec::new());
    }
    image.region_by_pixels([x0, y0], [x1 - x0, y1 - y0])
}

/// Encodes `image` as an 8-bit RGBA PNG.
pub fn encode_png(image: &egui::ColorImage) -> Result<Vec<u8>, String> {
    let [w, h] = image.size;
    if w == 0 || h == 0 {
        return Err("the plot is not on screen".into());
    }
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, w as u32, h as u32);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let rgba: Vec<u8> = image
        .pixels
        .iter()
        .flat_map(|c| c.to_srgba_unmultiplied())
        .collect();
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(&rgba).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(bytes)
}

/// Writes `image` to `path` as a PNG, atomically.
pub fn save_png(image: &egui::ColorImage, path: &Path) -> Result<(), String> {
    let bytes = encode_png(image)?;
    write_atomically(path, &bytes, std::io::Write::write_all).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crop_is_the_plot_in_physical_pixels_and_stays_inside_the_image() {
        let mut image = egui::ColorImage::new([100, 80], vec![egui::Color32::WHITE; 8000]);
        image.pixels[30 * 100 + 20] = egui::Color32::RED;
        let rect = egui::Rect::from_min_max(egui::pos2(10.0, 15.0), egui::pos2(30.0, 35.0));
        let c = crop(&image, rect, 2.0);
        assert_eq!(c.size, [40, 40]);
        assert_eq!(
            c.pixels[0],
            egui::Color32::RED,
            "pixel (20, 30) is the corner"
        );
        let outside = egui::Rect::from_min_max(egui::pos2(40.0, 30.0), egui::pos2(90.0, 90.0));
        assert_eq!(crop(&image, outside, 2.0).size, [20, 20]);
        let gone = egui::Rect::from_min_max(egui::pos2(200.0, 0.0), egui::pos2(300.0, 10.0));
        assert!(encode_png(&crop(&image, gone, 1.0)).is_err());
    }

    #[test]
    fn a_png_decodes_to_the_same_pixels() {
        let pixels: Vec<egui::Color32> = (0..12)
            .map(|i| egui::Color32::from_rgb(i * 20, 255 - i * 20, 7))
            .collect();
        let image = egui::ColorImage::new([4, 3], pixels.clone());
        let bytes = encode_png(&image).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (4, 3));
        let back: Vec<egui::Color32> = buf[..info.buffer_size()]
            .chunks(4)
            .map(|p| egui::Color32::from_rgba_unmultiplied(p[0], p[1], p[2], p[3]))
            .collect();
        assert_eq!(back, pixels);
    }
}
