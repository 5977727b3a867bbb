//! A run checked a slice of Terraform roots at a time (`Stream`) gives the output of the run
//! checked whole, byte for byte, in every format: when its slices are apart (it then streams),
//! and when they reach into each other (it then loads again and checks whole).

use std::path::{Path, PathBuf};
use stv2lint::cli::{CheckArgs, InputArgs};
use stv2lint::Stream;

#[path = "../examples/common/gen.rs"]
mod gen;
#[path = "support/same.rs"]
mod support;

use support::FORMATS;

/// Every output of one run over `paths` on one worker (slices of 16 roots), whether it
/// streamed, and how many diagnostics it gave.
fn outputs(paths: &[PathBuf], stream: Stream) -> (Vec<Vec<u8>>, bool, usize) {
    outputs_with(paths, &[], stream, 1)
}

fn outputs_with(
    paths: &[PathBuf],
    var_files: &[PathBuf],
    stream: Stream,
    threads: usize,
) -> (Vec<Vec<u8>>, bool, usize) {
    let args = CheckArgs {
        input: InputArgs {
            paths: paths.to_vec(),
            var_files: var_files.to_vec(),
            threads,
            ..InputArgs::default()
        },
        ..CheckArgs::default()
    };
    let pool = stv2lint::parallel::pool(threads).expect("a thread pool");
    pool.install(|| {
        let (walked, _, mut opts) = stv2lint::driver::prepare(&args).expect("options");
        opts.stream = stream;
        let o = stv2lint::check_walked(walked, &opts);
        let mut out = Vec::new();
        for f in FORMATS {
            let mut bytes = Vec::new();
            stv2lint::report::render(f, &o, &mut bytes).expect("render");
            out.push(bytes);
        }
        let code = stv2lint::driver::exit_code(&o, Some(stv2lint::diagnostic::Severity::Error));
        out.push(format!("exit {code}").into_bytes());
        (out, o.streamed, o.diagnostics.len())
    })
}

/// The run streamed (or not, as `streams` says) and gave the whole run's output.
fn same_as_whole(paths: &[PathBuf], streams: Option<bool>) -> usize {
    same_as_whole_with(paths, &[], streams)
}

fn same_as_whole_with(paths: &[PathBuf], var_files: &[PathBuf], streams: Option<bool>) -> usize {
    same_as_whole_on(paths, var_files, streams, 1)
}

/// [`same_as_whole_with`], the streamed run on `threads` workers (slices of 16 roots each).
fn same_as_whole_on(
    paths: &[PathBuf],
    var_files: &[PathBuf],
    streams: Option<bool>,
    threads: usize,
) -> usize {
    let (whole, streamed, n) = outputs_with(paths, var_files, Stream::Never, 1);
    assert!(!streamed);
    let (parts, streamed, m) = outputs_with(paths, var_files, Stream::Always, threads);
    if let Some(s) = streams {
        assert_eq!(streamed, s, "streamed under {paths:?}");
    }
    assert_eq!(n, m);
    for (i, (a, b)) in whole.iter().zip(&parts).enumerate() {
        support::assert_same_text(
            &format!("output {i} (streamed: {streamed})"),
            ("whole", a),
            ("streamed", b),
        );
    }
    n
}

/// A scratch directory under the system's temporary directory, removed when dropped (also
/// when a test fails).
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("stv2lint-{name}-{}", std::process::id()));
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// The benchmark's Terraform tree (roots calling two shared modules, a stage tfvars each) with
/// a template of each kind beside it, and what only the whole run knows: a module's instance
/// deployed by the first root and switched off by the last (no STV006), the same registry
/// module called by two roots of different slices, a finding in a shared module.
fn tree(dir: &Path) {
    gen::generate("terraform", dir, 40, 6);
    write(dir, "arm/t.json", &gen::arm::template(7, 6));
    let optional = r#"
variable "on" {
  type = bool
}
resource "azurerm_api_management" "opt" {
  count               = var.on ? 1 : 0
  name                = "apim-optional"
  location            = "westeurope"
  resource_group_name = "rg-optional"
  publisher_name      = "p"
  publisher_email     = "p@example.com"
  sku_name            = "Developer_1"
}
"#;
    write(dir, "modules/optional/main.tf", optional);
    for (root, on) in [("aaa-on", true), ("zzz-off", false)] {
        write(
            dir,
            &format!("{root}/main.tf"),
            &format!(
                "module \"opt\" {{\n  source = \"../modules/optional\"\n  on = {on}\n}}\n\
                 module \"reg\" {{\n  source = \"Azure/avm-res-apimanagement-service/azurerm\"\n  publisher_email = \"p@example.com\"\n}}\n"
            ),
        );
    }
}

#[test]
fn apart_roots_stream_and_give_the_whole_runs_output() {
    let scratch = Scratch::new("stream");
    let dir = scratch.0.clone();
    tree(&dir);
    let n = same_as_whole(std::slice::from_ref(&dir), Some(true));
    assert!(n > 200, "only {n} diagnostics");
}

/// On two workers a slice is checked while the next one evaluates, and the last part is
/// dropped during the next check: the output is still the whole run's on one worker.
#[test]
fn apart_roots_streamed_on_two_workers_give_the_whole_runs_output() {
    let scratch = Scratch::new("stream-two");
    let dir = scratch.0.clone();
    tree(&dir);
    // 40 generated roots and two more: slices of 32, so two parts after the templates'.
    let n = same_as_whole_on(std::slice::from_ref(&dir), &[], Some(true), 2);
    assert!(n > 200, "only {n} diagnostics");
}

#[test]
fn roots_that_reach_into_each_other_are_checked_whole() {
    let scratch = Scratch::new("stream-meet");
    let dir = scratch.0.clone();
    tree(&dir);
    // The last root puts its instance in the first root's subnet, by id: its slice cannot
    // answer the lookup, another slice declares the subnet.
    write(
        &dir,
        "zzz-peer/main.tf",
        r#"
resource "azurerm_api_management" "peer" {
  name                 = "apim-peer"
  location             = "westeurope"
  resource_group_name  = "rg-prod-0"
  publisher_name       = "p"
  publisher_email      = "p@example.com"
  sku_name             = "Premium_1"
  virtual_network_type = "External"
  virtual_network_configuration {
    subnet_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-prod-0/providers/Microsoft.Network/virtualNetworks/vnet-prod-0/subnets/snet-apim"
  }
}
"#,
    );
    same_as_whole(std::slice::from_ref(&dir), Some(false));
    // An inline suppression needs the model when suppressions apply: checked whole too.
    std::fs::remove_dir_all(dir.join("zzz-peer")).unwrap();
    write(
        &dir,
        "zzz-quiet/main.tf",
        "# stv2lint-ignore-file: STV202 the hub owns this\nmodule \"net\" {\n  source = \"../modules/optional\"\n  on = true\n}\n",
    );
    same_as_whole(std::slice::from_ref(&dir), Some(false));
}

/// A run directory called only by a module outside the run (a directory discovery skips): the
/// graph of the run's modules does not know it is called, and a streamed run, which keeps
/// only skeletons of the run's modules, must build it whole when the outside module calls it.
#[test]
fn a_root_called_through_a_module_outside_the_run_is_evaluated_whole() {
    let scratch = Scratch::new("stream-outside");
    let dir = scratch.0.clone();
    write(
        &dir,
        "aaa/main.tf",
        "module \"w\" {\n  source = \"../node_modules/wrap\"\n}\n",
    );
    write(
        &dir,
        "node_modules/wrap/main.tf",
        "module \"net\" {\n  source = \"../../zzz\"\n  vnet_type = \"External\"\n}\n",
    );
    write(
        &dir,
        "zzz/main.tf",
        r#"
variable "vnet_type" {
  type    = string
  default = "None"
}
resource "azurerm_api_management" "z" {
  name                 = "apim-z"
  location             = "westeurope"
  resource_group_name  = "rg"
  publisher_name       = "p"
  publisher_email      = "p@example.com"
  sku_name             = "Premium_1"
  virtual_network_type = var.vnet_type
}
"#,
    );
    let (whole, _, _) = outputs(std::slice::from_ref(&dir), Stream::Never);
    let compact = String::from_utf8_lossy(&whole[1]).to_string();
    assert!(compact.contains("STV101"), "{compact}");
    same_as_whole(std::slice::from_ref(&dir), None);
}

/// A run loaded again whole after its slices met reads its files again: one whose read failed
/// the first time (a UTF-16 var file) is reported the second time too.
#[test]
fn a_run_loaded_again_reports_the_files_it_could_not_read() {
    let scratch = Scratch::new("stream-reread");
    let dir = scratch.0.clone();
    write(
        &dir,
        "aaa/main.tf",
        "# stv2lint-ignore-file: STV101 x\nvariable \"x\" {\n  default = 0\n}\n",
    );
    let bad = dir.join("bad.tfvars");
    std::fs::write(&bad, b"\xff\xfex = 1\n").unwrap();
    let (whole, _, _) = outputs_with(
        &[dir.join("aaa")],
        std::slice::from_ref(&bad),
        Stream::Never,
        1,
    );
    assert!(String::from_utf8_lossy(&whole[1]).contains("STV001"));
    same_as_whole_with(&[dir.join("aaa")], &[bad], Some(false));
}

/// The Terraform fixtures, one run: many small roots, some of which share names and reach
/// into each other. Streamed or not, the output is the whole run's.
#[test]
fn terraform_fixtures_give_the_whole_runs_output() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/terraform");
    let n = same_as_whole(&[root], None);
    assert!(n > 100, "only {n} diagnostics");
}

#[test]
#[ignore = "needs STV2LINT_CORPUS"]
fn corpus_gives_the_whole_runs_output_when_streamed() {
    let c = PathBuf::from(
        std::env::var_os("STV2LINT_CORPUS")
            .expect("STV2LINT_CORPUS must point at the corpus for this test"),
    );
    same_as_whole(std::slice::from_ref(&c), None);
    // Each deployment alone too: most stream.
    let mut streamed = 0;
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&c)
        .expect("corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for d in &dirs {
        same_as_whole(std::slice::from_ref(d), None);
        streamed += outputs(std::slice::from_ref(d), Stream::Always).1 as usize;
    }
    eprintln!("{streamed} of {} corpus deployments streamed", dirs.len());
    assert!(streamed > 0);
}
