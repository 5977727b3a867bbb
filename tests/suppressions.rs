//! Inline suppressions through the whole pipeline: each form, invalid (STV003) and unused
//! (STV004) suppressions, and how they interact with `--select`/`--ignore` and exit codes.

mod integrations;

use integrations::*;

/// `pip.json` (STV301 on the SKU line, STV303 on the public IP's declaration) with `comment`
/// on the line before the public IP, and `edit` applied.
fn lint(name: &str, comment: &str, edit: &dyn Fn(String) -> String, args: &[&str]) -> Run {
    let dir = scratch(name);
    let text = edit(read_data("pip.json").replace("//PIP_COMMENT", comment));
    write(&dir, "main.json", &text);
    let mut all = vec!["check", "main.json", "--format", "json", "--select", "STV3"];
    all.extend_from_slice(args);
    run(&dir, &all)
}

fn same(s: String) -> String {
    s
}

fn codes(r: &Run) -> Vec<String> {
    let mut c = r.codes();
    c.sort();
    c
}

#[test]
fn without_suppressions_both_findings_show() {
    let r = lint("sup-none", "", &same, &[]);
    assert_eq!(codes(&r), ["STV301", "STV303"]);
    assert_eq!(r.code, 1);
}

#[test]
fn a_line_comment_covers_the_resource_on_the_next_line() {
    let r = lint(
        "sup-line",
        "// stv2lint-ignore: STV301, STV303 replaced by pip-apim-v2 in the next release",
        &same,
        &[],
    );
    assert_eq!(codes(&r), Vec::<String>::new(), "{r:?}");
    assert_eq!(r.code, 0, "suppressed errors do not fail the run");
}

#[test]
fn a_block_comment_works_the_same() {
    let r = lint(
        "sup-block",
        "/* stv2lint-ignore: STV303 the label is set by the platform pipeline */",
        &same,
        &[],
    );
    assert_eq!(codes(&r), ["STV301"], "{r:?}");
}

#[test]
fn a_trailing_comment_covers_its_own_line() {
    let r = lint(
        "sup-trailing",
        "",
        &|s| {
            s.replace(
                "\"sku\": { \"name\": \"Basic\" },",
                "\"sku\": { \"name\": \"Basic\" }, // stv2lint-ignore: STV301 migrating in Q3",
            )
        },
        &[],
    );
    assert_eq!(codes(&r), ["STV303"], "{r:?}");
}

#[test]
fn a_file_comment_covers_the_whole_file() {
    let r = lint(
        "sup-file",
        "",
        &|s| {
            s.replacen(
                "{\n",
                "{\n  // stv2lint-ignore-file: STV301 every IP here is replaced in Q3\n",
                1,
            )
        },
        &[],
    );
    assert_eq!(codes(&r), ["STV303"], "{r:?}");
}

#[test]
fn resource_metadata_suppresses_without_comments() {
    let r = lint(
        "sup-metadata",
        "",
        &|s| {
            s.replace(
                "\"name\": \"pip-apim\",",
                "\"name\": \"pip-apim\",\n      \"metadata\": { \"stv2lint-ignore\": { \"STV303\": \"the label is set by the pipeline\" } },",
            )
        },
        &[],
    );
    assert_eq!(codes(&r), ["STV301"], "{r:?}");
}

#[test]
fn text_inside_strings_is_not_a_comment() {
    let r = lint(
        "sup-string",
        "",
        &|s| {
            s.replace(
                "\"name\": \"pip-apim\",",
                "\"name\": \"pip-apim\",\n      \"tags\": { \"note\": \"// stv2lint-ignore: STV303 not a comment\" },",
            )
        },
        &[],
    );
    assert_eq!(codes(&r), ["STV301", "STV303"], "{r:?}");
}

#[test]
fn unknown_codes_and_missing_reasons_are_stv003() {
    let r = lint("sup-unknown", "// stv2lint-ignore: STV399 typo", &same, &[]);
    assert_eq!(codes(&r), ["STV003", "STV301", "STV303"], "{r:?}");
    let d = &r.json()["diagnostics"];
    let stv003 = d
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "STV003")
        .unwrap();
    assert_eq!(stv003["severity"], "warning");
    assert!(stv003["message"].as_str().unwrap().contains("STV399"));
    assert_eq!(stv003["line"], 36);

    // Without a reason the suppression does not apply, and STV003 asks for one.
    let r = lint("sup-no-reason", "// stv2lint-ignore: STV303", &same, &[]);
    assert_eq!(codes(&r), ["STV003", "STV301", "STV303"], "{r:?}");

    // Malformed (no colon).
    let r = lint(
        "sup-malformed",
        "// stv2lint-ignore STV303 oops",
        &same,
        &[],
    );
    assert_eq!(codes(&r), ["STV003", "STV301", "STV303"], "{r:?}");

    // In metadata too.
    let r = lint(
        "sup-metadata-unknown",
        "",
        &|s| {
            s.replace(
                "\"name\": \"pip-apim\",",
                "\"name\": \"pip-apim\",\n      \"metadata\": { \"stv2lint-ignore\": { \"STV3O1\": \"letter O\" } },",
            )
        },
        &[],
    );
    assert_eq!(codes(&r), ["STV003", "STV301", "STV303"], "{r:?}");
}

#[test]
fn a_suppression_that_suppresses_nothing_is_stv004() {
    let r = lint(
        "sup-unused",
        "// stv2lint-ignore: STV302, STV303 allocation is fine",
        &same,
        &[],
    );
    assert_eq!(codes(&r), ["STV004", "STV301"], "{r:?}");
    let d = &r.json()["diagnostics"];
    let stv004 = d
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "STV004")
        .unwrap();
    assert!(stv004["message"].as_str().unwrap().contains("STV302"));
    assert_eq!(stv004["line"], 36);
    // Warnings fail the run only when asked to.
    assert_eq!(r.code, 1);
    let r = lint(
        "sup-unused-2",
        "// stv2lint-ignore: STV302 allocation is fine",
        &same,
        &["--ignore", "STV301,STV303"],
    );
    assert_eq!(
        (r.code, codes(&r)),
        (0, vec!["STV004".to_string()]),
        "{r:?}"
    );

    // A blank line between the comment and the resource: the comment applies to the blank line.
    let r = lint(
        "sup-blank",
        "// stv2lint-ignore: STV303 the label is set by the pipeline\n",
        &same,
        &[],
    );
    assert_eq!(codes(&r), ["STV004", "STV301", "STV303"], "{r:?}");
}

#[test]
fn rules_left_out_of_the_run_do_not_make_suppressions_unused() {
    let r = lint(
        "sup-not-run",
        "// stv2lint-ignore: STV303 the label is set by the pipeline",
        &same,
        &["--select", "STV301"],
    );
    assert_eq!(codes(&r), ["STV301"], "{r:?}");
    let r = lint(
        "sup-ignored",
        "// stv2lint-ignore: STV302 not relevant here",
        &same,
        &["--ignore", "STV302"],
    );
    assert_eq!(codes(&r), ["STV301", "STV303"], "{r:?}");
}

#[test]
fn stv003_and_stv004_obey_ignore_and_severity() {
    let r = lint(
        "sup-ignore-004",
        "// stv2lint-ignore: STV302 allocation is fine",
        &same,
        &["--ignore", "STV004"],
    );
    assert_eq!(codes(&r), ["STV301", "STV303"], "{r:?}");
    let dir = scratch("sup-severity-004");
    write(
        &dir,
        ".stv2lint.yaml",
        "select: [STV3]\nseverity:\n  STV004: error\n",
    );
    write(
        &dir,
        "main.json",
        &read_data("pip.json").replace(
            "//PIP_COMMENT",
            "// stv2lint-ignore: STV301, STV302, STV303 being replaced",
        ),
    );
    let r = run(&dir, &["check", ".", "--format", "json"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(r.json()["diagnostics"][0]["code"], "STV004");
    assert_eq!(r.json()["diagnostics"][0]["severity"], "error");
}

#[test]
fn suppressed_findings_are_hidden_from_every_text_format() {
    let dir = scratch("sup-formats");
    write(
        &dir,
        "main.json",
        &read_data("pip.json").replace(
            "//PIP_COMMENT",
            "// stv2lint-ignore: STV303 the label is set by the pipeline",
        ),
    );
    for format in ["human", "compact", "github"] {
        let r = run(
            &dir,
            &["check", ".", "--format", format, "--select", "STV3"],
        );
        assert!(r.stdout.contains("STV301"), "{format}: {r:?}");
        assert!(!r.stdout.contains("STV303"), "{format}: {r:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Terraform and Bicep comments.

fn lint_format(name: &str, file: &str, comment: &str, edit: &dyn Fn(String) -> String) -> Run {
    let placeholder = if file.ends_with(".tf") {
        "#PIP_COMMENT"
    } else {
        "//PIP_COMMENT"
    };
    let dir = scratch(name);
    let plain = read_data(file).replace(placeholder, "");
    write(&dir, file, &plain);
    let r = run(
        &dir,
        &["check", ".", "--format", "json", "--select", "STV301"],
    );
    assert!(
        r.codes().contains(&"STV301".to_string()),
        "{file}: no STV301 without a suppression, so the suppression cannot be tested: {r:?}"
    );
    write(
        &dir,
        file,
        &edit(read_data(file).replace(placeholder, comment)),
    );
    run(
        &dir,
        &["check", ".", "--format", "json", "--select", "STV301"],
    )
}

#[test]
fn terraform_hash_slash_and_block_comments() {
    for (i, comment) in [
        "# stv2lint-ignore: STV301 replaced in Q3",
        "// stv2lint-ignore: STV301 replaced in Q3",
        "/* stv2lint-ignore: STV301 replaced in Q3 */",
        "# stv2lint-ignore-file: STV301 replaced in Q3",
    ]
    .iter()
    .enumerate()
    {
        let r = lint_format(&format!("sup-tf-{i}"), "pip.tf", comment, &same);
        assert_eq!(codes(&r), Vec::<String>::new(), "{comment}\n{r:?}");
    }
    // Trailing, on the attribute's line; and one that covers nothing.
    let trailing = |s: String| {
        s.replace(
            "  sku                 = \"Basic\"",
            "  sku                 = \"Basic\" # stv2lint-ignore: STV301 replaced in Q3",
        )
    };
    let r = lint_format("sup-tf-trailing", "pip.tf", "", &trailing);
    assert_eq!(codes(&r), Vec::<String>::new(), "{r:?}");
    let r = lint_format("sup-tf-elsewhere", "pip.tf", "", &|s| {
        s.replacen(
            "resource \"azurerm_virtual_network\"",
            "# stv2lint-ignore: STV301 wrong place\nresource \"azurerm_virtual_network\"",
            1,
        )
    });
    assert_eq!(codes(&r), ["STV004", "STV301"], "{r:?}");
}

#[test]
fn bicep_line_and_block_comments() {
    for (i, comment) in [
        "// stv2lint-ignore: STV301 replaced in Q3",
        "/* stv2lint-ignore: STV301 replaced in Q3 */",
    ]
    .iter()
    .enumerate()
    {
        let r = lint_format(&format!("sup-bicep-{i}"), "pip.bicep", comment, &same);
        assert_eq!(codes(&r), Vec::<String>::new(), "{comment}\n{r:?}");
    }
    let trailing = |s: String| {
        s.replace(
            "  sku: { name: pipSku }",
            "  sku: { name: pipSku } // stv2lint-ignore: STV301 replaced in Q3",
        )
    };
    let r = lint_format("sup-bicep-trailing", "pip.bicep", "", &trailing);
    assert_eq!(codes(&r), Vec::<String>::new(), "{r:?}");
    // A `#` is not a comment in Bicep.
    let r = lint_format("sup-bicep-hash", "pip.bicep", "", &|s| {
        s.replace(
            "  sku: { name: pipSku }",
            "  sku: { name: pipSku } # stv2lint-ignore: STV301 x",
        )
    });
    assert!(
        r.codes().contains(&"STV001".to_string()) || r.codes().contains(&"STV301".to_string()),
        "{r:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// What counts as a comment is each front end's lexer's decision.

fn stv003(r: &Run) -> serde_json::Value {
    let d = r.json()["diagnostics"].clone();
    let found = d.as_array().unwrap().iter().find(|d| d["code"] == "STV003");
    found.cloned().unwrap_or_else(|| panic!("no STV003: {r:?}"))
}

/// Directive-looking text in strings (and heredocs, verbatim strings, templates) is no
/// suppression, while a real comment after it is read, at its own line.
#[test]
fn strings_and_heredocs_hold_no_suppressions_in_any_format() {
    let real = "stv2lint-ignore: STV399 a real comment";
    // ARM: file-wide directives in strings would hide both findings if they were read.
    let r = lint(
        "sup-string-file",
        &format!("// {real}"),
        &|s| {
            s.replace(
                "\"name\": \"pip-apim\",",
                "\"name\": \"pip-apim\",\n      \"tags\": { \"a\": \"// stv2lint-ignore-file: STV301 in a string\", \"b\": \"x\\\" /* stv2lint-ignore-file: STV303 nor here */\" },",
            )
        },
        &[],
    );
    assert_eq!(codes(&r), ["STV003", "STV301", "STV303"], "{r:?}");
    let line = line_of(&read_data("pip.json"), "//PIP_COMMENT");
    assert_eq!(stv003(&r)["line"], line, "{r:?}");

    for (file, decoys) in [
        (
            "pip.tf",
            "locals {\n  note = \"# stv2lint-ignore-file: STV301 in a string ${\"// stv2lint-ignore-file: STV301 nor here\"}\"\n  doc  = <<-EOT\n    # stv2lint-ignore-file: STV301 in a heredoc\n    /* stv2lint-ignore-file: STV301 in a heredoc */\n    EOT\n}\n# ",
        ),
        (
            "pip.bicep",
            "var note = '// stv2lint-ignore-file: STV301 in a string ${'/* stv2lint-ignore-file: STV301 nor here */'}'\nvar doc = '''\n// stv2lint-ignore-file: STV301 in a verbatim string\n'''\n// ",
        ),
    ] {
        let comment = format!("{decoys}{real}");
        let r = lint_format(&format!("sup-string-{file}"), file, &comment, &same);
        assert_eq!(codes(&r), ["STV003", "STV301"], "{file}: {r:?}");
        let placeholder = if file.ends_with(".tf") { "#PIP_COMMENT" } else { "//PIP_COMMENT" };
        let text = read_data(file).replace(placeholder, &comment);
        assert_eq!(stv003(&r)["line"], line_of(&text, "STV399"), "{file}: {r:?}");
    }
}

/// A file that does not parse has only its STV001; a file-wide suppression of it before the
/// error still applies. JSON and Bicep read comments up to the error only (past it, a comment
/// cannot be told from a string); Terraform's comment lexer reads the whole file.
#[test]
fn a_file_that_does_not_parse_keeps_its_suppressions() {
    let sup = "stv2lint-ignore-file: STV001 generated upstream, fixed there";
    for (file, broken, marker, read_after_error) in [
        (
            "main.json",
            "{ \"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\", \"resources\": [ }\n",
            "//",
            false,
        ),
        (
            "main.bicep",
            "resource x 'Microsoft.Network/publicIPAddresses@2024-05-01' = {\n  name: 'open\n}\n",
            "//",
            false,
        ),
        ("main.tf", "resource \"a\" \"b\" {\n  name = = 1\n}\n", "#", true),
    ] {
        let dir = scratch(&format!("sup-broken-{file}"));
        write(&dir, file, broken);
        let r = run(&dir, &["check", ".", "--format", "json"]);
        assert_eq!(codes(&r), ["STV001"], "{file}: {r:?}");

        write(&dir, file, &format!("{marker} {sup}\n{broken}"));
        let r = run(&dir, &["check", ".", "--format", "json"]);
        assert_eq!((r.code, codes(&r)), (0, vec![]), "{file}: {r:?}");

        write(&dir, file, &format!("{broken}{marker} {sup}\n"));
        let r = run(&dir, &["check", ".", "--format", "json"]);
        let expected: Vec<String> = if read_after_error {
            vec![]
        } else {
            vec!["STV001".into()]
        };
        assert_eq!(codes(&r), expected, "{file}: {r:?}");
    }
}
