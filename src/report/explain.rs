//! `stv2lint explain`: renders an [`Explanation`] as a readable table (human), a stable JSON
//! document, or Markdown for a pull-request comment. The explanation is plain data built by the
//! rules layer; nothing here knows a rule.

use super::{clean, pos};
use crate::cli::ExplainFormat;
use crate::model::Workspace;
use crate::rules::explain::{
    Explanation, Fact, FlowRow, FlowVerdict, Link, PublicIpView, ResourceView, RouteRow,
    RouteVerdict, SiteView, SubnetView,
};
use crate::source::Span;
use serde_json::{json, Value};
use std::io::Write;

/// Lines of the human format stay within this many columns (wrapped text and locations move to
/// their own lines).
const WIDTH: usize = 100;

pub fn render(
    format: ExplainFormat,
    ex: &Explanation,
    ws: &Workspace,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        ExplainFormat::Human => human(ex, ws, out),
        ExplainFormat::Json => json_streamed(ex, ws, out, super::stream::CHUNK),
        ExplainFormat::Markdown => markdown(ex, ws, out),
    }
}

/// `file:line`, cleaned.
fn at(ws: &Workspace, span: Span) -> String {
    let p = pos(ws, span);
    format!("{}:{}", p.file, p.line)
}

/// `line N` when `span` is in the same file as `base` (a rule of the NSG shown above), else
/// `file:line`: keeps the table rows short.
fn at_near(ws: &Workspace, span: Span, base: Option<Span>) -> String {
    match base {
        Some(b) if b.file == span.file => format!("line {}", pos(ws, span).line),
        _ => at(ws, span),
    }
}

fn found_at<T>(l: &Link<T>, span: impl Fn(&T) -> Span) -> Option<Span> {
    match l {
        Link::Found(t) => Some(span(t)),
        _ => None,
    }
}

fn c(s: &str) -> String {
    clean(s).into_owned()
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "none".into()
    } else {
        c(&v.join(", "))
    }
}

fn fact_text<T>(f: &Fact<T>, show: impl Fn(&T) -> String) -> String {
    match &f.value {
        Ok(v) => show(v),
        Err(why) => format!("unknown ({})", c(why)),
    }
}

// Passed where an `Fn(&T)` over the fact's own type is expected.
#[allow(clippy::ptr_arg)]
fn plain(s: &String) -> String {
    c(s.trim())
}

/// `westeurope (primary)` / `northeurope (additional location)`.
fn place(s: &SiteView) -> String {
    let loc = match &s.location.value {
        Ok(l) => c(l),
        Err(_) => "location unknown".into(),
    };
    format!(
        "{loc} ({})",
        if s.primary {
            "primary"
        } else {
            "additional location"
        }
    )
}

/// `Premium, 2 units, zones 1, 2, External`.
fn instance_text(s: &SiteView) -> String {
    // Each unknown is named short here; its reason once, after the list.
    let mut why: Vec<String> = Vec::new();
    let mut short = |f_val: Result<String, &String>, what: &str| match f_val {
        Ok(v) => v,
        Err(e) => {
            let e = c(e);
            if !why.contains(&e) {
                why.push(e);
            }
            format!("{what} unknown")
        }
    };
    let tier = short(s.tier.value.as_ref().map(plain), "tier");
    let is_dev = tier.eq_ignore_ascii_case("developer");
    let units = if is_dev {
        "1 unit".to_string()
    } else {
        short(
            s.units
                .value
                .as_ref()
                .map(|n| format!("{n} unit{}", if *n == 1 { "" } else { "s" })),
            "units",
        )
    };
    let zones = match &s.zones {
        None => "no zones".to_string(),
        Some(z) => short(
            z.value.as_ref().map(|z| {
                if z.is_empty() {
                    "no zones".into()
                } else {
                    format!("zones {}", c(&z.join(" ")))
                }
            }),
            "zones",
        ),
    };
    let mode = short(s.mode.value.as_ref().map(plain), "mode");
    let mut text = format!("{tier}, {units}, {zones}, {mode}");
    if !why.is_empty() {
        text.push_str(&format!(" ({})", why.join("; ")));
    }
    text
}

fn subnet_lines(s: &SubnetView) -> Vec<String> {
    let mut first = format!("{} {}", c(&s.name), fact_text(&s.prefixes, |p| list(p)));
    if s.usable.is_none() && s.prefixes.value.is_ok() {
        first.push_str(" (not IPv4 CIDRs)");
    }
    let n = |v: Option<u64>| v.map_or("unknown".to_string(), |v| v.to_string());
    let others = match s.other_ips {
        0 => String::new(),
        k => format!(", other resources {k}"),
    };
    let sizes = format!(
        "{} usable IPs, footprint {} (all instances {}){others}, side by side {}, headroom {}",
        n(s.usable),
        n(s.footprint),
        n(s.total_footprint),
        n(s.side_by_side),
        s.headroom.map_or("unknown".to_string(), |h| h.to_string())
    );
    let more = format!(
        "delegation {}; service endpoints {}",
        fact_text(&s.delegations, |d| list(d)),
        fact_text(&s.service_endpoints, |d| list(d))
    );
    vec![first, sizes, more]
}

fn resource_text(r: &ResourceView, what: &str) -> String {
    match r.entries {
        Some(n) => format!(
            "{} ({n} {what}{})",
            c(&r.name),
            if n == 1 { "" } else { "s" }
        ),
        None => format!("{} ({what}s unknown)", c(&r.name)),
    }
}

fn pip_text(p: &PublicIpView) -> String {
    let opt = |f: &Option<Fact<String>>, none: &str| match f {
        None => none.to_string(),
        Some(f) => fact_text(f, plain),
    };
    let dns = match &p.dns_label {
        None => "no DNS label".to_string(),
        Some(f) => fact_text(f, |l| format!("DNS label {}", c(l))),
    };
    format!(
        "{} ({}, {}, {}, {dns})",
        c(&p.name),
        fact_text(&p.sku, plain),
        opt(&p.allocation, "allocation not set"),
        opt(&p.version, "IPv4"),
    )
}

/// The deciding rule in words: `AllowMgmt (priority 100, Allow)`, `DenyAllInbound (default rule, 65500, Deny)`.
fn rule_text(r: &FlowRow) -> String {
    match &r.rule {
        None => "-".into(),
        Some(d) => {
            let prio = d
                .priority
                .map_or("priority unknown".into(), |p| p.to_string());
            if d.default {
                format!("{} (default, {prio}, {})", c(&d.name), d.access)
            } else {
                format!("{} ({prio}, {})", c(&d.name), d.access)
            }
        }
    }
}

fn route_text(r: &RouteRow) -> (String, String, Option<Span>, Option<String>) {
    match &r.verdict {
        RouteVerdict::Route {
            name,
            prefix,
            next_hop,
            next_hop_ip,
            via: _,
            at,
        } => {
            let hop = fact_text(next_hop, plain);
            let (ip, why) = match next_hop_ip.as_ref().map(|f| &f.value) {
                None => (String::new(), None),
                Some(Ok(ip)) => (format!(" {}", c(ip.trim())), None),
                Some(Err(e)) => (
                    " (IP unknown)".to_string(),
                    Some(format!("the next hop IP address is unknown: {}", c(e))),
                ),
            };
            (
                format!("{} ({})", c(name), c(prefix)),
                format!("{hop}{ip}"),
                Some(*at),
                why,
            )
        }
        RouteVerdict::System => (
            "system route 0.0.0.0/0".into(),
            "Internet".into(),
            None,
            None,
        ),
        RouteVerdict::Unknown { reason, at } => {
            ("unknown".into(), "unknown".into(), *at, Some(c(reason)))
        }
    }
}

/// Words of `text` in lines of at most `width - indent` columns, each prefixed by `indent` spaces.
fn wrap(text: &str, indent: usize, width: usize) -> Vec<String> {
    let room = width.saturating_sub(indent).max(20);
    let mut lines = Vec::new();
    let mut cur = String::new();
    for w in text.split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + 1 + w.chars().count() > room {
            lines.push(format!("{}{cur}", " ".repeat(indent)));
            cur.clear();
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(w);
    }
    if !cur.is_empty() {
        lines.push(format!("{}{cur}", " ".repeat(indent)));
    }
    lines
}

/// `left` with `loc` right after it when both fit in [`WIDTH`], else `loc` on the next line.
fn with_loc(
    out: &mut dyn Write,
    left: &str,
    loc: Option<String>,
    indent: usize,
) -> std::io::Result<()> {
    let len = left.chars().count();
    match loc {
        None => writeln!(out, "{left}"),
        Some(l) if len + 2 + l.chars().count() <= WIDTH => writeln!(out, "{left}  {l}"),
        Some(l) => {
            writeln!(out, "{left}")?;
            writeln!(out, "{}at {l}", " ".repeat(indent))
        }
    }
}

/// A chain line: `  subnet       text …  file:line`, the text wrapped.
fn chain_line(
    out: &mut dyn Write,
    label: &str,
    text: &str,
    loc: Option<String>,
) -> std::io::Result<()> {
    let mut lines = wrap(text, 15, WIDTH);
    if lines.is_empty() {
        lines.push(" ".repeat(15));
    }
    let first = format!("  {label:<12} {}", lines[0].trim_start());
    if lines.len() == 1 {
        return with_loc(out, &first, loc, 15);
    }
    writeln!(out, "{first}")?;
    let last = lines.len() - 1;
    for (i, l) in lines.iter().enumerate().skip(1) {
        if i == last {
            with_loc(out, l, loc.clone(), 15)?;
        } else {
            writeln!(out, "{l}")?;
        }
    }
    Ok(())
}

fn link_line<T>(
    out: &mut dyn Write,
    ws: &Workspace,
    label: &str,
    l: &Link<T>,
    text: impl Fn(&T) -> (String, Span),
) -> std::io::Result<()> {
    match l {
        Link::Found(t) => {
            let (s, span) = text(t);
            chain_line(out, label, &s, Some(at(ws, span)))
        }
        Link::None => chain_line(out, label, "none", None),
        Link::Unknown { reason, at: a } => chain_line(
            out,
            label,
            &format!("unknown ({})", c(reason)),
            a.map(|s| at(ws, s)),
        ),
    }
}

fn title(s: &SiteView) -> String {
    format!("API Management '{}' — {}", c(&s.instance), place(s))
}

struct Counts {
    instances: usize,
    locations: usize,
    allowed: usize,
    blocked: usize,
    partly: usize,
    unknown: usize,
}

fn counts(ex: &Explanation) -> Counts {
    let mut seen: Vec<(&str, Span)> = Vec::new();
    for s in &ex.sites {
        if !seen.contains(&(s.resource.as_str(), s.at)) {
            seen.push((s.resource.as_str(), s.at));
        }
    }
    let n = |v: FlowVerdict| {
        ex.sites
            .iter()
            .flat_map(|s| &s.flows)
            .filter(|f| f.verdict == v)
            .count()
    };
    Counts {
        instances: seen.len(),
        locations: ex.sites.len(),
        allowed: n(FlowVerdict::Allowed),
        blocked: n(FlowVerdict::Blocked),
        partly: n(FlowVerdict::Partly),
        unknown: n(FlowVerdict::Unknown),
    }
}

fn summary_line(ex: &Explanation, ws: &Workspace) -> String {
    let k = counts(ex);
    let off: Vec<&str> = ws.switched_off().iter().map(|n| n.label.as_str()).collect();
    let names = off.join(", ");
    if k.instances == 0 {
        return if off.is_empty() {
            "no API Management instance found".into()
        } else {
            format!(
                "no API Management instance deployed with these inputs: {} declared but switched off ({names})",
                off.len()
            )
        };
    }
    let line = format!(
        "{} API Management instance{} ({} location view{}); required flows: {} allowed, {} blocked, {} partly, {} unknown",
        k.instances,
        if k.instances == 1 { "" } else { "s" },
        k.locations,
        if k.locations == 1 { "" } else { "s" },
        k.allowed,
        k.blocked,
        k.partly,
        k.unknown
    );
    if off.is_empty() {
        line
    } else {
        format!(
            "{line}; {} more declared but not deployed with these inputs ({names})",
            off.len()
        )
    }
}

fn human(ex: &Explanation, ws: &Workspace, out: &mut dyn Write) -> std::io::Result<()> {
    for s in &ex.sites {
        writeln!(out, "{}", title(s))?;
        if let Some(d) = &s.deployment {
            chain_line(out, "deployment", &c(d), None)?;
        }
        if let Some(a) = &s.alternative {
            chain_line(out, "alternative", &format!("when {}", c(a)), None)?;
        }
        chain_line(out, "instance", &instance_text(s), Some(at(ws, s.at)))?;
        if let Some(why) = &s.locations_unknown {
            chain_line(
                out,
                "",
                &format!("additional locations unknown ({})", c(why)),
                None,
            )?;
        }
        if let Some(why) = &s.not_checked {
            chain_line(out, "not checked", &c(why), None)?;
            writeln!(out)?;
            continue;
        }
        match &s.subnet {
            Link::Found(sv) => {
                let lines = subnet_lines(sv);
                chain_line(out, "subnet", &lines[0], Some(at(ws, sv.at)))?;
                for l in &lines[1..] {
                    chain_line(out, "", l, None)?;
                }
            }
            other => link_line(out, ws, "subnet", other, |_: &SubnetView| unreachable!())?,
        }
        link_line(out, ws, "NSG", &s.nsg, |r| (resource_text(r, "rule"), r.at))?;
        link_line(out, ws, "route table", &s.route_table, |r| {
            (resource_text(r, "route"), r.at)
        })?;
        link_line(out, ws, "public IP", &s.public_ip, |p| (pip_text(p), p.at))?;
        writeln!(out)?;
        writeln!(
            out,
            "  {:<4} {:<3} {:<9} {:<4} {:<17} {:<8} deciding rule",
            "flow", "dir", "ports", "prot", "peer", "verdict"
        )?;
        for f in &s.flows {
            let peer = if f.direction == "inbound" {
                &f.source
            } else {
                &f.destination
            };
            let row = format!(
                "  {:<4} {:<3} {:<9} {:<4} {:<17} {:<8}",
                c(&f.id),
                if f.direction == "inbound" {
                    "in"
                } else {
                    "out"
                },
                f.ports,
                c(&f.protocol),
                c(peer),
                f.verdict.as_str(),
            );
            let nsg_at = found_at(&s.nsg, |r| r.at);
            let loc = f
                .rule
                .as_ref()
                .and_then(|r| r.at)
                .map(|s| at_near(ws, s, nsg_at));
            let rule = rule_text(f);
            let whole = format!("{row} {rule}");
            let fits =
                whole.chars().count() + loc.as_ref().map_or(0, |l| 2 + l.chars().count()) <= WIDTH;
            if fits {
                with_loc(out, &whole, loc, 8)?;
            } else {
                // A long rule name: the rule on its own line.
                writeln!(out, "{}", row.trim_end())?;
                with_loc(out, &format!("        by {rule}"), loc, 8)?;
            }
            if let Some(why) = &f.reason {
                let text = match &s.nsg {
                    Link::Unknown { reason, .. } if reason == why => {
                        "the network security group is unknown (see above)".to_string()
                    }
                    _ => {
                        let mut text = c(why);
                        if let Some(a) = f.reason_at {
                            text.push_str(&format!(" ({})", at_near(ws, a, nsg_at)));
                        }
                        text
                    }
                };
                for l in wrap(&format!("- {text}"), 8, WIDTH) {
                    writeln!(out, "{l}")?;
                }
            }
        }
        writeln!(out)?;
        writeln!(out, "  {:<14} {:<38} next hop", "traffic to", "route")?;
        for r in &s.routes {
            let (route, hop, span, reason) = route_text(r);
            let left = format!("  {:<14} {:<38} {hop}", r.destination, route);
            let rt_at = found_at(&s.route_table, |r| r.at);
            let loc = span.map(|s| at_near(ws, s, rt_at));
            if left.chars().count() <= WIDTH {
                with_loc(out, &left, loc, 8)?;
            } else {
                // A long route name: the next hop on its own line.
                writeln!(out, "  {:<14} {route}", r.destination)?;
                with_loc(out, &format!("        next hop {hop}"), loc, 8)?;
            }
            if let Some(why) = reason {
                for l in wrap(&format!("- {why}"), 8, WIDTH) {
                    writeln!(out, "{l}")?;
                }
            }
        }
        writeln!(out)?;
    }
    for l in wrap(&summary_line(ex, ws), 0, WIDTH) {
        writeln!(out, "{l}")?;
    }
    Ok(())
}

fn fact_json<T>(ws: &Workspace, f: &Fact<T>, v: impl Fn(&T) -> Value) -> Value {
    let (file, line) = match f.at {
        Some(s) => {
            let p = pos(ws, s);
            (json!(p.file), json!(p.line))
        }
        None => (Value::Null, Value::Null),
    };
    match &f.value {
        Ok(x) => json!({"value": v(x), "unknown": null, "file": file, "line": line}),
        Err(why) => json!({"value": null, "unknown": c(why), "file": file, "line": line}),
    }
}

// Passed where an `Fn(&T)` over the fact's own type is expected.
#[allow(clippy::ptr_arg)]
fn s_json(s: &String) -> Value {
    json!(c(s.trim()))
}

// Passed where an `Fn(&T)` over the fact's own type is expected.
#[allow(clippy::ptr_arg)]
fn list_json(v: &Vec<String>) -> Value {
    json!(v.iter().map(|s| c(s.trim())).collect::<Vec<_>>())
}

fn place_json(ws: &Workspace, span: Option<Span>) -> (Value, Value) {
    match span {
        Some(s) => {
            let p = pos(ws, s);
            (json!(p.file), json!(p.line))
        }
        None => (Value::Null, Value::Null),
    }
}

fn link_json<T>(ws: &Workspace, l: &Link<T>, found: impl Fn(&T) -> Value) -> Value {
    match l {
        Link::Found(t) => {
            let mut v = found(t);
            v["status"] = json!("found");
            v
        }
        Link::None => json!({"status": "none"}),
        Link::Unknown { reason, at } => {
            let (file, line) = place_json(ws, *at);
            json!({"status": "unknown", "reason": c(reason), "file": file, "line": line})
        }
    }
}

fn opt_fact(ws: &Workspace, f: &Option<Fact<String>>) -> Value {
    f.as_ref().map_or(Value::Null, |f| fact_json(ws, f, s_json))
}

/// The `--format json` document (README: "explain JSON"; add fields, never rename).
pub fn to_value(ex: &Explanation, ws: &Workspace) -> Value {
    let sites: Vec<Value> = ex.sites.iter().map(|s| site_json(ws, s)).collect();
    doc(ex, ws, Value::Array(sites))
}

/// The document around its `locations`.
fn doc(ex: &Explanation, ws: &Workspace, sites: Value) -> Value {
    let k = counts(ex);
    json!({
        "version": 1,
        "locations": sites,
        "summary": {
            "instances": k.instances, "locations": k.locations,
            "instances_not_deployed": ws.switched_off().len(),
            "flows": {"allowed": k.allowed, "blocked": k.blocked, "partly": k.partly, "unknown": k.unknown},
        },
    })
}

/// Written as [`to_value`] prints, streamed ([`super::stream`]).
fn json_streamed(
    ex: &Explanation,
    ws: &Workspace,
    out: &mut dyn Write,
    chunk: usize,
) -> std::io::Result<()> {
    let (before, after) = super::stream::frame(&doc(ex, ws, super::stream::mark()), "locations")?;
    out.write_all(&before)?;
    super::stream::array(out, 2, &ex.sites, chunk, |s, item| {
        item.print(&site_json(ws, s))
    })?;
    out.write_all(&after)?;
    writeln!(out)
}

/// One explained location.
fn site_json(ws: &Workspace, s: &SiteView) -> Value {
    let p = pos(ws, s.at);
    let flows: Vec<Value> = s
        .flows
        .iter()
        .map(|f| {
            let rule = f.rule.as_ref().map_or(Value::Null, |r| {
                let (file, line) = place_json(ws, r.at);
                json!({
                    "name": c(&r.name), "priority": r.priority, "access": r.access,
                    "default": r.default, "file": file, "line": line,
                })
            });
            let (rf, rl) = place_json(ws, f.reason_at);
            json!({
                "id": c(&f.id), "title": c(&f.title), "direction": f.direction,
                "ports": f.ports, "protocol": c(&f.protocol),
                "source": c(&f.source), "destination": c(&f.destination),
                "verdict": f.verdict.as_str(), "rule": rule,
                "reason": f.reason.as_deref().map(c),
                "reason_file": rf, "reason_line": rl,
            })
        })
        .collect();
    let routes: Vec<Value> = s
        .routes
        .iter()
        .map(|r| match &r.verdict {
            RouteVerdict::Route {
                name,
                prefix,
                next_hop,
                next_hop_ip,
                via,
                at,
            } => {
                let p = pos(ws, *at);
                json!({
                    "destination": r.destination, "kind": "route",
                    "route": {
                        "name": c(name), "prefix": c(prefix), "via": via,
                        "next_hop": fact_json(ws, next_hop, s_json),
                        "next_hop_ip": opt_fact(ws, next_hop_ip),
                        "file": p.file, "line": p.line,
                    },
                    "next_hop": next_hop.value.as_ref().ok().map(|h| c(h.trim())),
                    "reason": null, "reason_file": null, "reason_line": null,
                })
            }
            RouteVerdict::System => json!({
                "destination": r.destination, "kind": "system", "route": null,
                "next_hop": "Internet",
                "reason": null, "reason_file": null, "reason_line": null,
            }),
            RouteVerdict::Unknown { reason, at } => {
                let (file, line) = place_json(ws, *at);
                json!({
                    "destination": r.destination, "kind": "unknown", "route": null,
                    "next_hop": null,
                    "reason": c(reason), "reason_file": file, "reason_line": line,
                })
            }
        })
        .collect();
    let subnet = link_json(ws, &s.subnet, |sv| {
        let p = pos(ws, sv.at);
        json!({
            "name": c(&sv.name), "resource": c(&sv.resource),
            "file": p.file, "line": p.line,
            "prefixes": fact_json(ws, &sv.prefixes, list_json),
            "usable_ips": sv.usable, "footprint": sv.footprint,
            "total_footprint": sv.total_footprint, "other_ips": sv.other_ips,
            "side_by_side_need": sv.side_by_side, "headroom": sv.headroom,
            "delegations": fact_json(ws, &sv.delegations, list_json),
            "service_endpoints": fact_json(ws, &sv.service_endpoints, list_json),
        })
    });
    let resource = |key: &'static str| {
        move |r: &ResourceView| {
            let p = pos(ws, r.at);
            let mut v = json!({
                "name": c(&r.name), "resource": c(&r.resource),
                "file": p.file, "line": p.line,
            });
            v[key] = json!(r.entries);
            v
        }
    };
    let pip = link_json(ws, &s.public_ip, |pv: &PublicIpView| {
        let p = pos(ws, pv.at);
        json!({
            "name": c(&pv.name), "resource": c(&pv.resource),
            "file": p.file, "line": p.line,
            "sku": fact_json(ws, &pv.sku, s_json),
            "allocation": opt_fact(ws, &pv.allocation),
            "version": opt_fact(ws, &pv.version),
            "dns_label": opt_fact(ws, &pv.dns_label),
        })
    });
    json!({
        "instance": c(&s.instance), "resource": c(&s.resource),
        "file": p.file, "line": p.line,
        "deployment": s.deployment.as_deref().map(c),
        "alternative": s.alternative.as_deref().map(c),
        "location": fact_json(ws, &s.location, s_json),
        "primary": s.primary,
        "tier": fact_json(ws, &s.tier, s_json),
        "units": fact_json(ws, &s.units, |n| json!(n)),
        "zones": s.zones.as_ref().map_or(Value::Null, |z| fact_json(ws, z, list_json)),
        "mode": fact_json(ws, &s.mode, s_json),
        "not_checked": s.not_checked.as_deref().map(c),
        "locations_unknown": s.locations_unknown.as_deref().map(c),
        "subnet": subnet,
        "nsg": link_json(ws, &s.nsg, resource("rules")),
        "route_table": link_json(ws, &s.route_table, resource("routes")),
        "public_ip": pip,
        "flows": flows,
        "routes": routes,
    })
}

/// A Markdown table cell: no line breaks, `|` escaped.
fn cell(s: &str) -> String {
    c(s).replace('|', "\\|").replace('\n', " ")
}

fn md_at(ws: &Workspace, span: Option<Span>) -> String {
    span.map_or(String::new(), |s| {
        format!("`{}`", at(ws, s).replace('`', "'"))
    })
}

fn md_link<T>(
    ws: &Workspace,
    l: &Link<T>,
    text: impl Fn(&T) -> (String, Span),
) -> (String, String) {
    match l {
        Link::Found(t) => {
            let (s, span) = text(t);
            (cell(&s), md_at(ws, Some(span)))
        }
        Link::None => ("none".into(), String::new()),
        Link::Unknown { reason, at } => (cell(&format!("unknown ({reason})")), md_at(ws, *at)),
    }
}

fn markdown(ex: &Explanation, ws: &Workspace, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "## stv2lint explain")?;
    writeln!(out)?;
    writeln!(out, "{}", cell(&summary_line(ex, ws)))?;
    for s in &ex.sites {
        writeln!(out)?;
        writeln!(out, "### {}", cell(&title(s)))?;
        writeln!(out)?;
        if let Some(d) = &s.deployment {
            writeln!(out, "Deployment: `{}`  ", c(d).replace('`', "'"))?;
        }
        if let Some(a) = &s.alternative {
            writeln!(out, "Alternative: when {}  ", cell(a))?;
        }
        if s.deployment.is_some() || s.alternative.is_some() {
            writeln!(out)?;
        }
        writeln!(out, "| | | where |")?;
        writeln!(out, "|---|---|---|")?;
        writeln!(
            out,
            "| instance | {} | {} |",
            cell(&instance_text(s)),
            md_at(ws, Some(s.at))
        )?;
        if let Some(why) = &s.locations_unknown {
            writeln!(out, "| | additional locations unknown ({}) | |", cell(why))?;
        }
        if let Some(why) = &s.not_checked {
            writeln!(out, "| not checked | {} | |", cell(why))?;
            continue;
        }
        let (t, w) = md_link(ws, &s.subnet, |sv: &SubnetView| {
            (subnet_lines(sv).join("; "), sv.at)
        });
        writeln!(out, "| subnet | {t} | {w} |")?;
        let (t, w) = md_link(ws, &s.nsg, |r| (resource_text(r, "rule"), r.at));
        writeln!(out, "| NSG | {t} | {w} |")?;
        let (t, w) = md_link(ws, &s.route_table, |r| (resource_text(r, "route"), r.at));
        writeln!(out, "| route table | {t} | {w} |")?;
        let (t, w) = md_link(ws, &s.public_ip, |p| (pip_text(p), p.at));
        writeln!(out, "| public IP | {t} | {w} |")?;
        writeln!(out)?;
        writeln!(
            out,
            "| flow | direction | ports | protocol | from → to | verdict | deciding rule | where |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|---|")?;
        for f in &s.flows {
            let mut verdict = format!("**{}**", f.verdict.as_str());
            match (&f.reason, &s.nsg) {
                (Some(why), Link::Unknown { reason, .. }) if reason == why => {
                    verdict.push_str(": the NSG is unknown (see above)");
                }
                (Some(why), _) => {
                    verdict.push_str(&format!(": {}", cell(why)));
                    if let Some(a) = f.reason_at {
                        verdict.push_str(&format!(" ({})", md_at(ws, Some(a))));
                    }
                }
                _ => {}
            }
            writeln!(
                out,
                "| {} {} | {} | {} | {} | {} → {} | {} | {} | {} |",
                cell(&f.id),
                cell(&f.title),
                f.direction,
                f.ports,
                cell(&f.protocol),
                cell(&f.source),
                cell(&f.destination),
                verdict,
                cell(&rule_text(f)),
                md_at(ws, f.rule.as_ref().and_then(|r| r.at))
            )?;
        }
        writeln!(out)?;
        writeln!(out, "| traffic to | route | next hop | where |")?;
        writeln!(out, "|---|---|---|---|")?;
        for r in &s.routes {
            let (route, hop, span, reason) = route_text(r);
            let route = match reason {
                Some(why) => format!("{route}: {why}"),
                None => route,
            };
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                r.destination,
                cell(&route),
                cell(&hop),
                md_at(ws, span)
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The streamed document is the document printed as one value, on any number of workers
    /// and chunks, and with no location at all.
    #[test]
    fn the_json_in_chunks_is_the_json_in_one_piece() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/arm");
        let opts = crate::CheckOptions::default();
        let pool = crate::parallel::pool(3).unwrap();
        let many = crate::check(std::slice::from_ref(&dir), &opts);
        for o in [many, crate::check(&[], &opts)] {
            let ex = crate::rules::explain::explain(&o.ws, &opts.rules);
            assert!(ex.sites.len() > 100 || ex.sites.is_empty());
            let whole = serde_json::to_string_pretty(&to_value(&ex, &o.ws)).unwrap() + "\n";
            for chunk in [1, 2, 256] {
                let mut out = Vec::new();
                pool.install(|| json_streamed(&ex, &o.ws, &mut out, chunk))
                    .unwrap();
                assert_eq!(String::from_utf8(out).unwrap(), whole, "chunks of {chunk}");
            }
        }
    }
}
