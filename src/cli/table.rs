//! Plain-text tables for terminal output.

/// Renders rows as left-aligned columns separated by two spaces; the first row is the header, and
/// a row with nothing but its first cell is a title that runs past the columns.
pub fn render(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    // A row with nothing but its first cell is a title over the columns: it does not widen them.
    let title = |r: &Vec<String>| r.iter().skip(1).all(String::is_empty);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter(|r| !title(r))
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| format!("{cell:<w$}", w = widths[c]))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align() {
        let t = render(&[
            vec!["a".into(), "bb".into()],
            vec!["ccc".into(), "d".into()],
        ]);
        assert_eq!(t, "a    bb\nccc  d\n");
    }

    #[test]
    fn a_title_row_does_not_widen_the_columns() {
        let t = render(&[
            vec!["A long title over the table".into(), String::new()],
            vec!["a".into(), "bb".into()],
            vec!["ccc".into(), "d".into()],
        ]);
        assert_eq!(t, "A long title over the table\na    bb\nccc  d\n");
    }
}
