//! The text table printed at the end of a run (pure formatting).

use crate::row::Row;

/// Formats a number with three significant digits, switching to k/M/G for
/// large rates so columns stay narrow.
pub fn number(v: f64) -> String {
    let a = v.abs();
    let (scaled, suffix) = if a >= 1e9 {
        (v / 1e9, "G")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e4 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let s = scaled.abs();
    let digits = if s >= 100.0 {
        0
    } else if s >= 10.0 {
        1
    } else {
        2
    };
    format!("{scaled:.digits$}{suffix}")
}

fn cell(v: f64, spread: f64) -> String {
    format!("{} ±{:.0}%", number(v), spread / 2.0)
}

/// The whole table: one section per group, columns aligned.
pub fn render(rows: &[Row]) -> String {
    let header = ["measure", "flaghal", "baseline", "baseline value", "unit", "% of base"];
    let mut lines: Vec<[String; 6]> = Vec::new();
    for r in rows {
        lines.push([
            r.name.clone(),
            cell(r.value.median, r.value.spread_percent()),
            r.baseline_name.clone(),
            cell(r.baseline.median, r.baseline.spread_percent()),
            r.unit.clone(),
            format!("{:.0}%", r.percent_of_baseline()),
        ]);
    }
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for l in &lines {
        for (w, c) in widths.iter_mut().zip(l.iter()) {
            *w = (*w).max(c.chars().count());
        }
    }
    let fmt_line = |cells: &[String]| {
        let mut out = String::new();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            let pad = w - c.chars().count();
            if i == 1 || i == 3 || i == 5 {
                out.push_str(&" ".repeat(pad));
                out.push_str(c);
            } else {
                out.push_str(c);
                out.push_str(&" ".repeat(pad));
            }
            out.push_str("  ");
        }
        out.trim_end().to_string()
    };
    let mut out = String::new();
    let mut group = "";
    for (r, l) in rows.iter().zip(&lines) {
        if r.group != group {
            group = &r.group;
            out.push_str(&format!("\n== {group}\n"));
            out.push_str(&fmt_line(&header.map(String::from)));
            out.push('\n');
        }
        out.push_str(&fmt_line(l));
        out.push('\n');
    }
    out
}

/// The same rows as a Markdown table (for docs/performance.md).
pub fn markdown(rows: &[Row]) -> String {
    let mut out = String::new();
    let mut group = "";
    for r in rows {
        if r.group != group {
            group = &r.group;
            out.push_str(&format!(
                "\n**{group}**\n\n| measure | flaghal | baseline | baseline value | unit | % of baseline |\n|---|---:|---|---:|---|---:|\n"
            ));
        }
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {:.0}% |\n",
            r.name,
            cell(r.value.median, r.value.spread_percent()),
            r.baseline_name,
            cell(r.baseline.median, r.baseline.spread_percent()),
            r.unit,
            r.percent_of_baseline()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_three_significant_digits() {
        assert_eq!(number(1.234), "1.23");
        assert_eq!(number(12.34), "12.3");
        assert_eq!(number(123.4), "123");
        assert_eq!(number(45_600.0), "45.6k");
        assert_eq!(number(2_500_000.0), "2.50M");
    }
}
