//! Charts as SVG text: month series as lines with P10–P90 bands, and stacked areas. Used inline
//! by the HTML report and written as `.svg` files by the result export; no fonts, scripts or links.

use std::fmt::Write as _;

use crate::model::{Colour, Date};

/// Width of a chart, in SVG units (pixels at 100%).
pub const WIDTH: f64 = 760.0;
/// Height of a chart, in SVG units.
pub const HEIGHT: f64 = 300.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 34.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 34.0;

/// One series of a line chart.
#[derive(Clone, Debug)]
pub struct Line {
    /// Legend label.
    pub name: String,
    /// Stroke colour.
    pub colour: Colour,
    /// One value per month (non-finite values leave a gap).
    pub values: Vec<f64>,
    /// P10 and P90 per month, drawn as a translucent band.
    pub band: Option<(Vec<f64>, Vec<f64>)>,
    /// Drawn dashed (the baseline).
    pub dashed: bool,
}

impl Line {
    /// A solid line without a band, in the colour of the `k`-th scenario.
    pub fn plain(name: &str, k: usize, values: Vec<f64>) -> Line {
        Line {
            name: name.to_string(),
            colour: crate::model::colour::series_colour(k),
            values,
            band: None,
            dashed: false,
        }
    }
}

/// A chart of months along x.
#[derive(Clone, Debug)]
pub struct Chart {
    /// Title above the plot.
    pub title: String,
    /// Each month along x (any day of it), labelled `YYYY-MM`.
    pub months: Vec<Date>,
    /// How values on the y axis are written.
    pub y_format: fn(f64) -> String,
}

/// Escapes text for XML content and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A step of 1, 2 or 5 × 10ⁿ giving about `target` intervals over `range` (1 for an empty or
/// unbounded range): the one nearest `range / target` on a log scale, so that 5 intervals are
/// aimed at and between 3.2 and 7.9 given (rounding the step up instead gave as few as 2: a
/// range of 1.05 was stepped by 0.5). The GUI's plots step their y axes by it too.
pub fn nice_step(range: f64, target: f64) -> f64 {
    if !(range.is_finite() && range > 0.0 && target > 0.0) {
        return 1.0;
    }
    let raw = range / target;
    let magnitude = 10f64.powf(raw.log10().floor());
    let r = raw / magnitude;
    // The geometric means of 1 and 2, 2 and 5, 5 and 10.
    let nice = if r < std::f64::consts::SQRT_2 {
        1.0
    } else if r < 10f64.sqrt() {
        2.0
    } else if r < 50f64.sqrt() {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// The y range and tick values covering `lo..=hi` (zero included when the data is one-signed
/// and near it, so bars and areas start at zero).
fn y_axis(lo: f64, hi: f64, from_zero: bool) -> (f64, f64, Vec<f64>) {
    let (mut lo, mut hi) = if lo.is_finite() && hi.is_finite() {
        (lo, hi)
    } else {
        (0.0, 1.0)
    };
    if from_zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    if hi - lo < 1e-9 {
        hi = lo + lo.abs().max(1.0);
    }
    let step = nice_step(hi - lo, 5.0);
    let lo = (lo / step).floor() * step;
    let hi = (hi / step).ceil() * step;
    let n = ((hi - lo) / step).round() as usize;
    let ticks = (0..=n.min(20)).map(|k| lo + step * k as f64).collect();
    (lo, hi, ticks)
}

struct Frame {
    lo: f64,
    hi: f64,
    months: usize,
}

impl Frame {
    fn x(&self, k: f64) -> f64 {
        let span = (self.months.max(2) - 1) as f64;
        LEFT + (WIDTH - LEFT - RIGHT) * k / span
    }
    fn y(&self, v: f64) -> f64 {
        TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - (v - self.lo) / (self.hi - self.lo))
    }
}

fn open(out: &mut String, title: &str, standalone: bool) {
    let ns = if standalone {
        " xmlns=\"http://www.w3.org/2000/svg\""
    } else {
        ""
    };
    let _ = write!(
        out,
        "<svg{ns} viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
         role=\"img\" aria-label=\"{t}\" font-family=\"sans-serif\" font-size=\"11\">\
         <rect width=\"{WIDTH}\" height=\"{HEIGHT}\" fill=\"#ffffff\"/>\
         <text x=\"{LEFT}\" y=\"16\" font-size=\"14\" font-weight=\"bold\" fill=\"#222\">{t}</text>",
        t = escape(title)
    );
}

fn axes(out: &mut String, chart: &Chart, frame: &Frame, ticks: &[f64]) {
    for &t in ticks {
        let y = frame.y(t);
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" x2=\"{x2:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#e3e3e3\"/>\
             <text x=\"{tx:.1}\" y=\"{ty:.1}\" text-anchor=\"end\" fill=\"#555\">{label}</text>",
            x2 = WIDTH - RIGHT,
            tx = LEFT - 6.0,
            ty = y + 4.0,
            label = escape(&(chart.y_format)(t)),
        );
    }
    for k in labelled_months(&chart.months) {
        let label = chart.months[k].year_month();
        let x = frame.x(k as f64);
        let _ = write!(
            out,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{y0:.1}\" y2=\"{y1:.1}\" stroke=\"#999\"/>\
             <text x=\"{x:.1}\" y=\"{ty:.1}\" text-anchor=\"middle\" fill=\"#555\">{l}</text>",
            y0 = HEIGHT - BOTTOM,
            y1 = HEIGHT - BOTTOM + 4.0,
            ty = HEIGHT - BOTTOM + 16.0,
            l = escape(&label),
        );
    }
    let _ = write!(
        out,
        "<line x1=\"{LEFT}\" x2=\"{x2}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#999\"/>",
        x2 = WIDTH - RIGHT,
        y = HEIGHT - BOTTOM
    );
}

/// Labels a chart's x axis shows at most.
const MOST_MONTH_LABELS: usize = 8;

/// The months (indices into `months`) a chart's x axis labels: at most [`MOST_MONTH_LABELS`],
/// every 1, 2, 3, 6 or 12 months or every 2, 5 or 10 years, on the calendar (quarters: January,
/// April, July, October; half-years; Januaries) whichever month the chart starts in.
fn labelled_months(months: &[Date]) -> Vec<usize> {
    for every in [1, 2, 3, 6, 12, 24, 60, 120] {
        let picked: Vec<usize> = (0..months.len())
            .filter(|&k| months[k].month_index().rem_euclid(every) == 0)
            .collect();
        if picked.len() <= MOST_MONTH_LABELS {
            return picked;
        }
    }
    Vec::new()
}

fn legend(out: &mut String, entries: &[(&str, Colour, bool)]) {
    let mut x = LEFT;
    for (name, colour, dashed) in entries {
        let dash = if *dashed {
            " stroke-dasharray=\"5 3\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "<line x1=\"{x:.1}\" x2=\"{x2:.1}\" y1=\"30\" y2=\"30\" stroke=\"{colour}\" \
             stroke-width=\"3\"{dash}/><text x=\"{tx:.1}\" y=\"34\" fill=\"#333\">{n}</text>",
            x2 = x + 18.0,
            tx = x + 22.0,
            n = escape(name),
        );
        x += 34.0 + 6.5 * name.chars().count() as f64;
    }
}

fn path_of(frame: &Frame, points: impl Iterator<Item = (usize, f64)>) -> String {
    let mut d = String::new();
    let mut pen_down = false;
    for (k, v) in points {
        if !v.is_finite() {
            pen_down = false;
            continue;
        }
        let _ = write!(
            d,
            "{}{:.1},{:.1} ",
            if pen_down { 'L' } else { 'M' },
            frame.x(k as f64),
            frame.y(v)
        );
        pen_down = true;
    }
    d
}

/// A line chart of `lines` over `chart.months`, with their bands; `standalone` adds the SVG
/// namespace for a file of its own (inline in HTML it is not needed).
pub fn line_chart(chart: &Chart, lines: &[Line], from_zero: bool, standalone: bool) -> String {
    let values = lines.iter().flat_map(|l| {
        let band = l.band.iter().flat_map(|(a, b)| a.iter().chain(b));
        l.values.iter().chain(band).copied()
    });
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    let (lo, hi, ticks) = y_axis(lo, hi, from_zero);
    let frame = Frame {
        lo,
        hi,
        months: chart.months.len(),
    };
    let mut out = String::new();
    open(&mut out, &chart.title, standalone);
    axes(&mut out, chart, &frame, &ticks);
    if lo < 0.0 && hi > 0.0 {
        let y = frame.y(0.0);
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" x2=\"{x2}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#777\"/>",
            x2 = WIDTH - RIGHT
        );
    }
    for line in lines {
        if let Some((p10, p90)) = &line.band {
            let upper = path_of(&frame, p90.iter().copied().enumerate());
            let lower: Vec<(usize, f64)> = p10.iter().copied().enumerate().rev().collect();
            let lower = path_of(&frame, lower.into_iter()).replacen('M', "L", 1);
            if !upper.is_empty() && !lower.is_empty() {
                let _ = write!(
                    out,
                    "<path d=\"{upper}{lower}Z\" fill=\"{}\" fill-opacity=\"0.18\" stroke=\"none\"/>",
                    line.colour
                );
            }
        }
    }
    for line in lines {
        let d = path_of(&frame, line.values.iter().copied().enumerate());
        let dash = if line.dashed {
            " stroke-dasharray=\"6 4\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "<path d=\"{d}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{dash}/>",
            line.colour
        );
    }
    let entries: Vec<(&str, Colour, bool)> = lines
        .iter()
        .map(|l| (l.name.as_str(), l.colour, l.dashed))
        .collect();
    legend(&mut out, &entries);
    out.push_str("</svg>");
    out
}

/// A stacked area chart: `layers` (name, colour, one value per month) piled from the first up.
pub fn stacked_chart(
    chart: &Chart,
    layers: &[(String, Colour, Vec<f64>)],
    standalone: bool,
) -> String {
    let months = chart.months.len();
    let mut cumulative = vec![vec![0.0; months]];
    for (_, _, values) in layers {
        let below = cumulative.last().cloned().unwrap_or_default();
        let level = below
            .iter()
            .enumerate()
            .map(|(m, b)| {
                let v = values.get(m).copied().filter(|v| v.is_finite());
                b + v.unwrap_or(0.0).max(0.0)
            })
            .collect();
        cumulative.push(level);
    }
    let top = cumulative
        .last()
        .map_or(0.0, |c| c.iter().copied().fold(0.0, f64::max));
    let (lo, hi, ticks) = y_axis(0.0, top, true);
    let frame = Frame { lo, hi, months };
    let mut out = String::new();
    open(&mut out, &chart.title, standalone);
    axes(&mut out, chart, &frame, &ticks);
    for (k, (_, colour, _)) in layers.iter().enumerate() {
        let upper = path_of(&frame, cumulative[k + 1].iter().copied().enumerate());
        let lower: Vec<(usize, f64)> = cumulative[k].iter().copied().enumerate().rev().collect();
        let lower = path_of(&frame, lower.into_iter()).replacen('M', "L", 1);
        if !upper.is_empty() {
            let _ = write!(
                out,
                "<path d=\"{upper}{lower}Z\" fill=\"{colour}\" fill-opacity=\"0.75\" stroke=\"{colour}\"/>"
            );
        }
    }
    let entries: Vec<(&str, Colour, bool)> = layers
        .iter()
        .map(|(n, c, _)| (n.as_str(), *c, false))
        .collect();
    legend(&mut out, &entries);
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(months: usize) -> Chart {
        Chart {
            title: "Retention <& \"co\">".into(),
            months: (1..=months as u32)
                .map(|m| Date::from_ymd(2025, m, 1).unwrap())
                .collect(),
            y_format: |v| format!("{v:.0}"),
        }
    }

    #[test]
    fn nice_steps_are_1_2_5_times_a_power_of_ten() {
        assert_eq!(nice_step(100.0, 5.0), 20.0);
        assert_eq!(nice_step(0.9, 5.0), 0.2);
        // The nearest on a log scale: 1.4 a step is nearer 1 than 2, 0.21 nearer 0.2 than 0.5.
        assert_eq!(nice_step(7.0, 5.0), 1.0);
        assert_eq!(nice_step(1.05, 5.0), 0.2);
        assert_eq!(nice_step(16.0, 5.0), 5.0);
        assert_eq!(nice_step(40.0, 5.0), 10.0);
        assert_eq!(nice_step(0.0, 5.0), 1.0);
        // Between 3.1 and 8 intervals whatever the range.
        for k in 0..1000 {
            let range = 10f64.powf(-3.0 + 6.0 * f64::from(k) / 1000.0);
            let intervals = range / nice_step(range, 5.0);
            assert!((3.1..8.0).contains(&intervals), "{range}: {intervals}");
        }
        let (lo, hi, ticks) = y_axis(3.0, 97.0, true);
        assert_eq!((lo, hi), (0.0, 100.0));
        assert_eq!(ticks.len(), 6);
    }

    #[test]
    fn month_labels_fall_on_the_calendar() {
        let labels = |first: (i32, u32), n: usize| -> Vec<String> {
            let from = Date::from_ymd(first.0, first.1, 1).unwrap().month_index();
            let months: Vec<Date> = (0..n as i32)
                .map(|k| Date::first_of_month_index(from + k).unwrap())
                .collect();
            labelled_months(&months)
                .into_iter()
                .map(|k| months[k].year_month())
                .collect()
        };
        // A few months: all of them.
        assert_eq!(labels((2025, 2), 3), ["2025-02", "2025-03", "2025-04"]);
        // 24 months from February: the calendar quarters (8), not every third month from it.
        assert_eq!(
            labels((2025, 2), 24),
            [
                "2025-04", "2025-07", "2025-10", "2026-01", "2026-04", "2026-07", "2026-10",
                "2027-01"
            ]
        );
        // Three years: half-years; six: Januaries; fifteen: every other January.
        assert!(
            labels((2022, 5), 36)
                .iter()
                .all(|l| l.ends_with("-01") || l.ends_with("-07"))
        );
        assert!(labels((2020, 5), 72).iter().all(|l| l.ends_with("-01")));
        let sparse = labels((2010, 3), 180);
        assert!(
            sparse.len() <= MOST_MONTH_LABELS && sparse.len() >= 4,
            "{sparse:?}"
        );
        assert!(sparse.iter().all(|l| l.ends_with("-01")));
    }

    #[test]
    fn text_is_escaped_and_lines_skip_missing_values() {
        let line = Line {
            name: "A&B".into(),
            colour: Colour([1, 2, 3]),
            values: vec![1.0, f64::NAN, 3.0, 4.0],
            band: Some((vec![0.5; 4], vec![5.0; 4])),
            dashed: false,
        };
        let svg = line_chart(&chart(4), &[line], true, true);
        assert!(svg.contains("Retention &lt;&amp; &quot;co&quot;&gt;"));
        assert!(svg.contains(">A&amp;B<"));
        assert!(svg.contains("fill-opacity=\"0.18\""), "band drawn");
        // The gap restarts the line: two moves in the series' path.
        let series = svg
            .split("<path d=\"")
            .find(|p| p.contains("stroke-width=\"2\""))
            .unwrap();
        assert_eq!(series.matches('M').count(), 2, "{series}");
        assert!(svg.starts_with("<svg xmlns="));
        assert!(svg.ends_with("</svg>"));
    }

    #[test]
    fn stacked_layers_pile_up_to_the_total() {
        let layers = vec![
            ("Bronze".to_string(), Colour([9, 9, 9]), vec![10.0, 20.0]),
            ("Gold".to_string(), Colour([8, 8, 8]), vec![5.0, f64::NAN]),
        ];
        let svg = stacked_chart(&chart(2), &layers, false);
        assert_eq!(svg.matches("fill-opacity=\"0.75\"").count(), 2);
        assert!(!svg.contains("xmlns"), "inline SVG needs no namespace");
        assert!(!svg.contains("NaN"));
    }

    #[test]
    fn empty_and_flat_charts_still_draw() {
        let svg = line_chart(&chart(0), &[], false, false);
        assert!(svg.ends_with("</svg>"));
        let flat = Line {
            name: "flat".into(),
            colour: Colour([0, 0, 0]),
            values: vec![2.0; 3],
            band: None,
            dashed: true,
        };
        let svg = line_chart(&chart(3), &[flat], false, false);
        assert!(svg.contains("stroke-dasharray"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
    }
}
