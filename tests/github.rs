//! `--format github`: one workflow command per finding, escaped per GitHub's rules.

mod integrations;

use integrations::*;

#[test]
fn one_annotation_per_finding_with_position_and_title() {
    let dir = scratch("github-basic");
    let text = read_data("pip.json").replace(
        "//PIP_COMMENT",
        "// stv2lint-ignore: STV303 the label is set by the pipeline",
    );
    write(&dir, "infra/main.json", &text);
    let r = run(
        &dir,
        &["check", "infra", "--format", "github", "--select", "STV3"],
    );
    assert_eq!(r.code, 1, "{r:?}");
    let lines: Vec<&str> = r.stdout.lines().collect();
    // The suppressed STV303 is not annotated.
    assert_eq!(lines.len(), 1, "{r:?}");
    let line = line_of(&text, "\"sku\": { \"name\": \"Basic\" }");
    let col = text
        .lines()
        .nth(line - 1)
        .unwrap()
        .find("\"Basic\"")
        .unwrap()
        + 1;
    let end = col + "\"Basic\"".len();
    let expected = format!(
        "::error file=infra/main.json,line={line},col={col},endLine={line},endColumn={end},title=STV301 public-ip-not-standard::public IP address 'pip-apim' uses the Basic SKU"
    );
    assert!(lines[0].starts_with(&expected), "{}\n{expected}", lines[0]);
    // The help text follows on a second line, escaped as %0A.
    assert!(lines[0].contains("%0AUse "), "{}", lines[0]);
    assert!(!lines[0].contains('\n'));
}

#[test]
fn severities_map_to_error_warning_notice_and_properties_are_escaped() {
    let dir = scratch("github-levels");
    // A comma in the file name must be escaped in the `file` property (it separates properties).
    write(&dir, "a,b/headroom.json", &read_data("headroom.json"));
    write(&dir, "p/template.json", &read_data("params/template.json"));
    let r = run(
        &dir,
        &["check", ".", "--format", "github", "--select", "STV1"],
    );
    assert_eq!(r.code, 0, "warnings and infos do not fail the run: {r:?}");
    let warning = r
        .stdout
        .lines()
        .find(|l| l.starts_with("::warning "))
        .unwrap_or_else(|| panic!("{r:?}"));
    assert!(
        warning.starts_with("::warning file=a%2Cb/headroom.json,line="),
        "{warning}"
    );
    assert!(warning.contains(",title=STV104 side-by-side-headroom::"));
    let notice = r
        .stdout
        .lines()
        .find(|l| l.starts_with("::notice "))
        .unwrap_or_else(|| panic!("{r:?}"));
    assert!(notice.contains("title=STV002 unverifiable::"), "{notice}");
    // `::` inside the message needs no escape, but every line is one command.
    for l in r.stdout.lines() {
        assert!(l.starts_with("::"), "{l}");
    }
}

#[test]
fn multi_line_spans_give_lines_without_columns() {
    // GitHub rejects col/endColumn when line and endLine differ: STV303 points at the whole
    // public IP declaration.
    let dir = scratch("github-multiline");
    write(&dir, "main.json", &read_data("pip.json"));
    let r = run(
        &dir,
        &["check", ".", "--format", "github", "--select", "STV303"],
    );
    let l = r.stdout.lines().next().unwrap_or_else(|| panic!("{r:?}"));
    assert!(l.starts_with("::error file=main.json,line="), "{l}");
    assert!(l.contains(",endLine="), "{l}");
    assert!(!l.contains(",col=") && !l.contains(",endColumn="), "{l}");
}
