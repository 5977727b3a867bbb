//! The format-neutral workspace model: every resource of the run that matters to stv2, keyed by
//! Azure identity, each field known (with its span) or unknown (with the reason).
//!
//! Front ends push resources and associations into a [`Workspace`]; [`Workspace::link`] merges
//! duplicates (a subnet declared inline and as a child, a rule declared apart from its NSG) and
//! applies associations. Rules only ever read the linked model.

pub mod arm_body;
pub mod ident;
pub mod value;

pub use ident::ResKey;
pub use value::{placeholder, Cond, Key, Unknown, VKind, V};

use crate::diagnostic::Diagnostic;
use crate::source::{SourceMap, Span};
use std::collections::HashMap;

/// A model field: a value that is known, or unknown with a reason; and where it came from.
#[derive(Clone, Debug)]
pub struct Field<T> {
    pub val: Result<T, String>,
    /// Where a person edits this value (the property or attribute).
    pub at: Option<Span>,
    /// Where the literal was written when that is elsewhere (parameter file, variable, default).
    pub origin: Option<Span>,
    /// The value is a default: it is not written in the code at all.
    pub implicit: bool,
    /// When `val` is unknown but the code says what it can be (a conditional whose predicate is
    /// unknown, a parameter's allowed values, a Terraform `validation`): every possible value,
    /// each with the choices that lead to it. Empty for a known value or a plain unknown.
    /// Rules that do not read it see an unknown, which is always safe.
    pub alts: Vec<Alt<T>>,
}

/// One possible value of a field, and the choices that lead to it.
#[derive(Clone, Debug)]
pub struct Alt<T> {
    pub val: T,
    pub when: Cond,
    pub at: Option<Span>,
}

impl<T> Field<T> {
    pub fn known(v: T, at: Option<Span>) -> Field<T> {
        Field {
            val: Ok(v),
            at,
            origin: None,
            implicit: false,
            alts: Vec::new(),
        }
    }
    pub fn unknown(reason: impl Into<String>, at: Option<Span>) -> Field<T> {
        Field {
            val: Err(reason.into()),
            at,
            origin: None,
            implicit: false,
            alts: Vec::new(),
        }
    }
    /// A default value that the code does not spell out; `at` is where to add it.
    pub fn implicit(v: T, at: Option<Span>) -> Field<T> {
        Field {
            val: Ok(v),
            at,
            origin: None,
            implicit: true,
            alts: Vec::new(),
        }
    }
    pub fn with_origin(mut self, origin: Option<Span>) -> Field<T> {
        if origin != self.at {
            self.origin = origin;
        }
        self
    }
    pub fn get(&self) -> Option<&T> {
        self.val.as_ref().ok()
    }
    /// The same field with `fix` applied to the known value and to every alternative; an
    /// `Err` from `fix` makes the value unknown (or drops the alternative).
    pub fn check_with(mut self, fix: impl Fn(&T) -> Result<(), String>) -> Field<T> {
        if let Ok(v) = &self.val {
            if let Err(reason) = fix(v) {
                self.val = Err(reason);
                self.implicit = false;
            }
        }
        self.alts.retain(|a| fix(&a.val).is_ok());
        self
    }
    pub fn map<U>(self, f: impl Fn(T) -> U) -> Field<U> {
        Field {
            val: self.val.map(&f),
            at: self.at,
            origin: self.origin,
            implicit: self.implicit,
            alts: self
                .alts
                .into_iter()
                .map(|a| Alt {
                    val: f(a.val),
                    when: a.when,
                    at: a.at,
                })
                .collect(),
        }
    }
}

impl Field<String> {
    /// A string field from an evaluated value: strings are known, everything else unknown.
    pub fn string(v: &V) -> Field<String> {
        let f = match &v.kind {
            VKind::Str(s) => Field::known(s.to_string(), v.span),
            VKind::Int(i) => Field::known(i.to_string(), v.span),
            VKind::Bool(b) => Field::known(b.to_string(), v.span),
            VKind::Unknown(u) => Field::unknown(u.reason.to_string(), v.span),
            VKind::Null => Field::unknown("the value is null", v.span),
            _ => Field::unknown(format!("expected a string, found {}", v.show()), v.span),
        };
        f.with_origin(v.origin)
    }
    /// Like [`Field::string`] but a stable symbolic unknown counts as a known name.
    pub fn name(v: &V) -> Field<String> {
        match v.as_name() {
            Some(s) => Field::known(s.to_string(), v.span).with_origin(v.origin),
            None => Field::string(v),
        }
    }
}

impl Field<i64> {
    pub fn int(v: &V) -> Field<i64> {
        let f = match (&v.kind, v.as_i64()) {
            (_, Some(i)) => Field::known(i, v.span),
            (VKind::Unknown(u), _) => Field::unknown(u.reason.to_string(), v.span),
            _ => Field::unknown(format!("expected a number, found {}", v.show()), v.span),
        };
        f.with_origin(v.origin)
    }
}

impl Field<Vec<String>> {
    /// A list of strings; a single string counts as a one-element list.
    pub fn strings(v: &V) -> Field<Vec<String>> {
        let f = match &v.kind {
            VKind::Arr(items) => {
                let mut out = Vec::new();
                for it in items {
                    match &it.kind {
                        VKind::Str(s) => out.push(s.to_string()),
                        VKind::Int(i) => out.push(i.to_string()),
                        VKind::Unknown(u) => {
                            return Field::unknown(u.reason.to_string(), it.span.or(v.span))
                                .with_origin(it.origin)
                        }
                        _ => {
                            return Field::unknown(
                                format!("expected a string, found {}", it.show()),
                                it.span.or(v.span),
                            )
                        }
                    }
                }
                Field::known(out, v.span)
            }
            VKind::Str(s) => Field::known(vec![s.to_string()], v.span),
            VKind::Null => Field::known(vec![], v.span),
            VKind::Unknown(u) => Field::unknown(u.reason.to_string(), v.span),
            _ => Field::unknown(format!("expected a list, found {}", v.show()), v.span),
        };
        f.with_origin(v.origin)
    }
}

/// The `customProperties` key Azure sets for a same-subnet stv1 → stv2 migration.
pub const MIGRATION_IPS_PROPERTY: &str =
    "Microsoft.WindowsAzure.ApiManagement.Stv2MigrationPreCreatedIps";

/// Which source language a resource was declared in; renderers and messages use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Arm,
    Bicep,
    Terraform,
}

/// What every model resource has: its identity, how to name it to a user, and where it is.
#[derive(Clone, Debug)]
pub struct Meta {
    pub key: ResKey,
    /// How the code names it: `azurerm_subnet.apim`, `Microsoft.Network/virtualNetworks/subnets 'vnet/apim'`, `nsg` (Bicep symbol).
    pub label: String,
    /// The Azure resource name (last segment), for messages.
    pub name: String,
    /// The whole declaration (resource block, object).
    pub decl: Span,
    pub format: Format,
    /// Suppressions declared in the resource itself (ARM `metadata."stv2lint-ignore"`): code → reason.
    pub suppress: Vec<(String, String, Span)>,
}

#[derive(Clone, Debug)]
pub struct Apim {
    pub meta: Meta,
    /// API version of the resource type (ARM/Bicep/AzAPI); `None` for azurerm (always stv2).
    pub api_version: Option<Field<String>>,
    pub sku: Field<String>,
    /// `None`, `External` or `Internal`; the default `None` is implicit.
    pub vnet_type: Field<String>,
    /// Primary location first, then `additionalLocations` in order.
    pub locations: Vec<ApimLocation>,
    /// Set when `additionalLocations` cannot be known.
    pub locations_unknown: Option<(String, Option<Span>)>,
    /// `customProperties` contains the stv2 migration pre-created IP key.
    pub migration_ips: bool,
}

#[derive(Clone, Debug)]
pub struct ApimLocation {
    pub primary: bool,
    pub location: Field<String>,
    pub capacity: Field<i64>,
    /// Absent means no explicit zones.
    pub zones: Option<Field<Vec<String>>>,
    pub subnet: Option<Field<String>>,
    pub public_ip: Option<Field<String>>,
    /// The location's declaration (the resource, or the `additionalLocations` entry).
    pub decl: Span,
}

#[derive(Clone, Debug)]
pub struct Subnet {
    pub meta: Meta,
    /// The virtual network's name, for messages.
    pub vnet: String,
    pub prefixes: Field<Vec<String>>,
    pub nsg: Option<Field<String>>,
    pub route_table: Option<Field<String>>,
    pub service_endpoints: Field<Vec<String>>,
    /// Service names of the delegations (`Microsoft.Web/serverFarms`).
    pub delegations: Field<Vec<String>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Inbound,
    Outbound,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Allow,
    Deny,
}

#[derive(Clone, Debug)]
pub struct SecurityRule {
    pub name: String,
    /// The rule's declaration: where a person edits it.
    pub decl: Span,
    pub priority: Field<i64>,
    pub direction: Field<Direction>,
    pub access: Field<Access>,
    /// `Tcp`, `Udp`, `Icmp`, `Esp`, `Ah`, `*` as written.
    pub protocol: Field<String>,
    /// Union of the singular and plural fields; application security groups as `asg:<id>`.
    pub source_addresses: Field<Vec<String>>,
    pub source_ports: Field<Vec<String>>,
    pub destination_addresses: Field<Vec<String>>,
    pub destination_ports: Field<Vec<String>>,
}

#[derive(Clone, Debug)]
pub struct Nsg {
    pub meta: Meta,
    pub rules: Vec<SecurityRule>,
    /// Set when the rule list itself cannot be known (an unknown array, a registry module).
    pub rules_unknown: Option<(String, Option<Span>)>,
}

#[derive(Clone, Debug)]
pub struct Route {
    pub name: String,
    pub decl: Span,
    /// CIDR or service tag.
    pub prefix: Field<String>,
    pub next_hop: Field<String>,
    pub next_hop_ip: Option<Field<String>>,
}

#[derive(Clone, Debug)]
pub struct RouteTable {
    pub meta: Meta,
    pub routes: Vec<Route>,
    pub routes_unknown: Option<(String, Option<Span>)>,
}

#[derive(Clone, Debug)]
pub struct PublicIp {
    pub meta: Meta,
    /// `Basic`, `Standard`, `StandardV2`; implicit when the code relies on the default.
    pub sku: Field<String>,
    pub tier: Option<Field<String>>,
    /// `Static` or `Dynamic`; `None` when not written and no default can be assumed.
    pub allocation: Option<Field<String>>,
    /// `IPv4` or `IPv6` (absent = IPv4).
    pub version: Option<Field<String>>,
    pub dns_label: Option<Field<String>>,
    pub zones: Option<Field<Vec<String>>>,
}

/// An association made by a separate resource (Terraform `*_association`, `azapi_update_resource`).
#[derive(Clone, Debug)]
pub struct Association {
    pub subnet: Field<String>,
    pub target: Field<String>,
    pub kind: AssocKind,
    pub decl: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssocKind {
    Nsg,
    RouteTable,
}

/// A security rule or route declared as its own resource, merged into its parent at link time.
#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Child {
    Rule(ResKey, SecurityRule),
    Route(ResKey, Route),
}

/// A module call that evidently deploys API Management (its source names it, or its inputs are
/// APIM-only arguments such as `publisher_email`) but whose source is not part of the run.
#[derive(Clone, Debug)]
pub struct UnloadedApim {
    /// The module as the code names it (`Azure/avm-res-apimanagement-service/azurerm`).
    pub module: String,
    /// Why it is not loaded: `registry module`, `git source`, `br: registry module`, ….
    pub why: String,
    /// The module call: where a person looks.
    pub at: Span,
    /// How the code names the call (`module.apim`).
    pub label: String,
}

/// Whether a module reference names API Management: `api-management`, `apimanagement`,
/// `api_management`, or `apim` as a word (`avm/res/api-management/service`, `modules/apim`).
pub fn names_apim(source: &str) -> bool {
    let t = source.to_ascii_lowercase();
    t.contains("api-management")
        || t.contains("apimanagement")
        || t.contains("api_management")
        || t.split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| w == "apim")
}

/// Whether a module input is one only an API Management instance takes (`publisher_email`,
/// `publisherEmail`, `publisher_name`): a module fed these deploys an instance.
pub fn apim_only_input(name: &str) -> bool {
    let n: String = name
        .chars()
        .filter(|c| *c != '_')
        .collect::<String>()
        .to_ascii_lowercase();
    n == "publisheremail" || n == "publishername"
}

/// Every resource of the run.
#[derive(Default)]
pub struct Workspace {
    pub sources: SourceMap,
    pub apims: Vec<Apim>,
    pub subnets: Vec<Subnet>,
    pub nsgs: Vec<Nsg>,
    pub route_tables: Vec<RouteTable>,
    pub public_ips: Vec<PublicIp>,
    pub associations: Vec<Association>,
    pub children: Vec<Child>,
    /// API Management instances inside modules that are not loaded (registry, git, `br:`,
    /// an ARM `templateLink` outside the run): counted and named, never checked.
    pub unloaded_apims: Vec<UnloadedApim>,
    /// Diagnostics produced while loading (STV001 parse errors, STV002 from front ends, …).
    pub diagnostics: Vec<Diagnostic>,
    /// Unsaved editor buffers by canonical path, read instead of the disk.
    pub overlay: HashMap<std::path::PathBuf, String>,
    index: HashMap<IndexKey, Vec<(Kind, usize)>>,
}

/// Type and name path: resources that may be the same one (scope compared after lookup).
type IndexKey = (String, Vec<String>);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Subnet,
    Nsg,
    RouteTable,
    PublicIp,
}

impl Workspace {
    /// Merge duplicates, fold children and associations into their parents, and build the index.
    /// Safe to call more than once.
    pub fn link(&mut self) {
        self.drop_placeholders();
        self.subnets = merge_by_key(std::mem::take(&mut self.subnets), |a, b| {
            // Two declarations of one subnet (inline and child, or two deployments): keep the
            // first, fill what it leaves out from the second.
            // An unknown is filled by the other declaration's known value: the code says it
            // there, and the re-declaration is what is deployed last.
            let take = |a: &Option<Field<String>>, b: &Option<Field<String>>| match a {
                None => true,
                Some(f) => f.val.is_err() && b.as_ref().is_some_and(|g| g.val.is_ok()),
            };
            if take(&a.nsg, &b.nsg) {
                a.nsg = b.nsg;
            }
            if take(&a.route_table, &b.route_table) {
                a.route_table = b.route_table;
            }
            if a.service_endpoints.get().is_some_and(|v| v.is_empty())
                || (a.service_endpoints.val.is_err() && b.service_endpoints.val.is_ok())
            {
                a.service_endpoints = b.service_endpoints;
            }
            if a.delegations.get().is_some_and(|v| v.is_empty())
                || (a.delegations.val.is_err() && b.delegations.val.is_ok())
            {
                a.delegations = b.delegations;
            }
            if a.prefixes.val.is_err() && b.prefixes.val.is_ok() {
                a.prefixes = b.prefixes;
            }
        });
        self.nsgs = merge_by_key(std::mem::take(&mut self.nsgs), |a, b| {
            for r in b.rules {
                if !a.rules.iter().any(|x| x.name.eq_ignore_ascii_case(&r.name)) {
                    a.rules.push(r);
                }
            }
            if a.rules_unknown.is_none() {
                a.rules_unknown = b.rules_unknown;
            }
        });
        self.route_tables = merge_by_key(std::mem::take(&mut self.route_tables), |a, b| {
            for r in b.routes {
                if !a
                    .routes
                    .iter()
                    .any(|x| x.name.eq_ignore_ascii_case(&r.name))
                {
                    a.routes.push(r);
                }
            }
        });
        self.public_ips = merge_by_key(std::mem::take(&mut self.public_ips), |_, _| {});
        self.rebuild_index();

        for child in std::mem::take(&mut self.children) {
            match child {
                Child::Rule(parent, rule) => {
                    if let Some(i) = self.find(Kind::Nsg, &parent) {
                        let nsg = &mut self.nsgs[i];
                        nsg.rules
                            .retain(|r| !r.name.eq_ignore_ascii_case(&rule.name));
                        nsg.rules.push(rule);
                    }
                }
                Child::Route(parent, route) => {
                    if let Some(i) = self.find(Kind::RouteTable, &parent) {
                        let rt = &mut self.route_tables[i];
                        rt.routes
                            .retain(|r| !r.name.eq_ignore_ascii_case(&route.name));
                        rt.routes.push(route);
                    }
                }
            }
        }
        for assoc in std::mem::take(&mut self.associations) {
            let Some(id) = assoc.subnet.get() else {
                continue;
            };
            let Some(key) = ResKey::from_id(id) else {
                continue;
            };
            if let Some(i) = self.find(Kind::Subnet, &key) {
                let s = &mut self.subnets[i];
                let target = Some(assoc.target.clone());
                match assoc.kind {
                    AssocKind::Nsg => s.nsg = target,
                    AssocKind::RouteTable => s.route_table = target,
                }
            }
        }
    }

    /// Placeholders are not values (an empty string, azd `${VAR}`, `<your-…>`): where a tier, a
    /// mode, a region or a reference is expected they become unknown with the reason, once for
    /// every front end, so no rule ever reads "the  tier" or links to a resource named `${X}`.
    fn drop_placeholders(&mut self) {
        fn clean(f: Field<String>, what: &str) -> Field<String> {
            f.check_with(|s| match placeholder(s) {
                Some(why) => Err(format!("{why}, not {what}")),
                None => Ok(()),
            })
        }
        fn clean_opt(f: &mut Option<Field<String>>, what: &str) {
            if let Some(x) = f.take() {
                *f = Some(clean(x, what));
            }
        }
        for a in &mut self.apims {
            a.sku = clean(
                std::mem::replace(&mut a.sku, Field::unknown("", None)),
                "a tier",
            );
            a.vnet_type = clean(
                std::mem::replace(&mut a.vnet_type, Field::unknown("", None)),
                "a virtual network type",
            );
            if placeholder(&a.meta.name).is_some() {
                a.meta.name = a.meta.label.clone();
            }
            for l in &mut a.locations {
                l.location = clean(
                    std::mem::replace(&mut l.location, Field::unknown("", None)),
                    "a region",
                );
                clean_opt(&mut l.subnet, "a subnet id");
                clean_opt(&mut l.public_ip, "a public IP address id");
            }
        }
        for s in &mut self.subnets {
            clean_opt(&mut s.nsg, "a network security group id");
            clean_opt(&mut s.route_table, "a route table id");
        }
        for p in &mut self.public_ips {
            p.sku = clean(
                std::mem::replace(&mut p.sku, Field::unknown("", None)),
                "a SKU",
            );
            clean_opt(&mut p.allocation, "an allocation method");
        }
    }

    fn rebuild_index(&mut self) {
        self.index.clear();
        let mut add = |k: &ResKey, kind: Kind, i: usize| {
            self.index
                .entry((k.rtype.clone(), k.names.clone()))
                .or_default()
                .push((kind, i));
        };
        for (i, r) in self.subnets.iter().enumerate() {
            add(&r.meta.key, Kind::Subnet, i);
        }
        for (i, r) in self.nsgs.iter().enumerate() {
            add(&r.meta.key, Kind::Nsg, i);
        }
        for (i, r) in self.route_tables.iter().enumerate() {
            add(&r.meta.key, Kind::RouteTable, i);
        }
        for (i, r) in self.public_ips.iter().enumerate() {
            add(&r.meta.key, Kind::PublicIp, i);
        }
    }

    fn find(&self, kind: Kind, key: &ResKey) -> Option<usize> {
        let hits = self.index.get(&(key.rtype.clone(), key.names.clone()))?;
        hits.iter()
            .filter(|(k, _)| *k == kind)
            .find(|(_, i)| {
                let other = match kind {
                    Kind::Subnet => &self.subnets[*i].meta.key,
                    Kind::Nsg => &self.nsgs[*i].meta.key,
                    Kind::RouteTable => &self.route_tables[*i].meta.key,
                    Kind::PublicIp => &self.public_ips[*i].meta.key,
                };
                other.same_scope(key)
            })
            .map(|(_, i)| *i)
    }

    /// Resolve a subnet reference (a resource id) to the declared subnet.
    pub fn subnet(&self, id: &str) -> Option<&Subnet> {
        let key = ResKey::from_id(id)?;
        self.find(Kind::Subnet, &key).map(|i| &self.subnets[i])
    }
    pub fn nsg(&self, id: &str) -> Option<&Nsg> {
        let key = ResKey::from_id(id)?;
        self.find(Kind::Nsg, &key).map(|i| &self.nsgs[i])
    }
    pub fn route_table(&self, id: &str) -> Option<&RouteTable> {
        let key = ResKey::from_id(id)?;
        self.find(Kind::RouteTable, &key)
            .map(|i| &self.route_tables[i])
    }
    pub fn public_ip(&self, id: &str) -> Option<&PublicIp> {
        let key = ResKey::from_id(id)?;
        self.find(Kind::PublicIp, &key).map(|i| &self.public_ips[i])
    }
}

trait HasMeta {
    fn meta(&self) -> &Meta;
}
macro_rules! has_meta {
    ($($t:ty),*) => { $(impl HasMeta for $t { fn meta(&self) -> &Meta { &self.meta } })* };
}
has_meta!(Subnet, Nsg, RouteTable, PublicIp);

/// Fold resources with the same identity into the first one declared.
fn merge_by_key<T: HasMeta>(items: Vec<T>, mut merge: impl FnMut(&mut T, T)) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    let mut seen: HashMap<IndexKey, Vec<usize>> = HashMap::new();
    for it in items {
        let k = (it.meta().key.rtype.clone(), it.meta().key.names.clone());
        let slot = seen.entry(k).or_default();
        if let Some(&i) = slot
            .iter()
            .find(|&&i| out[i].meta().key.same_scope(&it.meta().key))
        {
            merge(&mut out[i], it);
        } else {
            slot.push(out.len());
            out.push(it);
        }
    }
    out
}

#[cfg(test)]
mod placeholder_tests {
    use super::*;

    #[test]
    fn placeholders_are_not_values() {
        assert!(placeholder("").is_some());
        assert!(placeholder("  ").is_some());
        assert!(placeholder("${APIM_SKU}").unwrap().contains("APIM_SKU"));
        assert!(placeholder("<your-apim-name>").is_some());
        assert!(placeholder("<...>").is_some());
        for real in [
            "Premium",
            "Developer",
            "apim-${suffix}-x",
            "a<b",
            "${a}-${b}",
            "${var.config.name}",
        ] {
            assert_eq!(placeholder(real), None, "{real}");
        }
    }

    #[test]
    fn a_placeholder_tier_is_unknown_with_the_reason_and_alternatives_drop_it() {
        let mut ws = Workspace::default();
        let mut sku: Field<String> = Field::known("${APIM_SKU}".into(), None);
        sku.alts = vec![];
        let mut mode: Field<String> = Field::unknown("x", None);
        mode.alts = vec![
            Alt {
                val: "".into(),
                when: Cond::one("c", "true"),
                at: None,
            },
            Alt {
                val: "Internal".into(),
                when: Cond::one("c", "false"),
                at: None,
            },
        ];
        let decl = crate::source::Span::new(crate::source::FileId(0), 0, 1);
        ws.apims.push(Apim {
            meta: Meta {
                key: ResKey::new("Microsoft.ApiManagement/service", "", None),
                label: "apim".into(),
                name: "".into(),
                decl,
                format: Format::Bicep,
                suppress: vec![],
            },
            api_version: None,
            sku,
            vnet_type: mode,
            locations: vec![],
            locations_unknown: None,
            migration_ips: false,
        });
        ws.link();
        let a = &ws.apims[0];
        let why = a.sku.val.as_ref().unwrap_err();
        assert!(
            why.contains("APIM_SKU") && why.ends_with("not a tier"),
            "{why}"
        );
        assert_eq!(a.vnet_type.alts.len(), 1);
        assert_eq!(a.meta.name, "apim");
    }
}
