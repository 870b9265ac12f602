//! Inline SVG charts, drawn in Rust: no script, no fonts or images to fetch.
//!
//! Each function returns one `<svg>` element sized by a `viewBox` (it scales with the page),
//! with every label escaped. A chart with nothing to show returns a short "no data" panel
//! instead, so an empty lake still renders a complete page.

use std::fmt::Write as _;

use super::escape::escape;

/// Colours of the page (also used by the legend in the HTML).
pub mod colour {
    /// Healthy, on target.
    pub const GOOD: &str = "#2e9e5b";
    /// Warning.
    pub const WARN: &str = "#e3a21a";
    /// Critical.
    pub const BAD: &str = "#d64541";
    /// Offline, unknown.
    pub const MUTED: &str = "#9aa3ad";
    /// The main series colour.
    pub const MAIN: &str = "#2f6db5";
    /// Axis and grid lines.
    pub const GRID: &str = "#e3e7ec";
    /// Axis labels.
    pub const INK: &str = "#4a5561";
}

/// One coloured series of a stacked chart.
#[derive(Clone, Debug)]
pub struct Series {
    /// Its name, shown in the legend.
    pub name: String,
    /// Its colour.
    pub colour: &'static str,
}

impl Series {
    /// A series.
    pub fn new(name: &str, colour: &'static str) -> Series {
        Series {
            name: name.to_owned(),
            colour,
        }
    }
}

const FONT: &str = "font-family=\"system-ui,-apple-system,Segoe UI,Roboto,sans-serif\"";

/// The panel shown instead of a chart with no data.
pub fn no_data(message: &str) -> String {
    format!(
        "<svg class=\"chart empty\" viewBox=\"0 0 600 120\" role=\"img\" {FONT}>\
         <rect x=\"1\" y=\"1\" width=\"598\" height=\"118\" rx=\"8\" fill=\"#f6f8fa\" \
         stroke=\"{grid}\" stroke-dasharray=\"4 4\"/>\
         <text x=\"300\" y=\"66\" text-anchor=\"middle\" font-size=\"15\" fill=\"{ink}\">{}</text>\
         </svg>",
        escape(message),
        grid = colour::GRID,
        ink = colour::INK,
    )
}

/// A "nice" upper bound for an axis showing values up to `max`.
pub fn nice_max(max: f64) -> f64 {
    if !(max.is_finite() && max > 0.0) {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    for step in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if step * magnitude >= max {
            return step * magnitude;
        }
    }
    10.0 * magnitude
}

/// A number for an axis or a label: thousands separated, at most one decimal.
pub fn number(value: f64) -> String {
    if !value.is_finite() {
        return "–".to_owned();
    }
    // One decimal below 100, none from 100 on (rounded, not cut: 1,234,567.8 → 1,234,568).
    let decimal = value.abs() < 99.95;
    let rounded = if decimal {
        (value * 10.0).round() / 10.0
    } else {
        value.round()
    };
    let whole = rounded.trunc().abs() as u64;
    let mut digits = whole.to_string();
    let mut grouped = String::new();
    while digits.len() > 3 {
        let tail = digits.split_off(digits.len() - 3);
        grouped = format!(",{tail}{grouped}");
    }
    let sign = if rounded < 0.0 { "-" } else { "" };
    let fraction = (rounded.fract().abs() * 10.0).round() as u64;
    if fraction == 0 {
        format!("{sign}{digits}{grouped}")
    } else {
        format!("{sign}{digits}{grouped}.{fraction}")
    }
}

/// Horizontal stacked bars, one per row, each split into `series` (values are counts); the
/// total is written at the end of each bar.
pub fn stacked_bars(rows: &[(String, Vec<f64>)], series: &[Series], empty: &str) -> String {
    let total = |v: &[f64]| v.iter().sum::<f64>();
    let max = rows.iter().map(|(_, v)| total(v)).fold(0.0, f64::max);
    if rows.is_empty() || max <= 0.0 {
        return no_data(empty);
    }
    let (label_w, bar_w, row_h) = (170.0, 560.0, 30.0);
    let top = 34.0;
    let height = top + row_h * rows.len() as f64 + 10.0;
    let scale = bar_w / max;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 800 {height}\" role=\"img\" {FONT} font-size=\"13\">"
    );
    svg.push_str(&legend(series, label_w, 16.0));
    for (i, (label, values)) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"{}\">{}</text>",
            label_w - 10.0,
            y + row_h / 2.0 + 4.0,
            colour::INK,
            escape(&shorten(label, 24))
        );
        let mut x = label_w;
        for (value, s) in values.iter().zip(series) {
            let w = value * scale;
            if w > 0.0 {
                let _ = write!(
                    svg,
                    "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{}\">\
                     <title>{}: {} {}</title></rect>",
                    y + 5.0,
                    row_h - 10.0,
                    s.colour,
                    escape(label),
                    number(*value),
                    escape(&s.name)
                );
                if w >= 24.0 {
                    let _ = write!(
                        svg,
                        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#fff\" \
                         font-size=\"11\">{}</text>",
                        x + w / 2.0,
                        y + row_h / 2.0 + 4.0,
                        number(*value)
                    );
                }
            }
            x += w;
        }
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"{}\">{}</text>",
            x + 6.0,
            y + row_h / 2.0 + 4.0,
            colour::INK,
            number(total(values))
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Horizontal bars of one value per row (already sorted), labelled with `unit`.
pub fn bars(rows: &[(String, f64)], fill: &str, unit: &str, empty: &str) -> String {
    let rows: Vec<(&str, f64, String)> = rows
        .iter()
        .map(|(label, value)| (label.as_str(), *value, format!("{} {unit}", number(*value))))
        .collect();
    labelled_bars(&rows, fill, empty, BarLayout::WIDE)
}

/// Horizontal bars of one value per row (already sorted), each followed by its own note
/// instead of the bare value (e.g. `12 of 14 days healthy`).
pub fn noted_bars(rows: &[(String, f64, String)], fill: &str, empty: &str) -> String {
    let rows: Vec<(&str, f64, String)> = rows
        .iter()
        .map(|(label, value, note)| (label.as_str(), *value, note.clone()))
        .collect();
    labelled_bars(&rows, fill, empty, BarLayout::NOTED)
}

/// As [`noted_bars`], for long labels whose last ` · ` part must stay readable (e.g.
/// `room_camera · Logitech Rally Camera · fw 1.6.2`): a wider label column, shorter bars, and
/// a label cut in its head, not its tail.
pub fn long_noted_bars(rows: &[(String, f64, String)], fill: &str, empty: &str) -> String {
    let rows: Vec<(&str, f64, String)> = rows
        .iter()
        .map(|(label, value, note)| (label.as_str(), *value, note.clone()))
        .collect();
    labelled_bars(&rows, fill, empty, BarLayout::LONG_LABELS)
}

/// Where a bar chart's labels end, how long its longest bar is and how much of a label it shows.
#[derive(Clone, Copy)]
struct BarLayout {
    label_w: f64,
    bar_w: f64,
    label_chars: usize,
    /// Cut a long label before its last ` · ` part rather than at its end.
    keep_tail: bool,
}

impl BarLayout {
    /// Bars followed by a short value.
    const WIDE: Self = Self {
        label_w: 270.0,
        bar_w: 440.0,
        label_chars: 33,
        keep_tail: false,
    };
    /// Bars followed by a sentence of up to ~42 characters, which needs room after the longest
    /// bar (230 + 240 + 6 + ~270 stays inside the 800 wide view box).
    const NOTED: Self = Self {
        label_w: 230.0,
        bar_w: 240.0,
        label_chars: 28,
        keep_tail: false,
    };
    /// Long labels (up to ~7.5 px a character at this size) and a sentence: 350 + 140 + 6 +
    /// ~280.
    const LONG_LABELS: Self = Self {
        label_w: 350.0,
        bar_w: 140.0,
        label_chars: 44,
        keep_tail: true,
    };
}

/// One bar per `(label, value, note)`: the label left of the bar, the note after it and in
/// the bar's tooltip.
fn labelled_bars(
    rows: &[(&str, f64, String)],
    fill: &str,
    empty: &str,
    layout: BarLayout,
) -> String {
    if rows.is_empty() {
        return no_data(empty);
    }
    let BarLayout {
        label_w,
        bar_w,
        label_chars,
        keep_tail,
    } = layout;
    let row_h = 26.0;
    let max = rows.iter().map(|(_, v, _)| *v).fold(0.0, f64::max);
    let height = row_h * rows.len() as f64 + 12.0;
    let scale = if max > 0.0 { bar_w / max } else { 0.0 };
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 800 {height}\" role=\"img\" {FONT} font-size=\"13\">"
    );
    for (i, (label, value, note)) in rows.iter().enumerate() {
        let y = 6.0 + row_h * i as f64;
        let w = (value * scale).max(1.0);
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"{}\">{}</text>\
             <rect x=\"{label_w}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" rx=\"2\" \
             fill=\"{fill}\"><title>{}: {}</title></rect>\
             <text x=\"{:.1}\" y=\"{:.1}\" fill=\"{}\">{}</text>",
            label_w - 10.0,
            y + row_h / 2.0 + 4.0,
            colour::INK,
            escape(&if keep_tail {
                shorten_head(label, label_chars)
            } else {
                shorten(label, label_chars)
            }),
            y + 4.0,
            row_h - 8.0,
            escape(label),
            escape(note),
            label_w + w + 6.0,
            y + row_h / 2.0 + 4.0,
            colour::INK,
            escape(note)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A heat map: `values[row][col]` in `0..=max` (None: no data), rows and columns labelled.
pub fn heatmap(
    row_labels: &[&str],
    col_labels: &[String],
    values: &[Vec<Option<f64>>],
    max: f64,
    unit: &str,
    empty: &str,
) -> String {
    let any = values.iter().flatten().any(|v| v.is_some_and(|v| v > 0.0));
    if !any {
        return no_data(empty);
    }
    let (label_w, top, cell_h) = (50.0, 22.0, 30.0);
    let cell_w = 730.0 / col_labels.len().max(1) as f64;
    let height = top + cell_h * row_labels.len() as f64 + 40.0;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 800 {height}\" role=\"img\" {FONT} font-size=\"12\">"
    );
    for (c, label) in col_labels.iter().enumerate() {
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"15\" text-anchor=\"middle\" fill=\"{}\">{}</text>",
            label_w + cell_w * (c as f64 + 0.5),
            colour::INK,
            escape(label)
        );
    }
    for (r, label) in row_labels.iter().enumerate() {
        let y = top + cell_h * r as f64;
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"{}\">{}</text>",
            label_w - 8.0,
            y + cell_h / 2.0 + 4.0,
            colour::INK,
            escape(label)
        );
        for (c, value) in values.get(r).into_iter().flatten().enumerate() {
            let (fill, tip) = match value {
                Some(v) => (
                    heat((v / max).clamp(0.0, 1.0)),
                    format!("{} {}: {} {}", label, col_labels[c], number(*v), unit),
                ),
                None => (
                    "#f3f4f6".to_owned(),
                    format!("{label} {}: no data", col_labels[c]),
                ),
            };
            let _ = write!(
                svg,
                "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{fill}\" \
                 stroke=\"#fff\"><title>{}</title></rect>",
                label_w + cell_w * c as f64,
                cell_w,
                cell_h,
                escape(&tip)
            );
        }
    }
    // The scale.
    let y = top + cell_h * row_labels.len() as f64 + 14.0;
    for i in 0..=10 {
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"24\" height=\"12\" fill=\"{}\"/>",
            label_w + 24.0 * f64::from(i),
            heat(f64::from(i) / 10.0)
        );
    }
    let _ = write!(
        svg,
        "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"{}\">0 – {} {}</text></svg>",
        label_w + 24.0 * 11.0 + 8.0,
        y + 11.0,
        colour::INK,
        number(max),
        escape(unit)
    );
    svg
}

/// A colour from white (0) to deep blue (1).
fn heat(t: f64) -> String {
    let (r0, g0, b0) = (240.0, 246.0, 252.0);
    let (r1, g1, b1) = (8.0, 48.0, 107.0);
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    format!("#{:02x}{:02x}{:02x}", mix(r0, r1), mix(g0, g1), mix(b0, b1))
}

/// A time series: the value per day as a line over a light area, with gridlines.
pub fn line(points: &[(String, f64)], unit: &str, empty: &str) -> String {
    line_of_width(points, unit, empty, 800.0)
}

/// As [`line`], for a card that spans the whole page: a wider view box, so that its text is
/// drawn at the size of the half-width cards' text instead of being scaled up with the width.
pub fn wide_line(points: &[(String, f64)], unit: &str, empty: &str) -> String {
    line_of_width(points, unit, empty, 1640.0)
}

fn line_of_width(points: &[(String, f64)], unit: &str, empty: &str, width: f64) -> String {
    if points.is_empty() {
        return no_data(empty);
    }
    let max = nice_max(points.iter().map(|(_, v)| *v).fold(0.0, f64::max));
    let (left, right, top, bottom) = (70.0, width - 20.0, 14.0, 230.0);
    let step = if points.len() > 1 {
        (right - left) / (points.len() - 1) as f64
    } else {
        0.0
    };
    let x = |i: usize| {
        if points.len() > 1 {
            left + step * i as f64
        } else {
            (left + right) / 2.0
        }
    };
    let y = |v: f64| bottom - (bottom - top) * v / max;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {width} 262\" role=\"img\" {FONT} font-size=\"12\">"
    );
    svg.push_str(&grid_lines(left, right, top, bottom, max));
    let path: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, (_, v))| format!("{:.1},{:.1}", x(i), y(*v)))
        .collect();
    let _ = write!(
        svg,
        "<polygon points=\"{:.1},{bottom} {} {:.1},{bottom}\" fill=\"{}\" fill-opacity=\"0.12\"/>\
         <polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2.5\" \
         stroke-linejoin=\"round\"/>",
        x(0),
        path.join(" "),
        x(points.len() - 1),
        colour::MAIN,
        path.join(" "),
        colour::MAIN
    );
    let every = points.len().div_ceil(10).max(1);
    for (i, (label, v)) in points.iter().enumerate() {
        let _ = write!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{}\"><title>{}: {} {}</title>\
             </circle>",
            x(i),
            y(*v),
            colour::MAIN,
            escape(label),
            number(*v),
            escape(unit)
        );
        if i % every == 0 || i + 1 == points.len() {
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{}\">{}</text>",
                x(i),
                bottom + 20.0,
                colour::INK,
                escape(&short_date(label))
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Stacked columns per day (e.g. incidents by severity).
pub fn stacked_columns(points: &[(String, Vec<f64>)], series: &[Series], empty: &str) -> String {
    let totals: Vec<f64> = points.iter().map(|(_, v)| v.iter().sum()).collect();
    if points.is_empty() || totals.iter().all(|t| *t <= 0.0) {
        return no_data(empty);
    }
    let max = nice_max(totals.iter().copied().fold(0.0, f64::max));
    let (left, right, top, bottom) = (70.0, 780.0, 34.0, 240.0);
    let slot = (right - left) / points.len() as f64;
    let width = (slot * 0.7).min(40.0);
    let y = |v: f64| (bottom - top) * v / max;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 800 272\" role=\"img\" {FONT} font-size=\"12\">"
    );
    svg.push_str(&legend(series, left, 16.0));
    svg.push_str(&grid_lines(left, right, top, bottom, max));
    let every = points.len().div_ceil(10).max(1);
    for (i, (label, values)) in points.iter().enumerate() {
        let cx = left + slot * (i as f64 + 0.5);
        let mut base = bottom;
        for (value, s) in values.iter().zip(series) {
            let h = y(*value);
            if h > 0.0 {
                let _ = write!(
                    svg,
                    "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{width:.1}\" height=\"{h:.1}\" \
                     fill=\"{}\"><title>{}: {} {}</title></rect>",
                    cx - width / 2.0,
                    base - h,
                    s.colour,
                    escape(label),
                    number(*value),
                    escape(&s.name)
                );
            }
            base -= h;
        }
        if i % every == 0 || i + 1 == points.len() {
            let _ = write!(
                svg,
                "<text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{}\">{}</text>",
                bottom + 18.0,
                colour::INK,
                escape(&short_date(label))
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Horizontal gridlines with their values on the left, from 0 to `max`.
fn grid_lines(left: f64, right: f64, top: f64, bottom: f64, max: f64) -> String {
    let mut svg = String::new();
    for i in 0..=4 {
        let v = max * f64::from(i) / 4.0;
        let y = bottom - (bottom - top) * f64::from(i) / 4.0;
        let _ = write!(
            svg,
            "<line x1=\"{left}\" x2=\"{right}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"{}\">{}</text>",
            colour::GRID,
            left - 8.0,
            y + 4.0,
            colour::INK,
            number(v)
        );
    }
    svg
}

/// A one-line legend starting at `x`.
fn legend(series: &[Series], x: f64, y: f64) -> String {
    let mut svg = String::new();
    let mut x = x;
    for s in series {
        let _ = write!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" rx=\"2\" fill=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" fill=\"{}\" font-size=\"12\">{}</text>",
            y - 10.0,
            s.colour,
            x + 17.0,
            y,
            colour::INK,
            escape(&s.name)
        );
        x += 30.0 + 7.5 * s.name.chars().count() as f64;
    }
    svg
}

/// `2026-11-24` → `Nov 24`; anything else unchanged.
fn short_date(label: &str) -> String {
    match chrono::NaiveDate::parse_from_str(label, "%Y-%m-%d") {
        Ok(date) => date.format("%b %-d").to_string(),
        Err(_) => label.to_owned(),
    }
}

/// At most `max` characters, with an ellipsis when cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// At most `max` characters, keeping the part after the last ` · ` whole when it fits and
/// cutting the head before it instead, with an ellipsis.
fn shorten_head(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    match text.rfind(" · ") {
        Some(at) if text[at..].chars().count() + 2 <= max => {
            let tail = &text[at..];
            let head = shorten(&text[..at], max - tail.chars().count());
            format!("{head}{tail}")
        }
        _ => shorten(text, max),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_bounds_are_round_numbers() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(7.0), 10.0);
        assert_eq!(nice_max(13.0), 20.0);
        assert_eq!(nice_max(230.0), 250.0);
        assert_eq!(nice_max(4_100.0), 5_000.0);
    }

    #[test]
    fn long_labels_keep_their_last_part() {
        let label = "communication_speaker · Jabra Speak 750 Conference Edition · fw 2.1.0.1234";
        let cut = shorten_head(label, 44);
        assert_eq!(cut.chars().count(), 44);
        assert!(cut.ends_with(" · fw 2.1.0.1234"), "{cut}");
        assert!(cut.starts_with("communication_speaker · Ja"), "{cut}");
        assert_eq!(shorten_head("short · fw 1", 48), "short · fw 1");
        // a tail too long to keep: cut at the end as usual
        assert_eq!(shorten_head("ab · cdefghijklmnop", 8).chars().count(), 8);
    }

    #[test]
    fn wide_lines_keep_the_text_size_of_narrow_ones() {
        let points = [
            ("2026-11-24".to_owned(), 90.0),
            ("2026-11-25".to_owned(), 95.0),
        ];
        assert!(line(&points, "%", "none").contains("viewBox=\"0 0 800 262\""));
        assert!(wide_line(&points, "%", "none").contains("viewBox=\"0 0 1640 262\""));
    }

    #[test]
    fn numbers_are_grouped_and_rounded() {
        assert_eq!(number(0.0), "0");
        assert_eq!(number(12.34), "12.3");
        assert_eq!(number(1_234_567.8), "1,234,568");
        assert_eq!(number(-3.5), "-3.5");
        assert_eq!(number(f64::NAN), "–");
    }

    #[test]
    fn labels_are_escaped_in_every_chart() {
        let evil = "<script>alert(\"x\")</script> & co";
        let svgs = [
            stacked_bars(
                &[(evil.into(), vec![1.0, 2.0])],
                &[
                    Series::new(evil, colour::GOOD),
                    Series::new("b", colour::BAD),
                ],
                evil,
            ),
            bars(&[(evil.into(), 3.0)], colour::MAIN, evil, evil),
            noted_bars(&[(evil.into(), 3.0, evil.into())], colour::MAIN, evil),
            heatmap(
                &[evil],
                &[evil.to_owned()],
                &[vec![Some(1.0)]],
                1.0,
                evil,
                evil,
            ),
            line(&[(evil.into(), 1.0)], evil, evil),
            stacked_columns(
                &[(evil.into(), vec![1.0])],
                &[Series::new(evil, colour::BAD)],
                evil,
            ),
            no_data(evil),
        ];
        for svg in svgs {
            assert!(!svg.contains("<script"), "{svg}");
            assert!(
                svg.contains("&lt;script&gt;") || svg.contains("&lt;script"),
                "{svg}"
            );
        }
    }

    #[test]
    fn empty_inputs_give_the_no_data_panel() {
        assert!(stacked_bars(&[], &[], "none").contains("class=\"chart empty\""));
        assert!(line(&[], "", "none").contains("class=\"chart empty\""));
        assert!(heatmap(&["Mon"], &["0".into()], &[vec![None]], 1.0, "", "none").contains("empty"));
    }
}
