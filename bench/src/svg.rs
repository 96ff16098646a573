//! The bandwidth chart (GB/s against transfer size, log scale), drawn as a
//! self-contained SVG string. Pure: series in, text out.

/// One line of the chart.
#[derive(Debug, Clone)]
pub struct Series {
    pub label: String,
    /// (transfer size in bytes, GB/s), any order.
    pub points: Vec<(f64, f64)>,
    /// Drawn dashed (pageable host memory).
    pub dashed: bool,
}

const PALETTE: [&str; 16] = [
    "#000000", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
    "#17becf", "#393b79", "#ad494a", "#637939", "#8c6d31", "#7b4173",
];

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn size_label(bytes: f64) -> String {
    let b = bytes as u64;
    if b >= 1 << 20 {
        format!("{} MiB", b >> 20)
    } else if b >= 1 << 10 {
        format!("{} KiB", b >> 10)
    } else {
        format!("{b} B")
    }
}

/// A "nice" upper bound for the y axis (1, 2 or 5 times a power of ten).
fn nice_ceiling(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let magnitude = 10f64.powf(v.log10().floor());
    for step in [1.0, 2.0, 5.0, 10.0] {
        if step * magnitude >= v {
            return step * magnitude;
        }
    }
    10.0 * magnitude
}

/// Draws the chart; `title` and `subtitle` head it.
pub fn chart(title: &str, subtitle: &str, series: &[Series]) -> String {
    let (w, h) = (960.0, 560.0);
    let (left, right, top, bottom) = (70.0, 300.0, 60.0, 60.0);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let all: Vec<(f64, f64)> = series.iter().flat_map(|s| s.points.iter().copied()).filter(|p| p.0 > 0.0).collect();
    let xmin = all.iter().map(|p| p.0).fold(f64::INFINITY, f64::min).max(1.0);
    let xmax = all.iter().map(|p| p.0).fold(0.0, f64::max).max(xmin * 2.0);
    let ymax = nice_ceiling(all.iter().map(|p| p.1).fold(0.0, f64::max));
    let (lx0, lx1) = (xmin.log2(), xmax.log2());
    let x = |v: f64| left + (v.log2() - lx0) / (lx1 - lx0) * pw;
    let y = |v: f64| top + ph - (v / ymax).clamp(0.0, 1.0) * ph;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"{w}\" height=\"{h}\" fill=\"white\"/>\n\
         <text x=\"{left}\" y=\"24\" font-size=\"16\" font-weight=\"bold\">{}</text>\n\
         <text x=\"{left}\" y=\"42\" fill=\"#555\">{}</text>\n",
        escape(title),
        escape(subtitle)
    );
    // Grid and axes.
    for i in 0..=5 {
        let v = ymax * i as f64 / 5.0;
        let yy = y(v);
        out.push_str(&format!(
            "<line x1=\"{left}\" y1=\"{yy:.1}\" x2=\"{:.1}\" y2=\"{yy:.1}\" stroke=\"#ddd\"/>\n<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n",
            left + pw,
            left - 6.0,
            yy + 4.0,
            crate::table::number(v)
        ));
    }
    let mut size = 2f64.powf(lx0.ceil());
    while size <= xmax * 1.0001 {
        let xx = x(size);
        out.push_str(&format!(
            "<line x1=\"{xx:.1}\" y1=\"{top}\" x2=\"{xx:.1}\" y2=\"{:.1}\" stroke=\"#eee\"/>\n",
            top + ph
        ));
        if (size.log2() as i64) % 2 == 0 {
            out.push_str(&format!(
                "<text x=\"{xx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n",
                top + ph + 18.0,
                size_label(size)
            ));
        }
        size *= 2.0;
    }
    out.push_str(&format!(
        "<rect x=\"{left}\" y=\"{top}\" width=\"{pw}\" height=\"{ph}\" fill=\"none\" stroke=\"#333\"/>\n\
         <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">transfer size</text>\n\
         <text x=\"16\" y=\"{:.1}\" transform=\"rotate(-90 16 {:.1})\" text-anchor=\"middle\">GB/s</text>\n",
        left + pw / 2.0,
        h - 16.0,
        top + ph / 2.0,
        top + ph / 2.0
    ));
    // Lines and legend.
    for (i, s) in series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let mut pts: Vec<(f64, f64)> = s.points.iter().copied().filter(|p| p.0 > 0.0 && p.1.is_finite()).collect();
        pts.sort_by(|a, b| a.0.partial_cmp(&b.0).expect("finite sizes"));
        let path: Vec<String> = pts.iter().map(|&(px, py)| format!("{:.1},{:.1}", x(px), y(py))).collect();
        let dash = if s.dashed { " stroke-dasharray=\"6 4\"" } else { "" };
        out.push_str(&format!(
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"{dash}/>\n",
            path.join(" ")
        ));
        for (px, py) in &pts {
            out.push_str(&format!("<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\" fill=\"{color}\"/>\n", x(*px), y(*py)));
        }
        let ly = top + 10.0 + 18.0 * i as f64;
        let lx = left + pw + 16.0;
        out.push_str(&format!(
            "<line x1=\"{lx:.1}\" y1=\"{ly:.1}\" x2=\"{:.1}\" y2=\"{ly:.1}\" stroke=\"{color}\" stroke-width=\"2\"{dash}/>\n<text x=\"{:.1}\" y=\"{:.1}\">{}</text>\n",
            lx + 24.0,
            lx + 30.0,
            ly + 4.0,
            escape(&s.label)
        ));
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_series_becomes_a_line_with_its_points_and_a_legend_entry() {
        let series = vec![
            Series { label: "a<b".into(), points: vec![(4096.0, 1.0), (1048576.0, 8.0)], dashed: false },
            Series { label: "c".into(), points: vec![(4096.0, 0.5), (65536.0, 2.0), (1048576.0, 3.0)], dashed: true },
        ];
        let svg = chart("t", "s", &series);
        assert!(svg.starts_with("<svg"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(svg.matches("<circle").count(), 5);
        assert!(svg.contains("a&lt;b"), "labels are escaped");
        assert!(svg.contains("stroke-dasharray"));
        assert!(svg.contains("1 MiB") && svg.contains("4 KiB"));
    }

    #[test]
    fn the_y_axis_ends_at_a_round_number_above_the_maximum() {
        assert_eq!(nice_ceiling(7.3), 10.0);
        assert_eq!(nice_ceiling(1.5), 2.0);
        assert_eq!(nice_ceiling(0.04), 0.05);
    }
}
