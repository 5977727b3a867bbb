//! The format-neutral workspace model: every resource of the run that matters to stv2, keyed by
//! Azure identity, each field known (with its span) or unknown (with the reason).
//!
//! Front ends push resources and associations into a [`Workspace`]; [`Workspace::link`] merges
//! duplicates (a subnet declared inline and as a child, a rule declared apart from its NSG) and
//! applies associations. Rules only ever read the linked model.

pub mod arm_body;
pub mod ident;
mod read;
pub mod resource_id;
pub mod value;

pub use ident::ResKey;
pub use resource_id::{IdScope, ResourceId};
pub use value::{placeholder, Cond, Key, Shape, Shared, TextBuilder, Unknown, VKind, V};

use crate::diagnostic::Diagnostic;
use crate::source::{SourceMap, Span};
use std::collections::{HashMap, HashSet};

/// A model field: a value that is known, or unknown with a reason; and where it came from.
#[derive(Clone, Debug)]
pub struct Field<T> {
    pub val: Result<T, String>,
    /// Where a person edits this value (the property or attribute).
    pub at: Option<Span>,
    /// What few fields have, boxed so that the rest stay small: a model holds millions of
    /// fields in a large repository ([`Field::origin`], [`Field::alts`],
    /// [`Field::is_implicit`]; a flag here would add a word to every field).
    more: Option<Box<More<T>>>,
}

/// The rare parts of a [`Field`].
#[derive(Clone, Debug)]
struct More<T> {
    origin: Option<Span>,
    alts: Vec<Alt<T>>,
    /// The value is a default: it is not written in the code at all.
    implicit: bool,
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
            more: None,
        }
    }
    pub fn unknown(reason: impl Into<String>, at: Option<Span>) -> Field<T> {
        Field {
            val: Err(reason.into()),
            at,
            more: None,
        }
    }
    /// A default value that the code does not spell out; `at` is where to add it.
    pub fn implicit(v: T, at: Option<Span>) -> Field<T> {
        let mut f = Field::known(v, at);
        f.set_implicit(true);
        f
    }
    /// The value is a default: it is not written in the code at all.
    pub fn is_implicit(&self) -> bool {
        self.more.as_ref().is_some_and(|m| m.implicit)
    }
    pub fn set_implicit(&mut self, implicit: bool) {
        if implicit || self.more.is_some() {
            self.more_mut().implicit = implicit;
        }
    }
    /// Where the literal was written when that is elsewhere (parameter file, variable,
    /// default).
    pub fn origin(&self) -> Option<Span> {
        self.more.as_ref().and_then(|m| m.origin)
    }
    pub fn set_origin(&mut self, origin: Option<Span>) {
        if origin.is_some() || self.more.is_some() {
            self.more_mut().origin = origin;
        }
    }
    pub fn with_origin(mut self, origin: Option<Span>) -> Field<T> {
        if origin != self.at {
            self.set_origin(origin);
        }
        self
    }
    /// When `val` is unknown but the code says what it can be (a conditional whose predicate
    /// is unknown, a parameter's allowed values, a Terraform `validation`): every possible
    /// value, each with the choices that lead to it. Empty for a known value or a plain
    /// unknown. Rules that do not read it see an unknown, which is always safe.
    pub fn alts(&self) -> &[Alt<T>] {
        self.more.as_ref().map_or(&[], |m| &m.alts)
    }
    pub fn alts_mut(&mut self) -> &mut Vec<Alt<T>> {
        &mut self.more_mut().alts
    }
    pub fn with_alts(mut self, alts: Vec<Alt<T>>) -> Field<T> {
        if !alts.is_empty() || self.more.is_some() {
            self.more_mut().alts = alts;
        }
        self
    }
    fn more_mut(&mut self) -> &mut More<T> {
        self.more.get_or_insert_with(|| {
            Box::new(More {
                origin: None,
                alts: Vec::new(),
                implicit: false,
            })
        })
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
                self.set_implicit(false);
            }
        }
        if let Some(m) = &mut self.more {
            m.alts.retain(|a| fix(&a.val).is_ok());
        }
        self
    }
    pub fn map<U>(self, f: impl Fn(T) -> U) -> Field<U> {
        Field {
            val: self.val.map(&f),
            at: self.at,
            more: self.more.map(|m| {
                Box::new(More {
                    origin: m.origin,
                    implicit: m.implicit,
                    alts: m
                        .alts
                        .into_iter()
                        .map(|a| Alt {
                            val: f(a.val),
                            when: a.when,
                            at: a.at,
                        })
                        .collect(),
                })
            }),
        }
    }
}

/// A field from a value with alternatives: each alternative converted by `conv`, with its
/// choices and where it is written; `None` when `v` has none or one does not convert (then the
/// field is a plain unknown). The field's own value is unknown and says what it can be.
fn alternatives<T>(v: &V, conv: impl Fn(&V) -> Field<T>) -> Option<Field<T>> {
    alternatives_shown(v, conv, |av, _| av.show())
}

/// [`alternatives`], each alternative named in the reason by `show` (its value as written, and
/// as converted).
fn alternatives_shown<T>(
    v: &V,
    conv: impl Fn(&V) -> Field<T>,
    show: impl Fn(&V, &T) -> String,
) -> Option<Field<T>> {
    let list = v.alts()?;
    let mut alts = Vec::with_capacity(list.len());
    let mut shown: Vec<String> = Vec::new();
    let mut choices: Vec<&str> = Vec::new();
    for (when, av) in list.iter() {
        let val = conv(av).val.ok()?;
        let s = show(av, &val);
        if !shown.contains(&s) {
            shown.push(s);
        }
        for (c, _) in &when.0 {
            if !choices.contains(&&**c) {
                choices.push(c);
            }
        }
        alts.push(Alt {
            val,
            when: when.clone(),
            at: av.span.or(v.span),
        });
    }
    let reason = format!(
        "one of {} (depends on {})",
        shown.join(", "),
        choices.join(", ")
    );
    Some(
        Field::unknown(reason, v.span)
            .with_origin(v.origin)
            .with_alts(alts),
    )
}

impl Field<String> {
    /// A string field from an evaluated value: strings are known, everything else unknown
    /// (with its alternatives when the code says what it can be).
    pub fn string(v: &V) -> Field<String> {
        if let Some(f) = alternatives(v, Field::string) {
            return f;
        }
        let f = match &v.kind {
            VKind::Str(s) => Field::known(String::from(&**s), v.span),
            VKind::Int(i) => Field::known(i.to_string(), v.span),
            VKind::Bool(b) => Field::known(b.to_string(), v.span),
            VKind::Unknown(u) => Field::unknown(String::from(&*u.reason), v.span),
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

/// The alternative of a reference that sets none (`cond ? { id: nsg.id } : null`): that choice
/// leaves the subnet without a network security group or route table. Never a resource id.
pub const NO_LINK: &str = "(none)";

impl Field<String> {
    /// A reference that may be null, with its alternatives: each a `{ id: … }` object, an id, or
    /// null ([`NO_LINK`]). Without alternatives it is the id as [`Field::name`] reads it.
    pub fn link(v: &V) -> Field<String> {
        fn one(v: &V) -> Field<String> {
            match &v.kind {
                VKind::Null => Field::known(NO_LINK.to_string(), v.span),
                VKind::Obj(_) => match v.get("id") {
                    Some(id) if !matches!(id.kind, VKind::Null) => Field::name(id),
                    _ => Field::known(NO_LINK.to_string(), v.span),
                },
                _ => Field::name(v),
            }
        }
        // Each branch is named by what it references (an id, or none), not the object written.
        let show = |_: &V, id: &String| {
            if id == NO_LINK {
                "none".to_string()
            } else {
                format!("'{id}'")
            }
        };
        alternatives_shown(v, one, show).unwrap_or_else(|| one(v))
    }
}

impl Field<i64> {
    pub fn int(v: &V) -> Field<i64> {
        if let Some(f) = alternatives(v, Field::int) {
            return f;
        }
        let f = match (&v.kind, v.as_i64()) {
            (_, Some(i)) => Field::known(i, v.span),
            (VKind::Unknown(u), _) => Field::unknown(String::from(&*u.reason), v.span),
            _ => Field::unknown(format!("expected a number, found {}", v.show()), v.span),
        };
        f.with_origin(v.origin)
    }
}

impl Field<Vec<String>> {
    /// A list of strings; a single string counts as a one-element list.
    pub fn strings(v: &V) -> Field<Vec<String>> {
        if let Some(f) = alternatives(v, Field::strings) {
            return f;
        }
        let f = match &v.kind {
            VKind::Arr(items) => {
                let mut out = Vec::new();
                for it in items {
                    match &it.kind {
                        VKind::Str(s) => out.push(String::from(&**s)),
                        VKind::Int(i) => out.push(i.to_string()),
                        VKind::Unknown(u) => {
                            return Field::unknown(String::from(&*u.reason), it.span.or(v.span))
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
            VKind::Str(s) => Field::known(vec![String::from(&**s)], v.span),
            VKind::Null => Field::known(vec![], v.span),
            VKind::Unknown(u) => Field::unknown(String::from(&*u.reason), v.span),
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
    /// The deployment that declares it; front ends leave the default, the workspace stamps it.
    pub unit: UnitId,
}

/// A deployment unit of the run: a Terraform root module with the module instances it calls,
/// a Bicep entry file (or `.bicepparam`) with its modules, an ARM template with one parameter
/// file. Resources of one unit are one deployment; two units that declare the same resource
/// are checked each with its own declaration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnitId(pub u32);

impl UnitId {
    /// Outside any unit: resources built by hand (tests, the language server's probes).
    pub const NONE: UnitId = UnitId(0);
}

#[derive(Clone, Debug)]
pub struct Unit {
    /// How a user names the deployment: the root directory, the entry file, the parameter file.
    pub name: String,
    /// The parameter file that makes this unit one stage of its template (ARM/Bicep).
    pub stage: Option<String>,
    /// Units that deploy the same template (its stages) share a group.
    pub group: String,
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
    /// Features that need optional outbound flows (REQUIREMENTS.md §2.K).
    pub features: ApimFeatures,
    /// `properties.platformVersion` as written (read-only in Azure; exported templates carry it).
    pub platform_version: Option<Field<String>>,
    /// `Enabled` or `Disabled` (`properties.publicNetworkAccess`; azurerm
    /// `public_network_access_enabled` in the same words); `None` when not written.
    pub public_network_access: Option<Field<String>>,
}

/// What an instance uses that makes an optional flow needed (R-FEAT-1..3), each with where it
/// is declared (the first one seen). Filled from the instance and its child resources.
#[derive(Clone, Debug, Default)]
pub struct ApimFeatures {
    /// An Event Hub logger: needs EventHub (F14).
    pub eventhub_logger: Option<Span>,
    /// A Key Vault reference (named value, certificate, custom domain): needs Entra ID (F12).
    pub key_vault_ref: Option<Span>,
    /// An Entra ID or Entra ID B2C identity provider: needs Entra ID (F12).
    pub entra_idp: Option<Span>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feature {
    EventHubLogger,
    KeyVaultRef,
    EntraIdp,
}

impl ApimFeatures {
    /// Record a feature (the first declaration wins).
    pub fn add(&mut self, f: Feature, at: Span) {
        let slot = match f {
            Feature::EventHubLogger => &mut self.eventhub_logger,
            Feature::KeyVaultRef => &mut self.key_vault_ref,
            Feature::EntraIdp => &mut self.entra_idp,
        };
        slot.get_or_insert(at);
    }
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
    /// Endpoints limited to some regions (`locations` known, without `*`): the service name as
    /// written and the regions. The endpoint's routes cover only those regions' prefixes.
    pub endpoint_locations: Vec<(String, Vec<String>)>,
    /// Service names of the delegations (`Microsoft.Web/serverFarms`).
    pub delegations: Field<Vec<String>>,
    /// Declared in its virtual network's `subnets` list (ARM, Bicep) rather than as a
    /// resource of its own: a resource of its own is deployed after the network and wins.
    pub inline: bool,
}

/// Another resource that takes addresses in a subnet: a network interface's IP configuration, a
/// private endpoint, a load balancer front end. Sizing counts them (R-VNET-6, R-VNET-8).
#[derive(Clone, Debug)]
pub struct SubnetUser {
    pub meta: Meta,
    /// The subnet id it references.
    pub subnet: Field<String>,
    /// What it is, for messages (`network interface`, `private endpoint`, …).
    pub what: &'static str,
    /// Addresses it takes in the subnet.
    pub ips: u64,
}

/// A virtual network: only what placement rules read (its region).
#[derive(Clone, Debug)]
pub struct Vnet {
    pub meta: Meta,
    /// `location`; `None` when not written (Bicep/ARM inherit nothing: absent is an error Azure
    /// reports itself).
    pub location: Option<Field<String>>,
    /// `dhcpOptions.dnsServers` / `dns_servers`; `None`: Azure-provided DNS.
    pub dns_servers: Option<Field<Vec<String>>>,
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
    /// The known entries of `sourceAddressPrefixes`/`destinationAddressPrefixes` (Terraform
    /// `*_address_prefixes`), each where it is written: these lists take no service tags.
    pub plural_prefixes: Vec<(String, Option<Span>)>,
    /// Known values of `direction`, `access` or `protocol` that are none of that field's
    /// values (`access 'Permit'`), each where it is written: Azure rejects the rule, and the
    /// field is unknown to the evaluation.
    pub invalid: Vec<(String, Option<Span>)>,
    /// What Azure or the deploying tool validates and the evaluation does not read (STV214).
    pub faults: Vec<RuleFault>,
    /// Set when the code leaves open whether the rule is deployed at all (a separate rule
    /// resource whose `count`, `condition` or `if` is unknown): the NSG is then checked with
    /// and without it ([`Presence`]). `None`: deployed.
    pub deployed: Option<Box<Presence>>,
}

/// A fault of a security rule in a field the evaluation does not read, each where it is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleFault {
    /// A `description` longer than Azure's 140 characters: its length.
    LongDescription(usize, Option<Span>),
    /// A field Azure requires (`priority`, `direction`, `access`, `protocol`) absent from a
    /// rule whose properties are all known: the rule, not a value, is where to edit.
    Missing(&'static str),
    /// One side's port or address written, non-empty, in both the singular and the plural field
    /// (`what`: "source port", "destination address"). The evaluation reads their union;
    /// `rejected`: the deploying tool refuses it (the azurerm provider does; what ARM does is
    /// unverified).
    Both {
        what: &'static str,
        at: Option<Span>,
        rejected: bool,
    },
}

/// Whether a declaration is deployed, when its `count`, `condition` or `if` is not known: each
/// possibility (`true` deployed) with the choices that lead to it.
pub type Presence = Vec<(Cond, bool)>;

/// The [`Presence`] of a declaration whose condition (a boolean) or count (a number) is `v`;
/// `None` when it is deployed whatever the choices. A condition with alternatives deploys the
/// declaration in those whose value is true or at least 1; any other unknown is a choice of
/// its own, named `what` (the condition's text, `var.lock_down ? 1 : 0`), whose options
/// `(yes, no)` (`true`/`false`, `1 or more`/`0`) deploy it or not.
pub fn presence(v: &V, what: impl FnOnce() -> String, (yes, no): (&str, &str)) -> Option<Presence> {
    let on = |x: &V| match &x.kind {
        VKind::Bool(b) => Some(*b),
        _ => x.as_i64().map(|n| n >= 1).or_else(|| x.as_bool()),
    };
    if !v.is_unknown() {
        return None;
    }
    let list: Presence = match v.alts() {
        Some(alts) => alts
            .iter()
            .map(|(c, x)| on(x).map(|b| (c.clone(), b)))
            .collect::<Option<_>>()
            .unwrap_or_else(|| either(what(), yes, no)),
        None => either(what(), yes, no),
    };
    list.iter().any(|(_, b)| !b).then_some(list)
}

/// Deployed when both are: each pair of possibilities whose choices agree.
pub fn both(a: Option<Presence>, b: Option<Presence>) -> Option<Presence> {
    match (a, b) {
        (Some(a), Some(b)) => {
            let mut out = Vec::new();
            for (ca, x) in &a {
                for (cb, y) in &b {
                    if let Some(c) = ca.and(cb) {
                        out.push((c, *x && *y));
                    }
                }
            }
            Some(out)
        }
        (a, b) => a.or(b),
    }
}

/// The choices under which parts of presences `a` and `b` (`None`: always deployed) are both
/// deployed; empty when they never are, one empty [`Cond`] when they always are.
pub fn deployed_together(a: Option<&Presence>, b: Option<&Presence>) -> Vec<Cond> {
    let always = [(Cond::default(), true)];
    let (a, b) = (a.map_or(&always[..], |p| p), b.map_or(&always[..], |p| p));
    let mut out: Vec<Cond> = Vec::new();
    for (ca, x) in a {
        for (cb, y) in b {
            if let (true, true, Some(c)) = (x, y, ca.and(cb)) {
                if !out.contains(&c) {
                    out.push(c);
                }
            }
        }
    }
    out
}

/// The most items [`alternative_items`] compares: beyond, the list stays unknown.
const MAX_ALTERNATIVE_ITEMS: usize = 4096;

/// The items of a list that is one of several known lists ([`V::alts`]), each with the choices
/// under which the list holds it (`None`: in every alternative, deployed whatever the choices).
/// `concat(base, isClassic ? [sql] : [])` is the base rules, and `sql` deployed where
/// `isClassic` is true: each alternative is checked as it deploys, not the whole list given up.
/// `None` when `v` has no alternatives, one of them is not a list, or they hold more than
/// [`MAX_ALTERNATIVE_ITEMS`] items.
pub fn alternative_items(v: &V) -> Option<Vec<(V, Option<Presence>)>> {
    let alts = v.alts()?;
    let mut total = 0usize;
    // Each distinct item, with the alternatives that hold it; items are compared only with
    // those of the same hash (an item without one, with every such item).
    let mut items: Vec<(&V, Vec<usize>)> = Vec::new();
    let mut by_hash: std::collections::HashMap<Option<u64>, Vec<usize>> = Default::default();
    for (i, (_, a)) in alts.iter().enumerate() {
        let VKind::Arr(list) = &a.kind else {
            return None;
        };
        total += list.len();
        if total > MAX_ALTERNATIVE_ITEMS {
            return None;
        }
        for it in list {
            let bucket = by_hash.entry(it.same_hash()).or_default();
            match bucket.iter().find(|&&k| items[k].0.same(it) == Some(true)) {
                Some(&k) if !items[k].1.contains(&i) => items[k].1.push(i),
                Some(_) => {}
                None => {
                    bucket.push(items.len());
                    items.push((it, vec![i]));
                }
            }
        }
    }
    Some(
        items
            .into_iter()
            .map(|(it, holders)| {
                let presence = (holders.len() < alts.len()).then(|| {
                    alts.iter()
                        .enumerate()
                        .map(|(i, (c, _))| (c.clone(), holders.contains(&i)))
                        .collect()
                });
                (it.clone(), presence)
            })
            .collect(),
    )
}

/// An undecided choice of its own between deployed and not deployed.
fn either(what: String, yes: &str, no: &str) -> Presence {
    let what: Shared<str> = what.into();
    vec![
        (Cond::one(what.clone(), yes), true),
        (Cond::one(what, no), false),
    ]
}

/// A reference (`v`, an id or `{ id }`, maybe with alternatives) that exists only as
/// `presence` says: where the declaration holding it is not deployed, null.
pub fn gated(v: &V, presence: &Presence) -> V {
    if v.is_unknown() && !v.has_alts() {
        return v.clone();
    }
    let branches: Vec<(Cond, V)> = match v.alts() {
        Some(a) => a.to_vec(),
        None => vec![(Cond::default(), v.clone())],
    };
    let mut out = Vec::new();
    for (pc, on) in presence {
        for (c, x) in &branches {
            if let Some(w) = pc.and(c) {
                out.push((w, if *on { x.clone() } else { V::null(v.span) }));
            }
        }
    }
    V::unknown("whether it is deployed is not known", v.span).with_alts(out)
}

#[derive(Clone, Debug)]
pub struct Nsg {
    pub meta: Meta,
    /// `location`, when written.
    pub location: Option<Field<String>>,
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
    /// When `prefix` is unknown: the known text around it (`"${ip}/32"`), which may already
    /// rule out `0.0.0.0/0` and every service tag.
    pub prefix_shape: Option<Shape>,
    pub next_hop: Field<String>,
    pub next_hop_ip: Option<Field<String>>,
    /// Set when the code leaves open whether the route is deployed (as for a security rule).
    pub deployed: Option<Box<Presence>>,
}

#[derive(Clone, Debug)]
pub struct RouteTable {
    pub meta: Meta,
    /// Its region: it can only serve subnets of a VNet in the same region (R-UDR-7).
    pub location: Option<Field<String>>,
    pub routes: Vec<Route>,
    pub routes_unknown: Option<(String, Option<Span>)>,
    /// `disableBgpRoutePropagation` (TF: the inverse of `bgp_route_propagation_enabled`);
    /// `None` when not written: BGP routes propagate.
    pub disable_bgp: Option<Field<bool>>,
}

/// A private DNS zone (its name is `meta.name`, e.g. `azure-api.net`).
#[derive(Clone, Debug)]
pub struct DnsZone {
    pub meta: Meta,
}

/// A private DNS zone's link to a virtual network.
#[derive(Clone, Debug)]
pub struct DnsLink {
    pub meta: Meta,
    /// The zone's name as written (`azure-api.net`).
    pub zone: Field<String>,
    /// The linked virtual network's id.
    pub vnet: Field<String>,
}

/// A virtual network peering (`virtualNetworks/virtualNetworkPeerings`, inline
/// `virtualNetworkPeerings`, `azurerm_virtual_network_peering`); its key's first name is the
/// local virtual network.
#[derive(Clone, Debug)]
pub struct Peering {
    pub meta: Meta,
    /// `useRemoteGateways`: the local VNet takes the routes of the remote VNet's gateway
    /// (R-UDR-8: a hub's ExpressRoute can advertise a default route to a spoke).
    pub use_remote_gateways: Option<Field<bool>>,
}

/// An autoscale setting (`Microsoft.Insights/autoscalesettings`,
/// `azurerm_monitor_autoscale_setting`).
#[derive(Clone, Debug)]
pub struct Autoscale {
    pub meta: Meta,
    /// The scaled resource's id.
    pub target: Field<String>,
    /// Absent counts as enabled (REQUIREMENTS.md §6 Q15): implicit `true`.
    pub enabled: Field<bool>,
    pub profiles: Vec<AutoscaleProfile>,
    pub profiles_unknown: Option<(String, Option<Span>)>,
}

#[derive(Clone, Debug)]
pub struct AutoscaleProfile {
    pub name: String,
    pub decl: Span,
    pub minimum: Field<i64>,
    pub maximum: Field<i64>,
    pub default: Field<i64>,
    pub actions: Vec<ScaleAction>,
}

/// A rule's `scaleAction`: `type` (ChangeCount, ExactCount, …) and `value`.
#[derive(Clone, Debug)]
pub struct ScaleAction {
    pub decl: Span,
    pub kind: Field<String>,
    pub value: Field<i64>,
}

impl Field<bool> {
    pub fn flag(v: &V) -> Field<bool> {
        match (&v.kind, v.as_bool()) {
            (_, Some(b)) => Field::known(b, v.span),
            (VKind::Unknown(u), _) => Field::unknown(String::from(&*u.reason), v.span),
            _ => Field::unknown(
                format!("expected true or false, found {}", v.show()),
                v.span,
            ),
        }
        .with_origin(v.origin)
    }
}

#[derive(Clone, Debug)]
pub struct PublicIp {
    pub meta: Meta,
    /// `location`, when written.
    pub location: Option<Field<String>>,
    /// `Basic`, `Standard`, `StandardV2`; implicit when the code relies on the default.
    pub sku: Field<String>,
    pub tier: Option<Field<String>>,
    /// `Static` or `Dynamic`; `None` when not written and no default can be assumed.
    pub allocation: Option<Field<String>>,
    /// `IPv4` or `IPv6` (absent = IPv4).
    pub version: Option<Field<String>>,
    pub dns_label: Option<Field<String>>,
    pub zones: Option<Field<Vec<String>>>,
    /// `ipTags` as `Type=Tag` (`RoutingPreference=Internet`); `None` when not written.
    pub ip_tags: Option<Field<Vec<String>>>,
}

/// Another resource that takes a public IP address (a load balancer or application gateway
/// frontend, a NIC, a NAT gateway, a firewall, a Bastion host, a VPN gateway).
#[derive(Clone, Debug)]
pub struct PublicIpUser {
    pub label: String,
    pub decl: Span,
    /// The public IP reference (an id).
    pub pip: Field<String>,
}

/// An inbound private endpoint (`Microsoft.Network/privateEndpoints`, `azurerm_private_endpoint`).
#[derive(Clone, Debug)]
pub struct PrivateEndpoint {
    pub meta: Meta,
    /// The resource each connection targets (`privateLinkServiceId`, azurerm
    /// `private_connection_resource_id`), manual connections included.
    pub targets: Vec<Field<String>>,
}

/// An association made by a separate resource (Terraform `*_association`, `azapi_update_resource`).
#[derive(Clone, Debug)]
pub struct Association {
    /// Stamped by the workspace, like [`Meta::unit`].
    pub unit: UnitId,
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
    /// A child resource of an API Management instance that uses a feature (a logger, …).
    Feature(ResKey, Feature, Span),
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

/// An API Management instance the code declares but that these inputs do not deploy: a false
/// condition, a `count` of 0, a loop over nothing. Named in an `STV006`, so that a run never says
/// "no instance found" of code that declares one.
#[derive(Clone, Debug)]
pub struct NotDeployed {
    /// How the code names it (`azurerm_api_management.apim`, `resource 'apim'`).
    pub label: String,
    /// Why none is deployed: `its condition is false`, `count is 0`, ….
    pub why: String,
    /// The declaration.
    pub at: Span,
    /// For a module: the declarations of the instances inside it. One that another stage
    /// deploys is checked there, and this is not said to be switched off.
    pub inner: Vec<Span>,
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
    pub vnets: Vec<Vnet>,
    pub subnet_users: Vec<SubnetUser>,
    pub nsgs: Vec<Nsg>,
    pub route_tables: Vec<RouteTable>,
    pub public_ips: Vec<PublicIp>,
    pub private_endpoints: Vec<PrivateEndpoint>,
    pub public_ip_users: Vec<PublicIpUser>,
    pub associations: Vec<Association>,
    pub children: Vec<Child>,
    pub dns_zones: Vec<DnsZone>,
    pub dns_links: Vec<DnsLink>,
    pub peerings: Vec<Peering>,
    pub autoscales: Vec<Autoscale>,
    /// API Management instances inside modules that are not loaded (registry, git, `br:`,
    /// an ARM `templateLink` outside the run): counted and named, never checked.
    pub unloaded_apims: Vec<UnloadedApim>,
    /// API Management declarations these inputs do not deploy ([`NotDeployed`]).
    pub not_deployed: Vec<NotDeployed>,
    /// Module calls some deployment made whose API Management the run cannot see (a registry
    /// module): one switched off in another stage is not said to be "not deployed".
    pub deployed_calls: Vec<Span>,
    /// Diagnostics produced while loading (STV001 parse errors, STV002 from front ends, …).
    pub diagnostics: Vec<Diagnostic>,
    /// ARM parameter files some deployment was evaluated with: one the run discovered and no
    /// deployment used is said to be unused, not ignored in silence.
    pub parameter_files_read: std::collections::HashSet<crate::source::FileId>,
    /// The `--parameters` files (by display name) that fit some template evaluated on its own,
    /// and whether any template was offered them: a file that fits none is said.
    pub parameter_sets_fitted: std::collections::HashSet<String>,
    pub parameter_sets_offered: bool,
    /// The parameters (lower-cased) of the templates offered them, to name the ones none declares.
    pub parameter_names_declared: std::collections::HashSet<String>,
    /// Unsaved editor buffers by canonical path, read instead of the disk.
    pub overlay: HashMap<std::path::PathBuf, String>,
    /// Where files may be read from (the linted tree).
    pub fence: crate::source::Fence,
    /// The deployment units, indexed by [`UnitId`]; index 0 is [`UnitId::NONE`].
    pub units: Vec<Unit>,
    /// The unit resources pushed from now on belong to.
    current: UnitId,
    /// How many of each list were stamped already (apims, subnets, nsgs, route tables, public
    /// IPs, associations, children, virtual networks, subnet users).
    stamped: [usize; 9],
    /// The same for DNS zones, DNS links and autoscale settings.
    stamped_more: [usize; 4],
    /// The unit of each child, parallel to `children`.
    child_units: Vec<UnitId>,
    /// API Management instances a unit references without declaring them (a Bicep or ARM
    /// `existing` resource, a Terraform data source): the unit's own view of that instance.
    pub apim_refs: Vec<(UnitId, ResKey)>,
    /// The same, to find one at once ([`Workspace::reference_apim`]).
    apim_ref_set: std::collections::HashSet<(UnitId, ResKey)>,
    index: HashMap<IndexKey, Vec<(Kind, usize)>>,
    /// The same entries by unit too: a reference resolves in its own unit first, and thousands
    /// of roots declaring the same names must not make every lookup scan them all.
    own_index: HashMap<(IndexKey, UnitId), Vec<(Kind, usize)>>,
    /// The `GatewaySubnet`s (index into `subnets`, in order) by unit and virtual network name.
    gateways: HashMap<(UnitId, String), Vec<usize>>,
    /// Subnet users (index into `subnet_users`, in order) by unit and the subnet they name,
    /// with the parsed reference.
    users: HashMap<(UnitId, IndexKey), Vec<(usize, ResKey)>>,
    /// Autoscale settings (index into `autoscales`, in order) by the resource they scale.
    scalers: HashMap<IndexKey, Vec<(usize, ResKey)>>,
    /// How the indexes above hash a key ([`Workspace::ikey`]).
    keys: foldhash::fast::RandomState,
    /// In one part of a streamed run ([`Workspace::split_off`]): the keys its lookups sought
    /// outside the referrer's own unit, where another part's declaration could answer them.
    probes: Option<std::sync::Mutex<std::collections::HashSet<IndexKey>>>,
}

/// The declarations of `not_deployed` that no deployment deploys (none of them, nor an
/// instance inside them, is in `deployed`), once each.
pub fn switched_off<'n>(
    deployed: &std::collections::HashSet<Span>,
    not_deployed: &'n [NotDeployed],
) -> Vec<&'n NotDeployed> {
    let mut said = std::collections::HashSet::new();
    not_deployed
        .iter()
        .filter(|n| {
            !deployed.contains(&n.at)
                && !n.inner.iter().any(|s| deployed.contains(s))
                && said.insert(n.at)
        })
        .collect()
}

/// What one part of a streamed run declares and what it looked for beyond its own units, as
/// hashed type and name paths: parts whose footprints meet may change each other's results,
/// and the run is then checked whole ([`Meeting`]).
#[derive(Default)]
pub struct Footprint {
    declared: std::collections::HashSet<IndexKey>,
    probes: std::collections::HashSet<IndexKey>,
}

/// The footprints of a streamed run's parts so far, to find as soon as it happens that one
/// part looked for a key another declares.
#[derive(Default)]
pub struct Meeting {
    /// Per key, the part that declares it / looked for it, or `usize::MAX` when several did.
    declared: HashMap<IndexKey, usize>,
    sought: HashMap<IndexKey, usize>,
}

impl Meeting {
    /// Add part `part`'s footprint; true when it meets another part's.
    pub fn add(&mut self, part: usize, f: Footprint) -> bool {
        fn note(map: &mut HashMap<IndexKey, usize>, k: IndexKey, part: usize) {
            let o = map.entry(k).or_insert(part);
            if *o != part {
                *o = usize::MAX;
            }
        }
        let other =
            |map: &HashMap<IndexKey, usize>, k: &IndexKey| map.get(k).is_some_and(|&o| o != part);
        let met = f.declared.iter().any(|k| other(&self.sought, k))
            || f.probes.iter().any(|k| other(&self.declared, k));
        for k in f.declared {
            note(&mut self.declared, k, part);
        }
        for k in f.probes {
            note(&mut self.sought, k, part);
        }
        met
    }
}

/// Type and name path, hashed: resources that may be the same one. A lookup compares the
/// type, the names and the scope of what it finds, so that a lookup does not copy the key
/// (millions of them in a large repository) and a hash collision cannot join two resources.
type IndexKey = u64;

/// The [`IndexKey`] of a type and name path.
fn index_key(keys: &foldhash::fast::RandomState, k: &ResKey) -> IndexKey {
    use std::hash::BuildHasher;
    keys.hash_one((k.rtype.as_str(), k.names.as_slice()))
}

/// The same type and name path (what [`IndexKey`] stands for).
fn same_names(a: &ResKey, b: &ResKey) -> bool {
    a.rtype == b.rtype && a.names == b.names
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Subnet,
    Nsg,
    RouteTable,
    PublicIp,
    Vnet,
}

/// A subnet's NSG (`nsg`) or route table when several association resources of one
/// deployment attach different ones to it: Azure keeps the one applied last, which the code
/// does not decide, so each is an alternative and every check runs on each.
fn conflicting_associations(
    s: &Subnet,
    nsg: bool,
    made: &[Alt<String>],
    at: Span,
) -> Field<String> {
    let what = if nsg {
        "network security group"
    } else {
        "route table"
    };
    let names: Vec<String> = made
        .iter()
        .map(|a| match ResKey::from_id(&a.val) {
            Some(k) => k.names.join("/"),
            None => a.val.clone(),
        })
        .collect();
    let subnet = s.meta.key.names.join("/");
    let choice = "the association Azure applies last";
    let alts = made
        .iter()
        .zip(&names)
        .map(|(a, n)| Alt {
            val: a.val.clone(),
            when: Cond::one(choice, format!("the one for '{n}'")),
            at: a.at,
        })
        .collect();
    Field::unknown(
        format!(
            "{} association resources attach different {what}s ('{}') to subnet '{subnet}': it keeps the one Azure applies last",
            made.len(),
            names.join("', '")
        ),
        Some(at),
    )
    .with_alts(alts)
}

/// What a reference from one deployment finds ([`Workspace::lookup`]).
enum Lookup {
    Found(usize),
    /// Declarations of several deployments, equally close and not alike.
    Ambiguous(Vec<usize>),
    Missing,
}

/// A field's value and alternatives, without where they are written: two deployments' copies
/// of one declaration compare equal.
fn field_sig<T: std::fmt::Debug>(f: &Field<T>) -> String {
    let alts: Vec<_> = f.alts().iter().map(|a| (&a.val, &a.when)).collect();
    format!("{:?}{:?}", f.val, alts)
}

impl Workspace {
    /// A workspace for one part of a streamed run: it takes this one's sources and units (and
    /// adds to them) until [`Workspace::rejoin`] gives them back, hashes keys alike, and records
    /// the lookups its own units cannot answer ([`Workspace::footprint`]).
    pub fn split_off(&mut self) -> Workspace {
        Workspace {
            sources: std::mem::take(&mut self.sources),
            units: std::mem::take(&mut self.units),
            fence: self.fence.clone(),
            keys: self.keys.clone(),
            current: self.current,
            probes: Some(Default::default()),
            ..Default::default()
        }
    }

    /// Take back the sources and units a part of this run held ([`Workspace::split_off`]).
    pub fn rejoin(&mut self, part: &mut Workspace) {
        self.sources = std::mem::take(&mut part.sources);
        self.units = std::mem::take(&mut part.units);
    }

    /// Record from now on the lookups this workspace's units cannot answer themselves (the
    /// first part of a streamed run, which is the run's own workspace).
    pub fn record_probes(&mut self) {
        self.probes = Some(Default::default());
    }

    fn probe(&self, key: &ResKey) {
        if let Some(p) = &self.probes {
            let k = index_key(&self.keys, key);
            p.lock().unwrap_or_else(|e| e.into_inner()).insert(k);
        }
    }

    /// The declarations of the kinds the rules check and name: instances, subnets, NSGs,
    /// route tables, public IPs.
    pub fn checked_metas(&self) -> impl Iterator<Item = &Meta> {
        self.apims
            .iter()
            .map(|r| &r.meta)
            .chain(self.subnets.iter().map(|r| &r.meta))
            .chain(self.nsgs.iter().map(|r| &r.meta))
            .chain(self.route_tables.iter().map(|r| &r.meta))
            .chain(self.public_ips.iter().map(|r| &r.meta))
    }

    /// What this linked and checked part declares, and every key by which it reaches, or
    /// could reach, another deployment: lookups its units could not answer, instances they
    /// reference, and what autoscale settings, private endpoints and public IP users name.
    pub fn footprint(&self) -> Footprint {
        let mut f = Footprint::default();
        let key = |k: &ResKey| index_key(&self.keys, k);
        let metas = self
            .checked_metas()
            .chain(self.vnets.iter().map(|r| &r.meta));
        f.declared.extend(metas.map(|m| key(&m.key)));
        if let Some(p) = &self.probes {
            f.probes
                .extend(p.lock().unwrap_or_else(|e| e.into_inner()).iter());
        }
        f.probes.extend(self.apim_refs.iter().map(|(_, k)| key(k)));
        let named = |id: &Field<String>| id.get().and_then(|id| ResKey::from_id(id));
        let ids = self
            .autoscales
            .iter()
            .map(|a| &a.target)
            .chain(self.private_endpoints.iter().flat_map(|p| &p.targets))
            .chain(self.public_ip_users.iter().map(|u| &u.pip));
        f.probes.extend(ids.filter_map(named).map(|k| key(&k)));
        f
    }

    /// Start a deployment unit: every resource, association and child pushed from now on
    /// belongs to it (until the next `begin_unit`/`enter_unit`).
    pub fn begin_unit(
        &mut self,
        name: impl Into<String>,
        stage: Option<String>,
        group: impl Into<String>,
    ) -> UnitId {
        self.stamp();
        if self.units.is_empty() {
            self.units.push(Unit {
                name: String::new(),
                stage: None,
                group: String::new(),
            });
        }
        let id = UnitId(self.units.len() as u32);
        self.units.push(Unit {
            name: name.into(),
            stage,
            group: group.into(),
        });
        self.current = id;
        id
    }

    /// The current unit references an API Management instance declared elsewhere.
    pub fn reference_apim(&mut self, key: ResKey) {
        let unit = self.current;
        // A set beside the list: thousands of deployments referencing instances must not
        // make every reference scan all the others.
        if self.apim_ref_set.insert((unit, key.clone())) {
            self.apim_refs.push((unit, key));
        }
    }

    /// Every deployment view of the run: each unit with the instances it declares, and the
    /// instances it references that another unit declares (an explicit cross-deployment
    /// reference). Ordered by unit.
    pub fn views(&self) -> Vec<(UnitId, Vec<&Apim>)> {
        let mut by_unit: std::collections::BTreeMap<UnitId, Vec<&Apim>> = Default::default();
        for apim in &self.apims {
            by_unit.entry(apim.meta.unit).or_default().push(apim);
        }
        // The instances by type and name path, in order: each reference looks up its own.
        let mut by_key: HashMap<IndexKey, Vec<&Apim>> = HashMap::new();
        if !self.apim_refs.is_empty() {
            for apim in &self.apims {
                by_key
                    .entry(index_key(&self.keys, &apim.meta.key))
                    .or_default()
                    .push(apim);
            }
        }
        for (unit, key) in &self.apim_refs {
            let declared_here = by_unit.get(unit).is_some_and(|list| {
                list.iter().any(|a| {
                    a.meta.key.rtype == key.rtype
                        && a.meta.key.names == key.names
                        && a.meta.key.same_scope(key)
                })
            });
            if declared_here {
                continue;
            }
            let found: Vec<&Apim> = by_key
                .get(&index_key(&self.keys, key))
                .into_iter()
                .flatten()
                .filter(|a| {
                    a.meta.unit != *unit
                        && a.meta.key.rtype == key.rtype
                        && a.meta.key.names == key.names
                        && a.meta.key.same_scope(key)
                })
                .copied()
                .collect();
            by_unit.entry(*unit).or_default().extend(found);
        }
        by_unit.into_iter().filter(|(_, l)| !l.is_empty()).collect()
    }

    /// Take the resources `part` collected (a deployment emitted on a worker into a workspace
    /// of its own), as if they were pushed here now: the next stamp gives them the current
    /// unit, each list keeps their order, and the instances it references become the current
    /// unit's references.
    pub fn append(&mut self, mut part: Workspace) {
        for (_, key) in std::mem::take(&mut part.apim_refs) {
            self.reference_apim(key);
        }
        self.apims.append(&mut part.apims);
        self.subnets.append(&mut part.subnets);
        self.vnets.append(&mut part.vnets);
        self.subnet_users.append(&mut part.subnet_users);
        self.nsgs.append(&mut part.nsgs);
        self.route_tables.append(&mut part.route_tables);
        self.public_ips.append(&mut part.public_ips);
        self.private_endpoints.append(&mut part.private_endpoints);
        self.public_ip_users.append(&mut part.public_ip_users);
        self.associations.append(&mut part.associations);
        self.children.append(&mut part.children);
        self.dns_zones.append(&mut part.dns_zones);
        self.dns_links.append(&mut part.dns_links);
        self.peerings.append(&mut part.peerings);
        self.autoscales.append(&mut part.autoscales);
        self.unloaded_apims.append(&mut part.unloaded_apims);
        self.not_deployed.append(&mut part.not_deployed);
        self.deployed_calls.append(&mut part.deployed_calls);
        self.diagnostics.append(&mut part.diagnostics);
    }

    /// The declarations of instances that no deployment of the run deploys, once each (one stage
    /// may switch an instance off and another on: then it is checked, not "not deployed").
    pub fn switched_off(&self) -> Vec<&NotDeployed> {
        switched_off(&self.deployed(), &self.not_deployed)
    }

    /// Where some deployment deploys an instance: the instances' declarations and the module
    /// calls it makes whose instance the run cannot see.
    pub fn deployed(&self) -> std::collections::HashSet<Span> {
        self.apims
            .iter()
            .map(|a| a.meta.decl)
            .chain(self.deployed_calls.iter().copied())
            .collect()
    }

    /// Go back to a unit begun earlier (a front end that emits several units interleaved).
    pub fn enter_unit(&mut self, id: UnitId) {
        self.stamp();
        self.current = id;
    }

    /// The unit's description; `None` for [`UnitId::NONE`].
    pub fn unit(&self, id: UnitId) -> Option<&Unit> {
        if id == UnitId::NONE {
            return None;
        }
        self.units.get(id.0 as usize)
    }

    /// How many units deploy the unit's template (its stages).
    pub fn stages_of(&self, id: UnitId) -> usize {
        match self.unit(id) {
            Some(u) => self.units.iter().filter(|x| x.group == u.group).count(),
            None => 0,
        }
    }

    /// Give what was pushed since the last stamp the current unit (unless it already has one).
    fn stamp(&mut self) {
        let u = self.current;
        let [a, s, n, r, p, x, c, v, su] = &mut self.stamped;
        fn mark<T>(list: &mut [T], from: &mut usize, mut set: impl FnMut(&mut T)) {
            for it in list.iter_mut().skip(*from) {
                set(it);
            }
            *from = list.len();
        }
        let keep = |m: &mut UnitId| {
            if *m == UnitId::NONE {
                *m = u;
            }
        };
        mark(&mut self.apims, a, |t| keep(&mut t.meta.unit));
        mark(&mut self.subnets, s, |t| keep(&mut t.meta.unit));
        mark(&mut self.vnets, v, |t| keep(&mut t.meta.unit));
        mark(&mut self.subnet_users, su, |t| keep(&mut t.meta.unit));
        mark(&mut self.nsgs, n, |t| keep(&mut t.meta.unit));
        mark(&mut self.route_tables, r, |t| keep(&mut t.meta.unit));
        mark(&mut self.public_ips, p, |t| keep(&mut t.meta.unit));
        mark(&mut self.associations, x, |t| keep(&mut t.unit));
        let [z, l, s2, pe] = &mut self.stamped_more;
        mark(&mut self.dns_zones, z, |t| keep(&mut t.meta.unit));
        mark(&mut self.dns_links, l, |t| keep(&mut t.meta.unit));
        mark(&mut self.autoscales, s2, |t| keep(&mut t.meta.unit));
        mark(&mut self.peerings, pe, |t| keep(&mut t.meta.unit));
        self.child_units.truncate(self.children.len());
        self.child_units.resize(self.children.len(), u);
        *c = self.children.len();
    }

    /// Merge duplicates within each deployment unit, fold children and associations into their
    /// parents, and build the index. Safe to call more than once.
    pub fn link(&mut self) {
        self.stamp();
        self.drop_placeholders();
        self.subnets = merge_by_key(std::mem::take(&mut self.subnets), |a, b| {
            // Declared in its virtual network and again as a resource of its own: the child
            // is deployed after its parent and its PUT replaces every property of the
            // subnet, so the final state is the child's (an NSG only the network names is
            // detached).
            match (a.inline, b.inline) {
                (true, false) => {
                    *a = b;
                    return;
                }
                (false, true) => return,
                _ => {}
            }
            // Two declarations of one subnet in one deployment (inline and child): keep the
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
                a.endpoint_locations = b.endpoint_locations;
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
            add_new_names(&mut a.rules, b.rules, |r| &r.name);
            if a.rules_unknown.is_none() {
                a.rules_unknown = b.rules_unknown;
            }
        });
        self.route_tables = merge_by_key(std::mem::take(&mut self.route_tables), |a, b| {
            add_new_names(&mut a.routes, b.routes, |r| &r.name);
        });
        self.public_ips = merge_by_key(std::mem::take(&mut self.public_ips), |_, _| {});
        self.vnets = merge_by_key(std::mem::take(&mut self.vnets), |a, b| {
            if a.location.is_none() {
                a.location = b.location;
            }
        });
        self.rebuild_index();

        let children = std::mem::take(&mut self.children);
        let units = std::mem::take(&mut self.child_units);
        // Separate rules and routes are gathered per parent and folded in once each: one at a
        // time, every one rescanned its parent's list (quadratic in thousands of them).
        let mut rules: HashMap<usize, Vec<SecurityRule>> = HashMap::new();
        let mut routes: HashMap<usize, Vec<Route>> = HashMap::new();
        for (child, unit) in children.into_iter().zip(units) {
            match child {
                Child::Rule(parent, rule) => {
                    if let Some(i) = self.find(Kind::Nsg, &parent, unit) {
                        rules.entry(i).or_default().push(rule);
                    }
                }
                Child::Route(parent, route) => {
                    if let Some(i) = self.find(Kind::RouteTable, &parent, unit) {
                        routes.entry(i).or_default().push(route);
                    }
                }
                // Every view of the instance uses the feature.
                Child::Feature(parent, f, at) => {
                    self.probe(&parent);
                    for a in self.apims.iter_mut().filter(|a| {
                        a.meta.key.rtype == parent.rtype
                            && a.meta.key.names == parent.names
                            && a.meta.key.same_scope(&parent)
                    }) {
                        a.features.add(f, at);
                    }
                }
            }
        }
        for (i, list) in rules {
            let mut list = list;
            let kept = kept_where_absent(
                &self.nsgs[i].rules,
                &mut list,
                |r| &r.name,
                |r| &mut r.deployed,
            );
            replace_by_name(&mut self.nsgs[i].rules, list, |r| &r.name);
            self.nsgs[i].rules.extend(kept);
        }
        for (i, list) in routes {
            let mut list = list;
            let kept = kept_where_absent(
                &self.route_tables[i].routes,
                &mut list,
                |r| &r.name,
                |r| &mut r.deployed,
            );
            replace_by_name(&mut self.route_tables[i].routes, list, |r| &r.name);
            self.route_tables[i].routes.extend(kept);
        }
        // The associations each subnet of a deployment got so far, by kind: a second one that
        // names another NSG or route table is a conflict, not a replacement.
        let mut made: HashMap<(usize, bool), Vec<Alt<String>>> = HashMap::new();
        for assoc in std::mem::take(&mut self.associations) {
            let Some(id) = assoc.subnet.get() else {
                continue;
            };
            let Some(key) = ResKey::from_id(id) else {
                continue;
            };
            let nsg = assoc.kind == AssocKind::Nsg;
            let target = Some(assoc.target.clone());
            let set = |s: &mut Subnet, only_missing: bool| {
                let slot = if nsg { &mut s.nsg } else { &mut s.route_table };
                if !only_missing || slot.is_none() {
                    *slot = target.clone();
                }
            };
            let i = match self.find_own(Kind::Subnet, &key, assoc.unit) {
                Some(i) => i,
                None => {
                    self.probe(&key);
                    // An association made on a subnet of another deployment changes that
                    // subnet too: fill it in there where that deployment leaves it out.
                    let others: Vec<usize> = self.candidates(Kind::Subnet, &key).collect();
                    for j in others {
                        set(&mut self.subnets[j], true);
                    }
                    self.referenced_subnet(&key, &assoc)
                }
            };
            let made = made.entry((i, nsg)).or_default();
            match assoc.target.get() {
                Some(t) if !made.is_empty() => {
                    if !made.iter().any(|a| a.val.eq_ignore_ascii_case(t)) {
                        made.push(Alt {
                            val: t.clone(),
                            when: Cond::default(),
                            at: assoc.target.at.or(Some(assoc.decl)),
                        });
                    }
                    if made.len() > 1 {
                        let s = &mut self.subnets[i];
                        let field = conflicting_associations(s, nsg, made, assoc.decl);
                        *(if nsg { &mut s.nsg } else { &mut s.route_table }) = Some(field);
                    }
                }
                Some(t) => {
                    made.push(Alt {
                        val: t.clone(),
                        when: Cond::default(),
                        at: assoc.target.at.or(Some(assoc.decl)),
                    });
                    set(&mut self.subnets[i], false);
                }
                // An unknown target: as before, the association's own field decides.
                None => {
                    made.clear();
                    set(&mut self.subnets[i], false);
                }
            }
        }
        // References of other resources, parsed once here rather than by every rule's lookup.
        self.users.clear();
        for (i, u) in self.subnet_users.iter().enumerate() {
            if let Some(k) = u.subnet.get().and_then(|id| ResKey::from_id(id)) {
                self.users
                    .entry((u.meta.unit, index_key(&self.keys, &k)))
                    .or_default()
                    .push((i, k));
            }
        }
        self.scalers.clear();
        for (i, a) in self.autoscales.iter().enumerate() {
            if let Some(k) = a.target.get().and_then(|t| ResKey::from_id(t)) {
                self.scalers
                    .entry(index_key(&self.keys, &k))
                    .or_default()
                    .push((i, k));
            }
        }
        self.gateways.clear();
        for (i, s) in self.subnets.iter().enumerate() {
            if let [vnet, name] = s.meta.key.names.as_slice() {
                if name == "gatewaysubnet" {
                    self.gateways
                        .entry((s.meta.unit, vnet.clone()))
                        .or_default()
                        .push(i);
                }
            }
        }
        self.stamped = [
            self.apims.len(),
            self.subnets.len(),
            self.nsgs.len(),
            self.route_tables.len(),
            self.public_ips.len(),
            self.associations.len(),
            self.children.len(),
            self.vnets.len(),
            self.subnet_users.len(),
        ];
    }

    /// The autoscale settings that target an API Management instance: those of its own
    /// deployment, or of a deployment that does not declare an instance of that name.
    pub fn autoscales_of<'s>(&'s self, apim: &'s Apim) -> impl Iterator<Item = &'s Autoscale> {
        let key = &apim.meta.key;
        self.scalers
            .get(&index_key(&self.keys, key))
            .into_iter()
            .flatten()
            .filter(move |(_, t)| same_names(t, key) && t.same_scope(key))
            .map(|(i, _)| &self.autoscales[*i])
            .filter(move |a| {
                a.meta.unit == apim.meta.unit
                    || !self
                        .apims
                        .iter()
                        .any(|x| x.meta.unit == a.meta.unit && x.meta.key.names == key.names)
            })
    }

    /// A subnet the unit only references (a data source, an `existing` resource, an id
    /// parameter) but associates an NSG or route table with: its NSG and route table are known,
    /// its prefix, delegations and service endpoints come from another deployment of the run
    /// that declares it, or are unknown.
    fn referenced_subnet(&mut self, key: &ResKey, assoc: &Association) -> usize {
        let names = key.names.join("/");
        let elsewhere = self.find(Kind::Subnet, key, assoc.unit);
        let outside = format!("the subnet '{names}' is declared outside the files checked");
        let unknown = || Field::unknown(outside.clone(), Some(assoc.decl));
        let format = match self.sources.get(assoc.decl.file).lang {
            crate::source::Lang::Json => Format::Arm,
            crate::source::Lang::Bicep | crate::source::Lang::BicepParam => Format::Bicep,
            _ => Format::Terraform,
        };
        let mut subnet = Subnet {
            meta: Meta {
                key: key.clone(),
                label: format!("subnet '{names}'"),
                name: key.names.last().cloned().unwrap_or_default(),
                decl: assoc.decl,
                format,
                suppress: Vec::new(),
                unit: assoc.unit,
            },
            vnet: key.names.first().cloned().unwrap_or_default(),
            prefixes: unknown(),
            nsg: None,
            route_table: None,
            service_endpoints: unknown(),
            endpoint_locations: Vec::new(),
            delegations: unknown(),
            inline: false,
        };
        if let Some(j) = elsewhere {
            let other = &self.subnets[j];
            subnet.prefixes = other.prefixes.clone();
            subnet.service_endpoints = other.service_endpoints.clone();
            subnet.endpoint_locations = other.endpoint_locations.clone();
            subnet.delegations = other.delegations.clone();
            subnet.nsg = other.nsg.clone();
            subnet.route_table = other.route_table.clone();
        }
        let i = self.subnets.len();
        let h = index_key(&self.keys, key);
        self.index.entry(h).or_default().push((Kind::Subnet, i));
        self.own_index
            .entry((h, assoc.unit))
            .or_default()
            .push((Kind::Subnet, i));
        self.subnets.push(subnet);
        i
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
            )
            // A value Azure and the provider reject (`Externl`) is no mode to check with: it
            // is said undecided, never read as "not injected".
            .check_with(|s| {
                if ["None", "External", "Internal"]
                    .iter()
                    .any(|m| m.eq_ignore_ascii_case(s.trim()))
                {
                    Ok(())
                } else {
                    Err(format!(
                        "virtualNetworkType '{s}' is none of None, External, Internal (Azure rejects it)"
                    ))
                }
            });
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
        self.own_index.clear();
        let keys = &self.keys;
        let mut add = |m: &Meta, kind: Kind, i: usize| {
            let h = index_key(keys, &m.key);
            self.index.entry(h).or_default().push((kind, i));
            self.own_index
                .entry((h, m.unit))
                .or_default()
                .push((kind, i));
        };
        for (i, r) in self.subnets.iter().enumerate() {
            add(&r.meta, Kind::Subnet, i);
        }
        for (i, r) in self.nsgs.iter().enumerate() {
            add(&r.meta, Kind::Nsg, i);
        }
        for (i, r) in self.route_tables.iter().enumerate() {
            add(&r.meta, Kind::RouteTable, i);
        }
        for (i, r) in self.public_ips.iter().enumerate() {
            add(&r.meta, Kind::PublicIp, i);
        }
        for (i, r) in self.vnets.iter().enumerate() {
            add(&r.meta, Kind::Vnet, i);
        }
    }

    /// Whether the `i`th resource of `kind` may be `key` (see [`IndexKey`]).
    fn same_key(&self, kind: Kind, i: usize, key: &ResKey) -> bool {
        let k = &self.meta_of(kind, i).key;
        same_names(k, key) && k.same_scope(key)
    }

    fn meta_of(&self, kind: Kind, i: usize) -> &Meta {
        match kind {
            Kind::Subnet => &self.subnets[i].meta,
            Kind::Nsg => &self.nsgs[i].meta,
            Kind::RouteTable => &self.route_tables[i].meta,
            Kind::PublicIp => &self.public_ips[i].meta,
            Kind::Vnet => &self.vnets[i].meta,
        }
    }

    /// Declarations of `key` of this kind in a compatible resource group.
    fn candidates<'s>(&'s self, kind: Kind, key: &'s ResKey) -> impl Iterator<Item = usize> + 's {
        self.index
            .get(&index_key(&self.keys, key))
            .into_iter()
            .flatten()
            .filter(move |(k, i)| *k == kind && self.same_key(kind, *i, key))
            .map(|(_, i)| *i)
    }

    /// The declaration in the referrer's own unit, if it has one.
    fn find_own(&self, kind: Kind, key: &ResKey, unit: UnitId) -> Option<usize> {
        self.own_index
            .get(&(index_key(&self.keys, key), unit))
            .into_iter()
            .flatten()
            .find(|(k, i)| *k == kind && self.same_key(kind, *i, key))
            .map(|(_, i)| *i)
    }

    /// The declaration a reference from `unit` means: the unit's own, else (an explicit
    /// cross-deployment reference) another unit's — the one with the same known resource group
    /// first, then a declaration with a known prefix over a mere reference, then by unit name.
    fn find(&self, kind: Kind, key: &ResKey, unit: UnitId) -> Option<usize> {
        match self.lookup(kind, key, unit) {
            Lookup::Found(i) => Some(i),
            Lookup::Ambiguous(_) | Lookup::Missing => None,
        }
    }

    /// [`Workspace::find`], and when it finds nothing because declarations of several
    /// deployments fit equally well and differ in what the checks read, those declarations.
    fn lookup(&self, kind: Kind, key: &ResKey, unit: UnitId) -> Lookup {
        if let Some(i) = self.find_own(kind, key, unit) {
            return Lookup::Found(i);
        }
        self.probe(key);
        let rank = |i: usize| {
            let m = self.meta_of(kind, i);
            let exact = key.rg.is_some() && m.key.rg == key.rg;
            // A subnet another deployment only references says less than its declaration.
            let vague = kind == Kind::Subnet && self.subnets[i].prefixes.val.is_err();
            (!exact, vague)
        };
        let mut best: Vec<usize> = Vec::new();
        for i in self.candidates(kind, key) {
            match best.first().map(|&b| rank(i).cmp(&rank(b))) {
                None | Some(std::cmp::Ordering::Equal) => best.push(i),
                Some(std::cmp::Ordering::Less) => best = vec![i],
                Some(std::cmp::Ordering::Greater) => {}
            }
        }
        // By the unit's name, not its number: the same choice whatever order the paths were
        // given or walked in.
        best.sort_by_key(|&i| (self.unit(self.meta_of(kind, i).unit).map(|u| &u.name), i));
        let Some(&first) = best.first() else {
            return Lookup::Missing;
        };
        // Two deployments that declare the resource alike (one template in two stages with
        // the same network) leave no doubt; two that differ, in resource groups the code does
        // not name, do: the first would hide the other.
        let differ: Vec<usize> = best
            .iter()
            .copied()
            .filter(|&j| {
                self.meta_of(kind, j).unit != self.meta_of(kind, first).unit
                    && !self.alike(kind, first, j)
            })
            .collect();
        if differ.is_empty() {
            Lookup::Found(first)
        } else {
            Lookup::Ambiguous(std::iter::once(first).chain(differ).collect())
        }
    }

    /// Whether declarations `i` and `j` of `kind` (in different deployments) give the checks
    /// the same values: a subnet's prefixes, delegations, service endpoints and the rules and
    /// routes of its NSG and route table; an NSG's rules; a route table's routes. Other kinds
    /// are not compared (the first by unit name is taken, as before).
    fn alike(&self, kind: Kind, i: usize, j: usize) -> bool {
        match kind {
            Kind::Subnet => {
                let (a, b) = (&self.subnets[i], &self.subnets[j]);
                let link = |s: &Subnet, f: &Option<Field<String>>, k: Kind| {
                    f.as_ref().map(|f| {
                        let to = f.get().and_then(|id| ResKey::from_id(id));
                        (
                            field_sig(f),
                            // As the subnet's own deployment resolves it (an association
                            // of another deployment may name an NSG declared only there).
                            to.and_then(|key| self.find(k, &key, s.meta.unit)),
                        )
                    })
                };
                let same_link = |k: Kind,
                                 fa: &Option<Field<String>>,
                                 fb: &Option<Field<String>>| {
                    match (link(a, fa, k), link(b, fb, k)) {
                        (None, None) => true,
                        (Some((sa, ia)), Some((sb, ib))) => {
                            sa == sb
                                && match (ia, ib) {
                                    (Some(x), Some(y)) => self.alike(k, x, y),
                                    (x, y) => x.is_none() && y.is_none(),
                                }
                        }
                        _ => false,
                    }
                };
                field_sig(&a.prefixes) == field_sig(&b.prefixes)
                    && field_sig(&a.delegations) == field_sig(&b.delegations)
                    && field_sig(&a.service_endpoints) == field_sig(&b.service_endpoints)
                    && same_link(Kind::Nsg, &a.nsg, &b.nsg)
                    && same_link(Kind::RouteTable, &a.route_table, &b.route_table)
            }
            Kind::Nsg => {
                let (a, b) = (&self.nsgs[i], &self.nsgs[j]);
                let sig = |n: &Nsg| {
                    let rules: Vec<_> = n
                        .rules
                        .iter()
                        .map(|r| {
                            format!(
                                "{}|{}|{}|{}|{}|{}|{}|{}|{}|{:?}|{:?}",
                                r.name,
                                field_sig(&r.priority),
                                field_sig(&r.direction),
                                field_sig(&r.access),
                                field_sig(&r.protocol),
                                field_sig(&r.source_addresses),
                                field_sig(&r.source_ports),
                                field_sig(&r.destination_addresses),
                                field_sig(&r.destination_ports),
                                r.invalid.iter().map(|x| &x.0).collect::<Vec<_>>(),
                                r.deployed,
                            )
                        })
                        .collect();
                    (rules, n.rules_unknown.as_ref().map(|u| u.0.clone()))
                };
                sig(a) == sig(b)
            }
            Kind::RouteTable => {
                let (a, b) = (&self.route_tables[i], &self.route_tables[j]);
                let sig = |t: &RouteTable| {
                    let routes: Vec<_> = t
                        .routes
                        .iter()
                        .map(|r| {
                            format!(
                                "{}|{}|{}|{:?}|{:?}",
                                r.name,
                                field_sig(&r.prefix),
                                field_sig(&r.next_hop),
                                r.next_hop_ip.as_ref().map(field_sig),
                                r.deployed,
                            )
                        })
                        .collect();
                    (
                        routes,
                        t.routes_unknown.as_ref().map(|u| u.0.clone()),
                        t.disable_bgp.as_ref().map(field_sig),
                    )
                };
                sig(a) == sig(b)
            }
            Kind::PublicIp | Kind::Vnet => true,
        }
    }

    /// Why a reference from `unit` to `id` of this kind is not resolved, when the reason is
    /// that several deployments declare it differently: the message names them.
    fn ambiguous_in(&self, kind: Kind, id: &str, unit: UnitId) -> Option<String> {
        let key = ResKey::from_id(id)?;
        let Lookup::Ambiguous(list) = self.lookup(kind, &key, unit) else {
            return None;
        };
        let names: Vec<&str> = list
            .iter()
            .filter_map(|&i| {
                self.unit(self.meta_of(kind, i).unit)
                    .map(|u| u.name.as_str())
            })
            .collect();
        Some(format!(
            "'{}' is declared differently by {} deployments ({}) in resource groups the code \
             does not tell apart: which one is meant is not known",
            key.names.join("/"),
            list.len(),
            names.join(", ")
        ))
    }

    /// Resolve a subnet reference (a resource id) to the declared subnet, from no particular
    /// deployment. Rules resolve from the referrer's unit with [`Workspace::subnet_in`].
    pub fn subnet(&self, id: &str) -> Option<&Subnet> {
        self.subnet_in(id, UnitId::NONE)
    }
    pub fn nsg(&self, id: &str) -> Option<&Nsg> {
        self.nsg_in(id, UnitId::NONE)
    }
    pub fn route_table(&self, id: &str) -> Option<&RouteTable> {
        self.route_table_in(id, UnitId::NONE)
    }
    pub fn public_ip(&self, id: &str) -> Option<&PublicIp> {
        self.public_ip_in(id, UnitId::NONE)
    }

    /// A subnet reference made in deployment `unit`: that deployment's declaration, else the
    /// one of another deployment (a data source, an `existing` resource, an id parameter).
    pub fn subnet_in(&self, id: &str, unit: UnitId) -> Option<&Subnet> {
        let key = ResKey::from_id(id)?;
        self.find(Kind::Subnet, &key, unit)
            .map(|i| &self.subnets[i])
    }
    pub fn nsg_in(&self, id: &str, unit: UnitId) -> Option<&Nsg> {
        let key = ResKey::from_id(id)?;
        self.find(Kind::Nsg, &key, unit).map(|i| &self.nsgs[i])
    }
    /// Why [`Workspace::subnet_in`] found nothing, when several deployments declare the
    /// subnet differently; `None` otherwise.
    pub fn subnet_ambiguity(&self, id: &str, unit: UnitId) -> Option<String> {
        self.ambiguous_in(Kind::Subnet, id, unit)
    }
    pub fn nsg_ambiguity(&self, id: &str, unit: UnitId) -> Option<String> {
        self.ambiguous_in(Kind::Nsg, id, unit)
    }
    pub fn route_table_ambiguity(&self, id: &str, unit: UnitId) -> Option<String> {
        self.ambiguous_in(Kind::RouteTable, id, unit)
    }
    pub fn route_table_in(&self, id: &str, unit: UnitId) -> Option<&RouteTable> {
        let key = ResKey::from_id(id)?;
        self.find(Kind::RouteTable, &key, unit)
            .map(|i| &self.route_tables[i])
    }
    pub fn public_ip_in(&self, id: &str, unit: UnitId) -> Option<&PublicIp> {
        let key = ResKey::from_id(id)?;
        self.find(Kind::PublicIp, &key, unit)
            .map(|i| &self.public_ips[i])
    }
    /// The other resources of the subnet's deployment that take addresses in it.
    pub fn users_of(&self, subnet: &Subnet) -> Vec<&SubnetUser> {
        let k = &subnet.meta.key;
        self.users
            .get(&(subnet.meta.unit, index_key(&self.keys, k)))
            .into_iter()
            .flatten()
            .filter(|(_, r)| same_names(r, k) && r.same_scope(k))
            .map(|(i, _)| &self.subnet_users[*i])
            .collect()
    }
    /// The `GatewaySubnet` of the subnet's virtual network in the subnet's deployment (the
    /// first declared), looked up rather than searched for every site.
    pub fn gateway_subnet_of(&self, subnet: &Subnet) -> Option<&Subnet> {
        let key = &subnet.meta.key;
        let vnet = key.names.first()?;
        self.gateways
            .get(&(subnet.meta.unit, vnet.clone()))?
            .iter()
            .map(|&i| &self.subnets[i])
            .find(|s| s.meta.key.same_scope(key))
    }
    /// A peering of the subnet's virtual network, in the subnet's deployment, that uses the
    /// remote network's gateway (`useRemoteGateways: true`).
    pub fn remote_gateway_peering_of(&self, subnet: &Subnet) -> Option<&Peering> {
        let key = &subnet.meta.key;
        let vnet = key.names.first()?;
        self.peerings.iter().find(|p| {
            p.meta.unit == subnet.meta.unit
                && p.meta
                    .key
                    .names
                    .first()
                    .is_some_and(|v| v.eq_ignore_ascii_case(vnet))
                && p.meta.key.same_scope(key)
                && p.use_remote_gateways.as_ref().and_then(|f| f.get()) == Some(&true)
        })
    }
    /// The virtual network a subnet belongs to, as the subnet's deployment sees it.
    pub fn vnet_of(&self, subnet: &Subnet) -> Option<&Vnet> {
        let k = &subnet.meta.key;
        let key = ResKey {
            rtype: "microsoft.network/virtualnetworks".into(),
            names: k.names.first().cloned().into_iter().collect(),
            rg: k.rg.clone(),
            sub: k.sub.clone(),
        };
        self.find(Kind::Vnet, &key, subnet.meta.unit)
            .map(|i| &self.vnets[i])
    }
}

trait HasMeta {
    fn meta(&self) -> &Meta;
}
macro_rules! has_meta {
    ($($t:ty),*) => { $(impl HasMeta for $t { fn meta(&self) -> &Meta { &self.meta } })* };
}
has_meta!(Subnet, Vnet, Nsg, RouteTable, PublicIp);

/// Append the entries of `new` whose name (case-insensitive) is not in `list` yet, nor earlier
/// in `new`.
fn add_new_names<T>(list: &mut Vec<T>, new: Vec<T>, name: impl Fn(&T) -> &str) {
    let mut names: HashSet<String> = list.iter().map(|t| name(t).to_ascii_lowercase()).collect();
    for t in new {
        if names.insert(name(&t).to_ascii_lowercase()) {
            list.push(t);
        }
    }
}

/// Each entry of `new` in turn replaces the entries of `list` with its name (case-insensitive)
/// and is appended — done in one pass: the entries of `list` no entry of `new` names, then
/// those of `new` that no later one names.
/// A separate rule or route replaces its parent's namesake only where it is deployed: when its
/// deployment is open ([`Presence`]), the namesake stays for the other cases. Returns those
/// namesakes with the opposite presence, to add after [`replace_by_name`].
fn kept_where_absent<T: Clone>(
    old: &[T],
    new: &mut [T],
    name: impl Fn(&T) -> &str,
    deployed: impl Fn(&mut T) -> &mut Option<Box<Presence>>,
) -> Vec<T> {
    let mut keep = Vec::new();
    for n in new.iter_mut() {
        let Some(p) = deployed(n).as_deref().cloned() else {
            continue;
        };
        let absent: Presence = p.into_iter().map(|(c, on)| (c, !on)).collect();
        for o in old.iter().filter(|o| name(o).eq_ignore_ascii_case(name(n))) {
            let mut o = o.clone();
            let own = deployed(&mut o).take().map(|b| *b);
            *deployed(&mut o) = both(own, Some(absent.clone())).map(Box::new);
            keep.push(o);
        }
    }
    keep
}

fn replace_by_name<T>(list: &mut Vec<T>, new: Vec<T>, name: impl Fn(&T) -> &str) {
    let mut last: HashMap<String, usize> = HashMap::new();
    for (j, t) in new.iter().enumerate() {
        last.insert(name(t).to_ascii_lowercase(), j);
    }
    list.retain(|t| !last.contains_key(&name(t).to_ascii_lowercase()));
    list.extend(
        new.into_iter()
            .enumerate()
            .filter(|(j, t)| last.get(&name(t).to_ascii_lowercase()) == Some(j))
            .map(|(_, t)| t),
    );
}

/// Fold resources with the same identity in the same deployment into the first one declared;
/// other deployments' declarations stay apart, so one never hides the other.
fn merge_by_key<T: HasMeta>(items: Vec<T>, mut merge: impl FnMut(&mut T, T)) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    let mut seen: HashMap<(IndexKey, UnitId), Vec<usize>> = HashMap::new();
    let keys = foldhash::fast::RandomState::default();
    for it in items {
        let m = it.meta();
        let slot = seen.entry((index_key(&keys, &m.key), m.unit)).or_default();
        let key = &it.meta().key;
        if let Some(&i) = slot.iter().find(|&&i| {
            let k = &out[i].meta().key;
            same_names(k, key) && k.same_scope(key)
        }) {
            merge(&mut out[i], it);
        } else {
            slot.push(out.len());
            out.push(it);
        }
    }
    out
}

#[cfg(test)]
mod unit_tests {
    use super::*;
    use crate::source::{FileId, Lang, SourceFile};

    /// A large repository's model holds millions of fields and rules (BENCHMARKS.md, issue 13):
    /// a new member belongs in `More` unless most fields have it.
    #[test]
    fn fields_and_rules_stay_small() {
        assert!(std::mem::size_of::<Field<String>>() <= 64);
        assert!(std::mem::size_of::<Field<Vec<String>>>() <= 64);
        assert!(std::mem::size_of::<SecurityRule>() <= 600);
    }

    #[test]
    fn rare_parts_of_a_field_round_trip() {
        let at = Some(Span {
            file: FileId(0),
            start: 1,
            end: 2,
        });
        let elsewhere = Some(Span {
            file: FileId(1),
            start: 5,
            end: 9,
        });
        let f: Field<i64> = Field::known(3, at).with_origin(at);
        assert_eq!(f.origin(), None, "an origin equal to `at` says nothing");
        let f = f.with_origin(elsewhere);
        assert_eq!(f.origin(), elsewhere);
        let alt = Alt {
            val: 4,
            when: Cond::default(),
            at,
        };
        let f = f.with_alts(vec![alt]).map(|v| v * 10);
        assert_eq!(f.origin(), elsewhere);
        assert_eq!(f.alts().len(), 1);
        assert_eq!(f.alts()[0].val, 40);
        let f = f.check_with(|v| if *v > 35 { Err("big".into()) } else { Ok(()) });
        assert!(f.alts().is_empty());
        assert_eq!(f.val, Ok(30));
    }

    fn ws() -> Workspace {
        let mut ws = Workspace::default();
        ws.sources.add(SourceFile::new(
            "main.tf".into(),
            "main.tf".into(),
            "x".repeat(100),
            Lang::Terraform,
        ));
        ws
    }
    fn span(at: u32) -> Span {
        Span::new(FileId(0), at as usize, at as usize + 1)
    }
    fn meta(rtype: &str, name: &str, at: u32) -> Meta {
        Meta {
            key: ResKey::new(rtype, name, Some("rg")),
            label: name.to_string(),
            name: name.rsplit('/').next().unwrap().to_string(),
            decl: span(at),
            format: Format::Terraform,
            suppress: Vec::new(),
            unit: UnitId::NONE,
        }
    }
    const SUBNET: &str = "Microsoft.Network/virtualNetworks/subnets";
    const NSG: &str = "Microsoft.Network/networkSecurityGroups";
    fn subnet(at: u32, prefix: &str, nsg: Option<&str>) -> Subnet {
        Subnet {
            meta: meta(SUBNET, "vnet/apim", at),
            vnet: "vnet".into(),
            prefixes: Field::known(vec![prefix.to_string()], Some(span(at))),
            nsg: nsg.map(|n| Field::known(n.to_string(), Some(span(at)))),
            route_table: None,
            service_endpoints: Field::known(vec![], None),
            endpoint_locations: Vec::new(),
            delegations: Field::known(vec![], None),
            inline: false,
        }
    }
    fn nsg_id(name: &str) -> String {
        ResKey::new(NSG, name, Some("rg")).to_id()
    }
    fn subnet_id() -> String {
        ResKey::new(SUBNET, "vnet/apim", Some("rg")).to_id()
    }
    fn assoc(at: u32, nsg: &str) -> Association {
        Association {
            unit: UnitId::NONE,
            subnet: Field::known(subnet_id(), Some(span(at))),
            target: Field::known(nsg_id(nsg), Some(span(at))),
            kind: AssocKind::Nsg,
            decl: span(at),
        }
    }

    #[test]
    fn two_deployments_keep_their_own_declaration() {
        let mut ws = ws();
        let dev = ws.begin_unit("dev", None, "dev");
        ws.subnets.push(subnet(1, "10.0.1.0/27", None));
        ws.associations.push(assoc(2, "nsg-dev"));
        let prod = ws.begin_unit("prod", None, "prod");
        ws.subnets.push(subnet(3, "10.0.1.0/29", None));
        ws.link();
        assert_eq!(ws.subnets.len(), 2);
        let d = ws.subnet_in(&subnet_id(), dev).unwrap();
        assert!(d.nsg.is_some(), "dev's association stays in dev");
        let p = ws.subnet_in(&subnet_id(), prod).unwrap();
        assert!(p.nsg.is_none(), "prod declares its subnet without an NSG");
        assert_eq!(p.prefixes.get().unwrap()[0], "10.0.1.0/29");
    }

    #[test]
    fn one_deployment_merges_inline_and_child_declarations() {
        let mut ws = ws();
        let u = ws.begin_unit("main.bicep", None, "main.bicep");
        ws.subnets.push(subnet(1, "10.0.1.0/27", None));
        ws.subnets
            .push(subnet(2, "10.0.1.0/27", Some(&nsg_id("n"))));
        ws.link();
        assert_eq!(ws.subnets.len(), 1);
        assert!(ws.subnet_in(&subnet_id(), u).unwrap().nsg.is_some());
    }

    #[test]
    fn a_reference_falls_back_to_another_deployment_by_name_not_order() {
        for order in [["net-b", "net-a"], ["net-a", "net-b"]] {
            let mut ws = ws();
            for name in order {
                ws.begin_unit(name, None, name);
                ws.subnets.push(subnet(1, "10.0.1.0/27", None));
            }
            let apim = ws.begin_unit("apim", None, "apim");
            ws.link();
            let s = ws.subnet_in(&subnet_id(), apim).unwrap();
            assert_eq!(ws.unit(s.meta.unit).unwrap().name, "net-a", "{order:?}");
            assert!(ws.subnet_ambiguity(&subnet_id(), apim).is_none());
        }
    }

    /// Two deployments that declare the referenced subnet differently, in resource groups
    /// the code does not name: neither is taken (the first by name used to hide the other).
    #[test]
    fn a_reference_to_declarations_that_differ_is_not_resolved() {
        for order in [["net-b", "net-a"], ["net-a", "net-b"]] {
            let mut ws = ws();
            for name in order {
                ws.begin_unit(name, None, name);
                let prefix = if name == "net-a" {
                    "10.0.1.0/27"
                } else {
                    "10.0.2.0/27"
                };
                ws.subnets.push(subnet(1, prefix, None));
            }
            let apim = ws.begin_unit("apim", None, "apim");
            ws.link();
            assert!(ws.subnet_in(&subnet_id(), apim).is_none(), "{order:?}");
            let why = ws.subnet_ambiguity(&subnet_id(), apim).unwrap();
            assert!(why.contains("2 deployments (net-a, net-b)"), "{why}");
        }
    }

    #[test]
    fn an_association_on_a_referenced_subnet_makes_it_known_in_its_deployment() {
        let mut ws = ws();
        let u = ws.begin_unit("apim", None, "apim");
        ws.associations.push(assoc(5, "nsg-apim"));
        ws.link();
        let s = ws.subnet_in(&subnet_id(), u).unwrap();
        assert_eq!(s.meta.unit, u);
        assert_eq!(s.nsg.as_ref().unwrap().get().unwrap(), &nsg_id("nsg-apim"));
        let reason = s.prefixes.val.as_ref().unwrap_err();
        assert!(
            reason.contains("declared outside the files checked"),
            "{reason}"
        );
        assert!(s.delegations.val.is_err() && s.service_endpoints.val.is_err());
    }

    #[test]
    fn an_association_on_another_deployments_subnet_fills_it_in_there() {
        let mut ws = ws();
        let net = ws.begin_unit("network", None, "network");
        ws.subnets.push(subnet(1, "10.0.1.0/27", None));
        let sec = ws.begin_unit("security", None, "security");
        ws.associations.push(assoc(2, "nsg-apim"));
        ws.link();
        let declared = ws.subnet_in(&subnet_id(), net).unwrap();
        assert!(declared.nsg.is_some());
        // The referencing deployment's own view has the NSG and the declared prefix.
        let seen = ws.subnet_in(&subnet_id(), sec).unwrap();
        assert_eq!(seen.meta.unit, sec);
        assert_eq!(seen.prefixes.get().unwrap()[0], "10.0.1.0/27");
        // A third deployment prefers the declaration with a known prefix.
        let other = ws.subnet_in(&subnet_id(), UnitId(99)).unwrap();
        assert_eq!(other.meta.unit, net);
    }

    #[test]
    fn children_apply_within_their_deployment() {
        let mut ws = ws();
        let rule = |name: &str, at: u32| SecurityRule {
            name: name.into(),
            decl: span(at),
            priority: Field::known(100, None),
            direction: Field::known(Direction::Inbound, None),
            access: Field::known(Access::Allow, None),
            protocol: Field::known("Tcp".into(), None),
            source_addresses: Field::known(vec!["ApiManagement".into()], None),
            source_ports: Field::known(vec!["*".into()], None),
            destination_addresses: Field::known(vec!["VirtualNetwork".into()], None),
            destination_ports: Field::known(vec!["3443".into()], None),
            plural_prefixes: Vec::new(),
            invalid: Vec::new(),
            faults: Vec::new(),
            deployed: None,
        };
        let key = ResKey::new(NSG, "n", Some("rg"));
        let a = ws.begin_unit("a", None, "a");
        ws.nsgs.push(Nsg {
            meta: meta(NSG, "n", 1),
            location: None,
            rules: vec![],
            rules_unknown: None,
        });
        ws.children.push(Child::Rule(key.clone(), rule("mgmt", 2)));
        let b = ws.begin_unit("b", None, "b");
        ws.nsgs.push(Nsg {
            meta: meta(NSG, "n", 3),
            location: None,
            rules: vec![],
            rules_unknown: None,
        });
        ws.link();
        assert_eq!(ws.nsg_in(&nsg_id("n"), a).unwrap().rules.len(), 1);
        assert!(ws.nsg_in(&nsg_id("n"), b).unwrap().rules.is_empty());
    }

    fn autoscale_of(at: u32, target: &str) -> Autoscale {
        Autoscale {
            meta: meta("Microsoft.Insights/autoscalesettings", "scale", at),
            target: Field::known(target.to_string(), Some(span(at))),
            enabled: Field::implicit(true, Some(span(at))),
            profiles: Vec::new(),
            profiles_unknown: None,
        }
    }
    fn apim_named(at: u32) -> Apim {
        Apim {
            meta: meta("Microsoft.ApiManagement/service", "apim", at),
            api_version: None,
            sku: Field::known("Premium".into(), None),
            vnet_type: Field::known("Internal".into(), None),
            locations: Vec::new(),
            locations_unknown: None,
            migration_ips: false,
            features: Default::default(),
            platform_version: None,
            public_network_access: None,
        }
    }

    #[test]
    fn an_autoscale_setting_scales_its_own_deployments_instance() {
        let id =
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/apim";
        let mut ws = ws();
        let dev = ws.begin_unit("dev", None, "dev");
        ws.apims.push(apim_named(1));
        ws.autoscales.push(autoscale_of(2, id));
        ws.begin_unit("prod", None, "prod");
        ws.apims.push(apim_named(3));
        // A third deployment only adds the setting to an instance declared elsewhere.
        ws.begin_unit("ops", None, "ops");
        ws.autoscales
            .push(autoscale_of(4, &id.replace("/apim", "/APIM")));
        ws.link();
        let of = |i: usize| -> Vec<u32> {
            ws.autoscales_of(&ws.apims[i])
                .map(|a| a.meta.decl.start)
                .collect()
        };
        assert_eq!(ws.apims[0].meta.unit, dev);
        assert_eq!(of(0), vec![2, 4], "dev: its own setting and ops' setting");
        assert_eq!(of(1), vec![4], "prod: not dev's setting, ops' setting");
    }

    #[test]
    fn a_subnet_finds_its_virtual_network_in_its_own_deployment() {
        let mut ws = ws();
        ws.begin_unit("a", None, "a");
        ws.vnets.push(Vnet {
            meta: meta("Microsoft.Network/virtualNetworks", "vnet", 1),
            location: None,
            dns_servers: Some(Field::known(vec!["10.0.0.10".into()], None)),
        });
        let b = ws.begin_unit("b", None, "b");
        ws.vnets.push(Vnet {
            meta: meta("Microsoft.Network/virtualNetworks", "vnet", 2),
            location: None,
            dns_servers: None,
        });
        ws.subnets.push(subnet(3, "10.0.1.0/27", None));
        ws.link();
        let s = ws.subnets.iter().find(|s| s.meta.unit == b).unwrap();
        assert_eq!(ws.vnet_of(s).unwrap().meta.decl.start, 2);
        assert!(ws.vnet_of(s).unwrap().dns_servers.is_none());
    }
}

#[cfg(test)]
mod fold_tests {
    use super::{add_new_names, replace_by_name};

    /// What link did before: each new entry replaces its namesakes one at a time.
    fn one_at_a_time(mut list: Vec<String>, new: Vec<String>) -> Vec<String> {
        for n in new {
            list.retain(|x| !x.eq_ignore_ascii_case(&n));
            list.push(n);
        }
        list
    }

    #[test]
    fn separate_children_replace_their_namesakes_as_one_at_a_time_did() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let cases = [
            (s(&["a", "b", "c"]), s(&["B", "d"])),
            (s(&["a", "a", "b"]), s(&["A"])),
            (s(&["a", "b"]), s(&["c", "C", "a", "c"])),
            (s(&[]), s(&["x", "y", "X"])),
            (s(&["a", "b"]), s(&[])),
        ];
        for (list, new) in cases {
            let mut fast = list.clone();
            replace_by_name(&mut fast, new.clone(), |x| x);
            assert_eq!(fast, one_at_a_time(list, new));
        }
    }

    #[test]
    fn merged_declarations_add_only_new_names() {
        let mut list = vec!["a".to_string(), "B".to_string()];
        let new = ["b", "c", "C", "d", "A"].map(String::from).to_vec();
        add_new_names(&mut list, new, |x| x);
        assert_eq!(list, ["a", "B", "c", "d"]);
    }
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
        *sku.alts_mut() = vec![];
        let mut mode: Field<String> = Field::unknown("x", None);
        *mode.alts_mut() = vec![
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
                unit: UnitId::NONE,
            },
            api_version: None,
            sku,
            vnet_type: mode,
            locations: vec![],
            locations_unknown: None,
            migration_ips: false,
            features: Default::default(),
            platform_version: None,
            public_network_access: None,
        });
        ws.link();
        let a = &ws.apims[0];
        let why = a.sku.val.as_ref().unwrap_err();
        assert!(
            why.contains("APIM_SKU") && why.ends_with("not a tier"),
            "{why}"
        );
        assert_eq!(a.vnet_type.alts().len(), 1);
        assert_eq!(a.meta.name, "apim");
    }
}

#[cfg(test)]
mod presence_tests {
    use super::*;

    fn choice(pred: &str) -> V {
        V::unknown("x has no value", None).with_alts(vec![
            (Cond::one(pred, "true"), V::int(1, None)),
            (Cond::one(pred, "false"), V::int(0, None)),
        ])
    }

    #[test]
    fn a_count_chosen_by_a_condition_deploys_in_the_branches_that_count_one() {
        let p = presence(&choice("var.x"), || unreachable!(), ("1 or more", "0")).unwrap();
        assert_eq!(
            p,
            vec![
                (Cond::one("var.x", "true"), true),
                (Cond::one("var.x", "false"), false)
            ]
        );
    }

    #[test]
    fn a_plain_unknown_is_a_choice_of_its_own_and_a_known_value_none() {
        let p = presence(
            &V::unknown("no value", None),
            || "the count of r".into(),
            ("1 or more", "0"),
        )
        .unwrap();
        assert_eq!(p[0], (Cond::one("the count of r", "1 or more"), true));
        assert_eq!(p[1], (Cond::one("the count of r", "0"), false));
        assert!(presence(&V::int(1, None), || unreachable!(), ("", "")).is_none());
        // Deployed in every branch (`var.x ? 1 : 2`): nothing to split.
        let always = V::unknown("x", None).with_alts(vec![
            (Cond::one("var.x", "true"), V::int(1, None)),
            (Cond::one("var.x", "false"), V::int(2, None)),
        ]);
        assert!(presence(&always, || unreachable!(), ("", "")).is_none());
    }

    #[test]
    fn both_conditions_deploy_only_where_both_hold() {
        let a = presence(&choice("a"), || unreachable!(), ("", ""));
        let b = presence(&choice("b"), || unreachable!(), ("", ""));
        let ab = both(a, b).unwrap();
        assert_eq!(ab.len(), 4);
        assert_eq!(ab.iter().filter(|(_, on)| *on).count(), 1);
        // The same choice twice pairs only with itself.
        let aa = both(
            presence(&choice("a"), || unreachable!(), ("", "")),
            presence(&choice("a"), || unreachable!(), ("", "")),
        )
        .unwrap();
        assert_eq!(aa.len(), 2);
    }

    #[test]
    fn a_gated_reference_is_null_where_its_holder_is_not_deployed() {
        let p = presence(&choice("var.attach"), || unreachable!(), ("", "")).unwrap();
        let id = V::str(
            "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/networkSecurityGroups/n",
            None,
        );
        let g = gated(&id, &p);
        let alts = g.alts().unwrap();
        assert_eq!(alts.len(), 2);
        assert!(alts
            .iter()
            .any(|(c, v)| c == &Cond::one("var.attach", "false") && v.is_null()));
        assert!(alts
            .iter()
            .any(|(c, v)| c == &Cond::one("var.attach", "true") && v.as_str().is_some()));
        // An unknown reference stays the unknown it is.
        let u = V::unknown("id has no value", None);
        assert_eq!(gated(&u, &p).unknown_reason(), Some("id has no value"));
    }
}

#[cfg(test)]
mod alternative_items_tests {
    use super::*;

    fn s(x: &str) -> V {
        V::str(x, None)
    }

    /// `strict ? [a, b] : [a]`: `a` is in both lists (deployed whatever the choice), `b` only
    /// where `strict` is true; a list past the bound stays unknown.
    #[test]
    fn shared_items_are_deployed_and_the_others_where_their_list_holds() {
        let yes = Cond::one("var.strict", "true");
        let no = Cond::one("var.strict", "false");
        let v = V::unknown("strict is unknown", None).with_alts(vec![
            (yes.clone(), V::arr(vec![s("a"), s("b")], None)),
            (no.clone(), V::arr(vec![s("a")], None)),
        ]);
        let items = alternative_items(&v).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].0.as_str(), Some("a"));
        assert!(items[0].1.is_none());
        assert_eq!(items[1].0.as_str(), Some("b"));
        assert_eq!(
            items[1].1,
            Some(vec![(yes.clone(), true), (no.clone(), false)])
        );
        assert!(alternative_items(&s("a")).is_none());
        let big = V::arr(
            (0..MAX_ALTERNATIVE_ITEMS)
                .map(|i| s(&i.to_string()))
                .collect(),
            None,
        );
        let v = V::unknown("u", None)
            .with_alts(vec![(yes, big.clone()), (no, V::arr(vec![s("x")], None))]);
        assert!(alternative_items(&v).is_none());
    }
}
