//! The whole corpus in ONE run, as a user runs `stv2lint check .` at the root of a monorepo:
//! deployments must not blur into each other (an unknown in one must not hide a finding in
//! another), and the expected findings of every format still appear. Ignored unless run with
//! `--include-ignored` and `STV2LINT_CORPUS` pointing at the corpus (`.ci/run` does both).

use std::path::PathBuf;

#[test]
#[ignore = "needs STV2LINT_CORPUS"]
fn whole_corpus_in_one_run_keeps_every_expected_finding() {
    let c = PathBuf::from(
        std::env::var_os("STV2LINT_CORPUS")
            .expect("STV2LINT_CORPUS must point at the corpus for this test"),
    );
    let o = stv2lint::check(&[c], &Default::default());
    let found: Vec<String> = o
        .active()
        .filter_map(|d| {
            let s = d.span?;
            let f = o.ws.sources.get(s.file);
            Some(format!(
                "{} {}:{}",
                d.code,
                f.display.replace('\\', "/"),
                f.line_col(s.start).0
            ))
        })
        .collect();
    let expect = [
        // ARM: the 2019 internal-VNet quickstart is stv1.
        ("STV011", "api-management-create-with-internal-vnet/azuredeploy.json:387"),
        // Bicep: the App Gateway quickstart's APIM subnet has no NSG.
        ("STV201", "api-management-create-with-internal-vnet-application-gateway/main.bicep"),
        // Terraform: the sec-api-management example's subnet has no NSG (found via a data source).
        ("STV201", "terraform-azurerm-sec-api-management/examples/complete/main.tf"),
        // Terraform: the landing zone's Sql rule on 1443 (its destination port).
        ("STV208", "apim-baseline/terraform/modules/networking/networking.tf:116"),
        // Bicep: the starter kit's Sql on 443 and its /29 subnet.
        ("STV208", "Azure-Integration-Services-Starter-Kit/infrastructure/bicep/modules/networkSecurityGroup/apimNetworkSecurityGroup.bicep"),
        ("STV104", "Azure-Integration-Services-Starter-Kit/infrastructure/bicep/modules/virtualNetwork/virtualNetwork.bicep"),
    ];
    for (code, place) in expect {
        assert!(
            found
                .iter()
                .any(|l| l.starts_with(code) && l.contains(place)),
            "{code} at {place} is missing from the whole-corpus run:\n{}",
            found.join("\n")
        );
    }
    // Nothing fails to load.
    assert!(!o.incomplete(), "{}", found.join("\n"));
    assert!(
        !found.iter().any(|l| l.starts_with("STV001")),
        "{}",
        found.join("\n")
    );
}
