//! Builders for rule unit tests: a linked workspace without any front end. Every field gets
//! a distinct span so tests can tell where a diagnostic lands.

pub use crate::code::Code;
use crate::diagnostic::Diagnostic;
use crate::model::*;
use crate::rules::{run_rule, Options, Plan};
use crate::source::{FileId, Span};

pub fn sp(n: usize) -> Option<Span> {
    Some(Span::new(FileId(0), n, n + 1))
}
pub fn line(d: &Diagnostic) -> Option<usize> {
    d.span.map(|s| s.start as usize)
}

fn meta(rtype: &str, name: &str, decl: usize) -> Meta {
    Meta {
        key: ResKey::new(rtype, name, None),
        label: format!("{rtype} '{name}'"),
        name: name.rsplit('/').next().unwrap_or(name).to_string(),
        decl: Span::new(FileId(0), decl, decl + 1),
        format: Format::Arm,
        suppress: Vec::new(),
        unit: crate::model::UnitId::NONE,
    }
}

pub fn subnet_id(vnet: &str, name: &str) -> String {
    format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{name}")
}
pub fn pip_id(name: &str) -> String {
    format!(
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/{name}"
    )
}

/// An instance: decl at `base`, api version at base+1, sku +2, mode +3, capacity +4,
/// zones +5, subnet +6, public IP +7.
pub fn apim(name: &str, sku: &str, mode: &str, units: i64, base: usize) -> Apim {
    Apim {
        meta: meta("Microsoft.ApiManagement/service", name, base),
        api_version: Some(Field::known("2024-05-01".into(), sp(base + 1))),
        sku: Field::known(sku.into(), sp(base + 2)),
        vnet_type: Field::known(mode.into(), sp(base + 3)),
        locations: vec![location(true, "westeurope", units, base)],
        locations_unknown: None,
        migration_ips: false,
        features: Default::default(),
        platform_version: None,
        public_network_access: None,
    }
}

pub fn location(primary: bool, region: &str, units: i64, base: usize) -> ApimLocation {
    ApimLocation {
        primary,
        location: Field::known(region.into(), sp(base + 8)),
        capacity: Field::known(units, sp(base + 4)),
        zones: None,
        subnet: Some(Field::known(subnet_id("vnet", "apim"), sp(base + 6))),
        public_ip: None,
        decl: Span::new(FileId(0), base, base + 1),
    }
}

pub fn zones(z: &[&str], base: usize) -> Option<Field<Vec<String>>> {
    Some(Field::known(
        z.iter().map(|s| s.to_string()).collect(),
        sp(base + 5),
    ))
}

/// A subnet `vnet/name`: decl at `base`, prefixes +1, delegations +2.
pub fn subnet(vnet: &str, name: &str, prefixes: &[&str], base: usize) -> Subnet {
    Subnet {
        meta: meta(
            "Microsoft.Network/virtualNetworks/subnets",
            &format!("{vnet}/{name}"),
            base,
        ),
        vnet: vnet.into(),
        prefixes: Field::known(
            prefixes.iter().map(|s| s.to_string()).collect(),
            sp(base + 1),
        ),
        nsg: None,
        route_table: None,
        service_endpoints: Field::implicit(vec![], sp(base)),
        endpoint_locations: Vec::new(),
        delegations: Field::implicit(vec![], sp(base)),
        inline: false,
    }
}

/// A Standard static IPv4 public IP with a DNS label: decl at `base`, sku +1, allocation +2,
/// version +3, label +4.
pub fn pip(name: &str, base: usize) -> PublicIp {
    PublicIp {
        meta: meta("Microsoft.Network/publicIPAddresses", name, base),
        location: None,
        sku: Field::known("Standard".into(), sp(base + 1)),
        tier: None,
        allocation: Some(Field::known("Static".into(), sp(base + 2))),
        version: None,
        dns_label: Some(Field::known(name.into(), sp(base + 4))),
        zones: None,
        ip_tags: None,
    }
}

pub fn nsg_id(name: &str) -> String {
    format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/{name}")
}
pub fn rt_id(name: &str) -> String {
    format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/routeTables/{name}")
}

/// An NSG `name` with no custom rules (only Azure's defaults): decl at `base`.
pub fn nsg(name: &str, base: usize) -> Nsg {
    Nsg {
        meta: meta("Microsoft.Network/networkSecurityGroups", name, base),
        location: None,
        rules: Vec::new(),
        rules_unknown: None,
    }
}

/// A route table `name` sending 0.0.0.0/0 to a virtual appliance: decl at `base`, route +1.
pub fn forced_tunnel(name: &str, base: usize) -> RouteTable {
    RouteTable {
        meta: meta("Microsoft.Network/routeTables", name, base),
        location: None,
        routes: vec![Route {
            name: "default".into(),
            decl: Span::new(FileId(0), base + 1, base + 2),
            prefix: Field::known("0.0.0.0/0".into(), sp(base + 1)),
            next_hop: Field::known("VirtualAppliance".into(), sp(base + 1)),
            next_hop_ip: Some(Field::known("10.1.0.4".into(), sp(base + 1))),
            deployed: None,
            prefix_shape: None,
        }],
        routes_unknown: None,
        disable_bgp: None,
    }
}

pub fn ws(apims: Vec<Apim>, subnets: Vec<Subnet>, pips: Vec<PublicIp>) -> Workspace {
    let mut ws = Workspace::default();
    ws.apims = apims;
    ws.subnets = subnets;
    ws.public_ips = pips;
    ws.link();
    ws
}

/// One instance (decl 100) in subnet `vnet/apim` (decl 10, a /27) using the public IP `p`,
/// referenced at 107.
pub fn instance_with_pip(sku: &str, mode: &str, p: PublicIp) -> Workspace {
    let mut a = apim("a", sku, mode, 1, 100);
    a.locations[0].public_ip = Some(Field::known(pip_id(&p.meta.name), sp(107)));
    ws(
        vec![a],
        vec![subnet("vnet", "apim", &["10.0.0.0/27"], 10)],
        vec![p],
    )
}

pub fn run_with(code: Code, ws: &Workspace, opts: &Options) -> Vec<Diagnostic> {
    let rule = super::rule(code);
    let plan = Plan::all(ws);
    let ctxs = plan.ctxs(opts);
    run_rule(&plan, &ctxs, rule, rule.check.expect("rule with a check"))
        .into_iter()
        .map(|(d, _)| d)
        .collect()
}

pub fn run(code: Code, ws: &Workspace) -> Vec<Diagnostic> {
    run_with(code, ws, &Options::default())
}

/// (code, span start) of every diagnostic.
pub fn at(diags: &[Diagnostic]) -> Vec<(Code, Option<usize>)> {
    diags.iter().map(|d| (d.code, line(d))).collect()
}

/// One Premium External instance (decl 100) in subnet `vnet/apim` (10.0.0.0/27, decl 10) whose
/// NSG `nsg` (decl 300) has these custom rules.
pub fn with_nsg_rules(rules: Vec<SecurityRule>) -> Workspace {
    let mut s = subnet("vnet", "apim", &["10.0.0.0/27"], 10);
    s.nsg = Some(Field::known(nsg_id("nsg"), sp(13)));
    let mut n = nsg("nsg", 300);
    n.rules = rules;
    let mut w = ws(
        vec![apim("a", "Premium", "External", 1, 100)],
        vec![s],
        vec![],
    );
    w.nsgs.push(n);
    w.link();
    w
}
