//! The bundled example exists in ARM, Bicep and Terraform with the same mistakes. The rules never
//! see syntax, so the three must give the same findings — and each points the subnet-size finding
//! at its own parameter-file line (parameters JSON, .bicepparam, terraform.tfvars).

use std::collections::BTreeMap;
use std::path::Path;
use stv2lint::code::Code;

fn findings(dir: &str) -> (BTreeMap<Code, usize>, stv2lint::Outcome) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(dir);
    let o = stv2lint::check(&[root], &Default::default());
    let mut codes = BTreeMap::new();
    for d in o.active() {
        *codes.entry(d.code).or_insert(0) += 1;
    }
    (codes, o)
}

#[test]
fn the_three_formats_give_the_same_findings() {
    let (arm, _) = findings("broken-apim");
    let want: BTreeMap<Code, usize> = [
        Code::Stv103,
        Code::Stv202,
        Code::Stv204,
        Code::Stv208,
        Code::Stv301,
        Code::Stv302,
        Code::Stv303,
        Code::Stv304,
        Code::Stv403,
        Code::Stv501,
        Code::Stv502,
        Code::Stv504,
    ]
    .into_iter()
    .map(|c| (c, 1))
    .collect();
    assert_eq!(arm, want);
    for dir in ["broken-apim-bicep", "broken-apim-terraform"] {
        let (codes, _) = findings(dir);
        assert_eq!(codes, arm, "{dir} differs from the ARM example");
    }
}

#[test]
fn the_subnet_size_finding_names_the_parameter_file_line() {
    for (dir, file) in [
        ("broken-apim", "azuredeploy.parameters.json"),
        ("broken-apim-bicep", "main.bicepparam"),
        ("broken-apim-terraform", "terraform.tfvars"),
    ] {
        let (_, o) = findings(dir);
        let d = o.active().find(|d| d.code == Code::Stv103).expect("STV103");
        assert!(
            d.related
                .iter()
                .any(|r| o.ws.sources.get(r.span.file).path.ends_with(file)),
            "{dir}: STV103 has no related location in {file}: {:?}",
            d.related
        );
    }
}
